"""End to end: the firmware on the virtual board (the real MicroPython unix
port in the rig's client namespace, scripts/vboard.py), flashed with
`make flash` over socket://, driven with dhcpctl, against real servers.
The board runs the 32-bit (i386) unix port with dhcp4c and the board
library frozen in, a firmware image as a product board ships
(scripts/micropython.py builds it); the small-heap tests also run the
plain i386 port with .mpy files. The board's "flash" is a directory in
lab.tmp; its console is copied to a log file (vboard.py --log) so tests can
read the firmware's heap lines."""
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest

import rig
import servers

ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([rig.SHARED, os.path.join(rig.REPO, "host")]))


FROZEN = "micropython-i386-frozen"   # the firmware image
PLAIN = "micropython-i386"           # a stock 32-bit MicroPython: dhcp4c as .mpy files


class VBoard:
    def __init__(self, lab, heapsize=None, build=FROZEN):
        exe = rig.interpreter(build)[0]
        rig.need_tool("mpremote")
        self.lab = lab
        self.dir = os.path.join(lab.tmp, "board")
        os.mkdir(self.dir)
        self.log_path = os.path.join(lab.tmp, "vboard-console.log")
        cmd = [rig.interpreter("python")[0], os.path.join(rig.REPO, "scripts", "vboard.py"),
               "--dir", self.dir, "--ns", lab.client_ns, "--if", lab.client_if,
               "--log", self.log_path, "--micropython", exe]
        if heapsize:
            cmd += ["--heapsize", heapsize]
        # vboard runs in the root namespace (its TCP port is on 127.0.0.1 there)
        # and starts the interpreter inside the client namespace itself.
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.proc.name = "vboard"
        self.proc.log_path = self.log_path
        lab.procs.append(self.proc)
        line = self.proc.stdout.readline().split()
        assert line[:1] == ["READY"], line
        self.port = line[1]

    def flash(self, app=None):
        cmd = ["make", "-s", "-C", rig.REPO, "flash", "BOARD=unix", "PORT=" + self.port]
        if app:
            cmd.append("APP=" + app)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    def ctl(self, *args, check=True):
        r = subprocess.run(rig.interpreter("python") + [
            os.path.join(rig.REPO, "host", "dhcpctl.py"), "--port", self.port,
            "--timeout", "3", "--json"] + list(args),
            capture_output=True, text=True, env=ENV, timeout=30)
        if check:
            assert r.returncode == 0, "dhcpctl {}: {}{}\n{}".format(
                args, r.stdout, r.stderr, self.console()[-2000:])
        return json.loads(r.stdout) if r.stdout.strip() else None

    def wait_state(self, want, timeout=20):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.ctl("state", check=False)
            if last and last.get("state") == want:
                return last
            time.sleep(0.2)
        raise AssertionError("board not {} after {} s: {}\n{}".format(
            want, timeout, last, self.console()[-3000:]))

    def console(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def lease_file(self):
        try:
            with open(os.path.join(self.dir, "dhcp4c.lease")) as f:
                return f.read()
        except OSError:
            return None

    def interrupt(self):
        """Ctrl-C on the serial line: the firmware stops, the REPL answers."""
        host, port = self.port[len("socket://"):].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as s:
            s.sendall(b"\r\x03")
            buf, deadline = b"", time.monotonic() + 5
            while b">>> " not in buf and time.monotonic() < deadline:
                try:
                    buf += s.recv(4096)
                except socket.timeout:
                    break
            return buf


def addrs(lab):
    out = lab.run(["ip", "-4", "-o", "addr", "show", "dev", lab.client_if]).stdout
    return re.findall(r"inet (\S+)", out)


def count(text, word):
    return len(re.findall(word, text))


def test_flash_bound_renew_release(lab):
    srv = lab.dnsmasq()
    b = VBoard(lab)
    out = b.flash()
    assert "frozen into the board's firmware: copying the profile and main.py only" in out
    st = b.wait_state("BOUND")
    ip = st["lease"]["address"]
    assert ip.startswith("192.0.2.")
    assert addrs(lab) == [ip + "/24"]                       # really applied
    assert "default via 192.0.2.1" in lab.run(["ip", "route"]).stdout
    assert ip in open(os.path.join(lab.tmp, "dnsmasq.leases")).read()
    assert "vboard" in lab.log(srv)                          # option 12 sent
    assert b.lease_file().startswith("dhcp4c1 " + ip)

    acks = count(lab.log(srv), "DHCPACK")
    b.ctl("renew")
    b.wait_state("BOUND")
    deadline = time.monotonic() + 5
    while count(lab.log(srv), "DHCPACK") <= acks and time.monotonic() < deadline:
        time.sleep(0.1)
    assert count(lab.log(srv), "DHCPACK") > acks
    assert re.search(r"DHCPREQUEST\(srv0\) " + re.escape(ip), lab.log(srv))

    b.ctl("release")
    b.wait_state("STOPPED")
    assert "DHCPRELEASE(srv0) " + ip in lab.wait_log(srv, "DHCPRELEASE")
    assert addrs(lab) == []                                   # address removed
    assert b.lease_file() == ""


def test_ctrl_c_reflash_and_reset_init_reboot(lab):
    srv = lab.dnsmasq()
    b = VBoard(lab)
    b.flash()
    ip = b.wait_state("BOUND")["lease"]["address"]
    assert count(lab.log(srv), "DHCPDISCOVER") == 1
    assert b">>> " in b.interrupt()                          # Ctrl-C: back at the REPL
    out = b.flash()                                          # second flash: works, copies nothing
    assert "nothing changed" in out
    st = b.wait_state("BOUND")                               # the reset booted main.py again
    assert st["lease"]["address"] == ip
    assert count(lab.log(srv), "DHCPDISCOVER") == 1          # INIT-REBOOT: a REQUEST only
    assert count(lab.log(srv), "DHCPREQUEST") >= 2
    assert addrs(lab) == [ip + "/24"]
    assert b.proc.poll() is None


def test_link_down_up(lab):
    srv = lab.dnsmasq()
    b = VBoard(lab)
    b.flash()
    ip = b.wait_state("BOUND")["lease"]["address"]
    reqs = count(lab.log(srv), "DHCPREQUEST")
    lab.run(["ip", "link", "set", lab.server_if, "down"], ns="server")   # cable out
    b.wait_state("LINK_DOWN", timeout=10)
    lab.run(["ip", "link", "set", lab.server_if, "up"], ns="server")
    st = b.wait_state("BOUND", timeout=20)
    assert st["lease"]["address"] == ip
    assert count(lab.log(srv), "DHCPREQUEST") > reqs          # INIT-REBOOT after link up


def test_fifty_renewals_with_short_leases_heap_flat(lab):
    """Kea hands out 20 s leases with T1 = 1 s: a renewal every second."""
    servers.kea(lab, lease=20, t1=1, t2=15)
    b = VBoard(lab)
    b.flash()
    b.wait_state("BOUND", timeout=30)
    deadline = time.monotonic() + 150
    heaps = []
    while time.monotonic() < deadline:
        heaps = [int(x) for x in re.findall(r"dhcp4c: \w+ \S+ heap (\d+)", b.console())]
        if len(heaps) >= 52:
            break
        time.sleep(1)
    assert len(heaps) >= 52, "only {} lease events:\n{}".format(len(heaps), b.console()[-3000:])
    st = b.ctl("state")
    assert st["state"] in ("BOUND", "RENEWING")
    stats = b.ctl("stats")
    rig.REPORT.append("firmware: {} renewals, heap after collect {} .. {} bytes".format(
        len(heaps) - 1, min(heaps[1:]), max(heaps[1:])))
    # flat: after the first few renewals, no growth beyond allocator noise
    assert max(heaps[10:]) - min(heaps[2:10]) <= 256, heaps
    assert stats is not None


def test_demo_runs_and_tears_down():
    rig.need_root()
    rig.need_tool("dnsmasq")
    r = subprocess.run(rig.interpreter("python") + [os.path.join(rig.REPO, "scripts", "demo.py"),
                                                    "--seconds", "17", "--no-watch"],
                       capture_output=True, text=True, timeout=120)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    assert "board is BOUND with 192.0.2." in out
    assert '"kind": "renewed"' in out and '"why": "release"' in out
    assert re.search(r"server log: \d+ DISCOVER, \d+ REQUEST, \d+ ACK, 1 RELEASE", out), out
    ns = re.search(r"lab up: (\S+)-s ", out).group(1)
    after = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert ns not in after                                    # torn down


def test_demo_watch_view_in_a_terminal():
    """make demo's default view: `dhcpctl watch` full screen, when stdout is a
    terminal (tmux here): the board's state, the renew the demo asks for, the
    release and the restart appear live; then it ends and tears down."""
    rig.need_root()
    rig.need_tool("dnsmasq")
    tmux = rig.need_tool("tmux")
    sock = "dhcp4c-demo-{}".format(os.getpid())
    cmd = "{} {} --seconds 20; echo DEMO-EXIT $?; sleep 60".format(
        " ".join(rig.interpreter("python")), os.path.join(rig.REPO, "scripts", "demo.py"))

    def tm(*a):
        return subprocess.run([tmux, "-L", sock] + list(a), capture_output=True, text=True,
                              timeout=10)

    seen = []

    def screen_until(pred, secs):
        end = time.monotonic() + secs
        while True:
            s = tm("capture-pane", "-p", "-t", "d").stdout
            seen.append(s)
            if pred(s) or time.monotonic() > end:
                return s
            time.sleep(0.2)

    r = tm("new-session", "-d", "-s", "d", "-x", "110", "-y", "40", cmd)
    assert r.returncode == 0, r.stderr
    try:
        s = screen_until(lambda s: "STATE BOUND" in s, 60)
        assert "STATE BOUND" in s, s                      # the watch view, not the event log
        s = screen_until(lambda s: "lease renewed 192.0.2." in s, 30)
        assert "lease renewed 192.0.2." in s, s           # the demo's renew, live
        s = screen_until(lambda s: "DEMO-EXIT" in s, 60)
        assert "DEMO-EXIT 0" in s, s
        assert "demo: done" in s, s
        assert any("RELEASE" in x or "release" in x for x in seen), seen[-1]
        ns = re.search(r"lab up: (\S+)-s ", "".join(seen)).group(1)
    finally:
        tm("kill-server")       # our own tmux server (-L), nobody else's
    after = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert ns not in after                                    # torn down


def test_demo_says_it_needs_root():
    setpriv = rig.need_tool("setpriv")
    r = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                        sys.executable, os.path.join(rig.REPO, "scripts", "demo.py")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "needs root" in r.stderr


# The standalone firmware's lease cycle (DORA, renew and release through
# dhcpctl) in a small heap, on the word size boards have: from .mpy files on
# a stock 32-bit MicroPython in 76k, and frozen into the firmware image in
# 26k: the smallest heaps bench/firmware.py found (74k, 25k; docs/firmware.md)
# with a margin for the collector's luck.
@pytest.mark.parametrize("build,heap", [(PLAIN, "76k"), (FROZEN, "26k")])
def test_lease_cycle_under_a_small_heap(lab, build, heap):
    srv = lab.dnsmasq()
    b = VBoard(lab, heapsize=os.environ.get("DHCP4C_TEST_HEAP", heap), build=build)
    out = b.flash()
    if build == PLAIN:
        size = int(re.search(r"dhcp4c \+ firmware as \.mpy: (\d+) bytes", out).group(1))
        rig.REPORT.append("firmware: dhcp4c + firmware deployed as .mpy: {} bytes".format(size))
    ip = b.wait_state("BOUND")["lease"]["address"]
    assert addrs(lab) == [ip + "/24"]
    b.ctl("renew")
    b.wait_state("BOUND")
    b.ctl("release")
    b.wait_state("STOPPED")
    assert "DHCPRELEASE(srv0) " + ip in lab.log(srv)
    assert "MemoryError" not in b.console()


def test_server_gone_rebind_expiry_rediscover(lab):
    """Kea (20 s leases, T1 2 s, T2 4 s) stops after the board is bound: the
    board renews, rebinds, loses the lease at expiry (address removed) and
    rediscovers; Kea comes back and the board is bound again."""
    kea = servers.kea(lab, lease=20, t1=2, t2=4)
    b = VBoard(lab)
    b.flash()
    b.wait_state("BOUND", timeout=30)
    ev_log = os.path.join(lab.tmp, "events.jsonl")
    with open(ev_log, "w") as f:
        ev = subprocess.Popen(rig.interpreter("python") + [
            os.path.join(rig.REPO, "host", "dhcpctl.py"), "--port", b.port, "events"],
            stdout=f, stderr=subprocess.STDOUT, env=ENV, start_new_session=True)
    ev.name = "dhcpctl-events"
    ev.log_path = ev_log
    lab.procs.append(ev)
    try:
        time.sleep(0.5)
        lab.stop(kea)

        def events():
            out = []
            for line in open(ev_log):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
            return out

        def wait(pred, timeout, what):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if any(pred(e) for e in events()):
                    return
                time.sleep(0.2)
            raise AssertionError("no {} event in {} s: {}\n{}".format(
                what, timeout, events(), b.console()[-2000:]))

        wait(lambda e: e.get("event") == "state" and e.get("new") == "REBINDING", 15, "REBINDING")
        wait(lambda e: e.get("event") == "lease_lost", 30, "lease_lost")
        wait(lambda e: e.get("event") == "state" and e.get("new") == "SELECTING", 10, "SELECTING")
        assert addrs(lab) == []                                  # address removed at expiry
        servers.kea(lab, lease=20, t1=2, t2=4)
        wait(lambda e: e.get("event") == "lease" and e.get("kind") == "acquired", 40, "acquired")
    finally:
        lab.stop(ev)


FLAKY_BOARD = """
import network
NAME = "flaky"
IFNAME = BIND_DEVICE = "{ifname}"
HOSTNAME = "flaky"
RTC = False
CONFIG = {{}}
calls = [0]


def nic():
    return network.LAN(IFNAME)


def link(n):
    calls[0] += 1
    if calls[0] in (1, 2):
        raise RuntimeError("flaky link {{}}".format(calls[0]))
    return n.isconnected()
"""

FLAKY_RUN = """
import time
import board
from dhcp4c_board import DHCP
d = DHCP.from_board(board)
d.serve()
while d.lease is None:
    d.poll(50)
t = time.ticks_ms()
d.poll(200)                 # stdin is at its end: poll() must still wait
print("RESULT", d.errors, d.nic.ipconfig("addr4")[0], d.ctl.errors_total,
      d.ctl.errors[-1][1], time.ticks_diff(time.ticks_ms(), t))
"""


def test_firmware_reports_exceptions_and_carries_on(lab):
    """A profile whose link() raises the first two times, at start: both are
    reported (console line, the control channel's error ring / error
    events), poll() backs off, starts again and binds. The control stream
    (stdin) is at its end from the start: poll(wait) still waits."""
    srv = lab.dnsmasq()
    d = os.path.join(lab.tmp, "flaky")
    os.mkdir(d)
    with open(os.path.join(d, "board.py"), "w") as f:
        f.write(FLAKY_BOARD.format(ifname=lab.client_if))
    with open(os.path.join(d, "run.py"), "w") as f:
        f.write(FLAKY_RUN)
    path = ":".join([d, os.path.join(rig.REPO, "firmware"), rig.SHARED,
                     os.path.join(rig.REPO, "boards", "unix")])
    r = lab.run(rig.interpreter(PLAIN) + ["run.py"], cwd=d, timeout=60, input="",
                env=dict(os.environ, MICROPYPATH=path), check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("dhcp4c: error RuntimeError: flaky link") == 2, r.stdout
    res = r.stdout.split("RESULT", 1)[1].split()
    assert res[0] == "2" and res[1].startswith("192.0.2.")
    assert res[2] == "2" and res[3] == "firmware"          # in the control `errors` ring
    assert int(res[4]) >= 150, res                          # waited, not spun
    assert "DHCPACK" in lab.log(srv)


REFUSING_BOARD = """
import time
import network
NAME = "refusing"
IFNAME = BIND_DEVICE = "{ifname}"
HOSTNAME = "refusing"
RTC = False
CONFIG = {{}}
refused = []


class LAN(network.LAN):
    def ipconfig(self, *args, **kw):
        a = kw.get("addr4")
        if a and a[0] != "0.0.0.0" and len(refused) < 2:
            refused.append(time.ticks_ms())
            raise OSError(22)          # EINVAL: the NIC will not take it
        if a and a[0] != "0.0.0.0":
            refused.append(time.ticks_ms())   # the try that took
        return super().ipconfig(*args, **kw)


def nic():
    return LAN(IFNAME)
"""

REFUSING_RUN = """
import time
import board
from dhcp4c_board import DHCP
d = DHCP.from_board(board)
d.serve()
kinds = []


def on_lease(kind, lease):
    # The application renews from its callback, a few ms after the client's
    # step began: the step must not then hand the client an older time.
    kinds.append(kind)
    if kind == "acquired":
        time.sleep_ms(5)
        d.renew()


d.on_lease = on_lease
while "renewed" not in kinds:
    d.poll(50)
r = board.refused
print("RESULT", d.apply_failed, d.nic.ipconfig("addr4")[0], d.ctl.errors_total,
      time.ticks_diff(r[1], r[0]), time.ticks_diff(r[2], r[1]), d.state == "BOUND")
print("ERRORS", d.ctl.errors)
"""


def test_nic_refusing_the_address_is_retried_with_back_off(lab):
    """A NIC whose ipconfig(addr4=...) raises twice: the client reports
    each refusal (console, control error ring), keeps the lease and applies
    it again after 1 s, then 2 s; the third try takes, and only then does
    the application see the lease. Its callback renews at once: nothing but
    the two refusals goes wrong (once, under load, the step that applied the
    lease gave the client a time older than the renewal's)."""
    srv = lab.dnsmasq()
    d = os.path.join(lab.tmp, "refusing")
    os.mkdir(d)
    with open(os.path.join(d, "board.py"), "w") as f:
        f.write(REFUSING_BOARD.format(ifname=lab.client_if))
    with open(os.path.join(d, "run.py"), "w") as f:
        f.write(REFUSING_RUN)
    path = ":".join([d, os.path.join(rig.REPO, "firmware"), rig.SHARED,
                     os.path.join(rig.REPO, "boards", "unix")])
    r = lab.run(rig.interpreter(PLAIN) + ["run.py"], cwd=d, timeout=60, input="",
                env=dict(os.environ, MICROPYPATH=path), check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("dhcp4c: error OSError") == 2, r.stdout
    res = r.stdout.split("RESULT", 1)[1].split()
    assert res[0] == "2" and res[1].startswith("192.0.2.")  # applied on the third try
    assert res[2] == "2", r.stdout[-1500:]                  # both in the control error ring
    # backed off (the clock is read once per turn: allow a few ms), then doubled
    assert int(res[3]) >= 990 and int(res[4]) >= 1990, res
    assert res[5] == "True"
    assert addrs(lab) == [res[1] + "/24"]
    assert lab.log(srv).count("DHCPACK") == 2               # the lease kept, then renewed


GRANT_RUN = """
import board
from dhcp4c_board import DHCP
d = DHCP.from_board(board, confirm=True)
seen = []


def on_lease(kind, lease):
    seen.append(kind + " " + lease.address)
    if kind == "granted" and len(seen) == 1:
        d.decline()                    # as if its address answered an ARP probe
    elif kind == "granted":
        d.accept()


d.on_lease = on_lease
while not seen or not seen[-1].startswith("acquired"):
    d.poll(50)
print("RESULT", " ".join(seen).replace(" ", "="), d.lease.address, d.nic.ipconfig("addr4")[0])
"""


def test_application_declines_then_accepts_a_granted_lease(lab):
    """DHCP(..., confirm=True): a new lease reaches the application as
    "granted" and stays off the NIC; declined, the server hears DHCPDECLINE
    and the client asks again 10 s later; accepted, the NIC takes it and
    "acquired" follows."""
    srv = lab.dnsmasq()
    d = os.path.join(lab.tmp, "grant")
    os.mkdir(d)
    with open(os.path.join(d, "run.py"), "w") as f:
        f.write(GRANT_RUN)
    path = ":".join([d, os.path.join(rig.REPO, "firmware"), rig.SHARED,
                     os.path.join(rig.REPO, "boards", "unix")])
    r = lab.run(rig.interpreter(PLAIN) + ["run.py"], cwd=d, timeout=60, input="",
                env=dict(os.environ, MICROPYPATH=path, DHCP4C_IF=lab.client_if), check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    res = r.stdout.split("RESULT", 1)[1].split()
    seen = res[0].split("=")
    assert seen[0::2] == ["granted", "granted", "acquired"], res
    assert seen[3] == seen[5] == res[1] == res[2], res     # the accepted one is configured
    assert seen[1] != seen[3], res                          # the declined one was not offered again
    assert "DHCPDECLINE({}) {} ".format(lab.server_if, seen[1]) in lab.log(srv), lab.log(srv)
    assert addrs(lab) == [res[1] + "/24"]


def test_garbage_on_the_serial_line_is_counted_and_the_lease_kept(lab):
    """Line noise, binary bytes (all but Ctrl-C, which is the REPL's), an
    oversize line and bad frames on the board's console: counted drops and
    error replies, the client still BOUND with the same lease (issue 17, 7)."""
    lab.dnsmasq()
    b = VBoard(lab)
    b.flash()
    ip = b.wait_state("BOUND")["lease"]["address"]
    before = len(b.console())       # (flashing leaves mpremote's probes in it)
    host, port = b.port[len("socket://"):].rsplit(":", 1)
    junk = bytes(x for x in range(256) if x != 3)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"hello there\r\n" + junk + b"\n" + junk[::-1] + b"\n"
                  + b"@@" + b"x" * 5000 + b"#00000000\n"           # oversize
                  + b"@@{\"id\":1,\"cmd\":\"state\"}#00000000\n")    # bad CRC
        time.sleep(0.5)
    st = b.ctl("state")
    assert st["state"] == "BOUND" and st["lease"]["address"] == ip
    k = b.ctl("stats")["control"]
    assert k["noise"] >= 2 and k["oversize"] == 1 and k["bad_crc"] == 1, k
    assert "Traceback" not in b.console()[before:]
