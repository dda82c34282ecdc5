# ST NUCLEO-F767ZI: on-chip Ethernet MAC with the LAN8742A PHY (RMII, pins
# fixed by the board definition). Control channel: the USB serial line
# (sys.stdin/sys.stdout: the ST-LINK virtual COM port, USART3, or the
# user USB port).
# To serve the protocol on another UART instead, define control() returning
# (rx, tx) streams, e.g.:
#     def control():
#         from machine import UART
#         u = UART(6, 115200)
#         return u, u
# Quirks: LAN.status() is eth_link_status(): 0 link down, 1 link up with the
# netif down, 2 up without an address, 3 up with one - the link is >= 1;
# the board keeps its RTC across a soft reset but not a power cycle.
import network

NAME = "nucleo-f767zi"
HOSTNAME = "nucleo-f767"
RTC = False
CONFIG = {}


def nic():
    n = network.LAN()
    n.active(True)
    return n


def link(n):
    return n.status() >= 1
