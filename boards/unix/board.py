# The virtual board: the MicroPython unix port in a network namespace
# (scripts/vboard.py starts it; its "serial line" is a pty behind
# socket://127.0.0.1:PORT). NIC: boards/unix/network.py over the Linux
# interface named by $DHCP4C_IF (default cli0, the rig's client veth).
# Quirks: the pty is raw, so dhcp4c_board's control channel (serve()) raises
# KeyboardInterrupt on 0x03 itself; a soft reset ends the process and vboard.py starts it again
# with main.py (a board reset); time.time() is the host's clock (RTC = True).
import os

import network

NAME = "unix"
IFNAME = os.getenv("DHCP4C_IF") or "cli0"
BIND_DEVICE = IFNAME        # SO_BINDTODEVICE: receive only on this interface
HOSTNAME = os.getenv("DHCP4C_HOSTNAME") or "vboard"
RTC = True
CONFIG = {}


def nic():
    return network.LAN(IFNAME)
