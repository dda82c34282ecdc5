"""dhcp4c firmware: the board-side adapter around dhcp4c.client.Client.

    import dhcpfw; dhcpfw.run()          (firmware/main.py does this at boot)

One non-blocking loop. It does I/O and translation only; every protocol
decision is the Client's (STYLE 12):
- the NIC comes from the board profile (`board.py`: `nic()`), see dhcpnic;
- a UDP socket on 0.0.0.0:68 with SO_BROADCAST (and SO_BINDTODEVICE when the
  profile names a device: the unix virtual board);
- the clock is Firmware.clock(): monotonic ms from ticks_ms/ticks_diff;
- the control protocol (dhcp4c.control) on sys.stdin/sys.stdout (or the
  profile's `control()` stream), polled with select.poll, Ctrl-C left to the
  REPL;
- the lease file is written only when its text changes (flash wear) and
  read at boot for INIT-REBOOT;
- each turn waits at most until the next client deadline or POLL_MS, so
  link changes and control bytes are seen within POLL_MS;
- an exception inside a turn is reported (an `error` event on the control
  channel and a line on the console), then the loop backs off and goes on;
- the NIC refusing the leased address (apply raising) is reported and
  retried after 1, 2, 4 ... 64 s (APPLY_MAX_MS) until it takes, or until the
  lease is lost or replaced; the Client keeps the lease meanwhile (the server
  gave it to us; the NIC is a local matter).
"""
import gc
import select
import socket
import sys
import time

from dhcp4c import const
from dhcp4c.client import Client, Config
from dhcp4c.control import Controller
from dhcp4c.events import Event
from dhcp4c.lease import Lease, parse_addr

import dhcpnic

VERSION = "0.1.0"
LEASE_FILE = "dhcp4c.lease"
_POLL_MS = const(250)       # longest wait: link and control checks
_BACKOFF_MS = const(1000)   # after an exception in a turn
_APPLY_FIRST_MS = const(1000)  # first retry after the NIC refused the address
_APPLY_MAX_MS = const(64000)   # retries back off up to this (as RFC 2131 §4.1's 64 s)
_GC_MIN = const(2048)          # smallest gc.threshold (bytes allocated between collections)
_SO_BINDTODEVICE = const(25)  # Linux; only used when the profile names a device
_EV_LEASE_ACQUIRED = const(2)   # dhcp4c.events types, folded here
_EV_LEASE_RENEWED = const(3)
_EV_LEASE_CHANGED = const(4)
_EV_LEASE_LOST = const(5)
_EV_ERROR = const(10)


def _rand32():
    try:
        import os
        b = os.urandom(4)
        return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]
    except (ImportError, AttributeError, OSError):
        import random
        return random.getrandbits(32)


class Firmware:
    """The loop's state. The clock, the lease file and the control stream are
    methods here rather than classes of their own: on a board each class
    keeps ~0.2 KB of heap."""

    def __init__(self, board):
        self.board = board
        self._last = time.ticks_ms()   # clock(): ticks at the last read
        self.now = 0                   # clock(): ms since start
        self.nic = board.nic()
        hostname = getattr(board, "HOSTNAME", None)
        self.client = Client(dhcpnic.mac(self.nic), Config(hostname=hostname, **getattr(
            board, "CONFIG", {})), _rand32)
        self.ctl = Controller(self.client, firmware=VERSION, board=getattr(board, "NAME", ""))
        rx, tx = board.control() if hasattr(board, "control") else (None, None)
        self.rx = rx or sys.stdin            # the control channel (see read())
        self.rb = getattr(self.rx, "buffer", self.rx)
        tx = tx or sys.stdout
        self.tx = getattr(tx, "buffer", tx)
        self.cpoll = select.poll()           # the control stream alone (read())
        self.cpoll.register(self.rx, select.POLLIN)
        self.cbuf = bytearray(64)
        self.lease_file = getattr(board, "LEASE_FILE", LEASE_FILE)
        self.lease_text = None      # what the lease file holds
        self.sock = None
        self.link = None
        # Largest reply to expect: what option 57 told servers, at least 576
        # (RFC 2131 §2, RFC 2132 §9.10). Not a fixed 1500: on a small heap a
        # 1500-byte block per datagram is what fragmentation first refuses.
        self.rx_size = max(576, self.client.config.max_size or 576)
        self.errors = 0
        self.apply_lease = None     # lease the NIC refused, to apply again at apply_at
        self.apply_at = 0
        self.apply_wait = 0
        self.apply_failed = 0
        gc.collect()
        # Collect after every quarter of the free heap allocated: on a small
        # heap garbage never piles up into holes too scattered for the next
        # 576-byte datagram; on a large one this rarely runs.
        try:
            gc.threshold(max(_GC_MIN, gc.mem_free() // 4))
        except AttributeError:      # a port built without MICROPY_GC_ALLOC_THRESHOLD
            pass
        self.base = gc.mem_alloc()  # heap in use before the first exchange
        self.peak = self.base       # highest gc.mem_alloc() seen at the end of a turn

    def clock(self):
        """Monotonic milliseconds since start, from time.ticks_ms().

        ticks_ms() wraps (2**30 ms, about 12.4 days, on 32-bit ports) and
        ticks_diff() is only valid across half of that, so the counter adds
        the difference since the last read; it stays correct as long as it is
        read at least every ~6 days (the loop reads it every POLL_MS at most).
        `now` is a small int for the first 2**30 ms on 32-bit boards; after
        that a heap-allocated big int (a few bytes per arithmetic result,
        collected by gc: a known, bounded cost, accepted rather than rebasing,
        because the Client needs one clock that never goes back)."""
        t = time.ticks_ms()
        self.now += time.ticks_diff(t, self._last)
        self._last = t
        return self.now

    def wall(self):
        """Wall-clock seconds when the board keeps time across resets, else
        None (a stored lease then has an unknown expiry and INIT-REBOOT asks
        the server)."""
        return int(time.time()) if getattr(self.board, "RTC", False) else None

    # -- the lease line on flash: written only when its text changes ------
    def load(self, now):
        try:
            with open(self.lease_file) as f:
                self.lease_text = f.read().strip()
            return Lease.from_text(self.lease_text, now, self.wall())
        except Exception:  # missing or garbage: start in INIT
            return None

    def save(self, text):
        if text == self.lease_text:
            return
        with open(self.lease_file, "w") as f:
            f.write(text or "")
        self.lease_text = text

    # -- the control channel: a byte stream polled with select.poll --------
    def read(self):
        """Control bytes waiting on the stream (b"" if none).

        On a board the USB/UART driver turns 0x03 into KeyboardInterrupt
        before we read it (micropython.kbd_intr(3), left in force). Where the
        port does not (the unix virtual board reads its pty raw), a 0x03 read
        here raises KeyboardInterrupt too, so Ctrl-C always returns to the
        REPL. Bytes are read one at a time and only while poll says they are
        there, so nothing after a Ctrl-C is consumed (mpremote's Ctrl-A
        follows at once)."""
        n = 0
        buf = self.cbuf
        while n < len(buf) and self.cpoll.poll(0):
            b = self.rb.read(1)
            if not b:
                break
            if b[0] == 3:
                raise KeyboardInterrupt
            buf[n] = b[0]
            n += 1
        return bytes(buf[:n]) if n else b""

    def write(self, pieces):
        """Frames as the controller's pieces (*_parts()): written one after
        the other, not joined, so a big reply is never copied whole."""
        if pieces:
            for p in pieces:
                self.tx.write(p)
            try:
                self.tx.flush()
            except AttributeError:
                pass

    def open_socket(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        dev = getattr(self.board, "BIND_DEVICE", None)
        if dev:
            s.setsockopt(socket.SOL_SOCKET, _SO_BINDTODEVICE, dev.encode())
        s.bind(socket.getaddrinfo("0.0.0.0", 68)[0][-1])
        s.setblocking(False)
        self.sock = s
        self.poll = select.poll()
        self.poll.register(s, select.POLLIN)
        self.poll.register(self.rx, select.POLLIN)
        self.bcast = socket.getaddrinfo("255.255.255.255", 67)[0][-1]

    def start(self):
        dhcpnic.up(self.nic, self.board)
        self.open_socket()
        now = self.clock()
        lease = self.load(now)
        self.link = dhcpnic.link(self.nic, self.board)
        self.client.start(now, lease)
        if not self.link:
            self.client.link_down(now)
        self.drain(now)

    # -- one turn --------------------------------------------------------
    def drain(self, now):
        c = self.client
        while True:
            d = c.next_datagram()
            if d is None:
                break
            payload, dst = d
            try:
                if dst is None:
                    self.sock.sendto(payload, self.bcast)
                else:
                    self.sock.sendto(payload, socket.getaddrinfo(
                        "{}.{}.{}.{}".format(dst[0], dst[1], dst[2], dst[3]), 67)[0][-1])
            except OSError as e:
                c.send_failed(now, "OSError {}".format(e.args[0] if e.args else ""))
        while True:
            e = c.next_event()
            if e is None:
                break
            try:
                self.on_event(e, now)
            except Exception as exc:   # e.g. the NIC refused the address: the
                self.report(exc)       # control channel still hears of the event
            self.ctl.on_event(e, now)
        self.write(self.ctl.pending_parts(0))

    def on_event(self, e, now):
        t = e.type
        if t == _EV_LEASE_ACQUIRED or t == _EV_LEASE_CHANGED:
            self.apply_wait = 0
            self.apply(e.lease, now)        # never raises: refusals are retried
            self.save(e.lease.to_text(now, self.wall()))
        elif t == _EV_LEASE_RENEWED:
            self.save(e.lease.to_text(now, self.wall()))
            if self.apply_lease is not None:
                self.apply_lease = e.lease      # still refused: retry with the new times
        if t == _EV_LEASE_ACQUIRED or t == _EV_LEASE_RENEWED:
            self.heap_line()
        elif t == _EV_LEASE_LOST:
            self.apply_lease = None
            dhcpnic.remove(self.nic)
            self.save("")

    def apply(self, lease, now):
        """Configure the NIC; when it refuses, report and schedule a retry
        (back-off doubling from _APPLY_FIRST_MS to _APPLY_MAX_MS)."""
        try:
            dhcpnic.apply(self.nic, lease)
        except Exception as exc:
            self.apply_failed += 1
            w = self.apply_wait
            w = _APPLY_FIRST_MS if not w else min(w * 2, _APPLY_MAX_MS)
            self.apply_wait = w
            self.apply_lease = lease
            self.apply_at = now + w
            self.report(exc)
            return
        self.apply_lease = None
        self.apply_wait = 0

    def turn(self):
        now = self.clock()
        link = dhcpnic.link(self.nic, self.board)
        if link != self.link:
            self.link = link
            if link:
                self.client.link_up(now)
            else:
                self.client.link_down(now)
            self.drain(now)
        if self.apply_lease is not None and now >= self.apply_at:
            self.apply(self.apply_lease, now)
        dl = self.client.next_deadline()
        wait = _POLL_MS if dl is None else max(0, min(_POLL_MS, dl - now))
        for obj, ev in self.poll.poll(wait):
            now = self.clock()
            if obj is self.sock or obj == self.sock:
                self.recv(now)
            else:
                data = self.read()
                if data:
                    self.write(self.ctl.feed_parts(0, data, now))
                    self.drain(now)
        now = self.clock()
        self.client.tick(now)
        self.drain(now)
        used = gc.mem_alloc()
        if used > self.peak:
            self.peak = used

    def heap_line(self):
        """A console line (noise to the control protocol) for tests and the
        bench: heap in use after a collection, the peak, the baseline."""
        peak = self.peak
        gc.collect()
        print("dhcp4c: heap {} peak {} base {}".format(gc.mem_alloc(), peak, self.base))
        self.peak = gc.mem_alloc()

    def recv(self, now):
        for _ in range(8):
            try:
                data, addr = self.sock.recvfrom(self.rx_size)
            except OSError:
                return
            src = _src(addr)
            self.client.receive(data, now, src)
            self.drain(now)

    def report(self, exc):
        self.errors += 1
        msg = "{}: {}".format(type(exc).__name__, exc)
        print("dhcp4c: error", msg)
        try:
            self.ctl.on_event(Event(_EV_ERROR, "firmware", msg), self.clock())
            self.write(self.ctl.pending_parts(0))
        except Exception:   # the console itself failing must not end the loop
            pass

    def run(self, until=None):
        """Turn forever (or until `until(self)` is true). Only Ctrl-C ends it."""
        while until is None or not until(self):
            try:
                if self.sock is None:
                    self.start()
                self.turn()
            except KeyboardInterrupt:
                raise
            except Exception as exc:   # report, back off, carry on
                self.report(exc)
                time.sleep_ms(_BACKOFF_MS)


def _src(addr):
    """The 4 source-address bytes of a recvfrom() address (a bytes sockaddr
    on the unix port, a tuple ('a.b.c.d', port) on bare-metal ports)."""
    if isinstance(addr, tuple):
        return parse_addr(addr[0])
    if len(addr) >= 8:                # struct sockaddr_in: family, port, addr
        return bytes(addr[4:8])
    return None


def run(board=None):
    if board is None:
        import board
    fw = Firmware(board)
    print("dhcp4c firmware", VERSION, "on", getattr(board, "NAME", "?"))
    fw.run()     # Ctrl-C ends it; the NIC keeps the lease's address (still ours)
