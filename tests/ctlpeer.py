"""A control-channel peer for dhcpctl tests and the bench: a real Client
bound through the fake DHCP server (tests/core/fakeserver.py, answered in
process), served by dhcp4c.control.Controller on one of

    --pty       a pty pair: prints "READY <slave path>"     (one connection)
    --tcp       127.0.0.1, free port: "READY socket://127.0.0.1:PORT" (many)
    --unix PATH a Unix stream socket: "READY PATH"           (many)

--noise writes REPL-like output onto every connection between frames
(every 50 ms), the way a board's REPL and prints share its serial line.
The clock is time.monotonic() in ms. SIGTERM or stdin EOF ends it.
Also the model of the adapter loop a daemon or firmware runs around the
Controller: feed -> write; drain client (datagrams, events -> on_event);
write pending() to every connection.
"""
import argparse
import os
import selectors
import signal
import socket
import stat
import sys
import time
import tty

HERE = os.path.dirname(os.path.abspath(__file__))
for p in (os.path.join(os.path.dirname(HERE), "shared"), os.path.join(HERE, "core")):
    sys.path.insert(0, p)

from dhcp4c.client import Client, Config  # noqa: E402
from dhcp4c.control import Controller  # noqa: E402
from dhcp4c.message import decode  # noqa: E402
from fakeserver import MAC, FakeRand, Server  # noqa: E402

NOISE = (b">>> import dhcp4c_main\r\ndhcp4c: link up, 2 interfaces\r\n"
         b"Traceback (most recent call last):\r\n  File \"<stdin>\", line 1\r\n>>> ")


def now_ms():
    return int(time.monotonic() * 1000)


class Peer:
    def __init__(self, lease):
        self.srv = Server(lease=lease)
        self.client = Client(MAC, Config(hostname="peer"), FakeRand())
        self.ctl = Controller(self.client, firmware="0.1.0-test", board="ctlpeer")
        self.conns = {}           # id -> (write function)

    def pump(self, now):
        c = self.client
        for _ in range(20):
            busy = False
            while True:
                d = c.next_datagram()
                if d is None:
                    break
                busy = True
                reply = self.srv.answer(decode(d[0]))
                if reply is not None:
                    c.receive(reply, now, self.srv.sid)
            while True:
                e = c.next_event()
                if e is None:
                    break
                busy = True
                self.ctl.on_event(e, now)
            if not busy:
                break
        for cid, write in list(self.conns.items()):
            out = self.ctl.pending(cid)
            if out:
                write(out)


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--pty", action="store_true")
    g.add_argument("--tcp", action="store_true")
    g.add_argument("--unix")
    ap.add_argument("--noise", action="store_true")
    ap.add_argument("--lease", type=int, default=3600)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(0))

    peer = Peer(a.lease)
    sel = selectors.DefaultSelector()
    peer.client.start(now_ms())
    peer.pump(now_ms())

    def safe_write(fd_or_sock, cid):
        def w(data):
            try:
                if isinstance(fd_or_sock, int):
                    os.write(fd_or_sock, data)
                else:
                    fd_or_sock.sendall(data)
            except OSError:
                drop(cid)
        return w

    def drop(cid):
        peer.conns.pop(cid, None)
        peer.ctl.close(cid)

    if a.pty:
        master, slave = os.openpty()
        tty.setraw(slave)
        peer.conns[0] = safe_write(master, 0)
        sel.register(master, selectors.EVENT_READ, ("pty", 0))
        print("READY", os.ttyname(slave), flush=True)
    else:
        if a.tcp:
            ls = socket.socket()
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind(("127.0.0.1", 0))
            addr = "socket://127.0.0.1:{}".format(ls.getsockname()[1])
        else:
            if os.path.exists(a.unix):
                os.unlink(a.unix)
            ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            ls.bind(a.unix)
            addr = a.unix
        ls.listen(8)
        sel.register(ls, selectors.EVENT_READ, ("listen", None))
        print("READY", addr, flush=True)
    if stat.S_ISFIFO(os.fstat(0).st_mode):    # a pipe from the test: EOF = parent gone
        sel.register(sys.stdin, selectors.EVENT_READ, ("stdin", None))

    next_id = [1]
    last_noise = 0
    while True:
        now = now_ms()
        dl = peer.client.next_deadline()
        timeout = 0.05 if a.noise else 1.0
        if dl is not None:
            timeout = max(0, min(timeout, (dl - now) / 1000.0))
        for key, _ in sel.select(timeout):
            kind, cid = key.data
            now = now_ms()
            if kind == "stdin":
                if not sys.stdin.buffer.read1(4096):
                    return
            elif kind == "listen":
                s, _ = key.fileobj.accept()
                cid = next_id[0]
                next_id[0] += 1
                peer.conns[cid] = safe_write(s, cid)
                sel.register(s, selectors.EVENT_READ, ("sock", cid))
            elif kind == "pty":
                try:
                    data = os.read(key.fileobj, 4096)
                except OSError:      # slave closed: wait for the next opener
                    data = b""
                    time.sleep(0.01)
                if data:
                    peer.conns[0](peer.ctl.feed(0, data, now))
            else:
                try:
                    data = key.fileobj.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
                    drop(cid)
                    continue
                out = peer.ctl.feed(cid, data, now)
                if out and cid in peer.conns:
                    peer.conns[cid](out)
        now = now_ms()
        peer.client.tick(now)
        peer.pump(now)
        if a.noise and now - last_noise >= 50:
            last_noise = now
            for w in list(peer.conns.values()):
                w(NOISE)


if __name__ == "__main__":
    main()
