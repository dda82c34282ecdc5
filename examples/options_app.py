# An application that uses what the server sends beyond the address: the
# NTP servers to set its clock from, the DNS search list, static routes and
# the MTU (a board's NIC takes only the address, the gateway and one DNS
# server; the rest is the application's to use).
#
#   make flash BOARD=esp32-lan8720 PORT=/dev/ttyUSB0 APP=examples/options_app.py
#   sudo make demo APP=examples/options_app.py       (on the virtual board)
#
# On a lease it prints them, and sets the clock from the first NTP server
# where the port has micropython-lib's ntptime (SNTP, one UDP exchange).
import board                    # the board profile: its NIC, hostname, quirks
from dhcp4c_board import DHCP


def set_clock(ntp):
    try:
        import ntptime
    except ImportError:
        return "no ntptime module"
    ntptime.host = ntp[0]
    try:
        ntptime.settime()
        return "set from " + ntp[0]
    except Exception as e:      # no answer: the next lease event tries again
        return "not set ({})".format(e)


def lease_event(kind, lease):
    print("app: lease", kind, lease.address, "gateway", lease.gateway,
          "router", lease.router)
    if kind in ("acquired", "changed"):
        print("app: ntp", lease.ntp, "domain", lease.domain, "search", lease.search)
        print("app: routes", lease.routes, "mtu", lease.mtu)
        if lease.ntp:
            print("app: clock", set_clock(lease.ntp))


dhcp = DHCP.from_board(board)
dhcp.on_lease = lease_event
dhcp.serve()                    # dhcpctl on the serial line too
while True:
    dhcp.poll(1000)
