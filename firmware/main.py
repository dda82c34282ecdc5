# Runs at boot: the dhcp4c firmware. Ctrl-C returns to the REPL.
import sys

if "/lib" not in sys.path and "lib" not in sys.path:
    sys.path.append("lib")

import dhcpfw

dhcpfw.run()
