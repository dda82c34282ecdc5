"""A granted lease offered to the caller (Config(confirm=True)): accept, decline,
expiry, link loss, release and restart while it waits; the round-failed event;
events' named fields; the header fields a lease carries. Runs on CPython and
MicroPython."""
from portable import raises
from fakeserver import Run, Server, SID, ADDR, ADDR2
from dhcp4c import events as E, states as S
from dhcp4c.client import Config
from dhcp4c.errors import UsageError
from dhcp4c.events import Event
from dhcp4c.lease import Lease
from dhcp4c.message import decode, encode

SRV = Server()


def granted(now=0):
    """A client with confirm=True whose DORA has just been ACKed."""
    r = Run(Config(confirm=True), now=now)
    r.start()
    r.recv(SRV.offer(r.sent()[0][0]))
    r.recv(SRV.ack(r.sent()[0][0]))
    return r


def test_ack_is_granted_not_bound_until_accepted():
    r = granted()
    log = r.log()
    assert log[-3:] == ["REQUESTING>GRANTED ACK", "server 192.0.2.1", "granted 192.0.2.50"]
    assert r.c.state == S.GRANTED and r.c.lease is None
    assert r.c.granted.address == ADDR and r.c.stats.leases == 0
    e = r.events[-1]
    assert e.type == E.LEASE_GRANTED and e.lease is r.c.granted and e.left == 3600
    assert r.sent() == []
    # Nothing happens while the caller checks, until the lease would expire.
    assert r.c.next_deadline() == r.c.granted.expiry_at == 3600000
    r.now = 2000
    r.c.accept(r.now)
    assert r.log() == ["GRANTED>BOUND accept", "acquired 192.0.2.50"]
    assert r.c.state == S.BOUND and r.c.lease.address == ADDR and r.c.granted is None
    assert r.events[-1].left == 3598 and r.c.stats.leases == 1
    # The lease runs from the first REQUEST, not from accept(): T1 at 1800 s.
    assert r.c.next_deadline() == 1800000
    r.at(1800000)
    assert r.c.state == S.RENEWING and r.sent()[0][1] == SID


def test_decline_of_a_granted_lease():
    r = granted()
    r.log()
    r.c.decline(0, "in use")
    assert r.log() == ["GRANTED>INIT decline"]      # never acquired: nothing to lose
    m = r.sent()[0][0]
    assert m.msg_type == 4 and m.get(50) == ADDR and m.get(54) == SID
    assert r.c.granted is None and r.c.lease is None and r.c.stats.declines == 1
    r.at(10000)                                    # §3.1 step 5: 10 s, then DISCOVER
    d = r.sent()[0][0]
    assert d.msg_type == 1 and d.get(50) is None
    r.recv(SRV.offer(d))
    assert r.log()[-1] == "rejected 192.0.2.50 declined address"


def test_granted_lease_expires_unanswered():
    r = granted()
    r.log()
    r.at(3600000)
    assert r.log() == ["GRANTED>INIT lease expired", "INIT>SELECTING send DISCOVER"]
    assert r.sent()[0][0].get(50) == ADDR and r.c.granted is None


def test_link_lost_while_granted_confirms_again_on_link_up():
    r = granted()
    r.log()
    r.now = 100
    r.c.link_down(r.now)
    assert r.log() == ["GRANTED>LINK_DOWN link down"] and r.c.granted is None
    r.now = 200
    r.c.link_up(r.now)
    req = r.sent()[0][0]
    assert req.msg_type == 3 and req.get(50) == ADDR          # INIT-REBOOT
    r.recv(SRV.ack(req))
    assert r.log()[-2:] == ["server 192.0.2.1", "granted 192.0.2.50"]
    assert r.c.state == S.GRANTED


def test_release_and_restart_while_granted():
    r = granted()
    r.log()
    r.c.release(0)
    rel = r.sent()
    assert rel[0][0].msg_type == 7 and rel[0][1] == SID    # the server committed it
    assert r.log() == ["GRANTED>STOPPED release"] and r.c.granted is None
    r = granted()
    r.log()
    r.c.restart(0)
    assert r.log() == ["GRANTED>INIT restart", "INIT>SELECTING send DISCOVER"]
    assert r.sent()[0][0].get(50) == ADDR


def test_accept_only_when_granted_and_renewals_are_not_offered():
    r = Run(Config(confirm=True))
    raises(UsageError, r.c.accept, 0)
    r = granted()
    r.c.accept(0)
    r.log()
    raises(UsageError, r.c.accept, 0)
    r.at(1800000)                                  # T1: a renewal is bound at once
    r.recv(SRV.ack(r.sent()[0][0]))
    assert r.log()[-2:] == ["server 192.0.2.1", "renewed 192.0.2.50"]


def test_without_confirm_no_grant_event():
    r = Run()
    r.bind()
    assert E.LEASE_GRANTED not in [e.type for e in r.events]
    assert r.c.granted is None and r.c.state == S.BOUND


def test_round_failed_after_unanswered_requests():
    r = Run(Config(tries=2, timeout=1, pause=5))
    r.start()
    r.at(1000)
    r.at(2000)
    r.log()
    failed = [e for e in r.events if e.type == E.ROUND_FAILED]
    assert len(failed) == 1 and failed[0].why == S.NO_OFFER


def test_event_fields_by_name():
    e = Event(E.LEASE_LOST, lease="L", why=S.RELEASE)
    assert e.lease == "L" and e.why == "release"
    assert raises(AttributeError, getattr, e, "server_id")    # not a field of LEASE_LOST
    assert repr(e).startswith("<LEASE_LOST ")


def test_lease_carries_the_header_fields():
    r = Run()
    r.start()
    r.recv(SRV.offer(r.sent()[0][0]))
    req = r.sent()[0][0]
    ack = decode(SRV.ack(req))
    ack.siaddr = b"\xc6\x33\x64\x07"
    ack.sname = b"boot.example"
    ack.file = b"pxelinux.0"
    r.recv(encode(ack))
    lease = r.c.lease
    assert lease.siaddr == b"\xc6\x33\x64\x07"
    assert lease.sname == b"boot.example" and lease.file == b"pxelinux.0"
    assert Lease(ADDR2).siaddr is None and Lease(ADDR2).sname == b""
