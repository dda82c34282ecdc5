"""The client against real server replies captured from ISC dhcpd, dnsmasq,
Kea and busybox udhcpd (tests/core/vectors.py): DORA to BOUND, and NAK in
INIT-REBOOT. Also the exact bytes of every message form the client sends.
Runs on CPython and MicroPython."""
from portable import unhex
from vectors import REPLIES
from fakeserver import Run, MAC, SID, ADDR
from dhcp4c import build, states as S
from dhcp4c.client import Client, Config
from dhcp4c.lease import Lease
from dhcp4c.message import decode, encode

SERVERS = ("dhcpd", "dnsmasq", "kea", "udhcpd")


class SeqRand:
    """rand32 returning the given values first, then 1000 (jitter 0)."""

    def __init__(self, *values):
        self.values = list(values)

    def __call__(self):
        return self.values.pop(0) if self.values else 1000


def _drain(c):
    out = []
    while True:
        d = c.next_datagram()
        if d is None:
            return out
        out.append(d)


def test_dora_against_captured_servers():
    for name in SERVERS:
        offer = unhex(REPLIES[name + "-offer"])
        ack = unhex(REPLIES[name + "-ack"])
        o = decode(offer)
        c = Client(o.chaddr[:6], Config(), SeqRand(0x5e000001))
        c.start(0)
        d = _drain(c)
        assert decode(d[0][0]).xid == o.xid, name
        c.receive(offer, 5, o.get(54))
        d = _drain(c)
        assert c.state == S.REQUESTING and len(d) == 1, name
        req = decode(d[0][0])
        assert req.get(50) == o.yiaddr and req.get(54) == o.get(54)
        c.receive(ack, 10, o.get(54))
        assert c.state == S.BOUND, name
        lease = c.lease
        a = decode(ack)
        assert lease.address == a.yiaddr and lease.server_id == SID
        assert lease.mask == b"\xff\xff\xff\x00" and lease.router == SID, name
        assert lease.lease_time == a.u32(51) and lease.domain is not None
        assert lease.t1 == (a.u32(58) or a.u32(51) // 2)
        assert sum(c.stats.drops) == 0, name


def test_nak_in_init_reboot_from_captured_servers():
    for name in SERVERS:
        nak = unhex(REPLIES[name + "-nak"])
        n = decode(nak)
        c = Client(n.chaddr[:6], Config(), SeqRand(0x5e000002))
        c.start(0, Lease(b"\xc0\x00\x02\x09", None, 600, start=0))
        assert decode(_drain(c)[0][0]).xid == n.xid
        c.receive(nak, 3, n.get(54))
        assert c.state == S.SELECTING and c.stats.naks == 1, name
        assert decode(_drain(c)[0][0]).msg_type == 1


def test_every_message_form_byte_for_byte():
    opts = Config().options(MAC)
    r = Run()
    r.bind()
    r.at(1800000)                                   # RENEWING
    p, dst = r.raw()[0]
    xid = decode(p).xid
    assert dst == SID and p == encode(build.request_renewing(xid, MAC, opts, ADDR, 0))
    r.at(3150000 + 1000)                            # REBINDING, 1 s late: secs 0 at first
    p, dst = r.raw()[0]
    xid = decode(p).xid
    assert dst is None and p == encode(build.request_rebinding(xid, MAC, opts, ADDR, 0))
    r.c.rebind(3160000)                             # retransmission: secs 9
    p, dst = r.raw()[0]
    assert decode(p).xid == xid
    assert p == encode(build.request_rebinding(xid, MAC, opts, ADDR, 9))
    r.c.release(3160000)
    p, dst = r.raw()[0]
    assert dst == SID and p == encode(build.release(decode(p).xid, MAC, opts, ADDR, SID))
    r = Run()
    r.bind()
    r.c.decline(0, "in use")
    p, dst = r.raw()[0]
    assert dst is None
    assert p == encode(build.decline(decode(p).xid, MAC, opts, ADDR, SID, "in use"))
    r = Run()
    r.start(Lease(ADDR, SID, 600, start=0))
    p, dst = r.raw()[0]
    assert dst is None
    assert p == encode(build.request_init_reboot(decode(p).xid, MAC, opts, ADDR, True, 0))
    r = Run()
    r.c.inform(0, ADDR)
    p, dst = r.raw()[0]
    assert dst is None and p == encode(build.inform(decode(p).xid, MAC, opts, ADDR, 0))
