"""Memory and speed of the client state machine (`make bench`; not a test).

Against a scripted server: a full DORA, 100 renewals and a release. Prints
- under MicroPython: the heap above the baseline (after imports, before the
  Client exists) at its peak, both live (gc.collect() before each sample)
  and including the garbage one call leaves behind (collector off during the
  call); and the growth per renewal (gc.mem_alloc() after gc.collect());
- on both interpreters: the time per receive() of an ACK (a renewal).
Run with CPython (what `make bench` does) it measures CPython, then runs
itself under the `micropython` next to the interpreter (or on PATH).
Targets (issue 3): peak <= 8 KB above baseline, 0 bytes growth per renewal.
"""
import gc
import sys

HERE = sys.argv[0].rsplit("/", 1)[0] if "/" in sys.argv[0] else "."
sys.path.insert(0, HERE + "/../shared")

from dhcp4c import build  # noqa: E402
from dhcp4c.server import reply  # noqa: E402
from dhcp4c.client import Client, Config  # noqa: E402
from dhcp4c.message import encode  # noqa: E402
from dhcp4c.options import u32  # noqa: E402

MP = sys.implementation.name == "micropython"
if MP:
    import time

    def clock_us():
        return time.ticks_us()

    def elapsed_us(t0):
        return time.ticks_diff(time.ticks_us(), t0)
else:
    import time

    def clock_us():
        return time.perf_counter()

    def elapsed_us(t0):
        return (time.perf_counter() - t0) * 1e6

MAC = b"\x02\x00\x00\x00\x00\x01"
SID = b"\xc0\x00\x02\x01"
ADDR = b"\xc0\x00\x02\x32"
RENEWALS = 100


class Rand:
    """A small LCG: rand32 for the client (31-bit values keep ints small)."""

    def __init__(self):
        self.x = 12345

    def __call__(self):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return self.x


def templates():
    """OFFER and ACK wire bytes for our MAC, xid patched in per exchange."""
    req = build.discover(b"\x00\x00\x00\x00", MAC, [])
    opts = [(1, b"\xff\xff\xff\x00"), (3, SID), (6, SID), (15, b"example.org"),
            (51, u32(3600))]
    offer = bytearray(encode(reply(req, 2, ADDR, SID, opts)))
    ack = bytearray(encode(reply(req, 5, ADDR, SID, opts)))
    return offer, ack


def patch(tmpl, payload):
    for i in range(4, 8):
        tmpl[i] = payload[i]
    return tmpl


class Bench:
    def __init__(self):
        self.offer, self.ack = templates()
        self.last = None
        self.events = 0
        self.peak_live = 0
        self.peak_call = 0
        self.base = 0

    def drain(self, c):
        while True:
            d = c.next_datagram()
            if d is None:
                break
            self.last = d[0]
        while True:
            e = c.next_event()
            if e is None:
                break
            self.events += 1

    def step(self, c, fn, *args):
        """Run one call; track the live heap and what the call allocated."""
        self.last = None
        gc.collect()
        before = gc.mem_alloc()
        gc.disable()
        fn(*args)
        self.drain(c)
        during = gc.mem_alloc()
        gc.enable()
        gc.collect()
        after = gc.mem_alloc()
        self.peak_call = max(self.peak_call, during - self.base)
        self.peak_live = max(self.peak_live, before - self.base, after - self.base)
        return self.last

    def run(self):
        gc.collect()
        self.base = gc.mem_alloc()
        c = Client(MAC, Config(), Rand())
        now = 0
        disc = self.step(c, c.start, now)
        req = self.step(c, c.receive, patch(self.offer, disc), now + 1, SID)
        self.step(c, c.receive, patch(self.ack, req), now + 2, SID)
        assert c.lease is not None
        mem = [0] * RENEWALS
        total_us = 0
        for i in range(RENEWALS):
            now = c.next_deadline()
            req = self.step(c, c.tick, now)
            data = patch(self.ack, req)
            t0 = clock_us()
            c.receive(data, now + 1, SID)
            total_us += elapsed_us(t0)
            self.drain(c)
            gc.collect()
            mem[i] = gc.mem_alloc() - self.base
        assert c.stats.renew_ok == RENEWALS, c.stats
        self.step(c, c.release, now + 2)
        assert c.state == 0
        growth = (mem[-1] - mem[9]) / (RENEWALS - 10)
        return mem, growth, total_us / RENEWALS


def time_receive_cpython():
    b = Bench()
    c = Client(MAC, Config(), Rand())
    c.start(0)
    b.drain(c)
    c.receive(patch(b.offer, b.last), 1, SID)
    b.drain(c)
    c.receive(patch(b.ack, b.last), 2, SID)
    b.drain(c)
    total = 0.0
    for _ in range(2000):
        now = c.next_deadline()
        c.tick(now)
        b.drain(c)
        data = patch(b.ack, b.last)
        t0 = clock_us()
        c.receive(data, now + 1, SID)
        total += elapsed_us(t0)
        b.drain(c)
    return total / 2000


def main():
    if MP:
        b = Bench()
        mem, growth, us = b.run()
        print("micropython: heap above baseline at peak: {} B live, {} B incl. one call's "
              "garbage (target <= 8192)".format(b.peak_live, b.peak_call))
        print("micropython: growth per renewal: {} B (after renewal 10: {} B, after {}: {} B; "
              "target 0)".format(growth, mem[9], RENEWALS, mem[-1]))
        print("micropython: receive() of an ACK: {:.0f} us".format(us))
        return
    print("cpython: receive() of an ACK: {:.1f} us".format(time_receive_cpython()))
    import os
    import subprocess
    mp = os.path.join(os.path.dirname(sys.executable), "micropython")
    if not os.path.exists(mp):
        import shutil
        mp = shutil.which("micropython")
    if not mp:
        print("micropython: not found, skipped")
        return
    r = subprocess.run([mp, os.path.abspath(sys.argv[0])], capture_output=True, text=True)
    sys.stdout.write(r.stdout + r.stderr)
    if r.returncode:
        sys.exit(r.returncode)


main()
