"""RFC 3442 classless routes through the daemon and our default script
(issue 16, item 4): option 121 is asked for, and when the server sends it,
every route in it is installed and option 3 is ignored; without it, option
3 gives the default route as before. dnsmasq sends 121 and 3 that disagree."""
import re

from dhcpcrig import Run


def routes(lab):
    return lab.run(["ip", "-4", "route", "show", "dev", lab.client_if]).stdout


ROUTES121 = "dhcp-option=121,198.51.100.0/24,192.0.2.254,0.0.0.0/0,192.0.2.253"


def test_classless_routes_win_over_option_3(lab):
    srv = lab.dnsmasq(extra_conf=[ROUTES121, "dhcp-option=3,192.0.2.1"])
    # the recording script runs our default script after taking the env
    rec = Run(lab, ["-q", "-f", "--control", ""], name="record")
    res = rec.run()
    assert res.returncode == 0, res.stderr
    env = rec.actions()[-1][1]
    assert env["staticroutes"] == "198.51.100.0/24 192.0.2.254 0.0.0.0/0 192.0.2.253"
    assert env["router"] == "192.0.2.1"                    # still passed: udhcpc's ABI
    assert re.search(r"requested options:.*classless-static-route", lab.log(srv)), lab.log(srv)
    out = routes(lab)
    assert "default via 192.0.2.253" in out, out
    assert "198.51.100.0/24 via 192.0.2.254" in out, out
    assert "via 192.0.2.1 " not in out, out


def test_without_121_option_3_is_the_default_route(lab):
    lab.dnsmasq(extra_conf=["dhcp-option=3,192.0.2.1"])
    rec = Run(lab, ["-q", "-f", "--control", ""], name="record")
    assert rec.run().returncode == 0
    assert "staticroutes" not in rec.actions()[-1][1]
    assert "default via 192.0.2.1" in routes(lab), routes(lab)
