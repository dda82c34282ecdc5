"""One interface only (issue 17, item 6): the daemon started with -i on one
of two interfaces never sees, logs or takes what the other one carries.

The client namespace has two interfaces, each on a LAN of its own with a
real dnsmasq (rig.Lab and rig.SideLab):

    server A  srv0 192.0.2.1      <-veth->  cli0 (the daemon's, -i cli0)
    server B  srv1 198.51.100.1   <-veth->  cli1 (same MAC as cli0)  client
                                                                      namespace
What makes the test able to fail: nftables in the client namespace copies
every DISCOVER the client sends on cli0 out of cli1 too (netdev egress
`dup`), so server B hears the client and answers it - at once - while
server A waits a second before it offers (dhcp-reply-delay). A sniffer on
both interfaces shows B's OFFER, with the client's xid, reaching cli1 before
A's reaches cli0: a packet socket not bound to cli0 would take B's offer.
For the unicast renew, a /32 route in the client namespace sends
192.0.2.1 through cli1, and server B's namespace answers for that address:
a UDP socket not bound to cli0 (SO_BINDTODEVICE) would renew with server B.

Checked with the bind taken out of host/dhcpc/linux.py (by hand, on a copy
of the tree): without the packet socket's bind the client REQUESTs B's
198.51.100.x from server A and never binds; without SO_BINDTODEVICE its
renew reaches server B. Both make this test fail.
"""
import ipaddress
import json
import os
import re
import subprocess
import sys
import time

import pytest

import rig
from dhcpcrig import Run

HOST = os.path.join(rig.REPO, "host")
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([rig.SHARED, HOST]))
DHCPCTL = [sys.executable, os.path.join(HOST, "dhcpctl.py")]

NET_A = ipaddress.ip_network("192.0.2.0/24")
NET_B = ipaddress.ip_network("198.51.100.0/24")

# Every DHCP reply on either interface of the client namespace, one line
# each: "IFACE SRC TYPE XIDHEX MONOTONIC" (a packet socket bound to neither
# interface: it hears both).
SNIFFER = r"""
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
print("ready", flush=True)
while True:
    data, addr = s.recvfrom(4096)
    if addr[2] == socket.PACKET_OUTGOING or len(data) < 28 or data[9] != 17:
        continue
    ihl = (data[0] & 15) * 4
    udp = data[ihl:]
    if int.from_bytes(udp[2:4], "big") != 68:
        continue
    p = udp[8:]
    if len(p) < 243 or p[236:240] != b"\x63\x82\x53\x63":
        continue
    i, t = 240, None
    while i + 1 < len(p) and p[i] != 255:
        if p[i] == 0:
            i += 1
            continue
        if p[i] == 53:
            t = p[i + 2]
        i += 2 + p[i + 1]
    print(addr[0], socket.inet_ntoa(data[12:16]), t, p[4:8].hex(), time.monotonic(), flush=True)
"""

MIRROR = """table netdev d4c_mirror {{
 chain eg {{
  type filter hook egress device "{a}" priority 0;
  udp dport 67 @ih,1920,24 0x350101 dup to "{b}"
 }}
}}
"""


def ctl(where, *args):
    """dhcpctl WHERE --json ARGS (where: ["--socket", path] or ["--port", url])."""
    r = subprocess.run(DHCPCTL + list(where) + ["--json"] + list(args), capture_output=True,
                       text=True, env=ENV, timeout=20)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return json.loads(r.stdout)


def lines(log, kind, iface):
    """dnsmasq log lines of DHCP message `kind` on `iface`: [(xid, address or '')]."""
    pat = r"^dnsmasq-dhcp\[\d+\]: (\d+) DHCP{}\({}\) (\S+)".format(kind, iface)
    return re.findall(pat, log, re.M)


class TwoLans:
    """The two LANs, both servers, the mirror and the sniffer."""

    def __init__(self, lab, side):
        self.lab, self.side = lab, side
        mac = ":".join("{:02x}".format(b) for b in lab.client_mac)
        lab.run(["ip", "link", "set", side.client_if, "address", mac])
        self.a = lab.dnsmasq("192.0.2.100", "192.0.2.199", extra_conf=[
            "dhcp-reply-delay=1", "dhcp-option=option:domain-name,a.example"])
        self.b = side.dnsmasq("198.51.100.100", "198.51.100.199", extra_conf=[
            "dhcp-option=option:domain-name,b.example"])
        lab.run([rig.need_tool("nft"), "-f", "-"],
                input=MIRROR.format(a=lab.client_if, b=side.client_if))
        path = os.path.join(lab.tmp, "sniffer.py")
        with open(path, "w") as f:
            f.write(SNIFFER)
        self.sniffer = lab.start(rig.interpreter("python") + ["-u", path], name="sniffer")
        assert "ready" in lab.wait_log(self.sniffer, "ready"), lab.log(self.sniffer)
        self.q = None           # the --json query of the client under test: args -> result

    def start_daemon(self):
        """host/dhcpc -i cli0 -f with a recording script and a control socket."""
        self.run = Run(self.lab, ["-f"]).start()
        sock = self.run.cmd[self.run.cmd.index("--control") + 1]
        self.q = lambda *args: ctl(["--socket", sock], *args)
        self.sock = sock
        return self.run

    def replies(self):
        """[(iface, src, type, xid, t)] the sniffer saw."""
        out = []
        for ln in self.lab.log(self.sniffer).splitlines()[1:]:
            f = ln.split()
            if len(f) == 5:
                out.append((f[0], f[1], int(f[2]) if f[2] != "None" else None, f[3],
                            float(f[4])))
        return out

    def wait_sock(self):
        assert rig.wait_until(lambda: os.path.exists(self.sock), 5), self.run.log()

    def route_a_server_through_b(self):
        """A /32 route to server A's address through cli1, and server B's
        namespace answering for it: only SO_BINDTODEVICE keeps the
        daemon's unicast to 192.0.2.1 on cli0."""
        self.side.run(["ip", "addr", "replace", "192.0.2.1/32", "dev", "lo"], ns="server")
        self.lab.run(["ip", "route", "replace", "192.0.2.1/32", "dev", self.side.client_if])

    def check_env(self, env):
        """A script environment from server A only, nothing of server B."""
        assert ipaddress.ip_address(env["ip"]) in NET_A, env
        assert env["serverid"] == "192.0.2.1", env
        assert env["router"] == "192.0.2.1", env
        assert env["domain"] == "a.example", env
        for k, v in env.items():
            assert "198.51.100." not in v and "b.example" not in v, (k, v)

    def check_b_untouched(self):
        """Server B heard the mirrored DISCOVERs and answered them, and never
        saw anything else from the client: no REQUEST, no ACK, no lease."""
        log = self.side.log(self.b)
        assert lines(log, "DISCOVER", self.side.server_if), log
        assert lines(log, "OFFER", self.side.server_if), log
        assert not re.search(r"DHCP(REQUEST|ACK|NAK|DECLINE|RELEASE|INFORM)", log), log
        leases = os.path.join(self.side.tmp, "dnsmasq.leases")
        assert not os.path.exists(leases) or not open(leases).read().strip()

    def check_a_only_asked_for_its_own(self):
        log = self.lab.log(self.a)
        reqs = lines(log, "REQUEST", self.lab.server_if)
        assert reqs, log
        for xid, addr in reqs:
            assert ipaddress.ip_address(addr) in NET_A, (addr, log)

    def check_client_saw_only_a(self):
        """The client's own view (its control channel): only server A was
        ever heard from, only A's OFFERs counted, bound to A's lease."""
        servers = self.q("server")["servers"]
        assert [s["id"] for s in servers] == ["192.0.2.1"], servers
        assert [s["address"] for s in servers] == ["192.0.2.1"], servers
        st = self.q("stats")["client"]
        offers_a = len(lines(self.lab.log(self.a), "OFFER", self.lab.server_if))
        assert st["received"].get("OFFER", 0) == offers_a, (st, offers_a)
        state = self.q("state")
        assert state["state"] == "BOUND", state
        lease = state["lease"]
        assert ipaddress.ip_address(lease["address"]) in NET_A, lease
        assert lease["server_id"] == "192.0.2.1" and lease["domain"] == "a.example", lease
        return lease

    def check_daemon_saw_only_a(self):
        log = self.run.log()
        assert "198.51.100." not in log, log
        lease = self.check_client_saw_only_a()
        with open(self.run.leasefile) as f:
            text = f.read()
        assert lease["address"] in text and "198.51.100." not in text, text

    def check_armed(self):
        """Server B's OFFER for the client's own xid reached cli1 before
        server A's reached cli0: a client listening on every interface would
        have had B's first."""
        seen = self.replies()
        a_offers = [r for r in seen
                    if r[0] == self.lab.client_if and r[1] == "192.0.2.1" and r[2] == 2]
        assert a_offers, seen
        xid = a_offers[0][3]
        b_offers = [r for r in seen if r[0] == self.side.client_if and r[1] == "198.51.100.1"
                    and r[2] == 2 and r[3] == xid]
        assert b_offers and b_offers[0][4] < a_offers[0][4], seen

    def flap_other(self):
        """cli1 down for half a second, then up again."""
        self.lab.run(["ip", "link", "set", self.side.client_if, "down"])
        time.sleep(0.5)
        self.lab.run(["ip", "link", "set", self.side.client_if, "up"])
        time.sleep(1.0)


@pytest.fixture
def lans(lab):
    with rig.SideLab(lab) as side:
        yield TwoLans(lab, side)


def test_daemon_binds_on_its_own_interface_only_across_renew_and_flap(lans):
    lab, side = lans.lab, lans.side
    run = lans.start_daemon()
    env = run.wait_action("bound", timeout=15)
    lans.wait_sock()
    lans.check_env(env)
    address = env["ip"]
    lans.check_armed()
    lans.check_b_untouched()
    lans.check_a_only_asked_for_its_own()
    lans.check_daemon_saw_only_a()

    # A renew (unicast to 192.0.2.1) while a route sends that address through cli1.
    lans.route_a_server_through_b()
    route = lab.run(["ip", "route", "get", "192.0.2.1"]).stdout
    assert side.client_if in route, route       # the unbound way leads to server B
    assert lans.q("renew")["state"] == "RENEWING"
    env = run.wait_action("renew", timeout=10)
    lans.check_env(env)
    assert env["ip"] == address

    # The other interface goes down and comes back: nothing happens here.
    before = run.names()
    lans.flap_other()
    assert run.names() == before, run.names()
    assert "link down" not in run.log() and "link up" not in run.log(), run.log()
    assert lans.q("state")["state"] == "BOUND"

    # And a renew after it (the flap took the /32 route away: put it back).
    lans.route_a_server_through_b()
    assert lans.q("renew")["state"] == "RENEWING"
    env = run.wait_action("renew", count=2, timeout=10)
    lans.check_env(env)
    assert env["ip"] == address
    assert [a for a in run.names() if a != "deconfig"] == ["bound", "renew", "renew"], run.names()

    lans.check_b_untouched()
    lans.check_a_only_asked_for_its_own()
    lans.check_daemon_saw_only_a()
    for _, e in run.actions():
        if e.get("ip"):
            lans.check_env(e)


def test_virtual_board_binds_on_its_own_interface_only(lans):
    """The same for the firmware on the virtual board (boards/unix: its UDP
    socket on 0.0.0.0:68 is bound to cli0 by BIND_DEVICE, SO_BINDTODEVICE)."""
    from test_firmware import VBoard
    lab, side = lans.lab, lans.side
    b = VBoard(lab)
    lans.q = lambda *args: ctl(["--port", b.port, "--timeout", "3"], *args)
    b.flash()
    lease = b.wait_state("BOUND")["lease"]
    address = lease["address"]
    lans.check_armed()
    lans.check_b_untouched()
    lans.check_a_only_asked_for_its_own()
    assert lans.check_client_saw_only_a()["address"] == address

    def renew(n):
        acks = len(lines(lab.log(lans.a), "ACK", lab.server_if))
        lans.q("renew")
        assert rig.wait_until(
            lambda: len(lines(lab.log(lans.a), "ACK", lab.server_if)) > acks, 10), \
            (lab.log(lans.a), side.log(lans.b), b.console()[-2000:])
        st = b.wait_state("BOUND")
        assert st["lease"]["address"] == address
        stats = lans.q("stats")["client"]
        assert stats["renew_ok"] == n, (stats, b.console()[-2000:])

    lans.route_a_server_through_b()
    renew(1)
    lans.flap_other()
    assert lans.q("state")["state"] == "BOUND"
    lans.route_a_server_through_b()
    renew(2)
    lans.check_b_untouched()
    lans.check_a_only_asked_for_its_own()
    lans.check_client_saw_only_a()
    assert address in b.lease_file() and "198.51.100." not in b.lease_file()
    assert "198.51.100." not in b.console()
