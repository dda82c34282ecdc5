"""Client scenarios against a scripted server, with a fake clock and fake
randomness: DORA byte for byte, every timer, loss at each step, renewal,
rebinding, expiry, duplicates and late replies. Runs on CPython and MicroPython."""
from portable import unhex
from fakeserver import Run, Server, MAC, SID, SID2, ADDR, MASK, DNS
from dhcp4c import build, states as S
from dhcp4c.server import reply
from dhcp4c.client import Config
from dhcp4c.message import decode, encode
from dhcp4c import stats as T

SRV = Server()
OPTS = Config().options(MAC)


def test_dora_exact_datagrams_events_and_lease():
    r = Run()
    r.start()
    assert r.log() == ["STOPPED>INIT start", "INIT>SELECTING send DISCOVER"]
    raw = r.raw()
    xid = unhex("00000bb9")             # FakeRand's first value, 3001
    assert raw == [(encode(build.discover(xid, MAC, OPTS, None, True, 0)), None)]
    assert r.c.next_deadline() == 4000
    r.now = 100
    r.recv(SRV.offer(decode(raw[0][0])))
    assert r.log() == ["SELECTING>REQUESTING offer accepted", "server 192.0.2.1"]
    raw = r.raw()
    # §4.4.1: same xid and secs as the DISCOVER, 50 and 54 set, broadcast
    assert raw == [(encode(build.request_selecting(xid, MAC, OPTS, ADDR, SID, True, 0)), None)]
    assert r.c.next_deadline() == 4100
    r.now = 150
    r.recv(SRV.ack(decode(raw[0][0])))
    assert r.log() == ["REQUESTING>BOUND ACK", "server 192.0.2.1", "acquired 192.0.2.50"]
    assert r.sent() == []
    lease = r.c.lease
    assert lease.address == ADDR and lease.mask == MASK and lease.server_id == SID
    assert lease.routers == [SID] and lease.router == SID and lease.dns == [DNS]
    assert lease.domain == "example.org" and lease.server_addr == SID
    assert (lease.lease_time, lease.t1, lease.t2) == (3600, 1800, 3150)
    # the lease starts when the REQUEST was sent (100), not at the ACK (150)
    assert (lease.start, lease.t1_at, lease.t2_at, lease.expiry_at) == (
        100, 1800100, 3150100, 3600100)
    assert r.events[-1].left == 3599
    assert r.c.next_deadline() == 1800100
    st = r.c.stats
    assert st.sent[1] == 1 and st.sent[3] == 1 and st.received[2] == 1 and st.received[5] == 1
    assert st.leases == 1 and st.retransmissions == 0 and sum(st.drops) == 0
    assert st.state_ms[S.SELECTING] == 100 and st.state_ms[S.REQUESTING] == 50


def test_discover_backoff_4_8_16_32_64_then_pause():
    r = Run()
    r.start()
    first = r.sent()[0][0]
    for t in (4000, 12000, 28000, 60000):
        r.at(t - 1)
        assert r.sent() == []
        r.at(t)
        s = r.sent()
        assert len(s) == 1 and s[0][1] is None
        assert s[0][0].xid == first.xid and s[0][0].secs == t // 1000
        assert s[0][0].msg_type == 1
    r.log()
    r.at(123999)
    assert r.sent() == [] and r.c.state == S.SELECTING
    r.at(124000)                        # 64 s after the 5th: round over, -A pause
    assert r.log() == ["SELECTING>INIT no offer", "round failed no offer"]
    assert r.sent() == [] and r.c.next_deadline() == 144000
    r.at(144000)
    assert r.log() == ["INIT>SELECTING send DISCOVER"]
    s = r.sent()
    assert len(s) == 1 and s[0][0].xid != first.xid and s[0][0].secs == 0
    assert r.c.stats.retransmissions == 4 and r.c.stats.sent[1] == 6


def test_backoff_jitter_from_rand32():
    for jitter, first, second in ((1000, 5000, 14000), (-1000, 3000, 10000),
                                  (250, 4250, 12500)):
        r = Run(jitter=jitter)
        r.start()
        r.sent()
        assert r.c.next_deadline() == first
        r.at(first)
        assert len(r.sent()) == 1
        assert r.c.next_deadline() == second


def test_udhcpc_style_tries_timeout_pause():
    r = Run(Config(tries=3, timeout=3, pause=20))
    r.start()
    xid = r.sent()[0][0].xid
    r.at(3000)
    assert r.sent()[0][0].xid == xid
    r.at(6000)
    assert r.sent()[0][0].xid == xid
    r.log()
    r.at(9000)
    assert r.log() == ["SELECTING>INIT no offer", "round failed no offer"] and r.sent() == []
    r.at(29000)
    s = r.sent()
    assert len(s) == 1 and s[0][0].xid != xid


def test_no_server_at_all_keeps_trying():
    r = Run(Config(tries=2, timeout=1, pause=5))
    r.start()
    n = 0
    for _ in range(50):
        r.at(r.c.next_deadline())
        n += len(r.sent())
    assert r.c.lease is None and r.c.state in (S.INIT, S.SELECTING)
    assert n == r.c.stats.sent[1] and n > 30
    assert r.c.stats.leases == 0


def test_lost_offer_then_offer_to_retransmission():
    r = Run()
    r.start()
    r.sent()
    r.at(4000)
    d = r.sent()[0][0]
    assert d.secs == 4
    r.recv(SRV.offer(d))
    req = r.sent()[0][0]
    assert req.secs == 4 and req.xid == d.xid     # §4.4.1: REQUEST repeats DISCOVER's secs


def test_lost_ack_request_retransmitted_lease_from_first_request():
    r = Run()
    r.start()
    r.now = 10
    r.recv(SRV.offer(r.sent()[0][0]))
    req = r.sent()[0][0]
    r.at(4010)
    req2 = r.sent()[0][0]
    assert req2.xid == req.xid and req2.msg_type == 3 and req2.options == req.options
    assert req2.secs == req.secs
    r.now = 4020
    r.recv(SRV.ack(req2))
    assert r.c.state == S.BOUND and r.c.lease.start == 10
    assert r.c.stats.retransmissions == 1


def test_request_unanswered_back_to_init():
    r = Run()
    r.start()
    r.recv(SRV.offer(r.sent()[0][0]))
    r.sent()
    r.log()
    for t in (4000, 12000, 28000, 60000):
        r.at(t)
        assert len(r.sent()) == 1
    r.at(124000)
    assert r.log() == ["REQUESTING>INIT no ACK", "round failed no ACK",
                       "INIT>SELECTING send DISCOVER"]
    s = r.sent()
    assert len(s) == 1 and s[0][0].msg_type == 1


def test_renew_at_t1_unicast_and_renewed():
    r = Run()
    r.bind()
    r.at(1799999)
    assert r.sent() == []
    r.at(1800000)
    assert r.log() == ["BOUND>RENEWING T1"]
    s = r.sent()
    assert len(s) == 1 and s[0][1] == SID                   # unicast to the server
    m = s[0][0]
    assert m.msg_type == 3 and m.ciaddr == ADDR and m.flags == 0
    assert m.get(50) is None and m.get(54) is None          # §4.3.2 RENEWING form
    assert r.c.next_deadline() == 2475000                   # half of the 1350 s to T2
    r.now = 1800500
    r.recv(SRV.ack(m))
    assert r.log() == ["RENEWING>BOUND ACK", "server 192.0.2.1", "renewed 192.0.2.50"]
    assert r.c.lease.start == 1800000 and r.c.next_deadline() == 3600000
    assert r.c.stats.renew_ok == 1 and r.c.stats.leases == 1


def test_lease_extended_with_new_t1_t2():
    r = Run()
    r.bind()
    r.at(1800000)
    m = r.sent()[0][0]
    r.log()
    srv = Server(lease=7200, t1=1000, t2=5000)
    r.recv(srv.ack(m))
    assert r.log()[-1] == "renewed 192.0.2.50"
    lease = r.c.lease
    assert (lease.lease_time, lease.t1, lease.t2) == (7200, 1000, 5000)
    assert (lease.t1_at, lease.t2_at, lease.expiry_at) == (2800000, 6800000, 9000000)
    assert r.c.next_deadline() == 2800000


def test_lease_changed_parameters():
    r = Run()
    r.bind()
    r.at(1800000)
    m = r.sent()[0][0]
    r.log()
    r.recv(Server(dns=(SID, SID2)).ack(m))
    assert r.log()[-1] == "changed 192.0.2.50"
    e = r.events[-1]
    assert e.lease.dns == [SID, SID2] and e.old.dns == [DNS]


def test_server_gone_renewing_rebinding_other_server_answers():
    r = Run()
    r.bind()
    for t in (1800000, 2475000, 2812500, 2981250, 3065625, 3125625):  # §4.4.5
        r.at(t - 1)
        assert r.sent() == []
        r.at(t)
        s = r.sent()
        assert len(s) == 1 and s[0][1] == SID and s[0][0].ciaddr == ADDR
    assert r.c.next_deadline() == 3150000
    r.log()
    r.at(3150000)                                           # T2
    assert r.log() == ["RENEWING>REBINDING T2"]
    s = r.sent()
    assert len(s) == 1 and s[0][1] is None and s[0][0].ciaddr == ADDR
    assert s[0][0].get(54) is None
    assert r.c.next_deadline() == 3375000
    r.at(3375000)
    m = r.sent()[0][0]
    assert m.xid == s[0][0].xid
    r.now = 3400000
    other = Server(sid=SID2)
    r.recv(other.ack(m), SID2)
    assert r.log() == ["REBINDING>BOUND ACK", "server 192.0.2.2", "changed 192.0.2.50"]
    lease = r.c.lease
    assert lease.server_id == SID2 and lease.start == 3150000
    st = r.c.stats
    assert st.renew_fail == 1 and st.rebind_ok == 1 and st.retransmissions == 6
    # renewing now goes to the new server
    r.at(lease.t1_at)
    assert r.sent()[0][1] == SID2


def test_rebinding_schedule_then_expiry_lost_and_init():
    r = Run()
    r.bind()
    r.at(3150000)
    r.sent()
    r.log()
    for t in (3375000, 3487500, 3547500):
        r.at(t)
        assert len(r.sent()) == 1
    assert r.c.next_deadline() == 3600000
    r.at(3600000)
    assert r.log() == ["BOUND>RENEWING T1", "RENEWING>REBINDING T2",
                       "REBINDING>INIT lease expired", "lost 192.0.2.50 lease expired",
                       "INIT>SELECTING send DISCOVER"][-3:]
    s = r.sent()
    assert len(s) == 1 and s[0][0].msg_type == 1 and s[0][0].get(50) == ADDR
    assert r.c.lease is None and r.c.stats.rebind_fail == 1


def test_late_tick_jumps_straight_to_rebinding_or_expiry():
    r = Run()
    r.bind()
    r.at(3200000)
    assert r.log() == ["BOUND>REBINDING T2"]
    assert r.sent()[0][1] is None
    r = Run()
    r.bind()
    r.at(5000000)
    assert r.log() == ["BOUND>INIT lease expired", "lost 192.0.2.50 lease expired",
                       "INIT>SELECTING send DISCOVER"]


def test_late_ack_for_start_long_ago_renews_at_once():
    # ACK arrives after T1 of its own lease (lease counted from the REQUEST)
    r = Run()
    r.start()
    r.recv(Server(lease=100).offer(r.sent()[0][0]))
    req = r.sent()[0][0]
    r.at(60000)
    req = r.sent()[-1][0]
    r.recv(Server(lease=100).ack(req))
    assert r.log()[-3:] == ["server 192.0.2.1", "acquired 192.0.2.50", "BOUND>RENEWING T1"]
    assert r.c.next_deadline() > 60000


def test_duplicate_and_late_replies_ignored():
    r = Run(Config(tries=1, timeout=2, pause=1))
    r.start()
    d1 = r.sent()[0][0]
    r.at(2000)
    r.at(3000)                      # new round, new xid
    d2 = r.sent()[0][0]
    assert d2.xid != d1.xid
    r.log()
    r.recv(SRV.offer(d1))           # late OFFER for the old xid
    assert r.c.state == S.SELECTING and r.c.stats.drops[T.DROP_XID] == 1
    r.recv(SRV.offer(d2))
    req = r.sent()[0][0]
    r.recv(SRV.offer(d2))           # duplicate OFFER while REQUESTING
    assert r.c.stats.drops[T.DROP_UNEXPECTED] == 1 and r.sent() == []
    ack = SRV.ack(req)
    r.recv(ack)
    r.log()
    r.recv(ack)                     # duplicate ACK while BOUND
    assert r.c.stats.drops[T.DROP_UNEXPECTED] == 2
    assert r.log() == [] and r.sent() == [] and r.c.stats.leases == 1


def test_foreign_replies_dropped_by_reason():
    r = Run()
    r.start()
    d = r.sent()[0][0]
    own = encode(d)
    r.recv(own)                     # our own broadcast looped back: a BOOTREQUEST
    assert r.c.stats.drops[T.DROP_NOT_REPLY] == 1
    other = build.discover(d.xid, b"\x02\x00\x00\x00\x00\x99", OPTS)
    r.recv(SRV.offer(other))        # right xid, someone else's chaddr
    assert r.c.stats.drops[T.DROP_CHADDR] == 1
    r.recv(SRV.ack(d))              # an ACK while SELECTING
    assert r.c.stats.drops[T.DROP_UNEXPECTED] == 1
    assert r.c.state == S.SELECTING and r.sent() == []
    assert r.c.stats.received[1] == 1 and r.c.stats.received[2] == 1


def test_malformed_never_raises():
    r = Run()
    r.start()
    d = r.sent()[0][0]
    r.log()
    for junk in (b"", b"\x02" * 100, SRV.offer(d)[:239],
                 bytearray(300), memoryview(b"\x00" * 400)):
        r.recv(junk)
    assert r.c.stats.drops[T.DROP_MALFORMED] == 5
    log = r.log()
    assert log[:3] == ["error malformed header at offset 0: truncated: 0 bytes, need 236",
                       "error malformed header at offset 100: truncated: 100 bytes, need 236",
                       "error malformed magic cookie at offset 236: missing or wrong"]
    assert len(log) == 5
    good = SRV.offer(d)
    r.recv(good)
    assert r.c.state == S.REQUESTING


def test_ack_server_and_address_checks():
    r = Run()
    r.start()
    r.recv(SRV.offer(r.sent()[0][0]))
    req = r.sent()[0][0]
    r.recv(Server(sid=SID2).ack(req), SID2)        # not the server we selected
    assert r.c.stats.drops[T.DROP_SERVER_MISMATCH] == 1
    r.recv(SRV.ack(req, yiaddr=b"\xc0\x00\x02\x63"))   # not the address offered
    assert r.c.stats.drops[T.DROP_ADDR_MISMATCH] == 1
    m = reply(req, 5, ADDR, SID, SRV.options())
    m.remove(54)
    r.recv(encode(m))
    assert r.c.stats.drops[T.DROP_NO_SERVER_ID] == 1
    assert r.c.state == S.REQUESTING
    # renewing: ACK only from the lease's server
    r.recv(SRV.ack(req))
    r.at(1800000)
    m = r.sent()[0][0]
    r.recv(Server(sid=SID2).ack(m), SID2)
    assert r.c.stats.drops[T.DROP_SERVER_MISMATCH] == 2 and r.c.state == S.RENEWING


def test_infinite_lease_never_expires_renew_on_command():
    r = Run(Config(tries=2))
    r.bind(Server(lease=0xFFFFFFFF))
    lease = r.c.lease
    assert lease.infinite and lease.expiry_at is None and lease.t1 is None
    assert r.c.next_deadline() is None
    r.at(10 ** 12)
    assert r.c.state == S.BOUND and r.log() == []
    r.c.renew(r.now)
    assert r.log() == ["BOUND>RENEWING renew"]
    assert r.sent()[0][1] == SID
    r.at(r.c.next_deadline())
    assert len(r.sent()) == 1
    r.at(r.c.next_deadline())
    assert r.log() == ["RENEWING>BOUND no ACK"] and r.c.lease is lease
    assert r.c.next_deadline() is None and r.c.stats.renew_fail == 1


def test_start_delay_desynchronises_first_discover():
    r = Run(Config(start_delay=10000))
    r.start()
    assert r.log() == ["STOPPED>INIT start"] and r.sent() == []
    d = r.c.next_deadline()
    assert d == 1 + 3001 % 10000                 # FakeRand's first value
    r.at(d)
    assert r.log() == ["INIT>SELECTING send DISCOVER"] and len(r.sent()) == 1


def test_time_in_states_includes_current():
    r = Run()
    r.now = 1000
    r.bind()
    t = r.c.time_in_states(5000)
    assert t[S.BOUND] == 4000 and t[S.STOPPED] == 0 and sum(t) == 4000
