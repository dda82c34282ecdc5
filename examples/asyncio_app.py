# An application that runs the DHCP client beside its own work (asyncio).
#
#   make flash BOARD=pico-w PORT=/dev/ttyACM0 APP=examples/asyncio_app.py
#   sudo make demo APP=examples/asyncio_app.py       (on the virtual board)
#
# Its own work: a ticker every TICK_MS that measures how late it wakes, and
# a TCP echo service on port 7 once the board has an address. The client
# runs as one more task; it also serves dhcpctl on the USB serial line.
import asyncio
import time

import board                    # the board profile: its NIC, hostname, quirks
from dhcp4c_board import DHCP

TICK_MS = 10
REPORT_EVERY = 500              # ticks between two lines on the console


async def ticker():
    worst = 0
    n = 0
    due = time.ticks_ms()
    while True:
        due = time.ticks_add(due, TICK_MS)
        await asyncio.sleep_ms(max(0, time.ticks_diff(due, time.ticks_ms())))
        worst = max(worst, time.ticks_diff(time.ticks_ms(), due))
        n += 1
        if n % REPORT_EVERY == 0:
            print("app: {} ticks, worst lateness {} ms".format(n, worst))


async def echo(reader, writer):
    while True:
        data = await reader.read(256)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main():
    dhcp = DHCP.from_board(board)
    dhcp.serve()                        # optional: dhcpctl on the serial line
    asyncio.create_task(dhcp.run())
    asyncio.create_task(ticker())
    lease = await dhcp.bound()
    print("app: address", lease.address, "router", lease.router, "dns", lease.dns,
          "ntp", lease.ntp)
    await asyncio.start_server(echo, "0.0.0.0", 7)
    print("app: echo on port 7")
    while True:
        kind, lease = await dhcp.event()
        print("app: lease", kind, lease.address)


asyncio.run(main())
