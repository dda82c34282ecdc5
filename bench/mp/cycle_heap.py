# A lease cycle of the firmware's own objects in one process, for the
# smallest heap it runs in (bench/firmware.py runs it on the unix port at
# several -X heapsize values; the WebAssembly port grows its heap past the
# size it is given, so it cannot say).
# The modules load as firmware/main.py loads them; the Client and the
# Controller are made as dhcpfw.Firmware makes them; every step goes through
# the control protocol as dhcpctl's would: state, renew, state, release. No
# network: the server's OFFER and ACK come from lib/replies.bin (written by
# bench/firmware.py), with the client's xid patched in.
# Prints, each the heap in use after a collection: START (the interpreter,
# this script, its helpers and the replies: nothing of ours yet), IMPORTED
# (the modules loaded) and CYCLE (the fullest step of the cycle); or fails
# with a MemoryError.
import gc

MAC = b"\x02\x00\x00\x00\x00\x01"
SID = b"\xc0\x00\x02\x01"
_BOUND = 4
_STOPPED = 0

with open("lib/replies.bin", "rb") as f:
    OFFER, ACK = f.read().split(b"--8<--")
peak = 0
xid = None          # of the client's last datagram: all a server answer needs
client = ctl = None
x = [12345]


def rand32():
    x[0] = (x[0] * 1103515245 + 12345) & 0x7FFFFFFF
    return x[0]


def pump(now):
    """What Firmware.drain() does with the client's output; then the peak."""
    global peak, xid
    while True:
        d = client.next_datagram()
        if d is None:
            break
        xid = d[0][4:8]
    while True:
        e = client.next_event()
        if e is None:
            break
        ctl.on_event(e, now)
    ctl.pending_parts(0)
    gc.collect()
    peak = max(peak, gc.mem_alloc())


def answer(tmpl, now):
    r = bytearray(tmpl)
    r[4:8] = xid
    client.receive(r, now, SID)
    pump(now)


def command(cmd, now, rid=[0]):
    rid[0] += 1
    out = ctl.feed_parts(0, frames.encode({"id": rid[0], "cmd": cmd}), now)
    if not out or b'"ok":true' not in out[1]:
        raise AssertionError("{} failed: {}".format(cmd, b"".join(out)))
    pump(now)


gc.collect()
print("START", gc.mem_alloc())
# The order and the collections of firmware/main.py (the deployed main.py
# runs the firmware, so it cannot be imported here).
for _m in ("dhcp4c.errors", "dhcp4c.options", "dhcp4c.message", "dhcp4c.build",
           "dhcp4c.timers", "dhcp4c.lease", "dhcp4c.events", "dhcp4c.states", "dhcp4c.stats",
           "dhcp4c.client", "dhcp4c.frames", "dhcp4c.control", "dhcpnic", "dhcpfw"):
    __import__(_m)
    gc.collect()

import dhcpfw  # noqa: E402
from dhcp4c import frames  # noqa: E402
from dhcp4c.client import Client, Config  # noqa: E402
from dhcp4c.control import Controller  # noqa: E402

gc.collect()
print("IMPORTED", gc.mem_alloc())
client = Client(MAC, Config(hostname="vboard"), rand32)
ctl = Controller(client, firmware=dhcpfw.VERSION, board="bench")
client.start(0)
pump(0)
answer(OFFER, 1)
answer(ACK, 2)
assert client.state == _BOUND
command("state", 3)
command("renew", 4)
answer(ACK, 5)
assert client.state == _BOUND and client.stats.renew_ok == 1
command("state", 6)
command("release", 7)
assert client.state == _STOPPED
print("CYCLE", peak)
