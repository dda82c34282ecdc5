# Run by bench/firmware.py under the MicroPython unix port, inside the
# client namespace, with the deployed .mpy files on MICROPYPATH.
# Prints: BOUND <ms from interpreter start to bound> <bytes allocated during
# DORA (gc off)> <retained after collect>, then RENEW <n> <max bytes
# allocated by one renewal> <retained growth over all renewals>.
import time

t0 = time.ticks_ms()
import gc
import sys

import board
import dhcpfw
from dhcp4c.states import BOUND

N = int(sys.argv[1]) if len(sys.argv) > 1 else 0
fw = dhcpfw.Firmware(board)
gc.collect()
base = gc.mem_alloc()
gc.disable()
fw.start()
while fw.client.state != BOUND:
    fw.turn()
t_bound = time.ticks_diff(time.ticks_ms(), t0)
dora = gc.mem_alloc() - base
gc.enable()
gc.collect()
kept = gc.mem_alloc() - base
print("BOUND", t_bound, dora, kept)
worst = 0
gc.collect()
base2 = gc.mem_alloc()
for i in range(N):
    gc.collect()
    a = gc.mem_alloc()
    gc.disable()
    fw.client.renew(fw.clock())
    fw.drain(fw.clock())
    while fw.client.state != BOUND:
        fw.turn()
    worst = max(worst, gc.mem_alloc() - a)
    gc.enable()
gc.collect()
print("RENEW", N, worst, gc.mem_alloc() - base2)
