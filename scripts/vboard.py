#!/usr/bin/env python3
"""The virtual board: the MicroPython unix port on a pty, its "USB serial
line" served as socket://127.0.0.1:PORT (one client at a time; --share: several).

    scripts/vboard.py --dir BOARD_DIR [--ns NETNS] [--if cli0] [--port N]
                      [--heapsize 64k] [--hostname NAME]

BOARD_DIR is the board's flash: the interpreter runs there (`mpremote cp`
lands files there; lib/ is on its path). Like a board, it boots main.py when
there is one (`micropython -i main.py`: Ctrl-C drops to the REPL), else the
REPL. A soft reset (Ctrl-D at the REPL, which ends the unix port) or any exit
is a reset: the interpreter is started again. Output while no client is
connected is dropped, as on a USB CDC port nobody has open (--log keeps a
copy of everything for tests and debugging). Prints
"READY socket://127.0.0.1:PORT" once listening; SIGTERM/SIGINT stop it.
The --log file marks each boot with a line "-- vboard: boot N --".
Why not socat: socat ends the interpreter when the TCP connection closes, and
a board must survive mpremote disconnecting and dhcpctl connecting.
"""
import argparse
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import tty

HERE = os.path.dirname(os.path.abspath(__file__))
BOOT_MARK = "\n-- vboard: boot {} --\n"     # written to --log at each (re)boot
MP = os.path.join(os.path.dirname(HERE), ".venv", "bin", "micropython")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ns")
    ap.add_argument("--if", dest="ifname", default="cli0")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--heapsize")
    ap.add_argument("--hostname")
    ap.add_argument("--micropython", default=MP)
    ap.add_argument("--share", action="store_true",
                    help="let several clients connect at once (output to all): for the demo")
    ap.add_argument("--log", help="append everything the board writes to this file")
    a = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *x: stop.append(1))
    signal.signal(signal.SIGINT, lambda *x: stop.append(1))

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(1)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, "listen")
    state = {"child": None, "master": None, "clients": [], "boots": 0}
    log = open(a.log, "ab", buffering=0) if a.log else None

    def boot():
        master, slave = os.openpty()
        tty.setraw(slave)
        cmd = [a.micropython]
        if a.heapsize:
            cmd += ["-X", "heapsize=" + a.heapsize]
        if os.path.exists(os.path.join(a.dir, "main.py")):
            cmd += ["-i", "main.py"]
        if a.ns:
            cmd = ["ip", "netns", "exec", a.ns] + cmd
        # As on a board: frozen modules first, then /lib (the cwd, the board's
        # root, holds board.py and main.py).
        env = dict(os.environ, MICROPYPATH=".frozen:lib", DHCP4C_IF=a.ifname)
        if a.hostname:
            env["DHCP4C_HOSTNAME"] = a.hostname
        child = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, cwd=a.dir,
                                 env=env, start_new_session=True)
        os.close(slave)
        state["child"], state["master"] = child, master
        state["boots"] += 1
        sel.register(master, selectors.EVENT_READ, "pty")
        if log is not None:     # where this boot's output starts (scripts/demo.py)
            log.write(BOOT_MARK.format(state["boots"]).encode())
        print("vboard: boot {} pid {}".format(state["boots"], child.pid), file=sys.stderr,
              flush=True)

    def reap():
        m = state["master"]
        if m is not None:
            sel.unregister(m)
            os.close(m)
            state["master"] = None
        c = state["child"]
        if c is not None:
            if c.poll() is None:
                os.killpg(c.pid, signal.SIGTERM)
                try:
                    c.wait(2)
                except subprocess.TimeoutExpired:
                    os.killpg(c.pid, signal.SIGKILL)
                    c.wait()
            state["child"] = None

    def drop_client(s):
        # one select() batch can hold events of a client already dropped in
        # that batch (replaced by a new connection, or a failed send)
        if s not in state["clients"]:
            return
        sel.unregister(s)
        s.close()
        state["clients"].remove(s)

    boot()
    print("READY socket://127.0.0.1:{}".format(ls.getsockname()[1]), flush=True)
    try:
        while not stop:
            for key, _ in sel.select(0.2):
                if key.data == "listen":
                    s, _ = ls.accept()
                    if not a.share:         # a new connection replaces the old one
                        for old in list(state["clients"]):
                            drop_client(old)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    state["clients"].append(s)
                    sel.register(s, selectors.EVENT_READ, "client")
                elif key.data == "pty":
                    try:
                        data = os.read(state["master"], 4096)
                    except OSError:
                        data = b""
                    if not data:
                        reap()
                        time.sleep(0.05)
                        boot()
                        break
                    if log is not None:
                        log.write(data)
                    for c in list(state["clients"]):
                        try:
                            c.sendall(data)
                        except OSError:
                            drop_client(c)
                elif key.data == "client":
                    try:
                        data = key.fileobj.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        drop_client(key.fileobj)
                    elif state["master"] is not None:
                        try:
                            os.write(state["master"], data)
                        except OSError:     # the board is resetting: input lost,
                            pass            # as on a real one
    finally:
        for c in list(state["clients"]):
            drop_client(c)
        reap()


if __name__ == "__main__":
    main()
