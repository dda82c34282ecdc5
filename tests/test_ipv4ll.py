"""RFC 3927 IPv4 link-local (host/dhcpc/ipv4ll.py, issue 16).

Without root: the candidate generator (range, stable per MAC, different per
MAC) and LinkLocalCore, the socket-less machine, driven by a fake clock with
real ARP packets: RFC 3927 §9 timing, §2.2.1 conflicts and rate limiting,
§2.4 announcements, §2.5 defence.

With the namespace rig: LinkLocal in the client namespace, driven by
tests/ipv4ll_driver.py the way the daemon's loop drives it, its ARP seen
from the server namespace (a packet socket there, decoded by scapy): it
claims on an empty link, moves on when the server holds its candidate (the
kernel answers the probe), and defends, then gives up, when the server
claims its address (gratuitous ARPs sent with scapy). Those run at 1/4 of
the RFC's timing (the driver's SCALE); link-local addresses (169.254/16)
live only on the test veth.
"""
import os
import random
import sys
import time

import pytest

import rig

sys.path.insert(0, os.path.join(rig.REPO, "host"))

from dhcpc import ipv4ll as L  # noqa: E402
from dhcpc.ipv4ll import LinkLocalCore, candidate, mac_rand  # noqa: E402

MAC = bytes.fromhex("020000000001")
PEER = bytes.fromhex("020000000099")
ZERO = bytes(4)
A = candidate(mac_rand(MAC)())      # MAC's first candidate


def ip(s):
    return bytes(int(x) for x in s.split("."))


def dotted(b):
    return ".".join(str(x) for x in b)


def arp(op, sha, spa, tpa, tha=bytes(6)):
    """An ARP packet as the wire has it (RFC 826), packed here, not by the module."""
    return (b"\x00\x01\x08\x00\x06\x04" + bytes((0, op)) + sha + spa + tha + tpa)


def fixed(*values):
    """A rand/jitter callable returning `values` in turn, then the last forever."""
    it = iter(values)
    last = [values[-1]]

    def f():
        last[0] = next(it, last[0])
        return last[0]
    return f


# --- the candidate generator (§2.1) ------------------------------------------

@pytest.mark.parametrize("n, addr", [
    (0, "169.254.1.0"), (255, "169.254.1.255"), (256, "169.254.2.0"),
    (65023, "169.254.254.255"), (65024, "169.254.1.0"), (2**32 - 1, "169.254.8.255"),
])
def test_candidate_range(n, addr):
    assert candidate(n) == ip(addr)


def test_candidates_stay_in_the_range():
    r = mac_rand(MAC)
    for _ in range(5000):
        a = candidate(r())
        assert a[:2] == b"\xa9\xfe" and 1 <= a[2] <= 254, dotted(a)


# Pinned: the first address a given interface claims must not move between
# versions either (§2.1: the same address on every boot).
@pytest.mark.parametrize("mac, first", [
    ("020000000001", ["169.254.42.223", "169.254.235.255", "169.254.235.234"]),
    ("525400123456", ["169.254.9.255", "169.254.61.92", "169.254.252.218"]),
])
def test_generator_is_stable_per_mac(mac, first):
    for _ in range(2):                     # a fresh generator: the same sequence
        r = mac_rand(bytes.fromhex(mac))
        assert [dotted(candidate(r())) for _ in range(3)] == first


def test_different_macs_differ():
    macs = [bytes((2, 0, 0, 0, i >> 8, i & 0xFF)) for i in range(500)]
    firsts = {candidate(mac_rand(m)()) for m in macs}
    assert len(firsts) >= 495               # collisions in 65024 are rare, not impossible
    assert len({candidate(mac_rand(m)()) for m in macs[:2]}) == 2


def test_default_generator_is_the_macs():
    ll = LinkLocalCore(MAC, 0)
    r = mac_rand(MAC)
    assert ll.address == candidate(r())


def test_defaults_are_rfc_3927_section_9():
    ll = LinkLocalCore(MAC, 0)
    assert (L.PROBE_WAIT, L.PROBE_NUM, L.PROBE_MIN, L.PROBE_MAX) == (1000, 3, 1000, 2000)
    assert (L.ANNOUNCE_WAIT, L.ANNOUNCE_NUM, L.ANNOUNCE_INTERVAL) == (2000, 2, 2000)
    assert (L.MAX_CONFLICTS, L.RATE_LIMIT_INTERVAL, L.DEFEND_INTERVAL) == (10, 60000, 10000)
    assert (ll.probe_wait, ll.probe_min, ll.probe_max, ll.announce_wait, ll.announce_interval,
            ll.rate_limit_interval, ll.defend_interval) == (
        1000, 1000, 2000, 2000, 2000, 60000, 10000)
    q = LinkLocalCore(MAC, 0, scale=0.25)
    assert (q.probe_wait, q.probe_max, q.defend_interval) == (250, 500, 2500)


# --- the machine without a socket --------------------------------------------

def run_until(ll, now, stop, limit=10 ** 6):
    """Advance the fake clock deadline by deadline until stop(ll) or nothing
    is due; returns (now, [(t, packet)], [(t, event)])."""
    sent, events = [], []
    while not stop(ll):
        dl = ll.next_deadline()
        if dl is None:
            break
        assert dl >= now                     # never a deadline in the past
        now = dl
        assert now < limit
        ll.tick(now)
        sent += [(now, p) for p in ll.datagrams()]
        events += [(now, e) for e in ll.events()]
    return now, sent, events


def claimed(ll):
    return ll.state == "claimed"


@pytest.mark.parametrize("jitter, first, gaps", [
    ((0,), 0, [1000, 1000]),                  # the shortest waits
    ((1000,), 1000, [2000, 2000]),            # the longest (1000 % 1001, 1000 + 1000 % 1001)
    ((300, 0, 1000), 300, [1000, 2000]),
])
def test_probe_announce_claim_timing(jitter, first, gaps):
    ll = LinkLocalCore(MAC, 5000, jitter=fixed(*jitter))
    addr = ll.address
    assert ll.state == "probing" and ll.datagrams() == [] and ll.next_deadline() == 5000 + first
    now, sent, events = run_until(ll, 5000, claimed)
    probe = arp(1, MAC, ZERO, addr)                       # §2.2.1
    announce = arp(1, MAC, addr, addr)                    # §2.4
    assert [p for _, p in sent] == [probe] * 3 + [announce] * 2
    t = [t - 5000 for t, _ in sent]
    assert t[0] == first and [t[1] - t[0], t[2] - t[1]] == gaps
    assert t[3] - t[2] == 2000 and t[4] - t[3] == 2000    # ANNOUNCE_WAIT, ANNOUNCE_INTERVAL
    # usable from the first announcement (§2.4); claimed after the last
    assert events == [(t[3] + 5000, ("claimed", addr, None))]
    assert ll.state == "claimed" and ll.next_deadline() is None
    ll.tick(now + 10 ** 6)
    assert ll.datagrams() == [] and ll.events() == []


def test_waits_stay_in_their_ranges():
    for seed in range(200):
        rnd = random.Random(seed)
        ll = LinkLocalCore(MAC, 0, jitter=lambda: rnd.getrandbits(32))
        _, sent, _ = run_until(ll, 0, claimed)
        t = [t for t, _ in sent]
        assert 0 <= t[0] <= 1000
        assert 1000 <= t[1] - t[0] <= 2000 and 1000 <= t[2] - t[1] <= 2000


def test_tick_before_the_deadline_does_nothing():
    ll = LinkLocalCore(MAC, 0, jitter=fixed(500))
    for now in (0, 100, 499):
        ll.tick(now)
        assert ll.datagrams() == [] and ll.events() == []
    ll.tick(500)
    assert len(ll.datagrams()) == 1


def probing_after(ll, probes):
    """Run ll until it has sent `probes` probes; returns the time."""
    now, sent, _ = run_until(ll, 0, lambda x: x.sent >= probes)
    return now


@pytest.mark.parametrize("when", [0, 1, 3])      # probes sent so far (3: in ANNOUNCE_WAIT)
@pytest.mark.parametrize("kind", ["reply", "request", "gratuitous", "probe"])
def test_conflict_while_probing_picks_the_next_candidate(when, kind):
    ll = LinkLocalCore(MAC, 0, rand=mac_rand(MAC), jitter=fixed(0))
    r = mac_rand(MAC)
    first, second = candidate(r()), candidate(r())
    now = probing_after(ll, when) + 1
    pkt = {"reply": arp(2, PEER, first, ip("169.254.7.7"), MAC),
           "request": arp(1, PEER, first, ip("169.254.7.7")),
           "gratuitous": arp(1, PEER, first, first),
           "probe": arp(1, PEER, ZERO, first)}[kind]      # §2.2.1: another host probes it too
    ll.receive(pkt, now)
    assert ll.events() == [("conflict", first, PEER)]
    assert ll.address == second and ll.state == "probing" and ll.sent == 0
    assert ll.datagrams() == []
    assert now <= ll.next_deadline() <= now + 1000        # PROBE_WAIT again
    _, sent, events = run_until(ll, now, claimed)
    assert [e for _, e in events] == [("claimed", second, None)]
    assert all(p[24:28] == second for _, p in sent)        # nothing more for `first`


@pytest.mark.parametrize("pkt", [
    arp(1, MAC, A, A),   # our own, looped back
    arp(1, PEER, ZERO, ip("169.254.1.1")),                   # a probe for another address
    arp(2, PEER, ip("169.254.1.1"), A),    # a reply from another address
    arp(1, PEER, ip("192.0.2.1"), A),      # a request *for* ours: not a conflict
    arp(1, PEER, A, A)[:27],   # short
    b"\x00\x06" + arp(1, PEER, A, A)[2:],  # not Ethernet
    b"",
])
def test_no_conflict_while_probing(pkt):
    ll = LinkLocalCore(MAC, 0, jitter=fixed(0))
    assert ll.address == A
    now = probing_after(ll, 1)
    ll.receive(pkt, now + 1)
    assert ll.events() == [] and ll.address == A and ll.sent == 1
    _, _, events = run_until(ll, now, claimed)
    assert [e for _, e in events] == [("claimed", A, None)]


def test_rate_limit_after_max_conflicts():
    ll = LinkLocalCore(MAC, 0, jitter=fixed(1000))
    now = 0
    for n in range(1, 13):
        now = probing_after(ll, 1) if n == 1 else ll.next_deadline()
        if n > 1:
            ll.tick(now)
        assert len(ll.datagrams()) <= 1
        addr = ll.address
        ll.receive(arp(2, PEER, addr, ZERO), now)
        assert ll.events() == [("conflict", addr, PEER)] and ll.conflicts == n
        wait = ll.next_deadline() - now
        # §2.2.1: PROBE_WAIT until MAX_CONFLICTS, then RATE_LIMIT_INTERVAL
        assert wait == (60000 if n >= 10 else 1000), (n, wait)
    # a claim ends the episode: the count starts again
    _, _, events = run_until(ll, now, claimed)
    assert [e[0] for _, e in events] == ["claimed"] and ll.conflicts == 0


def claim(jitter=fixed(0)):
    ll = LinkLocalCore(MAC, 0, jitter=jitter)
    now, _, events = run_until(ll, 0, claimed)
    assert [e[0] for _, e in events] == ["claimed"]
    return ll, now


def test_defend_then_give_up():
    ll, now = claim()
    addr = ll.address
    garp = arp(1, PEER, addr, addr)
    t1 = now + 5000
    ll.receive(garp, t1)                                   # §2.5 (b): defend once
    assert ll.events() == [("defended", addr, PEER)]
    assert ll.datagrams() == [arp(1, MAC, addr, addr)]
    assert ll.state == "claimed" and ll.address == addr and ll.next_deadline() is None
    t2 = t1 + 10000                                        # DEFEND_INTERVAL later: again
    ll.receive(arp(2, PEER, addr, ip("169.254.3.3")), t2)
    assert ll.events() == [("defended", addr, PEER)] and len(ll.datagrams()) == 1
    ll.receive(garp, t2 + 9999)                            # within it: §2.5 (c), give up
    assert ll.events() == [("lost", addr, PEER)]
    assert ll.datagrams() == []                            # no announcement of a lost address
    assert ll.state == "probing" and ll.address != addr and ll.conflicts == 1
    assert t2 + 9999 <= ll.next_deadline() <= t2 + 9999 + 1000
    new = ll.address
    _, sent, events = run_until(ll, t2 + 9999, claimed)
    assert [e for _, e in events] == [("claimed", new, None)]
    assert len(sent) == 5 and all(p[24:28] == new for _, p in sent)


def test_claimed_address_ignores_what_is_no_conflict():
    ll, now = claim()
    addr = ll.address
    for pkt in (arp(1, PEER, ZERO, addr),                  # someone probes it: the kernel answers
                arp(1, PEER, ip("169.254.5.5"), addr),     # someone asks for it
                arp(1, MAC, addr, addr)):                  # our own announcement
        ll.receive(pkt, now + 1)
    assert ll.events() == [] and ll.datagrams() == [] and ll.state == "claimed"


def test_conflict_while_announcing_is_defended():
    ll = LinkLocalCore(MAC, 0, jitter=fixed(0))
    now, sent, events = run_until(ll, 0, lambda x: x.state == "announcing")
    addr = ll.address
    assert [e for _, e in events] == [("claimed", addr, None)] and len(sent) == 4
    ll.receive(arp(1, PEER, addr, addr), now + 10)
    assert ll.events() == [("defended", addr, PEER)] and len(ll.datagrams()) == 1
    _, sent, _ = run_until(ll, now + 10, claimed)
    assert [p for _, p in sent] == [arp(1, MAC, addr, addr)]   # the second announcement still
    ll.receive(arp(1, PEER, addr, addr), now + 20)
    assert ll.events() == [("lost", addr, PEER)]


# --- in namespaces: LinkLocal on a real link ---------------------------------

DRIVER = os.path.join(rig.REPO, "tests", "ipv4ll_driver.py")
SCALE = 0.25
SLACK = 60      # ms: scheduling between a deadline and the frame on the wire


def start(lab, *args, ns):
    p = lab.start(rig.interpreter("python") + [DRIVER] + [str(a) for a in args],
                  ns=ns, name=args[0])
    assert "READY" in lab.wait_log(p, "READY"), lab.log(p)
    return p


def driver(lab):
    """LinkLocal on the client veth for up to 30 s, at SCALE."""
    return start(lab, "run", lab.client_if, lab.client_mac.hex(), SCALE, 30, ns="client")


def lines(lab, p, tag):
    return [ln.split()[1:] for ln in lab.log(p).splitlines() if ln.split()[:1] == [tag]]


def events(lab, p):
    return [(kind, addr, peer) for _, kind, addr, peer in lines(lab, p, "E")]


def wait_state(lab, p, state, addr, timeout=10):
    ok = rig.wait_until(lambda: [state, addr] in [s[1:] for s in lines(lab, p, "S")], timeout)
    assert ok, lab.log(p)
    return int(next(s[0] for s in lines(lab, p, "S") if s[1:] == [state, addr]))


def arps(lab, cap):
    """[(t, Ether)] of everything the capture saw, decoded by scapy."""
    from scapy.layers.l2 import Ether
    return [(int(t), Ether(bytes.fromhex(h))) for t, h in lines(lab, cap, "A")]


def mac_str(b):
    return ":".join("{:02x}".format(x) for x in b)


def server_mac(lab):
    out = lab.run(["ip", "-o", "link", "show", lab.server_if], ns="server").stdout
    return out.split("link/ether", 1)[1].split()[0]


def from_client(lab, frames):
    """[(t, ARP)] the client sent, each checked to be link-layer broadcast
    (§2.5) from its MAC."""
    from scapy.layers.l2 import ARP
    out = []
    for t, f in frames:
        if f.src == mac_str(lab.client_mac):
            assert f.dst == "ff:ff:ff:ff:ff:ff" and ARP in f, f.summary()
            a = f[ARP]
            assert a.op == 1 and a.hwsrc == f.src and a.hwdst == "00:00:00:00:00:00"
            out.append((t, a))
    return out


def garp(lab, addr, ops=(1,), gap=0.0):
    """The server claims `addr`: one ARP per entry of `ops` (1 request, 2
    reply), sender IP `addr`, `gap` s apart, sent by scapy in its namespace."""
    code = ("import sys, time\n"
            "from scapy.all import ARP, Ether, conf, get_if_hwaddr, sendp\n"
            "conf.verb = 0\n"
            "iface, addr, gap = sys.argv[1], sys.argv[2], float(sys.argv[3])\n"
            "me = get_if_hwaddr(iface)\n"
            "for i, op in enumerate(int(x) for x in sys.argv[4:]):\n"
            "    if i:\n"
            "        time.sleep(gap)\n"
            "    sendp(Ether(src=me, dst='ff:ff:ff:ff:ff:ff') / ARP(op=op, hwsrc=me, psrc=addr,\n"
            "          hwdst='00:00:00:00:00:00', pdst=addr), iface=iface)\n"
            "    print(int(time.monotonic() * 1000), flush=True)\n")
    r = lab.python(code, args=[lab.server_if, addr, gap] + list(ops), ns="server")
    return [int(x) for x in r.stdout.split()]


def first_candidates(lab, n=2):
    r = mac_rand(lab.client_mac)
    return [dotted(candidate(r())) for _ in range(n)]


def test_claims_on_an_empty_link(lab):
    cap = start(lab, "capture", lab.server_if, 30, ns="server")
    first, _ = first_candidates(lab)
    drv = driver(lab)
    t0 = int(lines(lab, drv, "READY")[0][0])
    t_claimed = wait_state(lab, drv, "claimed", first)
    assert events(lab, drv) == [("claimed", first, "-")]
    sent = from_client(lab, arps(lab, cap))
    kinds = [("probe" if a.psrc == "0.0.0.0" else "announce", a.pdst) for _, a in sent]
    assert kinds == [("probe", first)] * 3 + [("announce", first)] * 2, sent
    assert all(a.psrc == first for _, a in sent[3:])
    t = [x for x, _ in sent]
    s = SCALE
    assert -SLACK <= t[0] - t0 <= L.PROBE_WAIT * s + SLACK                       # §2.2.1
    for gap in (t[1] - t[0], t[2] - t[1]):
        assert L.PROBE_MIN * s - SLACK <= gap <= L.PROBE_MAX * s + SLACK, t
    assert L.ANNOUNCE_WAIT * s - SLACK <= t[3] - t[2] <= L.ANNOUNCE_WAIT * s + SLACK, t
    assert L.ANNOUNCE_INTERVAL * s - SLACK <= t[4] - t[3] <= L.ANNOUNCE_INTERVAL * s + SLACK, t
    t_event = int(lines(lab, drv, "E")[0][0])
    assert abs(t_event - t[3]) <= SLACK                    # "claimed" with the first announcement
    assert t_claimed >= t[4] - SLACK


def test_moves_on_when_the_candidate_is_taken(lab):
    first, second = first_candidates(lab)
    lab.run(["ip", "addr", "add", first + "/16", "dev", lab.server_if], ns="server")
    cap = start(lab, "capture", lab.server_if, 30, ns="server")
    drv = driver(lab)
    wait_state(lab, drv, "claimed", second)
    srv = server_mac(lab)
    assert events(lab, drv) == [("conflict", first, srv.replace(":", "")),
                                ("claimed", second, "-")]
    frames = arps(lab, cap)
    sent = from_client(lab, frames)
    # one probe for the first candidate, answered by the kernel that holds
    # it; it was never announced
    assert [(a.psrc, a.pdst) for _, a in sent if a.pdst == first] == [("0.0.0.0", first)]
    assert [(a.psrc, a.pdst) for _, a in sent if a.pdst != first] == (
        [("0.0.0.0", second)] * 3 + [(second, second)] * 2)
    replies = [f for _, f in frames if f.src == srv and f.op == 2]
    assert replies and replies[0].psrc == first


def test_defends_then_gives_up(lab):
    first, second = first_candidates(lab)
    cap = start(lab, "capture", lab.server_if, 30, ns="server")
    drv = driver(lab)
    wait_state(lab, drv, "claimed", first)
    srv = server_mac(lab)
    peer = srv.replace(":", "")
    defend = L.DEFEND_INTERVAL * SCALE

    def announced_after(t):
        return [a for x, a in from_client(lab, arps(lab, cap))
                if x >= t and a.psrc == first and a.pdst == first]

    # one conflict: defended with one announcement, the address kept (§2.5 b)
    (t1,) = garp(lab, first, ops=(1,))
    assert rig.wait_until(lambda: len(events(lab, drv)) == 2, 5), lab.log(drv)
    assert events(lab, drv)[1] == ("defended", first, peer)
    assert rig.wait_until(lambda: len(announced_after(t1 - SLACK)) == 1, 5)
    # DEFEND_INTERVAL later a reply claiming it is defended again; a request
    # right after it is the second conflict within DEFEND_INTERVAL: given up
    time.sleep(max(0, (t1 + defend + 100 - int(time.monotonic() * 1000)) / 1000))
    t2, t3 = garp(lab, first, ops=(2, 1), gap=0.1)
    assert t3 - t2 < defend
    wait_state(lab, drv, "claimed", second)
    assert events(lab, drv) == [("claimed", first, "-"), ("defended", first, peer),
                                ("defended", first, peer), ("lost", first, peer),
                                ("claimed", second, "-")], lab.log(drv)
    assert len(announced_after(t1 - SLACK)) == 2          # one per defence, none after the loss
    assert not announced_after(t3)
    sent = [a for _, a in from_client(lab, arps(lab, cap))]
    assert [(a.psrc, a.pdst) for a in sent if a.pdst == second] == (
        [("0.0.0.0", second)] * 3 + [(second, second)] * 2)
