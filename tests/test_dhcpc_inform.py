"""DHCPINFORM (issue 16, item 5): `dhcpc --inform ADDR` for an address
configured by other means, against the four real servers; the parameters
reach the script (action `inform`) and `state`; the control command
`inform` asks again. A reply never becomes a lease (RFC 2131 §4.3.5)."""
import json
import os
import subprocess
import time

import pytest

import rig
import servers
from dhcpcrig import Run

ADDR = "192.0.2.50"


def configure(lab):
    """The address set by other means, as --inform expects."""
    lab.run(["ip", "addr", "add", ADDR + "/24", "dev", lab.client_if])


def dhcpctl(sock, *args):
    r = subprocess.run(rig.interpreter("python") + [
        os.path.join(rig.REPO, "host", "dhcpctl.py"), "--socket", sock, "--json"] + list(args),
        capture_output=True, text=True, timeout=20,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([rig.SHARED,
                                                         os.path.join(rig.REPO, "host")])))
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("server", servers.ALL)
def test_inform_gets_the_parameters_and_no_lease(lab, server):
    srv = servers.start(lab, server)
    configure(lab)
    r = Run(lab, ["-q", "-f", "--inform", ADDR])
    res = r.run()
    assert res.returncode == 0, res.stderr
    names = r.names()
    assert names == ["inform"], (names, res.stderr)      # no deconfig: not ours to flush
    env = r.actions()[-1][1]
    assert env["ip"] == ADDR and env["serverid"] == "192.0.2.1"
    assert env["router"] == servers.ROUTER
    if server != "dnsmasq":                                # (its DNS is off in the rig)
        assert env["dns"] == servers.DNS
    assert "lease" not in env                              # no lease, whatever was sent
    assert not os.path.exists(r.leasefile)
    out = lab.run(["ip", "-4", "-o", "addr", "show", "dev", lab.client_if]).stdout
    assert ADDR + "/24" in out                             # left as it was
    if server != "udhcpd":                                 # udhcpd does not log it
        assert "INFORM" in lab.log(srv).upper(), lab.log(srv)


def test_inform_in_state_and_again_by_control_command(lab):
    srv = lab.dnsmasq()
    configure(lab)
    r = Run(lab, ["-f", "--inform", ADDR]).start()
    r.wait_action("inform")
    sock = r.cmd[r.cmd.index("--control") + 1]
    deadline = time.monotonic() + 5       # opened at the first quiet moment
    while not os.path.exists(sock) and time.monotonic() < deadline:
        time.sleep(0.05)
    st = dhcpctl(sock, "state")
    assert st["state"] == "STOPPED" and st["lease"] is None
    assert st["informed"]["address"] == ADDR and st["informed"]["lease_time"] is None
    assert st["informed"]["server_id"] == "192.0.2.1"
    assert dhcpctl(sock, "inform", ADDR) == {"state": "INFORMING"}
    r.wait_action("inform", count=2)
    assert lab.log(srv).upper().count("DHCPINFORM") >= 2


def test_inform_unanswered_is_leasefail_and_n_exits_1(lab):
    configure(lab)
    r = Run(lab, ["-n", "-f", "-t", "2", "-T", "1", "--inform", ADDR])
    res = r.run()
    assert res.returncode == 1, res.stderr
    assert r.names() == ["leasefail"]


def test_inform_flag_needs_an_address():
    for bad in ("192.0.2", "x", "-"):
        r = subprocess.run(rig.interpreter("python") + ["-I", "-S", os.path.join(
            rig.REPO, "host", "dhcpc"), "--inform", bad], capture_output=True, text=True)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--inform" in r.stderr
