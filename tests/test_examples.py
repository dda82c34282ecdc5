"""The example applications (examples/) on the virtual board, as a user
runs them: `make flash ... APP=examples/X.py` onto the firmware image (the
i386 unix port with dhcp4c frozen in), against real servers. Each checks
that the application's own work goes on while the client gets, renews,
loses and gets back a lease."""
import re
import time

import rig
import servers
from test_firmware import VBoard, addrs


def wait_console(b, pattern, timeout, after=0):
    """The first match of `pattern` in the board's console past offset
    `after`, waiting up to `timeout` s; fails with the console's tail."""
    deadline = time.monotonic() + timeout
    while True:
        m = re.compile(pattern).search(b.console(), after)
        if m or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert m, "no {!r} on the console in {} s:\n{}".format(pattern, timeout, b.console()[-3000:])
    return m


def echo(lab, ip, payload):
    code = ("import socket,sys\ns=socket.create_connection(({!r},7),timeout=5)\n"
            "s.sendall({!r})\nprint(s.recv(100).decode())").format(ip, payload.encode())
    r = lab.run([rig.interpreter("python")[0], "-c", code], ns="server", check=False)
    return r.stdout.strip() or r.stderr


def test_asyncio_app_keeps_its_schedule_through_a_lease_cycle(lab):
    """Kea with 20 s leases (T1 2 s, T2 4 s): the app binds, its echo
    service answers, the client renews every 2 s, Kea goes away (rebinding,
    then the lease expires and the address is removed), comes back (a new
    lease). Meanwhile the app's 10 ms ticker keeps ticking; its worst
    lateness is printed and reported."""
    kea = servers.kea(lab, lease=20, t1=2, t2=4, ntp="192.0.2.123")
    b = VBoard(lab)
    b.flash(app="examples/asyncio_app.py")
    m = wait_console(b, r"app: address (192\.0\.2\.\d+) router 192\.0\.2\.1 dns "
                        r"\['192\.0\.2\.53'\] ntp \['192\.0\.2\.123'\]", 30)
    ip = m.group(1)
    assert addrs(lab) == [ip + "/24"]
    wait_console(b, r"app: echo on port 7", 5)
    assert echo(lab, ip, "hello board") == "hello board"
    assert b.ctl("state")["state"] in ("BOUND", "RENEWING")      # dhcpctl still works
    wait_console(b, r"app: lease renewed " + re.escape(ip), 10)
    t_ticks = wait_console(b, r"app: (\d+) ticks", 10)
    lab.stop(kea)
    lost = wait_console(b, r"app: lease lost " + re.escape(ip), 40)
    assert addrs(lab) == []                                      # removed at expiry
    servers.kea(lab, lease=20, t1=2, t2=4, ntp="192.0.2.123")
    wait_console(b, r"app: lease acquired 192\.0\.2\.\d+", 40, after=lost.end())
    # the ticker went on all along: it reports every 500 ticks (5 s at 10 ms)
    wait_console(b, r"app: (\d+) ticks, worst lateness (\d+) ms", 10, after=lost.end())
    reports = re.findall(r"app: (\d+) ticks, worst lateness (\d+) ms", b.console())
    ticks, worst = int(reports[-1][0]), int(reports[-1][1])
    assert ticks > int(t_ticks.group(1)) + 1000, reports        # > 10 s more of ticking
    rig.REPORT.append("examples: asyncio app ticked {} times (10 ms) through bind, renewals, "
                      "loss and a new lease; worst lateness {} ms".format(ticks, worst))
    # A client that blocked the loop (a blocking recv, a sleep in its error
    # path) would stall the ticker for a second or more.
    assert worst < 250, reports


def test_superloop_app_blinks_while_the_client_binds(lab):
    """dnsmasq (2 min leases): poll() binds the board (the address on the
    interface, the server's lease table), and the superloop app's LED goes
    on toggling on its schedule. The app serves no control channel, so the
    console and the server are what show it."""
    srv = lab.dnsmasq()
    b = VBoard(lab)
    b.flash(app="examples/superloop_app.py")
    m = wait_console(b, r"app: lease acquired (192\.0\.2\.\d+) router 192\.0\.2\.1 left (\d+) s",
                     30)
    ip = m.group(1)
    assert 100 <= int(m.group(2)) <= 120
    assert addrs(lab) == [ip + "/24"]
    assert ip in open(lab.tmp + "/dnsmasq.leases").read()
    first = wait_console(b, r"app: led toggled (\d+) times", 10, after=m.end())
    time.sleep(6)
    toggles = [int(x) for x in re.findall(r"app: led toggled (\d+) times", b.console())]
    # 500 ms a toggle: about 12 in 6 s, printed every 10th
    assert toggles[-1] - int(first.group(1)) >= 10, toggles
    assert "DHCPACK" in lab.log(srv)


def test_options_app_reads_ntp_search_routes_mtu(lab):
    """dnsmasq sends NTP (42), a domain (15), a search list (119), classless
    routes (121) whose default route disagrees with option 3, and an MTU
    (26): examples/options_app.py prints each as the Lease view gives it,
    and the NIC's default route is 121's (RFC 3442), not option 3's."""
    lab.dnsmasq(extra_conf=[
        "dhcp-option=42,192.0.2.123",
        "dhcp-option=15,lab.example",
        "dhcp-option=119,lab.example,example.net",
        "dhcp-option=3,192.0.2.1",
        "dhcp-option=121,0.0.0.0/0,192.0.2.254,198.51.100.0/24,192.0.2.2",
        "dhcp-option=26,1400"])
    b = VBoard(lab)
    b.flash(app="examples/options_app.py")
    m = wait_console(b, r"app: lease acquired (192\.0\.2\.\d+) gateway 192\.0\.2\.254 "
                        r"router 192\.0\.2\.1\b", 30)
    wait_console(b, r"app: ntp \['192\.0\.2\.123'\] domain lab\.example "
                    r"search \['lab\.example', 'example\.net'\]", 5, after=m.end())
    wait_console(b, r"app: routes \[\('0\.0\.0\.0/0', '192\.0\.2\.254'\), "
                    r"\('198\.51\.100\.0/24', '192\.0\.2\.2'\)\] mtu 1400", 5, after=m.end())
    wait_console(b, r"app: clock ", 10, after=m.end())     # no ntptime here, or no answer
    assert addrs(lab) == [m.group(1) + "/24"]
    route = lab.run(["ip", "route", "show", "default"], ns="client").stdout
    assert "default via 192.0.2.254" in route, route
