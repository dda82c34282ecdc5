"""Real replies of dnsmasq, Kea, ISC dhcpd and busybox udhcpd (vectors.py)
decoded on both interpreters: every field the client acts on, and a
re-encode that decodes to the same message."""
from portable import unhex
from dhcp4c import values as V
from dhcp4c.message import decode, encode
from vectors import REPLIES

SERVER = unhex("c0000201")
MASK = unhex("ffffff00")
SERVERS = ("dnsmasq", "kea", "dhcpd", "udhcpd")


def _get(name):
    return decode(unhex(REPLIES[name]))


def test_every_capture_decodes_and_round_trips():
    assert len(REPLIES) == 12
    for name in sorted(REPLIES):
        m = _get(name)
        assert m.op == 2 and m.xid[:1] == unhex("5e"), name
        assert decode(encode(m)) == m, name


def test_offers_and_acks_carry_a_usable_lease():
    for server in SERVERS:
        offer, ack = _get(server + "-offer"), _get(server + "-ack")
        assert (offer.msg_type, ack.msg_type) == (2, 5), server
        assert offer.yiaddr == ack.yiaddr and offer.xid == ack.xid
        assert ack.yiaddr[:3] == unhex("c00002") and 100 <= ack.yiaddr[3] <= 199
        assert ack.addr(54) == SERVER and ack.u32(51) == 600, server
        assert ack.addr(1) == MASK and ack.addrs(3) == [SERVER], server
        assert ack.addrs(6) == [unhex("c0000235")], server
        assert ack.text(15) == "example.com", server
        assert ack.chaddr[:ack.hlen] == offer.chaddr[:offer.hlen] and ack.hlen == 6


def test_dnsmasq_sends_search_list_routes_and_timers():
    ack = _get("dnsmasq-ack")
    assert V.search(ack) == ["example.com", "lab.example.com"]
    assert V.routes(ack) == [(unhex("c6336400"), 24, SERVER)]
    assert ack.addrs(42) == [unhex("c000027b")]
    assert ack.u32(58) == 300 and ack.u32(59) == 525
    assert ack.addr(28) == unhex("c00002ff")


def test_kea_sends_compressed_or_plain_search_list():
    assert V.search(_get("kea-ack")) == ["example.com", "lab.example.com"]


def test_naks_for_a_foreign_address():
    for server in SERVERS:
        nak = _get(server + "-nak")
        assert nak.msg_type == 6 and nak.yiaddr == bytes(4), server
        assert nak.addr(54) == SERVER, server
