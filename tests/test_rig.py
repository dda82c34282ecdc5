"""The namespace rig itself: set-up, teardown, dnsmasq, loss, both interpreters."""
import os
import subprocess

import pytest

import rig


def _netns():
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def _root_links():
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    return sorted(line.split(":")[1].strip() for line in out.splitlines())


def test_lab_creates_and_removes_namespaces():
    rig.need_root()
    links_before = _root_links()
    with rig.Lab() as lab:
        names = _netns()
        assert lab.server_ns in names and lab.client_ns in names
        assert lab.server_ns != lab.client_ns
        srv = lab.run(["ip", "-o", "addr", "show", "dev", lab.server_if], ns="server").stdout
        assert "inet 192.0.2.1/24" in srv
        cli = lab.run(["ip", "-o", "addr", "show", "dev", lab.client_if]).stdout
        assert "inet " not in cli and "state UP" in lab.run(
            ["ip", "-o", "link", "show", lab.client_if]).stdout
        assert "UP" in lab.run(["ip", "-o", "link", "show", "lo"], ns="server").stdout
        assert len(lab.client_mac) == 6
        lab.client_addr("192.0.2.50")
        assert "inet 192.0.2.50/24" in lab.run(["ip", "-o", "addr", "show", "dev",
                                                lab.client_if]).stdout
        lab.client_flush()
        assert _root_links() == links_before  # nothing added to the root namespace
        tmp = lab.tmp
    names = _netns()
    assert lab.server_ns not in names and lab.client_ns not in names
    assert not os.path.exists(tmp)
    assert _root_links() == links_before


def test_teardown_on_error_kills_only_our_processes():
    rig.need_root()
    with pytest.raises(KeyboardInterrupt):
        with rig.Lab() as lab:
            p = lab.start(["sleep", "300"], ns="server")
            q = lab.start(["sh", "-c", "sleep 300 & wait"], ns="client")
            assert p.poll() is None and q.poll() is None
            raise KeyboardInterrupt
    assert p.poll() is not None and q.poll() is not None
    names = _netns()
    assert lab.server_ns not in names and lab.client_ns not in names


def test_two_labs_side_by_side(lab):
    with rig.Lab() as other:
        assert other.server_ns != lab.server_ns
        assert other.server_if == lab.server_if  # same names, separate namespaces


@pytest.mark.parametrize("interp", ["python", "micropython"])
def test_dnsmasq_offers_to_a_discover(lab, interp):
    lab.dnsmasq("192.0.2.100", "192.0.2.149")
    xid = os.urandom(4)
    replies = rig.exchange(lab, [rig.bootp_discover(lab.client_mac, xid)], interp=interp)
    assert len(replies) == 1, replies
    r = replies[0]
    assert r[0] == 2 and r[4:8] == xid and r[28:34] == lab.client_mac
    opts = rig.dhcp_options(r)
    assert opts[53] == b"\x02"  # OFFER
    assert opts[54] == bytes([192, 0, 2, 1])
    yiaddr = rig.ip4(r[16:20])
    assert yiaddr.startswith("192.0.2.") and 100 <= r[19] <= 149, yiaddr


def test_request_gets_ack_and_lease_file(lab):
    lab.dnsmasq("192.0.2.100", "192.0.2.149", lease="2m")
    xid = os.urandom(4)
    offer, = rig.exchange(lab, [rig.bootp_discover(lab.client_mac, xid)])
    req = rig.bootp_request(lab.client_mac, xid, offer[16:20], rig.dhcp_options(offer)[54])
    ack, = rig.exchange(lab, [req])
    opts = rig.dhcp_options(ack)
    assert opts[53] == b"\x05" and ack[16:20] == offer[16:20]
    assert int.from_bytes(opts[51], "big") == 120
    with open(os.path.join(lab.tmp, "dnsmasq.leases")) as f:
        assert rig.ip4(offer[16:20]) in f.read()


def test_snippet_runs_in_client_namespace_under_both(lab):
    code = "import socket\nprint('ok')\n"
    assert lab.python(code).stdout.strip() == "ok"
    assert lab.python(code, interp="micropython").stdout.strip() == "ok"
    out = lab.run(["cat", "/proc/net/dev"]).stdout
    assert lab.client_if in out and lab.server_if not in out


def test_loss_drops_replies(lab):
    lab.dnsmasq()
    lab.loss(100)
    disc = rig.bootp_discover(lab.client_mac, os.urandom(4))
    assert rig.exchange(lab, [disc], timeout=0.5) == []
    lab.loss(0)
    assert len(rig.exchange(lab, [disc])) == 1
    lab.loss(30)
    rules = lab.run(["nft", "list", "ruleset"], ns="server").stdout
    assert "numgen random mod 100 < 30" in rules and lab.server_if in rules
    lab.loss(100, side="client")
    assert rig.exchange(lab, [disc], timeout=0.5) == []
