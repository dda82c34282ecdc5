"""The portable test helpers themselves, and the arithmetic a 32-bit board does
differently (CPython via pytest, MicroPython via mprun, the same file on the
i386 unix port and the Cortex-M3 image, tests/test_micropython.py)."""
import struct
import sys

from portable import raises, unhex
from fakeserver import Run, Server, SID

SMALL_MAX = (1 << 30) - 1   # the largest int a 32-bit MicroPython keeps in the word itself


def test_unhex_ignores_whitespace():
    assert unhex("63 82\n 53 63") == b"\x63\x82\x53\x63"
    assert unhex("") == b""


def test_raises_returns_the_exception():
    e = raises(ValueError, int, "x")
    assert isinstance(e, ValueError)


def test_raises_fails_when_nothing_raised():
    e = raises(AssertionError, raises, ValueError, int, "1")
    assert "did not raise" in str(e)


def test_raises_lets_other_exceptions_through():
    e = raises(KeyError, raises, ValueError, {}.__getitem__, "k")
    assert isinstance(e, KeyError)


def test_int_from_bytes_positional_big():
    # The form the core must use (MicroPython: byte order positional, no signed=).
    assert int.from_bytes(b"\x01\x00", "big") == 256


def test_sys_maxsize_is_a_machine_word():
    # 2**31-1 on 32-bit builds (boards), 2**63-1 on 64-bit ones; the host side
    # (tests/test_micropython.py) checks which one each interpreter is.
    assert sys.maxsize in ((1 << 31) - 1, (1 << 63) - 1)


def test_ints_across_the_small_int_limit():
    # On 32-bit MicroPython ints past 31 bits are heap objects (big ints): lease
    # times, 0xFFFFFFFF and a board's milliseconds after 12.4 days. Results must not
    # depend on which side of the limit an operand or result lands.
    big = SMALL_MAX + 1
    assert big == 1073741824 and big - 1 == SMALL_MAX and -SMALL_MAX - 2 == -big - 1
    assert SMALL_MAX * 4 + 4 == 1 << 32 and (1 << 32) // 4 - 1 == SMALL_MAX
    assert sorted([big, SMALL_MAX, 1 << 31, -big]) == [-big, SMALL_MAX, big, 1 << 31]
    assert (1 << 32) - 1 == 0xFFFFFFFF == int.from_bytes(b"\xff\xff\xff\xff", "big")
    assert (0xFFFFFFFF + 1) & 0xFFFFFFFF == 0 and 0xFFFFFFFF >> 31 == 1
    assert (0xDEADBEEF >> 16, 0xDEADBEEF & 0xFFFF) == (0xDEAD, 0xBEEF)
    assert divmod(0xFFFFFFFF, 1000) == (4294967, 295)
    assert 0xFFFFFFFF * 1000 // 1000 == 0xFFFFFFFF         # a lease time in ms and back
    assert (0xFFFFFFFF).to_bytes(4, "big") == b"\xff\xff\xff\xff"
    assert struct.pack("!I", 0xFFFFFFFF) == b"\xff\xff\xff\xff"
    assert struct.unpack("!I", b"\x80\x00\x00\x00")[0] == 1 << 31
    assert {big: 1}[SMALL_MAX + 1] == 1 and hash(big) == hash(SMALL_MAX + 1)


def test_ticks_wrap_where_micropython_has_them():
    # Board ticks wrap at the small-int range (2**30 ms, 12.4 days, on 32-bit
    # ports) and ticks_diff is valid for half that: why the core never uses them.
    try:
        from time import ticks_add, ticks_diff
    except ImportError:
        return  # CPython
    period = ticks_add(0, -1) + 1
    assert period == (SMALL_MAX + 1 if sys.maxsize == (1 << 31) - 1 else 1 << 62)
    top = period - 1
    assert ticks_add(top, 1) == 0 and ticks_add(0, -1) == top
    assert ticks_diff(0, top) == 1 and ticks_diff(top, 0) == -1
    assert ticks_diff(ticks_add(top, 5000), top) == 5000
    half = period // 2
    assert ticks_diff(ticks_add(0, half - 1), 0) == half - 1
    assert ticks_diff(half, 0) == -half             # half the period apart: wrong sign


def test_lease_cycle_with_the_clock_past_31_and_32_bits():
    # The caller's monotonic ms pass 2**31 after 24.9 days and 2**32 after 49.7: every
    # deadline is then a big int on a board. Bind, renew at T1 across the limit, expire.
    for limit in (1 << 31, 1 << 32):
        start = limit - 1000000
        r = Run(now=start)
        r.bind(Server(lease=3600))
        t1 = start + 1800000                       # T1 = half the lease, RFC 2131 §4.4.5
        assert r.c.lease.start == start and r.c.next_deadline() == t1 > limit
        r.at(t1 - 1)
        assert r.sent() == []
        r.at(t1)
        assert r.log() == ["BOUND>RENEWING T1"]
        m = r.sent()[0][0]
        r.recv(Server(lease=3600).ack(m), SID)
        assert r.log() == ["RENEWING>BOUND ACK", "server 192.0.2.1", "renewed 192.0.2.50"]
        assert r.c.lease.start == t1 and r.c.next_deadline() == t1 + 1800000
        expiry = r.c.lease.expiry_at
        assert expiry == t1 + 3600000
        while r.c.next_deadline() is not None and r.c.next_deadline() <= expiry:
            r.at(r.c.next_deadline())
            r.sent()
        assert r.log() == ["BOUND>RENEWING T1", "RENEWING>REBINDING T2",
                           "REBINDING>INIT lease expired", "lost 192.0.2.50 lease expired",
                           "INIT>SELECTING send DISCOVER"]
