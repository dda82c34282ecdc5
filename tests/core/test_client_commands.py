"""NAK in every state, commands from every state (release, restart, decline,
renew, rebind, link down/up, inform), INIT-REBOOT from a stored lease, misuse,
the lease's text form and the DOT export. Runs on CPython and MicroPython."""
from portable import raises
from fakeserver import Run, Server, MAC, SID, SID2, ADDR, ADDR2
from dhcp4c import states as S
from dhcp4c.server import reply
from dhcp4c.client import Client, Config
from dhcp4c.errors import MalformedError, UsageError
from dhcp4c.lease import Lease
from dhcp4c.message import encode
from dhcp4c import stats as T

SRV = Server()
OTHER = Server(sid=SID2)


# -- helpers bringing a client into each state ---------------------------------
def selecting():
    r = Run()
    r.start()
    return r, r.sent()[-1][0]


def requesting():
    r, d = selecting()
    r.recv(SRV.offer(d))
    return r, r.sent()[-1][0]


def bound():
    r = Run()
    req = r.bind()
    return r, req


def renewing():
    r, _ = bound()
    r.at(1800000)
    return r, r.sent()[-1][0]


def rebinding():
    r, _ = bound()
    r.at(3150000)
    return r, r.sent()[-1][0]


def rebooting():
    r = Run()
    r.start(Lease(ADDR, SID, 3600, start=0))
    return r, r.sent()[-1][0]


# -- NAK -----------------------------------------------------------------------
def test_nak_in_requesting_from_selected_server_only():
    r, req = requesting()
    r.log()
    r.recv(OTHER.nak(req), SID2)
    assert r.c.state == S.REQUESTING and r.c.stats.drops[T.DROP_SERVER_MISMATCH] == 1
    r.recv(SRV.nak(req, b"wrong network"))
    assert r.log() == ["nak 192.0.2.1 wrong network", "REQUESTING>INIT NAK",
                       "INIT>SELECTING send DISCOVER"]
    assert r.sent()[0][0].msg_type == 1 and r.c.stats.naks == 1


def test_repeated_naks_back_off():
    r, req = requesting()
    r.recv(SRV.nak(req))
    r.recv(SRV.offer(r.sent()[0][0]))
    r.recv(SRV.nak(r.sent()[0][0]))          # second NAK in a row: wait 1 s
    assert r.c.state == S.INIT and r.sent() == [] and r.c.next_deadline() == 1000
    r.at(1000)
    assert r.sent()[0][0].msg_type == 1


def test_nak_without_server_id_dropped():
    r, req = requesting()
    m = reply(req, 6, None, SID)
    m.remove(54)
    r.recv(encode(m))
    assert r.c.state == S.REQUESTING and r.c.stats.drops[T.DROP_NO_SERVER_ID] == 1


def test_nak_in_renewing_only_from_lease_server():
    r, m = renewing()
    r.log()
    r.recv(OTHER.nak(m), SID2)
    assert r.c.state == S.RENEWING and r.c.stats.drops[T.DROP_SERVER_MISMATCH] == 1
    r.recv(SRV.nak(m))
    assert r.log() == ["nak 192.0.2.1 None", "RENEWING>INIT NAK", "lost 192.0.2.50 NAK",
                       "INIT>SELECTING send DISCOVER"]
    assert r.c.lease is None and r.c.stats.renew_fail == 1
    assert r.sent()[0][0].get(50) is None      # the NAKed address is not asked for again


def test_nak_in_rebinding_from_any_server():
    r, m = rebinding()
    r.log()
    r.recv(OTHER.nak(m), SID2)
    assert r.log()[:3] == ["nak 192.0.2.2 None", "REBINDING>INIT NAK", "lost 192.0.2.50 NAK"]
    assert r.c.stats.rebind_fail == 1


def test_nak_in_rebooting_from_any_server():
    r, m = rebooting()
    r.log()
    r.recv(OTHER.nak(m), SID2)
    assert r.log() == ["nak 192.0.2.2 None", "REBOOTING>INIT NAK", "INIT>SELECTING send DISCOVER"]
    assert r.sent()[0][0].get(50) is None


def test_nak_in_selecting_or_bound_ignored():
    r, d = selecting()
    r.recv(SRV.nak(d))
    assert r.c.state == S.SELECTING and r.c.stats.drops[T.DROP_UNEXPECTED] == 1
    r, req = bound()
    r.recv(SRV.nak(req))
    assert r.c.state == S.BOUND and r.c.stats.drops[T.DROP_UNEXPECTED] == 1


# -- INIT-REBOOT ---------------------------------------------------------------
def test_init_reboot_accepted():
    text = Lease(ADDR, SID, 3600, start=0, mask=b"\xff\xff\xff\x00").to_text(1000000, 1700000000)
    assert text == "dhcp4c1 192.0.2.50 255.255.255.0 192.0.2.1 3600 1700002600"
    r = Run()
    lease = Lease.from_text(text, 0, 1700000100)      # after a restart: 2500 s left
    assert not lease.expired(0) and lease.expiry_at == 2500000
    r.start(lease)
    assert r.log() == ["STOPPED>INIT_REBOOT start", "INIT_REBOOT>REBOOTING send REQUEST"]
    s = r.sent()
    m = s[0][0]
    assert s[0][1] is None and m.msg_type == 3 and m.get(50) == ADDR
    assert m.get(54) is None and m.ciaddr == b"\x00\x00\x00\x00" and m.flags == 0x8000
    r.now = 5
    r.recv(OTHER.ack(m), SID2)                           # any server may answer
    assert r.log() == ["REBOOTING>BOUND ACK", "server 192.0.2.2", "acquired 192.0.2.50"]
    assert r.c.lease.server_id == SID2 and r.c.stats.leases == 1


def test_init_reboot_unanswered_falls_back_to_discover():
    r, m = rebooting()
    r.log()
    for t in (4000, 12000, 28000, 60000):
        r.at(t)
        assert r.sent()[0][0].get(50) == ADDR
    r.at(124000)
    assert r.log() == ["REBOOTING>INIT no ACK", "round failed no ACK",
                       "INIT>SELECTING send DISCOVER"]
    assert r.sent()[0][0].get(50) == ADDR


def test_expired_stored_lease_starts_in_init_asking_for_it():
    lease = Lease.from_text("dhcp4c1 192.0.2.50 255.255.255.0 192.0.2.1 3600 1700000000",
                            0, 1700000001)
    assert lease.expired(0)
    r = Run()
    r.start(lease)
    assert r.log() == ["STOPPED>INIT start", "INIT>SELECTING send DISCOVER"]
    assert r.sent()[0][0].get(50) == ADDR


def test_lease_text_forms():
    lease = Lease.from_text(b"dhcp4c1 192.0.2.50 - - inf -", 7)
    assert lease.infinite and lease.server_id is None and lease.mask is None
    assert lease.to_text(7, 100) == "dhcp4c1 192.0.2.50 - - inf -"
    lease = Lease.from_text("dhcp4c1 192.0.2.50 - 192.0.2.1 600 123", 7)   # no wall clock
    assert lease.expiry_at is None and not lease.expired(10 ** 9)
    for bad in ("", "dhcp4c1", "x 1 2 3 4 5", "dhcp4c1 192.0.2 - - 60 -",
                "dhcp4c1 192.0.2.300 - - 60 -", "dhcp4c1 - - - 60 -",
                "dhcp4c1 192.0.2.1 - - sixty -", "dhcp4c1 192.0.2.1 - - 60 soon",
                "dhcp4c1 0.0.0.0 - - 60 -", "dhcp4c1 127.0.0.1 - - 60 -",
                "dhcp4c1 255.255.255.255 - - 60 -", "dhcp4c1 224.0.0.1 - - 60 -",
                "dhcp4c1 192.0.2.1 - - 4294967295 -", "dhcp4c1 192.0.2.1 - - 99999999999 -",
                "dhcp4c1 192.0.2.1 - - 60 66", "dhcp4c1 192.0.2.1 300.0.0.0 - 60 -"):
        raises(MalformedError, Lease.from_text, bad, 0, 5)


# -- release -------------------------------------------------------------------
def test_release_from_each_state():
    makers = (("SELECTING", selecting), ("REQUESTING", requesting), ("BOUND", bound),
              ("RENEWING", renewing), ("REBINDING", rebinding), ("REBOOTING", rebooting))
    for name, make in makers:
        r, _ = make()
        r.sent()
        r.log()
        held = r.c.lease is not None
        r.c.release(r.now)
        log = r.log()
        assert log[0] == "{}>STOPPED release".format(name), log
        s = r.sent()
        if held:
            assert log[1:] == ["lost 192.0.2.50 release"]
            assert len(s) == 1 and s[0][1] == SID          # §4.4.6: unicast
            m = s[0][0]
            assert m.msg_type == 7 and m.ciaddr == ADDR and m.get(54) == SID
            assert m.get(61) == b"\x01" + MAC and m.get(55) is None
        else:
            assert log[1:] == [] and s == []
        assert r.c.state == S.STOPPED and r.c.lease is None and r.c.next_deadline() is None
        r.c.release(r.now)                                  # again: nothing
        assert r.log() == [] and r.sent() == []
        r.c.start(r.now)                                    # and it can start again
        assert r.c.state == S.SELECTING


def test_release_in_stopped_init_linkdown_and_informing():
    r = Run()
    r.c.release(0)
    assert r.log() == [] and r.c.state == S.STOPPED
    r, _ = bound()
    r.c.decline(r.now)
    r.c.release(r.now)
    assert r.log()[-1] == "INIT>STOPPED release"
    r, _ = bound()
    r.c.link_down(r.now)
    r.sent()
    r.c.release(r.now)
    assert r.log()[-2:] == ["LINK_DOWN>STOPPED release", "lost 192.0.2.50 release"]
    assert r.sent() == []                                   # no link: nothing sent
    r = Run()
    r.c.inform(0, ADDR)
    r.c.release(0)
    assert r.log()[-1] == "INFORMING>STOPPED release"


# -- restart, renew, rebind ----------------------------------------------------
def test_restart_from_bound_rediscovers_old_address():
    r, _ = bound()
    r.c.restart(r.now)
    assert r.log() == ["BOUND>INIT restart", "lost 192.0.2.50 restart",
                       "INIT>SELECTING send DISCOVER"]
    s = r.sent()
    assert len(s) == 1 and s[0][0].msg_type == 1 and s[0][0].get(50) == ADDR


def test_restart_from_other_states():
    for make in (selecting, requesting, renewing, rebinding, rebooting):
        r, _ = make()
        r.log()
        r.sent()
        r.c.restart(r.now)
        log = r.log()
        assert log[0].endswith("INIT restart") and log[-1] == "INIT>SELECTING send DISCOVER"
        assert r.sent()[0][0].msg_type == 1
    r = Run()
    r.c.restart(0)
    assert r.log() == ["STOPPED>INIT restart", "INIT>SELECTING send DISCOVER"]


def test_renew_and_rebind_commands():
    r, _ = bound()
    r.now = 1000
    r.c.renew(r.now)
    assert r.log() == ["BOUND>RENEWING renew"]
    m = r.sent()[0]
    assert m[1] == SID
    r.c.renew(r.now)                         # again: retransmit at once, same xid
    m2 = r.sent()[0]
    assert m2[0].xid == m[0].xid and r.c.stats.retransmissions == 1
    r.c.rebind(r.now)
    assert r.log() == ["RENEWING>REBINDING rebind"]
    m3 = r.sent()[0]
    assert m3[1] is None and m3[0].xid != m[0].xid
    r.c.rebind(r.now)
    assert len(r.sent()) == 1
    r.c.renew(r.now)                         # past T2 a renew retransmits the rebind
    s = r.sent()
    assert len(s) == 1 and s[0][1] is None and r.c.state == S.REBINDING
    r.recv(SRV.ack(m3[0]))
    assert r.c.state == S.BOUND and r.c.stats.rebind_ok == 1
    assert r.c.stats.renew_fail == 0           # a command is not a failure


# -- decline -------------------------------------------------------------------
def test_decline_waits_10s_and_avoids_the_address():
    r, _ = bound()
    r.now = 500
    r.c.decline(r.now)
    assert r.log() == ["BOUND>INIT decline", "lost 192.0.2.50 decline"]
    s = r.sent()
    assert len(s) == 1 and s[0][1] is None
    m = s[0][0]
    assert m.msg_type == 4 and m.get(50) == ADDR and m.get(54) == SID
    assert m.ciaddr == b"\x00\x00\x00\x00" and m.get(55) is None
    assert r.c.next_deadline() == 10500 and r.c.stats.declines == 1
    r.at(10499)
    assert r.sent() == []
    r.at(10500)
    d = r.sent()[0][0]
    assert d.msg_type == 1 and d.get(50) is None
    r.log()
    r.recv(SRV.offer(d))
    assert r.log() == ["rejected 192.0.2.50 declined address"]
    r.recv(Server(addr=ADDR2).offer(d))
    assert r.c.state == S.REQUESTING


# -- link down / up ------------------------------------------------------------
def test_link_down_up_with_valid_lease_reboots():
    r, _ = bound()
    r.now = 1000
    r.c.link_down(r.now)
    assert r.log() == ["BOUND>LINK_DOWN link down"]
    assert r.c.lease is not None and r.c.next_deadline() == 3600000   # only expiry
    r.at(2000000)                                   # past T1: nothing is sent
    assert r.sent() == [] and r.c.state == S.LINK_DOWN
    r.c.link_up(r.now)
    assert r.log() == ["LINK_DOWN>INIT_REBOOT link up", "INIT_REBOOT>REBOOTING send REQUEST"]
    m = r.sent()[0][0]
    assert m.get(50) == ADDR and m.get(54) is None
    r.recv(SRV.ack(m))
    assert r.log() == ["REBOOTING>BOUND ACK", "server 192.0.2.1", "renewed 192.0.2.50"]
    assert r.c.stats.leases == 1


def test_link_down_lease_expires_then_up_discovers():
    r, _ = bound()
    r.c.link_down(r.now)
    r.log()
    r.at(3600000)
    assert r.log() == ["lost 192.0.2.50 lease expired"] and r.c.state == S.LINK_DOWN
    assert r.c.next_deadline() is None
    r.c.link_up(r.now)
    assert r.log() == ["LINK_DOWN>INIT link up", "INIT>SELECTING send DISCOVER"]
    assert r.sent()[0][0].get(50) == ADDR


def test_link_up_reboot_unanswered_keeps_valid_lease():
    r, _ = bound()
    r.c.link_down(0)
    r.c.link_up(0)
    r.log()
    r.sent()
    for t in (4000, 12000, 28000, 60000):
        r.at(t)
    r.at(124000)
    assert r.log() == ["REBOOTING>BOUND no ACK"] and r.c.lease is not None
    assert r.c.next_deadline() == 1800000


def test_link_down_without_a_lease_in_use_does_not_stop_the_exchange():
    """Issue 16: a link just brought up reports its carrier late; an
    exchange that holds no lease goes on through link down, and carrier up
    sends its message again at once, same xid, same schedule."""
    for make in (selecting, requesting, rebooting):
        r, first = make()
        st, dl = r.c.state, r.c.next_deadline()
        r.log()
        r.c.link_down(0)
        r.c.link_down(0)
        assert r.c.state == st and r.c.next_deadline() == dl and r.log() == []
        r.c.link_up(100)                         # carrier: the message again, now
        again = r.sent()
        assert len(again) == 1 and again[0][0].xid == first.xid
        assert again[0][0].msg_type == first.msg_type and r.c.next_deadline() == dl
        assert r.c.state == st and r.log() == []
        r.at(dl)                                 # and the schedule goes on
        assert len(r.sent()) == 1 or r.c.state != st
    r, d = selecting()
    r.c.link_down(0)
    r.recv(SRV.offer(d))                         # the reply to the first DISCOVER
    assert r.c.state == S.REQUESTING
    r, _ = bound()                               # a lease in use pauses
    r.c.link_down(r.now)
    r.c.link_up(r.now)
    assert r.c.state == S.REBOOTING
    r.c.link_down(r.now)                         # ...in REBOOTING too (a held lease)
    assert r.c.state == S.LINK_DOWN and r.c.next_deadline() is not None
    r = Run()
    r.c.link_down(0)
    assert r.c.state == S.STOPPED


# -- inform --------------------------------------------------------------------
def test_inform():
    r = Run()
    r.c.inform(0, ADDR)
    assert r.log() == ["STOPPED>INFORMING inform"]
    s = r.sent()
    m = s[0][0]
    assert s[0][1] is None and m.msg_type == 8 and m.ciaddr == ADDR
    assert m.get(50) is None and m.get(51) is None
    r.at(4000)
    m2 = r.sent()[0][0]
    assert m2.xid == m.xid
    r.recv(SRV.answer(m2))
    assert r.log() == ["INFORMING>STOPPED ACK", "server 192.0.2.1", "informed 192.0.2.50"]
    info = r.events[-1].lease
    assert info.dns and info.lease_time is None and r.c.lease is None
    assert r.c.next_deadline() is None and r.c.informed is info


def test_inform_reply_with_a_lease_time_is_no_lease():
    """§4.3.5: a server must not send a lease time in reply to DHCPINFORM;
    one that does grants nothing: no lease, no lease times passed on."""
    r = Run()
    r.c.inform(0, ADDR)
    m = r.sent()[0][0]
    r.recv(SRV.ack(m, b"\x00\x00\x00\x00", [(1, SRV.mask), (6, b"".join(SRV.dns)),
                                              (51, b"\x00\x00\x0e\x10"),
                                              (58, b"\x00\x00\x07\x08"),
                                              (59, b"\x00\x00\x0c\x4e")]))
    info = r.c.informed
    assert r.c.state == S.STOPPED and r.c.lease is None and info.expiry_at is None
    assert 51 not in info.options and 58 not in info.options and 59 not in info.options
    assert 6 in info.options and info.address == ADDR


def test_inform_unanswered_gives_up():
    r = Run(Config(tries=2, timeout=2))
    r.c.inform(0, ADDR)
    r.at(2000)
    r.at(4000)
    assert r.c.state == S.STOPPED and r.log()[-2:] == ["INFORMING>STOPPED no ACK",
                                                       "round failed no ACK"]


# -- misuse, errors, stats, DOT -----------------------------------------------
def test_usage_errors():
    raises(UsageError, Client, b"\x01\x02", Config(), lambda: 1)
    raises(UsageError, Client, MAC, Config(), None)
    raises(UsageError, Config, max_size=500)
    raises(UsageError, Config, requested=b"\x01")
    raises(UsageError, Config, timeout=0)
    raises(UsageError, Config, extra=[(255, b"")])
    r = Run()
    for cmd in (r.c.renew, r.c.rebind, r.c.decline):
        raises(UsageError, cmd, 0)
    raises(UsageError, r.c.inform, 0, b"\x01")
    r, _ = selecting()
    raises(UsageError, r.c.start, 0)
    raises(UsageError, r.c.renew, 0)
    raises(UsageError, r.c.decline, 0)
    raises(UsageError, r.c.inform, 0, ADDR)
    r.at(100)
    raises(UsageError, r.c.tick, 99)              # time went backwards
    raises(UsageError, r.c.receive, b"", 50)
    r, _ = rebooting()
    raises(UsageError, r.c.renew, r.now)
    raises(UsageError, r.c.rebind, r.now)
    r, _ = bound()
    r.c.link_down(r.now)
    raises(UsageError, r.c.restart, r.now)


def test_send_failed_reported():
    r, _ = selecting()
    r.log()
    r.c.send_failed(0, "ENETDOWN")
    assert r.log() == ["error send ENETDOWN"] and r.c.stats.send_failed == 1
    assert r.c.state == S.SELECTING and r.c.next_deadline() == 4000


def test_event_queue_bounded():
    r, d = selecting()
    for _ in range(100):
        r.c.send_failed(0, "x")
    assert len(r.log()) == 32 and r.c.stats.events_dropped == 70


def test_stats_as_dict_and_time_in_states():
    r = Run()
    r.now = 1000
    r.bind()
    r.at(1801000)
    d = r.c.stats.as_dict()
    assert d["sent"] == {"DISCOVER": 1, "REQUEST": 2} and d["received"] == {"OFFER": 1, "ACK": 1}
    assert d["leases"] == 1 and d["drops"] == {}
    assert d["state_ms"] == {"BOUND": 1800000}
    assert T.DROP_NAMES[T.DROP_XID] == "xid" and len(T.DROP_NAMES) == T.N_DROPS


def test_dot_export_has_every_edge():
    from dhcp4c.diagram import to_dot
    dot = to_dot()
    assert dot.startswith("digraph dhcp4c {") and dot.endswith("}\n")
    for old, new, why in S.transitions():
        assert "  {} -> {} [label=".format(S.NAMES[old], S.NAMES[new]) in dot
        assert why in dot
    assert len(S.NAMES) == S.N_STATES
    for t in S.transitions():
        assert S.allowed(t[0], t[1], t[2])
    assert not S.allowed(S.STOPPED, S.BOUND, S.ACK)
