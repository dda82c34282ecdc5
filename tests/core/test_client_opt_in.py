"""The opt-in protocol extensions (issue 16, item 7): rapid commit (RFC
4039), IPv6-only preferred (RFC 8925) and the RFC 4361 client identifier.
Each is off by default; with it off, the client behaves as before. Runs on
CPython and MicroPython."""
from fakeserver import Run, Server, MAC, SID, SID2, ADDR
from dhcp4c import states as S
from dhcp4c import stats as T
from dhcp4c.client import Config
from dhcp4c.options import u32

RAPID = Server(extra=((80, b""),))
V6ONLY = Server(extra=((108, u32(1800)),))


def _selecting(config):
    r = Run(config)
    r.start()
    d = r.sent()[0][0]
    r.log()
    return r, d


# -- rapid commit (RFC 4039) ---------------------------------------------------
def test_rapid_commit_binds_on_an_ack_to_the_discover():
    r, d = _selecting(Config(rapid_commit=True))
    assert d.get(80) == b""                      # §4: DISCOVER carries it
    r.recv(RAPID.ack(d))
    assert r.log() == ["SELECTING>BOUND rapid commit ACK", "server 192.0.2.1",
                       "acquired 192.0.2.50"]
    assert r.c.lease.address == ADDR and r.c.lease.start == 0   # from the DISCOVER
    r.at(1800000)                                # renewals go on as usual
    m = r.sent()[0][0]
    assert m.msg_type == 3 and m.get(80) is None  # only in DISCOVER


def test_rapid_commit_off_or_without_option_80_the_ack_is_dropped():
    r, d = _selecting(Config())
    assert d.get(80) is None
    r.recv(RAPID.ack(d))
    assert r.c.state == S.SELECTING and r.c.stats.drops[T.DROP_UNEXPECTED] == 1
    r, d = _selecting(Config(rapid_commit=True))
    r.recv(Server().ack(d))                      # an ACK without 80: not rapid commit
    assert r.c.state == S.SELECTING


def test_rapid_commit_still_takes_a_four_message_exchange():
    r, d = _selecting(Config(rapid_commit=True))
    r.recv(Server().offer(d))                    # a server that does not do it
    req = r.sent()[0][0]
    assert r.c.state == S.REQUESTING and req.get(80) is None
    r.recv(Server().ack(req))
    assert r.c.state == S.BOUND


def test_rapid_commit_ack_checked_as_an_offer_and_granted_first_with_confirm():
    r, d = _selecting(Config(rapid_commit=True))
    r.recv(Server(addr=b"\xff\xff\xff\xff", extra=((80, b""),)).ack(d))
    assert r.c.state == S.SELECTING              # a broadcast address: no lease
    r.recv(Server(sid=b"\x00\x00\x00\x00", extra=((80, b""),)).ack(d), SID2)
    assert r.c.state == S.SELECTING              # no usable server identifier
    r, d = _selecting(Config(rapid_commit=True, confirm=True))
    r.recv(RAPID.ack(d))
    assert r.c.state == S.GRANTED and r.log()[0] == "SELECTING>GRANTED rapid commit ACK"


# -- IPv6-only preferred (RFC 8925) ------------------------------------------------
def test_v6only_asks_for_108_and_an_offer_with_it_configures_nothing():
    r, d = _selecting(Config(v6only=True))
    assert 108 in d.get(55)
    r.recv(V6ONLY.offer(d))
    assert r.log() == ["SELECTING>INIT IPv6-only preferred", "v6only 192.0.2.1 1800"]
    assert r.c.lease is None and r.sent() == []
    assert r.c.next_deadline() == 1800000
    r.at(1800000)                                # and then DISCOVER again
    assert r.sent()[0][0].msg_type == 1


def test_v6only_wait_is_at_least_300_s_and_a_bad_108_is_ignored():
    r, d = _selecting(Config(v6only=True))
    r.recv(Server(extra=((108, u32(5)),)).offer(d))
    assert r.c.next_deadline() == 300000         # MIN_V6ONLY_WAIT
    r, d = _selecting(Config(v6only=True))
    r.recv(Server(extra=((108, b"\x00\x05"),)).offer(d))
    assert r.c.state == S.REQUESTING             # malformed: as if absent


def test_v6only_off_ignores_108():
    r, d = _selecting(Config())
    assert d.get(55) is None or 108 not in d.get(55)
    r.recv(V6ONLY.offer(d))
    assert r.c.state == S.REQUESTING


def test_v6only_ack_in_rebooting_configures_nothing():
    from dhcp4c.lease import Lease
    r = Run(Config(v6only=True))
    r.start(Lease(ADDR, SID, 3600, start=0))
    req = r.sent()[0][0]
    r.log()
    r.recv(V6ONLY.ack(req))
    assert r.c.state == S.INIT and r.c.lease is None
    assert r.log() == ["REBOOTING>INIT IPv6-only preferred", "v6only 192.0.2.1 1800"]


# -- RFC 4361 client identifier --------------------------------------------------
def test_rfc4361_client_id_from_the_mac():
    r, d = _selecting(Config(client_id="rfc4361"))
    cid = d.get(61)
    assert cid == b"\xff" + MAC[2:] + b"\x00\x03\x00\x01" + MAC
    r.recv(Server().offer(d))
    assert r.sent()[0][0].get(61) == cid          # the same in every message


# -- fallback (no lease after Config.fallback s) --------------------------------------
def test_fallback_reported_once_discover_goes_on_and_a_lease_replaces_it():
    r = Run(Config(fallback=10, tries=0))
    r.start()
    assert r.c.next_deadline() == 4000           # the first retransmission comes first
    for t in (4000, 10000):
        r.at(t)
    assert r.log()[-1] == "fallback" and r.c.fallback
    assert r.c.state == S.SELECTING               # DISCOVER goes on
    r.at(100000)
    assert "fallback" not in r.log()              # once per time without a lease
    d = r.sent()[-1][0]
    assert d.msg_type == 1
    srv = Server()
    r.recv(srv.offer(d))
    r.recv(srv.ack(r.sent()[0][0]))
    assert r.c.state == S.BOUND and not r.c.fallback
    assert r.log()[-1] == "acquired 192.0.2.50"


def test_fallback_counted_again_after_a_lease_is_lost():
    r = Run(Config(fallback=30))
    r.bind()
    r.log()
    r.at(3600000)                                 # expired: no lease from here
    assert r.c.lease is None and r.c.next_deadline() <= 3600000 + 30000
    r.at(3600000 + 30000)
    assert "fallback" in r.log()


def test_no_fallback_by_default_or_with_a_stored_lease_confirmed():
    r = Run()
    r.start()
    r.at(10 ** 6)
    assert "fallback" not in r.log() and not r.c.fallback
    from dhcp4c.lease import Lease
    r = Run(Config(fallback=5))
    r.start(Lease(ADDR, SID, 3600, start=0))
    req = r.sent()[0][0]
    r.recv(Server().ack(req))
    r.at(60000)
    assert "fallback" not in r.log()


# -- bounded INIT-REBOOT (Config.reboot), deep-sleep wake-ups ---------------------------
def test_bounded_reboot_two_requests_then_discover():
    from dhcp4c.lease import Lease
    r = Run(Config(reboot=2000))
    r.start(Lease(ADDR, SID, 3600, start=0))
    first = r.sent()[0][0]
    assert first.msg_type == 3 and r.c.next_deadline() == 1000
    r.at(1000)
    again = r.sent()[0][0]
    assert again.xid == first.xid and r.c.next_deadline() == 2000
    r.log()
    r.at(2000)                                   # an AP that drops it: DISCOVER at 2 s
    assert r.log()[:3] == ["REBOOTING>INIT no ACK", "round failed no ACK",
                           "INIT>SELECTING send DISCOVER"]
    d = r.sent()[0][0]
    assert d.msg_type == 1 and d.get(50) == ADDR   # asking for the stored address


def test_bounded_reboot_answered_binds_and_default_is_unbounded():
    from dhcp4c.lease import Lease
    r = Run(Config(reboot=2000))
    r.start(Lease(ADDR, SID, 3600, start=0))
    r.recv(Server().ack(r.sent()[0][0]))
    assert r.c.state == S.BOUND
    r = Run()
    r.start(Lease(ADDR, SID, 3600, start=0))
    r.sent()
    assert r.c.next_deadline() == 4000           # §4.1 back-off as before


def test_v6only_leaves_a_lease_in_use_alone():
    """After a carrier flap the held lease is confirmed in REBOOTING: an ACK
    with 108 then renews it (IPv6-only applies while getting a lease, not to
    one the caller has configured)."""
    r = Run(Config(v6only=True))
    r.bind()
    r.c.link_down(r.now)
    r.c.link_up(r.now)
    assert r.c.state == S.REBOOTING and r.c.lease is not None
    r.recv(V6ONLY.ack(r.sent()[-1][0]))
    assert r.c.state == S.BOUND and r.c.lease is not None
