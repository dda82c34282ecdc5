"""IPv4/UDP header build and parse (RFC 791, RFC 768, RFC 1071), both interpreters."""
from portable import raises, unhex
from dhcp4c.errors import MalformedError
from dhcp4c.ipudp import build_ip_udp, ip_checksum, parse_ip_udp

SRC = unhex("c0000201")
BCAST = unhex("ffffffff")
PAYLOAD = b"dhcp payload, odd length"


def _header_sum_ok(pkt, ihl=20):
    return ip_checksum(pkt[:ihl]) == 0


def test_rfc1071_example_checksum():
    # RFC 1071 §3 worked example: words 0001 f203 f4f5 f6f7 sum to ddf2.
    assert ip_checksum(unhex("0001f203f4f5f6f7")) == 0x220D


def test_build_is_network_byte_order_with_valid_checksums():
    pkt = build_ip_udp(SRC, BCAST, 67, 68, PAYLOAD, ttl=64, ident=0x1234)
    assert pkt[0] == 0x45 and pkt[9] == 17 and pkt[8] == 64
    assert pkt[2:4] == unhex("0034") and pkt[4:6] == unhex("1234")  # 20 + 8 + 24
    assert pkt[12:16] == SRC and pkt[16:20] == BCAST
    assert pkt[20:24] == unhex("00430044") and pkt[24:26] == unhex("0020")
    assert _header_sum_ok(pkt) and pkt[26:28] != b"\x00\x00"
    assert parse_ip_udp(pkt) == (SRC, BCAST, 67, 68, PAYLOAD)


def test_zero_udp_checksum_means_not_computed():
    pkt = bytearray(build_ip_udp(SRC, BCAST, 67, 68, PAYLOAD))
    pkt[26:28] = b"\x00\x00"
    assert parse_ip_udp(bytes(pkt))[4] == PAYLOAD


def test_wrong_udp_checksum_dropped_unless_kernel_has_not_filled_it():
    pkt = bytearray(build_ip_udp(SRC, BCAST, 67, 68, PAYLOAD))
    pkt[27] ^= 0x55
    assert raises(MalformedError, parse_ip_udp, bytes(pkt)).field == "udp checksum"
    assert parse_ip_udp(bytes(pkt), check_udp=False)[4] == PAYLOAD
    pkt = bytearray(build_ip_udp(SRC, BCAST, 67, 68, PAYLOAD))
    pkt[-1] ^= 1  # payload damaged
    assert raises(MalformedError, parse_ip_udp, bytes(pkt)).field == "udp checksum"


def _resum(out, ihl=20):
    """Redo the IP header checksum of bytearray out; return it as bytes."""
    out[10:12] = b"\x00\x00"
    c = ip_checksum(out[:ihl])
    out[10] = c >> 8
    out[11] = c & 0xFF
    return bytes(out)


def _with_ip_options(pkt):
    # Insert 4 bytes of IP options (NOP NOP NOP EOL): IHL 6, checksum redone.
    out = bytearray(pkt[:20] + unhex("01010100") + pkt[20:])
    out[0] = 0x46
    out[2] = len(out) >> 8
    out[3] = len(out) & 0xFF
    return _resum(out, 24)


def test_ip_options_are_skipped_and_link_padding_ignored():
    pkt = build_ip_udp(SRC, BCAST, 67, 68, PAYLOAD)
    assert parse_ip_udp(_with_ip_options(pkt)) == (SRC, BCAST, 67, 68, PAYLOAD)
    assert parse_ip_udp(pkt + bytes(18))[4] == PAYLOAD


def _with_raw_options(pkt, opts):
    # Insert IP options `opts` (a multiple of 4 bytes), checksum redone.
    out = bytearray(pkt[:20] + opts + pkt[20:])
    out[0] = 0x45 + len(opts) // 4
    out[2] = len(out) >> 8
    out[3] = len(out) & 0xFF
    return _resum(out, 20 + len(opts))


def test_ip_options_that_do_not_parse_are_rejected():
    # A rogue's reply with a checksum that adds up but options no IP layer
    # would take (record route 39 bytes long in a 4-byte option area, a
    # length below 2, a type without its length byte) is dropped.
    pkt = build_ip_udp(SRC, BCAST, 67, 68, PAYLOAD)
    for opts in (unhex("07270400"), unhex("07010000"), unhex("07000000"), unhex("01010194")):
        err = raises(MalformedError, parse_ip_udp, _with_raw_options(pkt, opts))
        assert err.field == "ip options", (opts, err)
    # Well-formed ones are taken: router alert (RFC 2113), NOPs, END then junk.
    for opts in (unhex("0101940400000000"), unhex("00ffffff"), unhex("94040000")):
        assert parse_ip_udp(_with_raw_options(pkt, opts))[4] == PAYLOAD, opts


def _reframe(pkt, at, value):
    """Change one header byte and fix the header checksum so only that differs."""
    out = bytearray(pkt)
    out[at] = value
    return _resum(out)


def test_bad_packets_are_rejected_clearly():
    pkt = build_ip_udp(SRC, BCAST, 67, 68, PAYLOAD)
    cases = [(pkt[:19], "ip header"), (unhex("65") + pkt[1:], "ip version"),
             (_reframe(pkt, 0, 0x44), "ip header length"),
             (_reframe(pkt, 0, 0x4F), "ip header length"),
             (_reframe(pkt, 3, 0xFF), "ip total length"),
             (_reframe(pkt, 3, 20), "ip total length"),
             (pkt[:10] + unhex("0000") + pkt[12:], "ip header checksum"),
             (_reframe(pkt, 6, 0x20), "ip fragment"),        # more fragments
             (_reframe(pkt, 7, 0x10), "ip fragment"),        # non-zero offset
             (_reframe(pkt, 9, 6), "ip protocol"),
             (pkt[:24] + unhex("0007") + pkt[26:], "udp length"),
             (pkt[:24] + unhex("00ff") + pkt[26:], "udp length")]
    for bad, field in cases:
        err = raises(MalformedError, parse_ip_udp, bad)
        assert err.field == field, (field, err)
    # DF alone is not a fragment.
    assert parse_ip_udp(_reframe(pkt, 6, 0x40))[4] == PAYLOAD
