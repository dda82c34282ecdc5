"""Table-driven tests of dhcp4c.timers and of the offer address check."""
from dhcp4c import timers
from dhcp4c.client import check_addr
from dhcp4c.timers import INFINITE
from dhcp4c import stats as T


def test_backoff_rfc2131_4_1():
    # (k, r, ms): 4, 8, 16, 32, 64 s then 64 s, r % 2001 - 1000 is the jitter
    table = [(0, 1000, 4000), (1, 1000, 8000), (2, 1000, 16000), (3, 1000, 32000),
             (4, 1000, 64000), (5, 1000, 64000), (20, 1000, 64000),
             (0, 0, 3000), (0, 2000, 5000), (0, 2001, 3000), (4, 2000, 65000),
             (4, 0xFFFFFFFF, 64000 + 0xFFFFFFFF % 2001 - 1000)]
    for k, r, ms in table:
        assert timers.backoff_ms(k, r) == ms, (k, r, timers.backoff_ms(k, r))


def test_backoff_bounds():
    for k in range(8):
        base = min(4000 << k, 64000)
        for r in (0, 1, 999, 1000, 1001, 2000, 123456789, 0xFFFFFFFF):
            ms = timers.backoff_ms(k, r)
            assert base - 1000 <= ms <= base + 1000


def test_retransmit_fixed_timeout_like_udhcpc():
    assert timers.retransmit_ms(0, 3, 0) == 3000
    assert timers.retransmit_ms(7, 3, 12345) == 3000
    assert timers.retransmit_ms(0, None, 1000) == 4000


def test_half_remaining_4_4_5():
    # (now, end, next): half the time left, at least 60 s, never past end
    table = [(0, 1000000, 500000), (0, 200000, 100000), (0, 120000, 60000),
             (0, 100000, 60000), (0, 60000, 60000), (0, 30000, 30000),
             (500000, 1000000, 750000), (990000, 1000000, 1000000),
             (1000000, 1000000, 1000000)]
    for now, end, nxt in table:
        assert timers.half_remaining(now, end) == nxt, (now, end)


def test_lease_times_defaults_and_repair():
    # (lease, t1, t2) -> repaired (lease, t1, t2)
    table = [
        ((3600, None, None), (3600, 1800, 3150)),      # RFC defaults 0.5 / 0.875
        ((3600, 1000, 2000), (3600, 1000, 2000)),      # consistent: kept
        ((3600, 1000, None), (3600, 1000, 3150)),
        ((3600, None, 3000), (3600, 1800, 3000)),
        ((3600, 3000, 2000), (3600, 1800, 2000)),      # T1 >= T2 -> 0.5 lease
        ((3600, 2000, 2000), (3600, 1800, 2000)),
        ((3600, None, 100), (3600, 57, 100)),          # 0.5 lease >= T2 -> 4/7 T2
        ((3600, 1000, 4000), (3600, 1000, 3150)),      # T2 >= lease -> 0.875
        ((3600, 1000, 3600), (3600, 1000, 3150)),
        ((3600, 5000, 5000), (3600, 1800, 3150)),
        ((None, None, None), (20, 10, 18)),            # no option 51: MIN_LEASE
        ((0, 0, 0), (20, 10, 18)),
        ((5, None, None), (20, 10, 18)),
        ((INFINITE, 100, 200), (INFINITE, None, None)),
        ((0xFFFFFFFE, None, None), (0xFFFFFFFE, 0x7FFFFFFF, 0xFFFFFFFE - (0xFFFFFFFE >> 3))),
    ]
    for args, want in table:
        got = timers.lease_times(*args)
        assert got == want, (args, got, want)
        if got[1] is not None:
            assert 0 <= got[1] < got[2] < got[0]


def test_nak_wait():
    table = [(0, 0), (1, 0), (2, 1000), (3, 2000), (4, 4000), (7, 32000), (8, 64000),
             (100, 64000)]
    for n, ms in table:
        assert timers.nak_wait_ms(n) == ms, n


def test_secs_field():
    table = [(0, 0, 0), (999, 0, 0), (1000, 0, 1), (65535000, 0, 65535),
             (99999999, 0, 65535), (5000, 10000, 0)]
    for now, start, s in table:
        assert timers.secs_field(now, start) == s


def _a(s):
    return bytes([int(x) for x in s.split(".")])


def test_check_addr_table():
    m24 = _a("255.255.255.0")
    table = [
        ("192.0.2.50", m24, 0),
        ("0.0.0.0", m24, T.DROP_ZERO),
        ("0.1.2.3", None, T.DROP_ZERO),
        ("255.255.255.255", None, T.DROP_ALL_ONES),
        ("127.0.0.5", None, T.DROP_LOOPBACK),
        ("224.0.0.1", None, T.DROP_MULTICAST),
        ("239.255.255.250", None, T.DROP_MULTICAST),
        ("240.0.0.1", None, T.DROP_CLASS_E),
        ("254.1.1.1", None, T.DROP_CLASS_E),
        ("192.0.2.0", m24, T.DROP_NETWORK),
        ("192.0.2.255", m24, T.DROP_BROADCAST),
        ("10.0.0.0", None, T.DROP_NETWORK),              # classful /8
        ("10.255.255.255", None, T.DROP_BROADCAST),
        ("10.1.0.0", None, 0),
        ("172.16.0.0", None, T.DROP_NETWORK),            # classful /16
        ("172.16.255.255", None, T.DROP_BROADCAST),
        ("192.168.1.0", None, T.DROP_NETWORK),           # classful /24
        ("192.168.1.255", None, T.DROP_BROADCAST),
        ("10.0.0.127", _a("255.255.255.128"), T.DROP_BROADCAST),
        ("10.0.0.128", _a("255.255.255.128"), T.DROP_NETWORK),
        ("10.0.0.129", _a("255.255.255.128"), 0),
        ("10.0.0.0", _a("255.255.255.254"), 0),          # /31: RFC 3021, both usable
        ("10.0.0.1", _a("255.255.255.254"), 0),
        ("10.0.0.0", _a("255.255.255.255"), 0),          # /32
    ]
    for addr, mask, reason in table:
        got = check_addr(_a(addr), mask)
        assert got == reason, (addr, got, reason)
