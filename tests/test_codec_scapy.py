"""Differential tests against scapy's BOOTP/DHCP layers, in both directions."""
from hypothesis import HealthCheck, given, settings, strategies as st
from scapy.layers.dhcp import BOOTP, DHCP, DHCPOptionsField
from scapy.layers.inet import IP, UDP

from dhcp4c.ipudp import build_ip_udp, parse_ip_udp
from dhcp4c import values as V
from dhcp4c.message import decode, encode
from strategies import b4, messages, option_value

_OPTS = DHCPOptionsField("options", b"")
from scapy.layers.dhcp import DHCPOptions

from dhcp4c.options import FIXED

# Codes whose value scapy keeps as the bytes it read: the ones it does not
# know, the ones it keeps as strings, and the fixed-size ones (generated with
# the right size). Its typed fields rewrite other values (e.g. 81, 121).
_STRINGS = set(c for c, f in DHCPOptions.items() if isinstance(f, str)) - {0, 80, 81, 255}
SCAPY_EXACT = st.sampled_from(sorted(
    c for c in range(1, 255)
    if c not in (52, 53) and (DHCPOptions.get(c) is None or c in _STRINGS or c in FIXED)))


# The too_slow health check times data generation: on a loaded CI machine
# that is noise, not a finding.
SLOW_OK = [HealthCheck.too_slow]


def _ip(a):
    return ".".join(str(b) for b in a)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=SLOW_OK)
@given(messages(max_value=255, codes=SCAPY_EXACT, min_value=1))  # scapy drops the length of empty known options
def test_scapy_reads_what_we_encode(m):
    raw = encode(m)
    p = BOOTP(raw)
    assert (p.op, p.htype, p.hlen, p.hops, p.secs, p.flags) == \
        (m.op, m.htype, m.hlen, m.hops, m.secs, int(m.flags))
    assert p.xid == int.from_bytes(m.xid, "big")
    assert (p.ciaddr, p.yiaddr, p.siaddr, p.giaddr) == tuple(
        _ip(a) for a in (m.ciaddr, m.yiaddr, m.siaddr, m.giaddr))
    assert bytes(p.chaddr) == m.chaddr
    assert bytes(p.sname).rstrip(b"\x00") == m.sname and bytes(p.file).rstrip(b"\x00") == m.file
    entries = [e for e in p[DHCP].options if e not in ("pad", "end")]
    # scapy's view of each option, written back out by scapy, is our bytes.
    ours = b"".join(bytes([c, len(m.options[c])]) + m.options[c] for c in m.order)
    assert b"".join(_OPTS.i2m(None, [e]) for e in entries) == ours


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=SLOW_OK)
@given(xid=st.integers(0, 2**32 - 1), yiaddr=b4, server=b4, lease=st.integers(0, 2**32 - 1),
       routers=st.lists(b4, min_size=1, max_size=4), mtype=st.integers(1, 8),
       host=st.binary(min_size=1, max_size=60).map(lambda b: b.replace(b"\x00", b"x")),
       prl=st.lists(st.integers(1, 254), min_size=1, max_size=20),
       unknown=st.binary(max_size=255), flags=st.integers(0, 0xFFFF),
       mask=option_value(1))
def test_we_read_what_scapy_builds(xid, yiaddr, server, lease, routers, mtype, host, prl,
                                   unknown, flags, mask):
    pkt = BOOTP(op=2, xid=xid, yiaddr=_ip(yiaddr), flags=flags,
                chaddr=b"\x02\x00\x00\x00\x00\x01") / DHCP(options=[
        ("message-type", mtype), ("server_id", _ip(server)), ("lease_time", lease),
        ("router",) + tuple(_ip(r) for r in routers), ("hostname", host),
        ("param_req_list", prl), ("subnet_mask", _ip(mask)), (200, unknown), "end"])
    m = decode(bytes(pkt))
    assert m.op == 2 and m.xid == xid.to_bytes(4, "big") and m.flags == flags
    assert m.yiaddr == yiaddr and m.chaddr[:m.hlen] == b"\x02\x00\x00\x00\x00\x01"
    assert m.msg_type == mtype and m.addr(54) == server and m.u32(51) == lease
    assert m.addrs(3) == routers and m.get(12) == host and V.option(m, 55) == prl
    assert m.addr(1) == mask and m.get(200) == unknown
    assert m.order == [53, 54, 51, 3, 12, 55, 1, 200]


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=SLOW_OK)
@given(src=b4, dst=b4, sport=st.integers(0, 0xFFFF), dport=st.integers(0, 0xFFFF),
       payload=st.binary(max_size=600), ident=st.integers(0, 0xFFFF))
def test_ip_udp_headers_match_scapy(src, dst, sport, dport, payload, ident):
    ours = build_ip_udp(src, dst, sport, dport, payload, ident=ident)
    theirs = IP(bytes(IP(src=_ip(src), dst=_ip(dst), id=ident, ttl=64, tos=0x10)
                      / UDP(sport=sport, dport=dport) / payload))
    assert ours == bytes(theirs)
    assert parse_ip_udp(bytes(theirs)) == (src, dst, sport, dport, payload)
