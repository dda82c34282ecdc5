#!/usr/bin/env python3
"""make demo: a board gets a lease from a real DHCP server, renews it and
releases it, on your machine, without hardware.

1. a lab: two network namespaces joined by a veth pair (tests/rig.py),
   dnsmasq serving 192.0.2.100-199 (documentation range) in one;
2. the virtual board in the other: the 32-bit MicroPython unix port with
   dhcp4c frozen in (build/micropython/, scripts/micropython.py builds it;
   without it the venv's 64-bit port, dhcp4c then going on as .mpy files),
   behind socket://127.0.0.1:PORT (scripts/vboard.py);
3. `make flash BOARD=unix PORT=...`: the board profile and main.py go onto
   it and it resets into the standalone firmware;
4. `dhcpctl watch` on the board's serial line (a plain event log when
   stdout is not a terminal), while the demo asks for a renew, a release and
   a restart through dhcpctl;
5. Ctrl-C (or --seconds N) ends it; everything is torn down.
With --app FILE (make demo APP=FILE) the board boots your application
instead (e.g. examples/asyncio_app.py), and the demo shows its console.
Needs root (network namespaces, dnsmasq).
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "tests"), os.path.join(REPO, "shared")]
PY = os.path.join(REPO, ".venv", "bin", "python")
if not os.path.exists(PY):
    PY = sys.executable
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(REPO, "shared"),
                                                   os.path.join(REPO, "host")]))


def say(*a):
    print("demo:", *a, flush=True)


def dhcpctl(port, *args, capture=True):
    return subprocess.run([PY, os.path.join(REPO, "host", "dhcpctl.py"), "--port", port] +
                          list(args), capture_output=capture, text=True, env=ENV, timeout=30)


def firmware_image():
    """The board's interpreter: the frozen i386 image when it was built."""
    image = os.path.join(REPO, "build", "micropython", "bin", "micropython-i386-frozen")
    return image if os.access(image, os.X_OK) else os.path.join(REPO, ".venv", "bin",
                                                                "micropython")


def printable(data):
    """Console bytes for a terminal: what the application prints may hold a
    server's strings; control characters other than newline and tab are
    shown as \\xNN, never sent raw."""
    out = []
    for ch in data.decode("utf-8", "replace"):
        if ch in "\n\t" or (ch.isprintable() and ch != "\x7f"):
            out.append(ch)
        elif ch != "\r":
            out.append("\\x{:02x}".format(ord(ch)))
    return "".join(out)


def show_console(log_path, seconds):
    """Copy the board's console since its last boot (vboard.py --log) to
    stdout until Ctrl-C or `seconds` pass."""
    end = time.monotonic() + seconds if seconds else None
    with open(log_path, "rb") as f:
        start = f.read().rfind(b"-- vboard: boot ")
        f.seek(max(0, start))
        try:
            while end is None or time.monotonic() < end:
                data = f.read()
                if data:
                    sys.stdout.write(printable(data))
                    sys.stdout.flush()
                else:
                    time.sleep(0.1)
        except KeyboardInterrupt:
            pass


def state(port):
    r = dhcpctl(port, "--json", "state")
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")
    ap.add_argument("--no-watch", action="store_true", help="print events, not the live view")
    ap.add_argument("--app", help="boot this application instead of the standalone firmware")
    a = ap.parse_args()
    if a.app and not os.path.isfile(a.app):
        print("demo: no such application file: " + a.app, file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("make demo needs root: it creates network namespaces and runs dnsmasq in one.\n"
              "Run it as root, e.g.:  sudo make demo", file=sys.stderr)
        return 1
    import rig
    stop = threading.Event()
    with rig.Lab() as lab:
        say("lab up: {} (dnsmasq at {}) <-> {} (the board)".format(
            lab.server_ns, lab.server_ip, lab.client_ns))
        srv = lab.dnsmasq(lease="2m")
        board_dir = os.path.join(lab.tmp, "board")
        os.mkdir(board_dir)
        vb = subprocess.Popen([PY, os.path.join(REPO, "scripts", "vboard.py"), "--dir", board_dir,
                               "--ns", lab.client_ns, "--if", lab.client_if, "--share",
                               "--hostname", "demo-board", "--micropython", firmware_image(),
                               "--log", os.path.join(lab.tmp, "console.log")],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              start_new_session=True)
        vb.name = "vboard"
        lab.procs.append(vb)
        port = vb.stdout.readline().split()[1]
        say("virtual board on", port)
        flash = ["make", "-s", "-C", REPO, "flash", "BOARD=unix", "PORT=" + port]
        if a.app:
            flash.append("APP=" + os.path.abspath(a.app))
        say("make " + " ".join(flash[4:]))
        subprocess.run(flash, check=True)
        if a.app:
            say("the board's console (Ctrl-C to end the demo):")
            time.sleep(0.5)         # the reset: the board boots again
            show_console(os.path.join(lab.tmp, "console.log"), a.seconds)
            say("tearing down")
            say("done")
            return 0
        t0 = time.monotonic()
        while state(port).get("state") != "BOUND" and time.monotonic() - t0 < 20:
            time.sleep(0.2)
        st = state(port)
        say("board is {} with {}; in its namespace: {}".format(
            st.get("state"), (st.get("lease") or {}).get("address"),
            lab.run(["ip", "-4", "-o", "addr", "show", "dev", lab.client_if]).stdout.strip()))

        def script():
            for delay, cmd in ((5, "renew"), (10, "release"), (14, "restart")):
                if stop.wait(max(0, delay - (time.monotonic() - t1))):
                    return
                r = dhcpctl(port, "--json", cmd)
                say("dhcpctl", cmd, "->", r.stdout.strip() or r.stderr.strip())
        t1 = time.monotonic()
        th = threading.Thread(target=script, daemon=True)
        th.start()
        view = ["events"] if a.no_watch or not sys.stdout.isatty() else ["watch"]
        say("dhcpctl {} (Ctrl-C to end the demo)".format(view[0]))
        w = subprocess.Popen([PY, os.path.join(REPO, "host", "dhcpctl.py"), "--port", port] +
                             view, env=ENV, start_new_session=True)
        try:
            if a.seconds:
                try:
                    w.wait(a.seconds)
                except subprocess.TimeoutExpired:
                    pass
            else:
                w.wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            rig._stop(w)
            th.join(5)
        say("server log: {} DISCOVER, {} REQUEST, {} ACK, {} RELEASE".format(*[
            lab.log(srv).count("DHCP" + m + "(") for m in
            ("DISCOVER", "REQUEST", "ACK", "RELEASE")]))
        say("tearing down")
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
