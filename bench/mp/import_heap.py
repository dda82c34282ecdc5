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
import gc
import binascii  # noqa: F401
import json  # noqa: F401
import network  # noqa: F401
import select  # noqa: F401
import socket  # noqa: F401
import sys  # noqa: F401
import time  # noqa: F401

gc.collect()
before = gc.mem_alloc()
gc.disable()
import dhcpfw  # noqa: E402,F401

allocated = gc.mem_alloc() - before
gc.enable()
gc.collect()
print("IMPORT", allocated, gc.mem_alloc() - before)
