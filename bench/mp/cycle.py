# The core API's lease cycle in one process, for bench/firmware.py. It is
# frozen (as module bench_cycle) into the bench's own builds of the i386 and
# Cortex-M3 images, so its code and data cost no heap on any of them, and
# runs on `import bench_cycle` (micropython -c on i386; the raw REPL under
# qemu, which has no filesystem and no network).
# bench/firmware.py puts in front of this text:
#   OFFER, ACK   a real server's replies (tests/core/vectors.py), and its
#   MAC, SID     client's MAC and its server identifier (option 54)
#   MODULES      what to import, in firmware/main.py's order
# and the importer sets, in __main__:
#   MEASURE      True: the collector is off during each step and the heap is
#                sampled (below); False: it runs as a board would, for the
#                smallest-heap search (a collector kept off fails where a
#                board would have collected)
#   ROM          True: mount the ROMFS image frozen into the image (module
#                romfs_image, its bytes in the firmware's read-only data) at
#                /rom first, /rom/lib first on sys.path, as a board with a
#                ROMFS partition does at boot
# The cycle: Client and Controller made as dhcp4c_board makes them, DORA, a
# `state` request through the control protocol, RENEWALS renewals (each at
# the client's T1 deadline, answered with the same ACK), `release` through
# the control protocol; the client's xid patched into each reply. A step is
# one input and what the board does with it: the call, then every datagram
# and event taken from the client and each event given to the controller.
# Prints one line: CYCLE <base> <import> <peak> <live> <first> <last>
# (bytes; base is gc.mem_alloc() after a collection before anything of ours,
# the others are above it): import is what the imports keep after a
# collection; peak the most in use at the end of any step run with the
# collector off, i.e. what was live before the step plus all it allocated,
# an upper bound of the true peak; live the most in use after a collection
# following a step, a lower bound; first and last the most in use after a
# collection following a renewal, over the first and the second half of the
# renewals (the heap after a collection wobbles by a block or two from one
# renewal to the next, so the highest of each half is compared).
# With MEASURE it also prints the heap's block map (micropython.mem_info(1))
# between MAP< and >MAP at base, after the imports and once bound with the
# `state` reply sent, each after a collection (printing allocates nothing).
# A MemoryError ends the run before the CYCLE line.
import gc
import micropython
import sys

import __main__

MEASURE = __main__.MEASURE
if __main__.ROM:
    import vfs
    from romfs_image import IMAGE
    vfs.mount(vfs.VfsRom(IMAGE), "/rom")
    sys.path.insert(0, "/rom/lib")
RENEWALS = 20
xid = [None]
peak = [0]
live = [0]
rid = [0]


def rand32(x=[12345]):
    x[0] = (x[0] * 1103515245 + 12345) & 0x7FFFFFFF
    return x[0]


def drain(now):
    while True:
        d = client.next_datagram()
        if d is None:
            break
        xid[0] = d[0][4:8]
    while True:
        e = client.next_event()
        if e is None:
            break
        ctl.on_event(e, now)
    ctl.pending_parts(0)


def step(fn, *args):
    if MEASURE:
        gc.collect()
        gc.disable()
    fn(*args)
    drain(args[-1])             # every step's last argument is its time
    if MEASURE:
        peak[0] = max(peak[0], gc.mem_alloc() - base)
        gc.enable()
        live[0] = max(live[0], kept())


def answer(tmpl, now):
    r = bytearray(tmpl)
    r[4:8] = xid[0]
    client.receive(r, now, SID)


def command(cmd, now):
    rid[0] += 1
    out = ctl.feed_parts(0, frames.encode({"id": rid[0], "cmd": cmd}), now)
    if not out or b'"ok":true' not in out[1]:
        raise AssertionError("{} failed: {}".format(cmd, out))


def kept():
    gc.collect()
    return gc.mem_alloc() - base


def heap_map():
    if MEASURE:
        gc.collect()
        print("MAP<")
        micropython.mem_info(1)
        print(">MAP")


# every global of ours exists before base: none may grow the module's dict later
client = ctl = frames = Client = Config = Controller = imported = after = i = h = now = m = None
gc.collect()
base = gc.mem_alloc()
heap_map()
for m in MODULES:
    __import__(m)
    gc.collect()
from dhcp4c import frames  # noqa: E402
from dhcp4c.client import Client, Config  # noqa: E402
from dhcp4c.control import Controller  # noqa: E402
imported = kept()
heap_map()

client = Client(MAC, Config(hostname="vboard"), rand32)
ctl = Controller(client, firmware="bench", board="bench")
step(client.start, 0)
step(answer, OFFER, 1)
step(answer, ACK, 2)
assert client.state == 4, client.state          # BOUND
step(command, "state", 3)
heap_map()
after = [0, 0]
for i in range(RENEWALS):
    now = client.next_deadline()
    step(client.tick, now)
    step(answer, ACK, now + 1)
    assert client.state == 4 and client.stats.renew_ok == i + 1
    if MEASURE:
        h = i * 2 // RENEWALS
        after[h] = max(after[h], kept())
step(command, "release", now + 2)
assert client.state == 0, client.state          # STOPPED
print("CYCLE", base, imported, peak[0], live[0], after[0], after[1])
