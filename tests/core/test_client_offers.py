"""Offer evaluation: every rejection reason, counted and reported; preference
for the requested address. Runs on CPython and MicroPython."""
from fakeserver import Run, Server, MAC, SID, SID2, ADDR, ADDR2, DNS, ip
from dhcp4c import states as S
from dhcp4c.server import reply
from dhcp4c.client import Config
from dhcp4c.message import encode
from dhcp4c import stats as T


def _selecting(config=None):
    r = Run(config)
    r.start()
    d = r.sent()[0][0]
    r.log()
    return r, d


def test_offers_rejected_for_each_reason():
    table = [
        ("0.0.0.0", "255.255.255.0", T.DROP_ZERO, "zero address"),
        ("0.0.0.7", None, T.DROP_ZERO, "zero address"),
        ("192.0.2.0", "255.255.255.0", T.DROP_NETWORK, "network address"),
        ("192.0.2.255", "255.255.255.0", T.DROP_BROADCAST, "broadcast address"),
        ("10.1.1.63", "255.255.255.192", T.DROP_BROADCAST, "broadcast address"),
        ("192.168.7.255", None, T.DROP_BROADCAST, "broadcast address"),
        ("224.0.0.5", None, T.DROP_MULTICAST, "multicast address"),
        ("127.0.0.1", None, T.DROP_LOOPBACK, "loopback address"),
        ("250.0.0.1", None, T.DROP_CLASS_E, "class E address"),
        ("255.255.255.255", None, T.DROP_ALL_ONES, "limited broadcast"),
    ]
    for addr, mask, reason, name in table:
        r, d = _selecting()
        srv = Server(mask=None if mask is None else ip(mask))
        r.recv(srv.offer(d, yiaddr=ip(addr)))
        assert r.c.state == S.SELECTING, addr
        assert r.c.stats.drops[reason] == 1 and sum(r.c.stats.drops) == 1, addr
        assert r.log() == ["rejected {} {}".format(addr, name)], addr
        assert r.sent() == []
        # a good offer afterwards is still taken
        r.recv(Server().offer(d))
        assert r.c.state == S.REQUESTING


def test_offer_without_server_id_rejected():
    r, d = _selecting()
    m = reply(d, 2, ADDR, SID, Server().options())
    m.remove(54)
    r.recv(encode(m))
    assert r.log() == ["rejected 192.0.2.50 no server id"]
    assert r.c.stats.drops[T.DROP_NO_SERVER_ID] == 1 and r.c.state == S.SELECTING


def test_first_acceptable_offer_taken_without_requested_address():
    r, d = _selecting()
    r.recv(Server(sid=SID2, addr=ADDR2).offer(d), SID2)
    r.recv(Server().offer(d))
    req = r.sent()
    assert len(req) == 1 and req[0][0].get(50) == ADDR2 and req[0][0].get(54) == SID2
    assert r.c.stats.drops[T.DROP_UNEXPECTED] == 1


def test_requested_address_preferred_among_offers():
    r, d = _selecting(Config(requested=ADDR2))
    assert d.get(50) == ADDR2
    r.now = 100
    r.recv(Server().offer(d))                          # another address: wait 500 ms
    assert r.c.state == S.SELECTING and r.sent() == []
    assert r.c.next_deadline() == 600
    r.now = 300
    r.recv(Server(sid=SID2, addr=ADDR2).offer(d), SID2)
    assert r.c.state == S.REQUESTING
    m = r.sent()[0][0]
    assert m.get(50) == ADDR2 and m.get(54) == SID2


def test_first_offer_taken_when_no_better_comes():
    r, d = _selecting(Config(requested=ADDR2))
    r.now = 100
    r.recv(Server().offer(d))
    r.now = 200
    r.recv(Server(sid=SID2, addr=ip("192.0.2.77")).offer(d), SID2)   # not better: ignored
    r.at(600)
    assert r.log() == ["SELECTING>REQUESTING offer accepted", "server 192.0.2.1"]
    m = r.sent()[0][0]
    assert m.get(50) == ADDR and m.get(54) == SID and m.xid == d.xid


def test_offer_wait_zero_takes_first():
    r, d = _selecting(Config(requested=ADDR2, offer_wait=0))
    r.recv(Server().offer(d))
    assert r.c.state == S.REQUESTING


def test_requested_address_offered_first_taken_at_once():
    r, d = _selecting(Config(requested=ADDR))
    r.recv(Server().offer(d))
    assert r.c.state == S.REQUESTING


def test_never_bound_to_bad_ack_address():
    # an ACK whose mask makes the offered address the subnet broadcast
    r, d = _selecting()
    r.recv(Server(addr=ip("10.0.0.127"), mask=ip("255.255.255.0")).offer(d))
    req = r.sent()[0][0]
    r.recv(Server(addr=ip("10.0.0.127"), mask=ip("255.255.255.128")).ack(req))
    assert r.c.state == S.REQUESTING and r.c.lease is None
    assert r.c.stats.drops[T.DROP_BROADCAST] == 1


def test_configured_options_in_every_message():
    cfg = Config(requested=ADDR, client_id=b"seed-id", hostname="board", fqdn="board.example.org",
                 vendor_class="dhcp4c", prl=(1, 3, 6), max_size=1400, broadcast=False,
                 extra=[(224, b"x")])
    r, d = _selecting(cfg)
    assert d.get(61) == b"seed-id" and d.get(12) == b"board" and d.get(60) == b"dhcp4c"
    assert d.get(55) == b"\x01\x03\x06" and d.get(57) == b"\x05\x78" and d.get(224) == b"x"
    assert d.get(81)[0] == 0x05 and d.get(50) == ADDR and d.flags == 0
    r2 = Run(Config(client_id=None, prl=None, max_size=None))
    r2.start()
    d2 = r2.sent()[0][0]
    assert d2.get(61) is None and d2.get(55) is None and d2.get(57) is None
    assert d2.flags == 0x8000
    r3 = Run()
    r3.start()
    assert r3.sent()[0][0].get(61) == b"\x01" + MAC


def test_offer_naming_no_usable_server_is_rejected_and_the_real_one_taken():
    """Option 54 must name a unicast server (issue 17): a rogue's offer
    naming 0.0.0.0, a broadcast, multicast, loopback or class E address
    would leave the client REQUESTing from nobody while the real offer of
    the same round went by."""
    for sid in ("0.0.0.0", "255.255.255.255", "192.0.2.255", "224.0.0.1", "127.0.0.1",
                "240.0.0.1"):
        r, d = _selecting()
        r.recv(Server(sid=ip(sid), addr=ADDR2).offer(d))
        assert r.log() == ["rejected 192.0.2.51 bad server id"], sid
        assert r.c.stats.drops[T.DROP_BAD_SERVER_ID] == 1 and r.c.state == S.SELECTING, sid
        r.recv(Server().offer(d))                   # the real server, a moment later
        req = r.sent()
        assert r.c.state == S.REQUESTING and req[0][0].get(54) == SID, sid


def test_ack_or_nak_naming_no_usable_server_is_dropped():
    r = Run()
    r.bind()
    r.at(3150000)                                   # T2: REBINDING, any server may answer
    req = r.sent()[0][0]
    r.log()
    for t in (5, 6):
        r.recv(Server(sid=ip("255.255.255.255")).reply(req, t))
    assert r.c.state == S.REBINDING and r.log() == []
    assert r.c.stats.drops[T.DROP_BAD_SERVER_ID] == 2
    r.recv(Server().ack(req))
    assert r.c.state == S.BOUND


def test_ack_with_a_malformed_optional_option_still_binds_without_it():
    """Issue 17: one bad option (here a 3-byte router) costs that option, not
    the lease: counted in stats.options_dropped, reported as an ERROR event;
    a bad mask leaves the lease without one (the classful mask for checks)."""
    r = Run()
    srv = Server(router=b"\xc0\x00\x02", mask=b"\xff\xff\xff")
    r.start()
    r.recv(srv.offer(r.sent()[0][0]))
    r.recv(srv.ack(r.sent()[0][0]))
    assert r.c.state == S.BOUND and r.c.lease.address == ADDR
    assert r.c.lease.routers == [] and r.c.lease.mask is None
    assert 3 not in r.c.lease.options and 1 not in r.c.lease.options
    assert r.c.lease.dns == [DNS] and r.c.lease.domain == "example.org"   # the rest stands
    assert r.c.stats.options_dropped == 2
    errors = [x for x in r.log() if x.startswith("error option")]
    assert errors == ["error option option 1 left out: length 3 is wrong for this option",
                      "error option option 3 left out: length 3 is wrong for this option"]
