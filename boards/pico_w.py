# Raspberry Pi Pico W (RP2040 + CYW43439) as a Wi-Fi station. Credentials
# from /wifi.json on the board ({"ssid": "...", "key": "..."}; never in the
# repository). Control channel: USB CDC serial (sys.stdin/sys.stdout).
# Quirks: cyw43's isconnected() is only true with an address (CYW43_LINK_UP),
# so the link is status() >= 2 (CYW43_LINK_NOIP: joined, no address yet);
# set the country before active(True) for the right channels; power save
# off (pm=0xa11140) so broadcast OFFERs are not delayed. Set RTC = True only
# if the board's clock is set at boot (e.g. by NTP): the RP2040 RTC does not
# survive a reset.
import json
import time

import network
import rp2

NAME = "pico-w"
HOSTNAME = "picow"
RTC = False
CONFIG = {}
_last = [None]


def nic():
    rp2.country("GB")
    n = network.WLAN(network.STA_IF)
    n.active(True)
    n.config(pm=0xa11140)       # CYW43_NONE_PM
    return n


def link(n):
    st = n.status()
    if st >= 2:
        return True
    t = time.ticks_ms()
    if st <= 0 and (_last[0] is None or time.ticks_diff(t, _last[0]) > 10000):
        _last[0] = t
        with open("wifi.json") as f:
            c = json.load(f)
        n.connect(c["ssid"], c.get("key", ""))
    return False
