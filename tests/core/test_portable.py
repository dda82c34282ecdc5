"""The portable test helpers themselves (CPython via pytest, MicroPython via mprun)."""
from portable import raises, unhex


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
