# An application without asyncio: one loop that does its own work and lets
# the DHCP client do what is due.
#
#   make flash BOARD=pico-w PORT=/dev/ttyACM0 APP=examples/superloop_app.py
#   sudo make demo APP=examples/superloop_app.py     (on the virtual board)
#
# Its own work: an LED that toggles every BLINK_MS (printed on the virtual
# board, which has none). dhcp.poll(ms) is the loop's only wait: it returns
# as soon as a DHCP reply arrives, and never later than `ms`.
import time

import board                    # the board profile: its NIC, hostname, quirks
from dhcp4c_board import DHCP

BLINK_MS = 500

try:
    from machine import Pin
    led = Pin("LED", Pin.OUT)
except (ImportError, AttributeError, ValueError, TypeError):
    led = None                  # no LED here: count the toggles instead


def lease_event(kind, lease):
    print("app: lease", kind, lease.address, "router", lease.router,
          "left", lease.time_left, "s")


dhcp = DHCP.from_board(board)
dhcp.on_lease = lease_event
toggles = 0
due = time.ticks_ms()
while True:
    if time.ticks_diff(time.ticks_ms(), due) >= 0:
        due = time.ticks_add(due, BLINK_MS)
        toggles += 1
        if led is not None:
            led.toggle()
        elif toggles % 10 == 0:
            print("app: led toggled", toggles, "times")
    dhcp.poll(max(0, time.ticks_diff(due, time.ticks_ms())))
