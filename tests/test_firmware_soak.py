"""The firmware on the virtual board over many renewals and through an
interface taken away and given back (issue 17, item 5, the board part).

The board is tests/test_firmware.py's VBoard: the i386 firmware image
(dhcp4c and the board library frozen in) in the rig's client namespace,
flashed with `make flash`, its console logged. The renewals go through one
control connection (dhcpctl's Session: `renew`, then the `lease` event),
so a few hundred take seconds rather than a dhcpctl process each; the heap
figures are firmware/main.py's console line at each lease event, the heap
in use after a collection. bench/soak_board.py runs the same for 1000
renewals and prints the figures.
"""
import os
import re
import sys
import time

import pytest

import rig
from test_firmware import VBoard, addrs

sys.path.insert(0, os.path.join(rig.REPO, "host"))
import dhcpctl  # noqa: E402

HEAP_LINE = re.compile(r"dhcp4c: (\w+) (\S+) heap (\d+)")


class Session:
    """One control connection to the board, subscribed to its events."""

    def __init__(self, board, timeout=5.0):
        self.board = board
        self.link = dhcpctl.open_serial(board.port, 115200)
        self.s = dhcpctl.Session(self.link, timeout=timeout)
        self.s.request("subscribe")

    def request(self, cmd, args=None):
        return self.s.request(cmd, args)

    def wait_lease(self, kind, timeout=10.0):
        """The next `lease` event of `kind`; AssertionError after `timeout` s."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            assert left > 0, "no {} lease event in {} s:\n{}".format(
                kind, timeout, self.board.console()[-2000:])
            for e in self.s.wait_events(left):
                if e.get("event") == "lease" and e.get("kind") == kind:
                    return e

    def close(self):
        self.link.close()


def heap_lines(board):
    """[(kind, address, heap bytes)] from the console, oldest first."""
    return [(m.group(1), m.group(2), int(m.group(3)))
            for m in HEAP_LINE.finditer(board.console())]


def renewals(sess, n):
    """`renew` n times, each waited for (its `renewed` event)."""
    for i in range(n):
        r = sess.request("renew")
        assert r["state"] == "RENEWING", (i, r)
        sess.wait_lease("renewed")


def wait_heap_lines(board, count, timeout=10.0):
    """The console's heap lines once there are `count` (the event frame can
    come before main.py's line reaches the log)."""
    end = time.monotonic() + timeout
    while True:
        h = heap_lines(board)
        if len(h) >= count or time.monotonic() > end:
            return h
        time.sleep(0.05)


def ifindex(lab):
    """The board's interface's index in its namespace."""
    return int(lab.run(["cat", "/sys/class/net/{}/ifindex".format(lab.client_if)]).stdout)


def move_interface_away_and_back(lab, sess, srv):
    """Move the board's interface into the server namespace and back, then
    bring it up: it returns down and without its address, with a new index
    when its own is taken in the server namespace (the first time: both
    ends of the rig's veth are number 2 in their namespaces). Returns srv."""
    lab.run(["ip", "link", "set", lab.client_if, "netns", lab.server_ns])
    wait_state(sess, "LINK_DOWN", 10)
    lab.run(["ip", "link", "set", lab.client_if, "netns", lab.client_ns], ns="server")
    lab.run(["ip", "link", "set", lab.client_if, "up"])
    return srv


def recreate_interface(lab, sess, srv):
    """Delete the veth pair and create it again with the same names and the
    board's MAC (the index is the kernel's choice: the old one when it is
    free and next in line); dnsmasq, whose interface went with it, is
    started again on the new one, its lease file kept. Returns the new
    dnsmasq."""
    lab.stop(srv)
    lab.run(["ip", "link", "del", lab.client_if])
    wait_state(sess, "LINK_DOWN", 10)
    mac = ":".join("{:02x}".format(x) for x in lab.client_mac)
    rig._ip("link", "add", lab.server_if, "netns", lab.server_ns, "type", "veth",
            "peer", "name", lab.client_if, "address", mac, "netns", lab.client_ns)
    lab.run(["ip", "addr", "add", "{}/24".format(lab.server_ip), "dev", lab.server_if],
            ns="server")
    lab.run(["ip", "link", "set", lab.server_if, "up"], ns="server")
    srv = lab.dnsmasq()
    lab.run(["ip", "link", "set", lab.client_if, "up"])
    return srv


def away_and_back(lab, sess, srv, how):
    """Take the interface away and give it back (`how`: move_interface_away_and_back
    or recreate_interface); wait until the board has its lease confirmed
    (the `renewed` of INIT-REBOOT). Returns (srv, True when the interface
    came back with another index: the board's socket, bound to the old
    one, was dead)."""
    before = ifindex(lab)
    srv = how(lab, sess, srv)
    changed = ifindex(lab) != before
    sess.wait_lease("renewed", 15)
    return srv, changed


def wait_state(sess, want, timeout):
    end = time.monotonic() + timeout
    st = None
    while time.monotonic() < end:
        st = sess.request("state")
        if st["state"] == want:
            return st
        time.sleep(0.1)
    raise AssertionError("board not {} after {} s: {}\n{}".format(
        want, timeout, st, sess.board.console()[-2000:]))


# The standalone firmware (main.py: a superloop on poll()) and an asyncio
# application (run(): the socket's reader is a task of its own).
@pytest.mark.parametrize("app", [None, "examples/asyncio_app.py"], ids=["poll", "asyncio"])
def test_interface_gone_and_back_reopens_the_socket(lab, app):
    """The board is bound; its interface is taken away and given back, three
    times: moved out of its namespace and back twice, then deleted and
    created again. Each time it comes back down and without its address.
    When it comes back with another index, the board's socket (bound to the
    old one) is dead: the next send fails (ENODEV), the board counts it,
    closes the socket and opens a new one. Either way the board confirms
    its lease (INIT-REBOOT: a REQUEST, no DISCOVER), puts the address back
    on the interface and renews through the socket it has."""
    srv = first = lab.dnsmasq()
    b = VBoard(lab)
    b.flash(app=app)
    sess = Session(b)
    try:
        ip = wait_state(sess, "BOUND", 20)["lease"]["address"]
        assert sess.request("stats")["link"] == {
            "socket_errors": 0, "reopened": 0, "reopen_failed": 0}
        lost = 0
        for how in (move_interface_away_and_back, move_interface_away_and_back,
                    recreate_interface):
            srv, changed = away_and_back(lab, sess, srv, how)
            lost += changed
            st = wait_state(sess, "BOUND", 5)
            assert st["lease"]["address"] == ip
            assert addrs(lab) == [ip + "/24"]              # given back its address
            link = sess.request("stats")["link"]
            assert link == {"socket_errors": lost, "reopened": lost, "reopen_failed": 0}, (
                how.__name__, changed, link)
            log = lab.log(srv)
            assert log.count("DHCPDISCOVER") == (srv is first)    # the lease was kept
            reqs = log.count("DHCPREQUEST")
            renewals(sess, 3)                              # the socket works
            assert lab.log(srv).count("DHCPREQUEST") == reqs + 3
        assert lost >= 1                    # the first move: both ends were number 2
        rig.REPORT.append("firmware ({}): interface away and back 3 times, a new index {} times,"
                          " the socket reopened {} times".format(app or "main.py", lost,
                                                                 link["reopened"]))
        assert "dhcp4c: error OSError: [Errno 19]" in b.console()   # the loss was reported
        assert sess.request("stats", {"reset": True})["link"]["reopened"] == lost
        assert sess.request("stats")["link"]["reopened"] == 0
    finally:
        sess.close()


SOAK = 1000         # renewals
WARM = 20           # the first ones: the heap settles (caches, the allocator's holes)


def test_soak_renewals_heap_flat(lab):
    """SOAK renewals through the control channel: the heap after a
    collection (main.py's line at each `renewed`) does not grow after the
    first WARM, beyond the allocator's noise (a couple of 16-byte blocks),
    and the board is still bound and answering at the end."""
    lab.dnsmasq()
    b = VBoard(lab)
    b.flash()
    sess = Session(b)
    try:
        wait_state(sess, "BOUND", 20)
        t = time.monotonic()
        renewals(sess, SOAK)
        secs = time.monotonic() - t
        h = wait_heap_lines(b, SOAK + 1)
        heaps = [x[2] for x in h if x[0] == "renewed"]
        assert len(heaps) == SOAK, (len(heaps), h[-3:])
        early, late = heaps[WARM:WARM + 20], heaps[-20:]
        rig.REPORT.append("firmware soak: {} renewals in {:.1f} s, heap after collect {} .. {} B"
                          " (renewals {}-{}: min {}; last 20: max {})".format(
                              SOAK, secs, min(heaps), max(heaps), WARM + 1, WARM + 20,
                              min(early), max(late)))
        assert max(late) - min(early) <= 64, heaps
        assert max(heaps[WARM:]) - min(heaps[WARM:]) <= 256, heaps
        assert wait_state(sess, "BOUND", 5)
        assert "MemoryError" not in b.console()
    finally:
        sess.close()
