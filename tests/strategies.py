"""Hypothesis strategies for DHCP messages (CPython-only tests)."""
from hypothesis import strategies as st

from dhcp4c.message import Message
from dhcp4c.options import FIXED, ROUTES
from dhcp4c.values import ADDR, ADDRS, FLAG, KINDS, S32, U8, U16, U32, encode_routes

b4 = st.binary(min_size=4, max_size=4)


def option_value(code, max_size=600, min_size=0):
    """A value of the right shape for options whose shape the codec enforces or types."""
    fixed = FIXED.get(code)
    if code == 1:           # a subnet mask: any other 4 bytes are dropped by decode()
        return st.integers(1, 32).map(lambda n: ((0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF)
                                      .to_bytes(4, "big"))
    if code in ROUTES:
        return st.lists(st.tuples(b4, st.integers(0, 32), b4), max_size=min(max_size, 252) // 9
                        ).map(encode_routes)
    if fixed:
        return st.binary(min_size=fixed, max_size=fixed)
    kind = KINDS.get(code)
    if fixed == 0 or kind == ADDRS:
        return st.integers(1, min(max_size, 252) // 4).flatmap(
            lambda n: st.binary(min_size=4 * n, max_size=4 * n))
    size = {ADDR: 4, U8: 1, FLAG: 1, U16: 2, U32: 4, S32: 4}.get(kind)
    if size:
        return st.binary(min_size=size, max_size=size)
    return st.binary(min_size=min_size, max_size=max_size)


# 52 (overload) would make sname/file hold options, so generated messages leave it out.
OPTION_CODES = st.integers(1, 254).filter(lambda c: c not in (52, 53))


@st.composite
def messages(draw, max_value=600, codes=OPTION_CODES, min_value=0):
    m = Message(draw(st.sampled_from([1, 2])))
    m.htype = draw(st.integers(0, 255))
    m.hlen = draw(st.integers(0, 16))
    m.hops = draw(st.integers(0, 255))
    m.xid = draw(b4)
    m.secs = draw(st.integers(0, 0xFFFF))
    m.flags = draw(st.integers(0, 0xFFFF))
    m.ciaddr, m.yiaddr, m.siaddr, m.giaddr = draw(st.tuples(b4, b4, b4, b4))
    m.chaddr = draw(st.binary(min_size=16, max_size=16))
    nonul = st.binary().map(lambda b: b.replace(b"\x00", b""))
    m.sname = draw(nonul.map(lambda b: b[:64]))
    m.file = draw(nonul.map(lambda b: b[:128]))
    m.set(53, bytes([draw(st.integers(1, 18))]))
    for code in draw(st.lists(codes, unique=True, max_size=12)):
        m.set(code, draw(option_value(code, max_value, min_value)))
    return m
