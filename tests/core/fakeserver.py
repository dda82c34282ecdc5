"""Fake clock, fake randomness and a scripted DHCP server for client tests.

Portable (CPython and MicroPython). A test drives a Client through `Run`:

    r = Run(Config(...))            client with FakeRand, clock at 0 ms
    r.c.start(r.now)
    d = r.sent()                    [(Message, dst)] the client queued
    r.recv(SRV.offer(d[0][0]))      feed a reply at the current time
    r.at(4000)                      move the clock and tick
    r.log()                         the events since last call, as short strings

Every STATE_CHANGED event seen is checked against dhcp4c.states.transitions(), and
every deadline against the clock (never in the past).
"""
from dhcp4c import states as S
from dhcp4c.server import reply
from dhcp4c.client import Client, Config
from dhcp4c import events as E
from dhcp4c.lease import addr_str
from dhcp4c.message import decode, encode
from dhcp4c.options import u32

MAC = b"\x02\x00\x00\x00\x00\x01"
SID = b"\xc0\x00\x02\x01"       # 192.0.2.1
SID2 = b"\xc0\x00\x02\x02"      # 192.0.2.2
ADDR = b"\xc0\x00\x02\x32"      # 192.0.2.50
ADDR2 = b"\xc0\x00\x02\x33"     # 192.0.2.51
MASK = b"\xff\xff\xff\x00"
DNS = b"\xc0\x00\x02\x35"       # 192.0.2.53


def ip(s):
    return bytes([int(x) for x in s.split(".")])


class FakeRand:
    """rand32() whose values are 1000 + jitter + 2001*i: distinct xids, and a
    §4.1 jitter of exactly `jitter` ms (-1000..1000) on every retransmission."""

    def __init__(self, jitter=0):
        self.i = 0
        self.jitter = jitter

    def __call__(self):
        self.i += 1
        return 1000 + self.jitter + 2001 * self.i


class Server:
    """Builds replies to the client's messages (dhcp4c.server.reply)."""

    def __init__(self, sid=SID, addr=ADDR, lease=3600, t1=None, t2=None, mask=MASK,
                 router=SID, dns=(DNS,), domain=b"example.org", extra=()):
        self.sid = sid
        self.addr = addr
        self.lease = lease
        self.t1 = t1
        self.t2 = t2
        self.mask = mask
        self.router = router
        self.dns = dns
        self.domain = domain
        self.extra = extra

    def options(self):
        o = []
        if self.mask is not None:
            o.append((1, self.mask))
        if self.router is not None:
            o.append((3, self.router))
        if self.dns:
            o.append((6, b"".join(self.dns)))
        if self.domain:
            o.append((15, self.domain))
        if self.lease is not None:
            o.append((51, u32(self.lease)))
        if self.t1 is not None:
            o.append((58, u32(self.t1)))
        if self.t2 is not None:
            o.append((59, u32(self.t2)))
        return o + list(self.extra)

    def reply(self, req, mtype, yiaddr=None, options=None):
        if yiaddr is None:
            yiaddr = self.addr
        if options is None:
            options = self.options()
        return encode(reply(req, mtype, yiaddr, self.sid, options))

    def offer(self, req, yiaddr=None, options=None):
        return self.reply(req, 2, yiaddr, options)

    def ack(self, req, yiaddr=None, options=None):
        return self.reply(req, 5, yiaddr, options)

    def nak(self, req, text=None):
        return self.reply(req, 6, b"\x00\x00\x00\x00",
                          [(56, text)] if text else [])

    def answer(self, req):
        """OFFER to DISCOVER, ACK to REQUEST and INFORM; None otherwise."""
        t = req.msg_type
        if t == 1:
            return self.offer(req)
        if t == 3:
            return self.ack(req, req.ciaddr if req.ciaddr != b"\x00\x00\x00\x00" else None)
        if t == 8:
            return self.ack(req, b"\x00\x00\x00\x00", [(1, self.mask), (6, b"".join(self.dns))])
        return None


def summary(e):
    """An event as a short string, for readable assertions."""
    if e.type == E.STATE_CHANGED:
        return "{}>{} {}".format(S.NAMES[e.old], S.NAMES[e.new], e.why)
    if e.type == E.LEASE_ACQUIRED:
        return "acquired " + addr_str(e.lease.address)
    if e.type == E.LEASE_RENEWED:
        return "renewed " + addr_str(e.lease.address)
    if e.type == E.LEASE_CHANGED:
        return "changed " + addr_str(e.lease.address)
    if e.type == E.LEASE_GRANTED:
        return "granted " + addr_str(e.lease.address)
    if e.type == E.LEASE_LOST:
        return "lost {} {}".format(addr_str(e.lease.address), e.why)
    if e.type == E.ROUND_FAILED:
        return "round failed " + e.why
    if e.type == E.NAK_RECEIVED:
        return "nak {} {}".format(addr_str(e.server_id), e.message)
    if e.type == E.OFFER_REJECTED:
        return "rejected {} {}".format(addr_str(e.yiaddr), e.reason)
    if e.type == E.SERVER_INFO:
        return "server " + addr_str(e.server_id)
    if e.type == E.INFORM_ACKED:
        return "informed " + addr_str(e.lease.address)
    if e.type == E.ERROR:
        return "error {} {}".format(e.kind, e.reason)
    if e.type == E.FALLBACK:
        return "fallback"
    if e.type == E.V6ONLY:
        return "v6only {} {}".format(addr_str(e.server_id), e.wait)
    return repr(e)


class Run:
    """A client under test with its fake clock."""

    def __init__(self, config=None, jitter=0, now=0):
        self.rand = FakeRand(jitter)
        self.c = Client(MAC, config if config is not None else Config(), self.rand)
        self.now = now
        self.events = []

    def check(self):
        d = self.c.next_deadline()
        assert d is None or d > self.now, "deadline {} not after now {}".format(d, self.now)

    def sent(self):
        """Drain the client's datagrams: [(decoded Message, dst)]."""
        out = []
        while True:
            d = self.c.next_datagram()
            if d is None:
                break
            out.append((decode(d[0]), d[1]))
        self.check()
        return out

    def raw(self):
        """Drain the client's datagrams as they are: [(bytes, dst)]."""
        out = []
        while True:
            d = self.c.next_datagram()
            if d is None:
                return out
            out.append(d)

    def log(self):
        """Drain the events as summary strings (each transition checked)."""
        out = []
        while True:
            e = self.c.next_event()
            if e is None:
                break
            if e.type == E.STATE_CHANGED:
                assert S.allowed(e.old, e.new, e.why), repr(e)
            self.events.append(e)
            out.append(summary(e))
        return out

    def at(self, t):
        self.now = t
        self.c.tick(t)
        self.check()

    def recv(self, data, src=SID):
        self.c.receive(data, self.now, src)
        self.check()

    def start(self, lease=None):
        self.c.start(self.now, lease)
        self.check()

    def bind(self, server=None):
        """Start and complete a DORA against `server` at the current time;
        returns the REQUEST it ACKed. Events are drained."""
        srv = server if server is not None else Server()
        self.start()
        disc = self.sent()[0][0]
        self.recv(srv.offer(disc), srv.sid)
        req = self.sent()[0][0]
        self.recv(srv.ack(req), srv.sid)
        assert self.c.state == S.BOUND, S.NAMES[self.c.state]
        self.log()
        return req
