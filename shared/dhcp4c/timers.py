"""The client's numbers as small pure functions (no clock, no randomness).

Times are the caller's monotonic milliseconds; durations from the wire are
seconds. Every function here has a table-driven test in
tests/core/test_timers.py.
"""
from dhcp4c import const

INFINITE = const(0xFFFFFFFF)  # RFC 2131 §3.3: a lease that never expires

MIN_LEASE = 20        # s; dhcpcd's floor. Not in RFC 2131: a 0 s lease would make
                      # the client bind and lose the address in the same call.
HALF_FLOOR = 60000    # ms; RFC 2131 §4.4.5 "down to a minimum of 60 seconds"
DECLINE_WAIT = 10000  # ms; RFC 2131 §3.1 step 5: wait at least 10 s after DECLINE


def backoff_ms(k, r):
    """RFC 2131 §4.1: delay after the (k+1)-th transmission: 4, 8, 16, 32, 64 s,
    then 64 s again, each moved by a uniform -1..+1 s taken from r (any int >= 0)."""
    base = 64000 if k >= 4 else 4000 << k
    return base + (r % 2001) - 1000


def retransmit_ms(k, timeout, r):
    """Delay after the (k+1)-th transmission: the §4.1 back-off when timeout is
    None, else udhcpc's fixed -T `timeout` seconds (no jitter, as udhcpc)."""
    if timeout is None:
        return backoff_ms(k, r)
    return timeout * 1000


def half_remaining(now, end):
    """RFC 2131 §4.4.5: next retransmission in RENEWING/REBINDING, at half the
    time left until `end` (T2 or expiry) but at least 60 s later, never past end.
    Returns an absolute time."""
    left = end - now
    if left <= HALF_FLOOR:
        return end
    wait = left >> 1
    if wait < HALF_FLOOR:
        wait = HALF_FLOOR
    return now + wait


def lease_times(lease, t1, t2):
    """(lease, t1, t2) in seconds, repaired; t1/t2 None for an infinite lease.

    lease None (no option 51) or shorter than MIN_LEASE becomes MIN_LEASE.
    RFC 2131 §4.4.5 defaults: T1 = 0.5 * lease, T2 = 0.875 * lease. Repairs
    (the RFC only implies 0 < T1 < T2 < lease): T2 missing, 0 or >= lease ->
    default; T1 missing, 0 or >= T2 -> 0.5 * lease, or 4/7 of T2 if that is
    still >= T2.
    """
    if lease == INFINITE:
        return INFINITE, None, None
    if lease is None or lease < MIN_LEASE:
        lease = MIN_LEASE
    if not t2 or t2 >= lease:
        t2 = lease - (lease >> 3)
    if not t1 or t1 >= t2:
        t1 = lease >> 1
        if t1 >= t2:
            t1 = t2 * 4 // 7
    return lease, t1, t2


def nak_wait_ms(n):
    """Wait in INIT after the n-th NAK in a row: none after the first, then
    1, 2, 4 ... 64 s, so a server that NAKs everything cannot make us flood.
    (RFC 2131 §3.1 says only "restart"; the back-off is ours.)"""
    if n <= 1:
        return 0
    if n >= 8:
        return 64000
    return 1000 << (n - 2)


def secs_field(now, start):
    """The 'secs' header field: whole seconds since `start`, capped at 0xFFFF."""
    s = (now - start) // 1000
    if s < 0:
        return 0
    return 0xFFFF if s > 0xFFFF else s
