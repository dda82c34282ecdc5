# Runs at boot: the dhcp4c firmware. Ctrl-C returns to the REPL.
import gc
import sys

if "/lib" not in sys.path and "lib" not in sys.path:
    sys.path.append("lib")

# Load the modules one at a time, leaves first, collecting in between: each
# one's load-time garbage is gone before the next is placed, so what stays is
# packed rather than scattered among holes. On the unix port this lowers the
# smallest heap that imports the firmware from 80k to 72k.
for _m in ("dhcp4c.errors", "dhcp4c.options", "dhcp4c.message", "dhcp4c.build",
           "dhcp4c.timers", "dhcp4c.lease", "dhcp4c.events", "dhcp4c.states", "dhcp4c.stats",
           "dhcp4c.client", "dhcp4c.frames", "dhcp4c.control", "dhcpnic", "dhcpfw"):
    __import__(_m)
    gc.collect()

import dhcpfw  # noqa: E402

dhcpfw.run()
