# ESP32 (any module) as a Wi-Fi station. Credentials are read from
# /wifi.json on the board: {"ssid": "...", "key": "..."} - copy it once with
#   mpremote cp wifi.json :wifi.json
# It is never in the repository (.gitignore has wifi.json).
# Control channel: USB serial (sys.stdin/sys.stdout).
# Quirks: link() (re)joins the network when the station is idle or failed,
# at most every 10 s, without blocking; isconnected() means associated, which
# is what the DHCP client needs. Wi-Fi power save delays broadcast replies by
# up to a DTIM interval: pm is turned off.
import json
import time

import network

NAME = "esp32-wlan"
HOSTNAME = "esp32-wlan"
RTC = False
# The lease in RTC memory, which survives deep sleep: a board waking from
# machine.deepsleep() asks for the same address at once (INIT-REBOOT, bounded
# by dhcp4c_board.REBOOT_MS), without writing flash at every renewal.
LEASE_STORE = "rtc"
CONFIG = {}
_last = [None]


def _creds():
    with open("wifi.json") as f:
        c = json.load(f)
    return c["ssid"], c.get("key", "")


def nic():
    n = network.WLAN(network.STA_IF)
    n.active(True)
    try:
        n.config(pm=0)      # WIFI_PS_NONE
    except (ValueError, OSError):
        pass
    return n


def link(n):
    if n.isconnected():
        return True
    t = time.ticks_ms()
    if _last[0] is None or time.ticks_diff(t, _last[0]) > 10000:
        _last[0] = t
        if n.status() != network.STAT_CONNECTING:
            ssid, key = _creds()
            n.connect(ssid, key)        # returns at once; status() follows
    return False
