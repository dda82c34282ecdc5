# Heap taken by `import dhcpfw` (dhcp4c + firmware, as deployed): run by
# bench/firmware.py on the unix port (64-bit) and on the WebAssembly port
# (32-bit, bench/mp/wasm.mjs). Every platform module dhcp4c and the firmware
# import comes first (some are Python code on one port and built in on the
# other), so only our code is counted.
# Prints: IMPORT <bytes allocated, collector off> <bytes kept after a collection>.
# The first is exact and repeatable on both ports. The second is what stays
# on the unix port; on the WebAssembly port it is not a measurement: its
# collector scans its stack conservatively and keeps an erratic part of the
# import's garbage (in one run nearly all of it), so bench/firmware.py does
# not print it.
# On the unix port it also prints the heap block map (micropython.mem_info(1))
# before and after, between MAP< and >MAP, for bench/firmware.py to count
# what the import keeps by kind of object.
import gc
import micropython
import binascii  # noqa: F401
import json  # noqa: F401
import network  # noqa: F401
import select  # noqa: F401
import socket  # noqa: F401
import sys  # noqa: F401
import time  # noqa: F401

MAPS = sys.platform == "linux"


def heap_map():
    if MAPS:
        print("MAP<")
        micropython.mem_info(1)
        print(">MAP")


gc.collect()
heap_map()
gc.collect()
before = gc.mem_alloc()
gc.disable()
import dhcpfw  # noqa: E402,F401

allocated = gc.mem_alloc() - before
gc.enable()
gc.collect()
print("IMPORT", allocated, gc.mem_alloc() - before)
heap_map()
