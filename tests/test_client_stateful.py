"""Hypothesis stateful test of the client (CPython only).

Drives dhcp4c.client.Client with random replies (right, late, duplicated,
foreign, from other servers, with bad addresses, garbage), losses, commands
and time jumps, and after every step checks the RFC invariants:
- the state only changes along dhcp4c.states.transitions(), and the
  STATE_CHANGED events chain (each starts where the last one ended);
- never bound to a rejected address (the held lease's address passes the
  offer checks under its own mask, and has a server id);
- a lease is held only in BOUND, RENEWING, REBINDING, REBOOTING, LINK_DOWN,
  and the lease events pair up (acquired / lost) with what the client holds;
- the next deadline is never in the past;
- retransmission intervals are within RFC 2131 §4.1 bounds (4, 8, 16, 32,
  64 s, ±1 s) in SELECTING, REQUESTING, REBOOTING and INFORMING, and at
  least 60 s or up to the end in RENEWING / REBINDING (§4.4.5);
- receive() never raises; counters agree with what was sent.
"""
import os
import sys

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "core"))

from fakeserver import FakeRand, MAC, SID, SID2, ADDR, ADDR2, ip  # noqa: E402
from dhcp4c import states as S  # noqa: E402
from dhcp4c.server import reply  # noqa: E402
from dhcp4c.client import Client, Config, check_addr  # noqa: E402
from dhcp4c.errors import UsageError  # noqa: E402
from dhcp4c import events as E  # noqa: E402
from dhcp4c.lease import Lease  # noqa: E402
from dhcp4c.message import decode, encode  # noqa: E402
from dhcp4c.options import u32  # noqa: E402

HOLD = (S.BOUND, S.RENEWING, S.REBINDING, S.REBOOTING, S.LINK_DOWN)
BACKOFF_STATES = {S.SELECTING: 1, S.REQUESTING: 3, S.REBOOTING: 3, S.INFORMING: 8}

ADDRS = st.sampled_from([ADDR, ADDR2, ip("192.0.2.0"), ip("192.0.2.255"), ip("0.0.0.0"),
                         ip("127.0.0.1"), ip("224.0.0.1"), ip("250.1.2.3"),
                         ip("255.255.255.255"), ip("10.0.0.5")])
MASKS = st.sampled_from([None, ip("255.255.255.0"), ip("255.255.255.128"),
                         ip("255.255.255.254"), ip("255.0.0.0")])
LEASES = st.sampled_from([None, 0, 10, 60, 120, 600, 3600, 86400, 0xFFFFFFFF])
T12 = st.one_of(st.none(), st.integers(0, 100000))


VISITED = set()     # states reached across all examples (checked at the end)



def _lease_options(mask, lease, t1, t2):
    """Options 1, 51, 58, 59 for a reply, leaving out those given as None."""
    opts = [] if mask is None else [(1, mask)]
    for code, v in ((51, lease), (58, t1), (59, t2)):
        if v is not None:
            opts.append((code, u32(v)))
    return opts

class ClientMachine(RuleBasedStateMachine):
    @initialize(jitter=st.integers(-1000, 1000),
                tries=st.sampled_from([0, 1, 2, 5]),
                pause=st.sampled_from([0, 1, 20]),
                offer_wait=st.sampled_from([0, 500]),
                requested=st.sampled_from([None, ADDR, ADDR2]),
                timeout=st.sampled_from([None, None, 3]),
                start_delay=st.sampled_from([0, 0, 10000]),
                confirm=st.booleans())
    def setup(self, jitter, tries, pause, offer_wait, requested, timeout, start_delay, confirm):
        self.cfg = Config(requested=requested, tries=tries, pause=pause, offer_wait=offer_wait,
                          timeout=timeout, start_delay=start_delay, confirm=confirm)
        self.c = Client(MAC, self.cfg, FakeRand(jitter))
        self.now = 0
        self.sent = []           # decoded messages the client sent, in order
        self.count = {}          # (xid, type) -> sends
        self.state = S.STOPPED
        self.held = False
        self.n_datagrams = 0
        self.resend = False      # the next call's datagram is link_up's resend

    # -- helpers -------------------------------------------------------------
    def drain(self, was_tick, resend=False):
        """resend: the datagram (link_up's) is sent again off the schedule."""
        VISITED.add(self.c.state)
        last = None
        while True:
            d = self.c.next_datagram()
            if d is None:
                break
            payload, dst = d
            assert dst is None or len(dst) == 4
            m = decode(payload)
            assert m.op == 1 and m.chaddr[:6] == MAC
            self.sent.append(m)
            self.sent = self.sent[-8:]
            key = (m.xid, m.msg_type)
            if not resend:
                self.count[key] = self.count.get(key, 0) + 1
            self.n_datagrams += 1
            last = m
        while True:
            e = self.c.next_event()
            if e is None:
                break
            if e.type == E.STATE_CHANGED:
                assert S.allowed(e.old, e.new, e.why), e
                assert e.old == self.state, (e, S.NAMES[self.state])
                self.state = e.new
            elif e.type == E.LEASE_ACQUIRED:
                assert not self.held
                self.held = True
            elif e.type in (E.LEASE_RENEWED, E.LEASE_CHANGED):
                assert self.held
            elif e.type == E.LEASE_LOST:
                assert self.held
                self.held = False
        assert self.state == self.c.state
        if last is not None and not resend:
            self.check_interval(last)

    def check_interval(self, m):
        c = self.c
        st_ = c.state
        d = c.next_deadline()
        if st_ in BACKOFF_STATES and BACKOFF_STATES[st_] == m.msg_type and c.lease is None:
            if st_ == S.SELECTING and c._pending is not None:
                return
            k = self.count[(m.xid, m.msg_type)] - 1
            if self.cfg.timeout is not None:        # udhcpc -T: fixed, no jitter
                assert d - self.now == self.cfg.timeout * 1000
                return
            base = min(4000 << min(k, 4), 64000)
            assert d is not None and base - 1000 <= d - self.now <= base + 1000, (k, d - self.now)
        elif st_ == S.RENEWING and m.msg_type == 3 and c.lease.t2_at is not None:
            end = c.lease.t2_at
            assert d == end or d - self.now >= 60000 or d == c.lease.expiry_at
            assert d <= end
        elif st_ == S.REBINDING and m.msg_type == 3 and c.lease.expiry_at is not None:
            assert d == c.lease.expiry_at or d - self.now >= 60000

    def call(self, fn, *args):
        try:
            fn(*args)
        except UsageError:
            return False
        finally:
            self.drain(False, resend=self.resend)
            self.resend = False
        return True

    # -- rules ---------------------------------------------------------------
    @rule(stored=st.sampled_from([None, "valid", "expired", "unknown"]))
    def start(self, stored):
        lease = None
        if stored == "valid":
            lease = Lease(ADDR, SID, 3600, start=self.now)
        elif stored == "expired":
            lease = Lease.from_text("dhcp4c1 192.0.2.50 - 192.0.2.1 60 100", self.now, 200)
        elif stored == "unknown":
            lease = Lease.from_text("dhcp4c1 192.0.2.51 - - 60 -", self.now)
        before = self.c.state
        ok = self.call(self.c.start, self.now, lease)
        assert ok == (before == S.STOPPED)

    @rule(pick=st.integers(0, 7), kind=st.sampled_from([2, 5, 5, 6]),
          server=st.sampled_from([SID, SID2]), addr=st.one_of(st.none(), ADDRS), mask=MASKS,
          lease=LEASES, t1=T12, t2=T12, sid_missing=st.booleans(),
          mangle=st.sampled_from([None, None, None, "xid", "chaddr", "op"]))
    def reply(self, pick, kind, server, addr, mask, lease, t1, t2, sid_missing, mangle):
        if not self.sent:
            return
        req = self.sent[-1 - pick % len(self.sent)]
        if addr is None:
            addr = req.get(50) or (req.ciaddr if req.ciaddr != b"\0\0\0\0" else ADDR)
        opts = _lease_options(mask, lease, t1, t2)
        m = reply(req, kind, addr if kind != 6 else None, server, opts)
        if sid_missing:
            m.remove(54)
        if mangle == "xid":
            m.xid = b"\x99\x99\x99\x99"
        elif mangle == "chaddr":
            m.chaddr = b"\x02" + b"\x77" * 15
        elif mangle == "op":
            m.op = 1
        self.c.receive(encode(m), self.now, server)
        self.drain(False)

    @rule(server=st.sampled_from([SID, SID, SID2]), lease=LEASES, t1=T12, t2=T12,
          nak=st.integers(0, 9))
    def good_server_answers(self, server, lease, t1, t2, nak):
        """A well-behaved server answers the latest message (NAKs now and then)."""
        if not self.sent:
            return
        req = self.sent[-1]
        t = req.msg_type
        opts = _lease_options(ip("255.255.255.0"), lease, t1, t2)
        if t == 1:
            m = reply(req, 2, req.get(50) or ADDR, server, opts)
        elif t == 3:
            sid = req.get(54)
            if sid is None:
                sid = self.c.lease.server_id if self.c.lease is not None and server == SID \
                    else server
            addr = req.get(50) or req.ciaddr
            m = reply(req, 6 if nak == 0 else 5, None if nak == 0 else addr, sid, opts)
        elif t == 8:
            m = reply(req, 5, None, server, [(6, SID)])
        else:
            return
        self.c.receive(encode(m), self.now, m.get(54))
        self.drain(False)

    @rule(data=st.binary(max_size=400))
    def garbage(self, data):
        self.c.receive(data, self.now, None)
        self.drain(False)

    @rule()
    def lose_everything_sent(self):
        self.sent = []

    @rule(dt=st.one_of(st.sampled_from([0, 1, 999, 1000, 3999, 4000, 60000]),
                       st.integers(0, 5000000)))
    def wait(self, dt):
        self.now += dt
        self.c.tick(self.now)
        self.drain(True)

    @rule()
    def until_deadline(self):
        d = self.c.next_deadline()
        if d is not None:
            self.now = d
            self.c.tick(self.now)
            self.drain(True)

    @rule()
    def server_silent_until_t2(self):
        """The server stops answering and time runs to T2: the usual way into REBINDING."""
        lease = self.c.lease
        if lease is not None and lease.t2_at is not None and lease.t2_at > self.now:
            self.now = lease.t2_at
            self.c.tick(self.now)
            self.drain(True)

    @rule(cmd=st.sampled_from(["renew", "rebind", "release", "restart", "decline",
                               "accept", "link_down", "link_up"]))
    def command(self, cmd):
        self.c.tick(self.now)            # run due timers first: the state is then stable
        self.drain(True)
        before = self.c.state
        self.resend = (cmd == "link_up" and self.c.lease is None
                       and before in (S.SELECTING, S.REQUESTING, S.REBOOTING))
        ok = self.call(getattr(self.c, cmd), self.now)
        allowed = {"renew": S.CMD_RENEW, "rebind": S.CMD_REBIND, "release": S.CMD_RELEASE,
                   "restart": S.CMD_RESTART, "decline": S.CMD_DECLINE,
                   "accept": S.CMD_ACCEPT,
                   "link_down": S.CMD_LINK, "link_up": S.CMD_LINK}[cmd]
        assert ok == (before in allowed), (cmd, S.NAMES[before])
        if cmd == "release":
            assert self.c.state == S.STOPPED and self.c.lease is None

    @precondition(lambda self: self.c.lease is not None)
    @rule(up=st.booleans())
    def carrier_lost_while_held(self, up):
        """A carrier flap with a lease in use: since an exchange that holds no
        lease goes on through link loss, this is the way into LINK_DOWN, and
        the random `command` rule alone reached it only with some seeds."""
        self.c.tick(self.now)
        self.drain(True)
        if self.c.lease is None:     # expired at this tick
            return
        assert self.call(self.c.link_down, self.now)
        assert self.c.state == S.LINK_DOWN
        if up:
            assert self.call(self.c.link_up, self.now)

    @rule()
    def inform(self):
        self.call(self.c.inform, self.now, ADDR)

    @rule(reason=st.sampled_from(["ENETDOWN", "EPERM"]))
    def send_failed(self, reason):
        self.c.send_failed(self.now, reason)
        self.drain(False)

    # -- invariants ----------------------------------------------------------
    @invariant()
    def deadline_not_in_past(self):
        d = self.c.next_deadline()
        assert d is None or d > self.now

    @invariant()
    def lease_only_where_held_and_valid(self):
        c = self.c
        lease = c.lease
        if c.state in (S.BOUND, S.RENEWING, S.REBINDING):
            assert lease is not None
        if lease is not None:
            assert c.state in HOLD
            assert check_addr(lease.address, lease.mask) == 0
            assert lease.server_id is not None
            assert not lease.expired(self.now)
            if lease.t1_at is not None:
                assert lease.start <= lease.t1_at < lease.t2_at < lease.expiry_at
        assert self.held == (lease is not None)
        assert (c.granted is not None) == (c.state == S.GRANTED)
        assert c.granted is None or c.lease is None

    @invariant()
    def counters_agree(self):
        st_ = self.c.stats
        assert sum(st_.sent) == self.n_datagrams
        assert all(v >= 0 for v in st_.drops)
        assert all(v >= 0 for v in st_.state_ms)


TestClientMachine = ClientMachine.TestCase
# Derandomized: how far one run's walk reaches depends on hypothesis's
# seed (with some seeds no example ever left BOUND), so a random seed made
# test_zz_every_state_reached fail for 2 seeds in 24.  A fixed walk is
# the same on every run; DHCP4C_HYPOTHESIS_RANDOM=1 explores new ones.
# (The derandomized walk still depends on the checkout's path: a rule with a
# precondition, carrier_lost_while_held, makes LINK_DOWN common rather than
# a matter of the seed.)
TestClientMachine.settings = settings(
    max_examples=int(os.environ.get("DHCP4C_HYPOTHESIS_EXAMPLES", "300")),
    derandomize=not os.environ.get("DHCP4C_HYPOTHESIS_RANDOM"),
    stateful_step_count=60, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow])


def test_zz_every_state_reached():
    """The random walk above is only worth something if it goes everywhere."""
    if not VISITED:
        return    # run on its own (e.g. -k): nothing to check
    assert VISITED == set(range(S.N_STATES)) - {S.INIT_REBOOT}, sorted(
        S.NAMES[s] for s in set(range(S.N_STATES)) - VISITED)
