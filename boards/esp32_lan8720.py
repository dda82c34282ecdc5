# ESP32 with a LAN8720 Ethernet PHY over RMII. Pins as on the WT32-ETH01
# (MDC 23, MDIO 18, PHY address 1, 50 MHz clock from the PHY into GPIO0,
# PHY power/enable on GPIO16). Olimex ESP32-POE: phy_addr=0, power=Pin(12),
# ref_clk=Pin(17), ref_clk_mode=Pin.OUT.
# Control channel: USB serial (sys.stdin/sys.stdout).
# Quirks: LAN.isconnected() is only true once an address is set, so the link
# is read from status() (ETH_CONNECTED or ETH_GOT_IP); active(True) must come
# after the PHY is powered; MicroPython >= 1.24 for ipconfig(dhcp4=False).
import network
from machine import Pin

NAME = "esp32-lan8720"
HOSTNAME = "esp32-eth"
RTC = False                 # no battery-backed clock: stored leases have unknown expiry
# The lease in RTC memory, which survives deep sleep: a board waking from
# machine.deepsleep() asks for the same address at once (INIT-REBOOT, bounded
# by dhcp4c_board.REBOOT_MS), without writing flash at every renewal.
LEASE_STORE = "rtc"
CONFIG = {}


def nic():
    return network.LAN(mdc=Pin(23), mdio=Pin(18), power=Pin(16), phy_addr=1,
                       phy_type=network.PHY_LAN8720, ref_clk=Pin(0), ref_clk_mode=Pin.IN)


def link(n):
    return n.status() in (network.ETH_CONNECTED, network.ETH_GOT_IP)
