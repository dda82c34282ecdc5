# The standalone dhcp4c firmware, run at boot: one application of
# dhcp4c_board. The board profile (/board.py) names the NIC, the hostname
# and the quirks; the control channel (dhcpctl) is served on the USB serial
# line, or on the profile's control() streams. Ctrl-C returns to the REPL.
# The client is all it runs, so it is a superloop: poll() waits for the
# network or the serial line, at most until the client's next deadline;
# without asyncio on the heap the firmware runs in a smaller one.
import gc

# Loaded from .mpy files, each module's bytecode lands on the heap, with
# garbage from loading it in between. One at a time, leaves first, with a
# collection after each, what stays is packed instead of scattered among
# holes too small for what comes later: on the 32-bit unix port this is what
# lets the lease cycle run in a 64k heap. (Frozen modules cost nothing here.)
# tests/test_firmware_static.py checks this order against manifest.json.
LOAD_ORDER = ("dhcp4c.errors", "dhcp4c.options", "dhcp4c.message", "dhcp4c.build",
              "dhcp4c.timers", "dhcp4c.lease", "dhcp4c.events", "dhcp4c.states",
              "dhcp4c.stats", "dhcp4c.client", "dhcp4c.frames", "dhcp4c.control",
              "dhcpnic", "dhcp4c_board")
for m in LOAD_ORDER:
    __import__(m)
    gc.collect()

import board  # noqa: E402
from dhcp4c_board import DHCP, VERSION  # noqa: E402


def heap(kind, lease):
    # A console line for tests and benchmarks (REPL noise to the control
    # protocol): the heap in use after a collection, at each lease event.
    # A "fallback" with no profile (a number of seconds only) has no lease.
    gc.collect()
    print("dhcp4c: {} {} heap {}".format(kind, lease.address if lease else "-", gc.mem_alloc()))


dhcp = DHCP.from_board(board)
if hasattr(board, "control"):
    dhcp.serve(*board.control())
else:
    dhcp.serve()
dhcp.on_lease = heap
# Collect after every quarter of the free heap allocated, not only when it
# is full: on a small heap garbage then never piles up into holes too
# scattered for the next datagram (576 bytes); on a large one this rarely
# runs. The application's choice, so here and not in the library.
if hasattr(gc, "threshold"):        # ports built without MICROPY_GC_ALLOC_THRESHOLD lack it
    gc.collect()
    gc.threshold(max(2048, gc.mem_free() // 4))
print("dhcp4c firmware", VERSION, "on", dhcp.name)
while True:
    dhcp.poll(1000)
