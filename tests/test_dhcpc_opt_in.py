"""The daemon's opt-in extensions against dnsmasq (issue 16, item 7):
--rapid-commit (RFC 4039), --v6only (RFC 8925) and --clientid-rfc4361."""
import time

from dhcpcrig import Run


def test_rapid_commit_two_messages(lab):
    srv = lab.dnsmasq(extra_conf=["dhcp-rapid-commit"])
    r = Run(lab, ["-q", "-f", "--rapid-commit"])
    res = r.run()
    assert res.returncode == 0, res.stderr
    log = lab.log(srv)
    assert "DHCPDISCOVER" in log and "DHCPACK" in log, log
    assert "DHCPOFFER" not in log and "DHCPREQUEST" not in log, log
    assert r.actions()[-1][0] == "bound"


def test_without_the_flag_no_rapid_commit(lab):
    srv = lab.dnsmasq(extra_conf=["dhcp-rapid-commit"])
    r = Run(lab, ["-q", "-f"])
    assert r.run().returncode == 0
    assert "DHCPOFFER" in lab.log(srv) and "DHCPREQUEST" in lab.log(srv)


def test_v6only_configures_no_ipv4_and_tells_the_script(lab):
    srv = lab.dnsmasq(extra_conf=["dhcp-option-force=108,00:00:07:08"])   # 1800 s
    r = Run(lab, ["-f", "--v6only"]).start()
    env = r.wait_action("v6only")
    assert env["v6only_wait"] == "1800" and env["serverid"] == "192.0.2.1"
    time.sleep(0.3)
    assert "bound" not in r.names()
    assert "DHCPREQUEST" not in lab.log(srv)
    out = lab.run(["ip", "-4", "-o", "addr", "show", "dev", lab.client_if]).stdout
    assert "inet " not in out, out
    assert "prefers IPv6-only" in r.log()


def test_v6only_ignored_without_the_flag(lab):
    lab.dnsmasq(extra_conf=["dhcp-option-force=108,00:00:07:08"])
    r = Run(lab, ["-q", "-f"])
    assert r.run().returncode == 0
    assert r.names()[-1] == "bound"


def test_rfc4361_client_identifier(lab):
    lab.dnsmasq()
    r = Run(lab, ["-q", "-f", "--clientid-rfc4361"])
    assert r.run().returncode == 0
    mac = lab.run(["cat", "/sys/class/net/{}/address".format(lab.client_if)]).stdout.strip()
    want = "ff:" + ":".join(mac.split(":")[2:]) + ":00:03:00:01:" + mac
    leases = open(lab.tmp + "/dnsmasq.leases").read()
    assert want in leases, (want, leases)
