"""Helpers for portable tests: the same code runs under CPython (pytest) and
MicroPython (tests/core/mprun.py), so no pytest, no unittest here."""
import binascii


def raises(exc_type, fn, *args, **kw):
    """Call fn(*args, **kw); return the exc_type it raised, or fail with
    AssertionError when it raised nothing (any other exception propagates)."""
    try:
        fn(*args, **kw)
    except exc_type as e:
        return e
    raise AssertionError("{} did not raise {}".format(
        getattr(fn, "__name__", fn), exc_type.__name__))


def unhex(s):
    """bytes from a hex string; whitespace (spaces, newlines) is ignored."""
    return binascii.unhexlify("".join(s.split()))
