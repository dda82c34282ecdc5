"""Fuzzing decode() and friends: only MalformedError may ever escape.

Random bytes, random options behind a valid header, and mutations of real
server replies (tests/core/vectors.py). Together these run well over 100,000
inputs; test_fuzz_total checks that they did.
"""
from hypothesis import HealthCheck, given, settings, strategies as st

from dhcp4c.errors import MalformedError
from dhcp4c.ipudp import build_ip_udp, parse_ip_udp
from dhcp4c import values as V
from dhcp4c.message import decode, encode
from dhcp4c.values import KINDS, decode_domains, decode_routes, value
from strategies import messages
from core.vectors import REPLIES

COUNT = {}


def _fuzz(n):
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _count(name):
    COUNT[name] = COUNT.get(name, 0) + 1


def _decode_everything(raw):
    """decode() plus every typed reader on what it returns: MalformedError or a value."""
    try:
        m = decode(raw)
    except MalformedError:
        return None
    for code in m.order:
        try:
            V.option(m, code)
        except MalformedError:
            pass
    for reader in (V.routes, V.search):
        try:
            reader(m)
        except MalformedError:
            pass
    return m


HEADER = encode(decode(bytes.fromhex(REPLIES["dnsmasq-ack"])))[:240]


@_fuzz(25000)
@given(st.binary(max_size=1500))
def test_random_bytes(raw):
    _count("random")
    _decode_everything(raw)


@_fuzz(25000)
@given(st.binary(max_size=600))
def test_random_options_behind_a_valid_header(tail):
    _count("options")
    m = _decode_everything(HEADER + tail)
    if m is not None:  # what decodes re-encodes to something that decodes the same
        assert decode(encode(m)) == m


def _mutate(data, ops):
    data = bytearray(data)
    for kind, pos, byte in ops:
        if not data:
            break
        pos %= len(data)
        if kind == 0:
            data[pos] = byte
        elif kind == 1:
            data.insert(pos, byte)
        elif kind == 2:
            del data[pos]
        else:
            del data[pos:]
    return bytes(data)


@_fuzz(25000)
@given(st.sampled_from(sorted(REPLIES)),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1 << 16), st.integers(0, 255)),
                min_size=1, max_size=8))
def test_mutated_real_replies(name, ops):
    _count("mutated")
    _decode_everything(_mutate(bytes.fromhex(REPLIES[name]), ops))


@_fuzz(10000)
@given(messages())
def test_encode_decode_round_trip(m):
    _count("roundtrip")
    assert decode(encode(m)) == m


@_fuzz(10000)
@given(st.sampled_from(sorted(KINDS) + [200]), st.binary(max_size=300))
def test_typed_readers(code, raw):
    _count("typed")
    for reader in (lambda: value(code, raw), lambda: decode_routes(raw),
                   lambda: decode_domains(raw)):
        try:
            reader()
        except MalformedError:
            pass


@_fuzz(10000)
@given(st.one_of(st.binary(max_size=700),
                 st.tuples(st.binary(max_size=300), st.integers(0, 1 << 12), st.integers(0, 255))
                 .map(lambda t: _mutate(build_ip_udp(b"\xc0\x00\x02\x01", b"\xff" * 4, 67, 68,
                                                     t[0]), [(0, t[1], t[2])]))))
def test_ip_udp_parse(raw):
    _count("ipudp")
    try:
        parse_ip_udp(raw)
    except MalformedError:
        pass


def test_fuzz_total():
    """The fuzz tests above ran at least 100,000 inputs (when run together)."""
    if len(COUNT) == 6:
        assert sum(COUNT.values()) >= 100000, COUNT
    print("fuzz inputs:", COUNT, "total", sum(COUNT.values()))
