# WIZnet W5500 on an RP2040 (W5500-EVB-Pico: SPI0 SCK 18, MOSI 19, MISO 16,
# CS 17, RESET 20). Needs the WIZNET5K firmware built with lwIP (MACRAW mode,
# as the official W5500_EVB_PICO build is): the chip's own TCP/IP mode cannot
# send a broadcast from 0.0.0.0:68.
# Control channel: USB CDC serial (sys.stdin/sys.stdout).
# Quirks: isconnected() needs an address, so the link is the PHY's status()
# (non-zero = link on); the MAC comes from the firmware (set one with
# nic.config(mac=...) if the board has none of its own).
import network
from machine import Pin, SPI

NAME = "rp2040-w5500"
HOSTNAME = "w5500-pico"
RTC = False
CONFIG = {}


def nic():
    spi = SPI(0, 2_000_000, mosi=Pin(19), miso=Pin(16), sck=Pin(18))
    n = network.WIZNET5K(spi, Pin(17), Pin(20))
    n.active(True)
    return n


def link(n):
    return bool(n.status())
