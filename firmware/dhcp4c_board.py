"""dhcp4c on a board: the DHCP client as a library inside the application.

    import asyncio, network
    from dhcp4c_board import DHCP

    async def main():
        dhcp = DHCP(network.LAN(), hostname="sensor-7")
        asyncio.create_task(dhcp.run())
        lease = await dhcp.bound()           # the NIC has the address now
        print(lease.address, lease.router, lease.dns, lease.ntp)
        while True:                          # the application's own work
            await asyncio.sleep(1)

    asyncio.run(main())

Without asyncio, a superloop calls poll(), which never blocks longer than
asked and returns the milliseconds until it next needs to run:

    dhcp = DHCP(nic, hostname="sensor-7")
    while True:
        wait = dhcp.poll()
        ...                                  # the application's work

What it does (an adapter: every protocol decision is dhcp4c.client's):
- the NIC: the port's own DHCP client turned off, the hostname set, the
  lease applied and removed, link changes followed (dhcpnic);
- one non-blocking UDP socket on 0.0.0.0:68 (SO_BROADCAST; SO_BINDTODEVICE
  where `bind_device` is given: the unix virtual board);
- its own monotonic clock from time.ticks_ms() (clock());
- the lease line in `lease_file`, written only when its text changes (flash
  wear) and read at start for INIT-REBOOT;
- the control protocol (dhcpctl) only when the application asks: serve();
- an exception inside a step is reported (log, control `error` event) and
  the step retried BACKOFF_MS later; a NIC refusing the leased address is
  retried after 1, 2, 4 ... 64 s while the lease is kept;
- a socket that a send or a read finds dead (the interface deleted or
  taken away and given back: ENODEV, EBADF ...) is closed and opened again
  once the NIC has a link, at once, then after 1, 2, 4 ... 16 s while that
  fails; the client hears link_down / link_up meanwhile, so the core
  decides what follows (the lease kept while valid, INIT-REBOOT after).
  Counted in `link_stats` (the control channel's `stats` "link").
Under asyncio, run() is three small tasks: one waits on the socket, one on
the control stream, one sleeps until the next deadline; none holds the loop
for more than one datagram or one control read.
"""
import select
import socket
import sys
import time

from dhcp4c import events, states
from dhcp4c.client import Client, Config
from dhcp4c.errors import MalformedError
from dhcp4c.events import Event
from dhcp4c.lease import Lease as CoreLease, addr_str, parse_addr
from dhcp4c.timers import INFINITE
from dhcp4c.options import domains, routes, split4, uint

import dhcpnic

VERSION = "0.1.0"
LEASE_FILE = "dhcp4c.lease"
LINK_MS = 250           # how often the link is read
BACKOFF_MS = 1000       # a step that raised is tried again after this
APPLY_FIRST_MS = 1000   # the NIC refused the address: first retry ...
APPLY_MAX_MS = 64000    # ... doubling up to this (as RFC 2131 §4.1's 64 s)
MAX_DATAGRAMS = 8       # read by one poll() at most, so it returns in bounded time
SOCK_FIRST_MS = 1000    # the socket could not be opened again: first retry ...
SOCK_MAX_MS = 16000     # ... doubling up to this
# errno values (Linux's, which MicroPython's own errno uses on every port)
# that say the socket, not one datagram, is gone: EBADF, ENXIO, ENODEV,
# ENETDOWN. EAGAIN and the rest leave it open.
_DEAD = (9, 6, 19, 100)
SO_BINDTODEVICE = 25    # Linux; only with bind_device
NTP_SERVERS = 42        # RFC 2132 §8.3
# Config.reboot's default on boards: a stored lease (a reset, a wake from
# deep sleep) is asked for with a REQUEST at 0 and at 1000 ms, then the
# client goes on to DISCOVER (asking for the same address). A server on the
# LAN answers an INIT-REBOOT REQUEST within milliseconds, so 2 s covers one
# lost REQUEST; RFC 2131's own retransmission (4, 8 ... s) would keep a
# battery board awake for tens of seconds against a server that ignores a
# REQUEST for an address it has no lease for (dnsmasq without
# dhcp-authoritative does), before it discovers.
REBOOT_MS = 2000
FALLBACK_AFTER = 10     # s without a lease before a fallback profile, unless "after"
RTC_MEMORY = 2048       # ESP32's RTC memory: a lease line is under 100 bytes


def _rand32():
    try:
        import os
        b = os.urandom(4)
        return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]
    except (ImportError, AttributeError, OSError):
        import random
        return random.getrandbits(32)


def _quads(addrs):
    out = []
    for a in addrs:
        out.append(addr_str(a))
    return out


class Lease:
    """A lease as the application reads it: addresses as dotted-quad strings,
    the form MicroPython's network and socket modules take.

    address, mask, router (option 3's first router, str or None), gateway
    (the router the NIC's default route goes to: that of the default route
    in RFC 3442's classless routes when the lease has them, which make
    option 3 ignored, else router), dns, ntp (lists of str), domain (str or
    None), search (RFC 3397's domain search list, option 119: a list of
    names, [] when the server sent none, None when it was malformed), routes
    (RFC 3442's option 121, else Microsoft's 249: [("dest/len", "router")],
    [] without), mtu (option 26, int or None), server (the server
    identifier), lease_time (s, None when infinite), time_left (s now, None
    when infinite), option(code) (the raw bytes of any option the server
    sent, or None), raw (dhcp4c.lease.Lease).
    Only the gateway goes on the NIC (MicroPython's network has no routing
    table): the other routes, the MTU, NTP and the search list are the
    application's to use. NTP servers (42) are in the default request list.
    """

    def __init__(self, raw, clock):
        self.raw = raw
        self._clock = clock
        self.address = addr_str(raw.address)
        self.mask = None if raw.mask is None else addr_str(raw.mask)
        self.router = None if raw.router is None else addr_str(raw.router)
        self.dns = _quads(raw.dns)
        self.domain = raw.domain
        self.server = None if raw.server_id is None else addr_str(raw.server_id)
        self.lease_time = None if raw.infinite else raw.lease_time
        self.ntp = []
        ntp = raw.options.get(NTP_SERVERS)
        if ntp:
            try:
                self.ntp = _quads(split4(NTP_SERVERS, ntp))
            except MalformedError:
                pass        # a bad option 42 costs the NTP list, not the lease

    # gateway, search, routes and mtu are decoded when read, not at each
    # lease event: the instance stays small (a bigger attribute dict is a
    # bigger block at every event, which a 24k heap notices) and an
    # application that never reads them pays nothing. One __getattr__ rather
    # than four properties: ~130 bytes less heap at import on a board.
    def __getattr__(self, name):
        o = self.raw.options
        if name == "gateway":
            g = dhcpnic.gateway(self.raw)
            return None if g is None else addr_str(g)
        if name == "search":
            try:
                return domains(o[119]) if 119 in o else []
            except MalformedError:
                return None
        if name == "routes":
            r = o.get(121)
            if r is None:
                r = o.get(249)
            out = []
            try:
                for dest, width, router in routes(r) if r is not None else ():
                    out.append(("{}/{}".format(addr_str(dest), width), addr_str(router)))
            except MalformedError:      # decode() drops these: not seen here
                return []
            return out
        if name == "mtu":
            m = o.get(26)
            return uint(m) if m is not None and len(m) == 2 else None
        raise AttributeError(name)

    @property
    def time_left(self):
        return self.raw.time_left(self._clock())

    def option(self, code):
        return self.raw.options.get(code)

    def __repr__(self):
        return "<Lease {}/{} via {}>".format(self.address, self.mask, self.gateway)


def _static(spec):
    """A fallback profile, {"address": "IP/LEN", "router": IP, "dns": [IP...],
    "after": SEC} (manifest.json's format; router, dns, after optional), as
    (an infinite dhcp4c.lease.Lease, its prefix length, after): the NIC and
    the application take it as they take a lease. ValueError when malformed."""
    ip, _, pre = spec["address"].partition("/")
    prefix = int(pre) if pre.isdigit() else 24
    if not 0 < prefix <= 32:
        raise ValueError("fallback prefix: " + pre)
    m = bytearray(4)
    for i in range(4):          # byte by byte: no 32-bit int (a heap object on a board)
        m[i] = (0xFF00 >> min(8, max(0, prefix - 8 * i))) & 0xFF
    r = spec.get("router")
    dns = []
    for a in spec.get("dns") or ():
        dns.append(parse_addr(a))
    return (CoreLease(parse_addr(ip), lease_time=INFINITE, mask=bytes(m),
                      routers=[parse_addr(r)] if r else (), dns=dns),
            prefix, spec.get("after", FALLBACK_AFTER))


class DHCP:
    """The DHCP client of one NIC, for an application to run.

    DHCP(nic, hostname=None, *, lease_file=LEASE_FILE, rtc=False, link=None,
         bind_device=None, name="", log=print, fallback=None, lease_store=None,
         **config)

    nic          a MicroPython network NIC (network.LAN(), WLAN(STA_IF), WIZNET5K...)
    hostname     option 12, and the NIC's own hostname where the port has one
    lease_file   where the lease is kept across resets (None: nowhere)
    rtc          True when time.time() survives a reset: a stored lease then
                 keeps its expiry; otherwise the server decides (INIT-REBOOT)
    link         link(nic) -> bool, for ports whose isconnected() waits for
                 an address (the board profiles have one where needed)
    bind_device  interface name for SO_BINDTODEVICE (the unix virtual board)
    name         the board's name, for the control channel's `hello`
    log          called with one line for errors (None: silent)
    fallback     a static profile for when no server answers: {"address":
                 "IP/LEN", "router": IP, "dns": [IP...], "after": SEC}
                 (manifest.json's "fallback" format; after defaults to
                 FALLBACK_AFTER s). After that long without a lease it goes
                 on the NIC and on_lease hears "fallback" (a Lease view of
                 it: no server, infinite, no options); DISCOVER
                 goes on, and a lease that comes later replaces it ("acquired").
                 A number instead: those seconds, then on_lease("fallback",
                 None) and nothing on the NIC (the application's move)
    lease_store  where the lease is kept across resets and deep sleep: None
                 or "file" (lease_file), "rtc" (machine.RTC().memory(), which
                 survives deep sleep and costs no flash wear: ESP32; where the
                 port has none, lease_file), or an object with memory() and
                 memory(bytes) as machine.RTC has
    config       more dhcp4c.client.Config arguments (requested, client_id
                 ("rfc4361": RFC 4361's), rapid_commit, v6only, vendor_class,
                 prl, max_size, extra, tries, timeout, reboot (default
                 REBOOT_MS here), ...)

    Read: lease (a Lease while the NIC has the address, else None),
    fallback (a Lease of the fallback profile while the NIC has it, else
    None), state
    (the client's state name), client (the dhcp4c.client.Client), errors,
    link_stats (socket_errors: the socket found dead; reopened; reopen_failed).
    Lease events: on_lease = fn(kind, lease), kind "acquired", "renewed",
    "changed", "lost" or "fallback" (the static profile is on the NIC;
    self.lease stays None and bound() keeps waiting), called
    for each; under asyncio also await event().
    With confirm=True a new lease first comes as "granted", not yet on the
    NIC: the application checks it and calls accept() or decline().
    """

    def __init__(self, nic, hostname=None, *, lease_file=LEASE_FILE, rtc=False, link=None,
                 bind_device=None, name="", log=print, fallback=None, lease_store=None,
                 **config):
        self.nic = nic
        self.static = None          # the fallback profile: _static()'s
        if isinstance(fallback, dict):
            self.static = _static(fallback)
            config["fallback"] = self.static[2]
        elif fallback is not None:  # seconds alone: on_lease("fallback", None), the app's move
            config["fallback"] = fallback
        if "reboot" not in config:
            config["reboot"] = REBOOT_MS
        if lease_store == "rtc":
            try:                        # a port without RTC memory keeps the file
                import machine
                rtc = machine.RTC()
                rtc.memory()
                lease_file = rtc
            except Exception as exc:
                if log is not None:
                    log("dhcp4c: no RTC memory ({}), the lease goes in {}".format(exc, lease_file))
        elif lease_store not in (None, "file"):
            lease_file = lease_store    # an object with memory(): kept there
        self.hostname = hostname
        self.lease_file = lease_file
        self.rtc = rtc
        self.link_fn = link
        self.bind_device = bind_device
        self.name = name
        self.log = log
        self.on_lease = None
        self.client = Client(dhcpnic.mac(nic), Config(hostname=hostname, **config), _rand32)
        self.lease = None
        self.last_event = None      # (kind, lease) of the last lease event
        self.errors = 0
        self.apply_failed = 0       # times the NIC refused an address
        self.link_stats = {"socket_errors": 0, "reopened": 0, "reopen_failed": 0}
        self._last = time.ticks_ms()
        self._now = 0
        self._sock = None
        self._poller = None
        self._link = None           # the NIC's link, as last read
        self._link_at = 0
        self._lost_at = None        # the socket died: closed, reopened from then on
        self._lost_wait = 0
        self._task = None           # run()'s reader of the socket
        self._retry_at = None       # a step raised: nothing but the retry until then
        self._apply = None          # core lease the NIC refused, applied again at _apply_at
        self._apply_kind = None     # and the event the application hears when it takes
        self._apply_at = 0
        self._apply_wait = 0
        self._reapply = False       # the link went down: the lease goes on the NIC again
        self._lease_text = None     # what lease_file holds
        self._rx_size = max(576, self.client.config.max_size or 576)
        self.ctl = None             # dhcp4c.control.Controller, once serve() is called
        self._rx = self._rb = self._tx = self._cpoll = None
        self._cbuf = None
        self._running = False
        self._started = False       # NIC up and client started (_start)
        self._bound_ev = self._lease_ev = None     # asyncio events, made by run()

    @classmethod
    def from_board(cls, board, **kw):
        """The client a board profile (boards/*.py) describes: its nic(),
        HOSTNAME, RTC, link(), BIND_DEVICE, LEASE_FILE, LEASE_STORE, NAME,
        FALLBACK (else manifest.json's "fallback" on the board's filesystem,
        which `make flash` copies), CLIENT_ID, RAPID_COMMIT, V6ONLY,
        REBOOT_MS and CONFIG (any other Config arguments). Keywords given
        here win over the profile."""
        g = getattr
        config = dict(g(board, "CONFIG", {}))
        for attr, key in (("CLIENT_ID", "client_id"), ("RAPID_COMMIT", "rapid_commit"),
                          ("V6ONLY", "v6only"), ("REBOOT_MS", "reboot")):
            if hasattr(board, attr):
                config[key] = g(board, attr)
        config.update(kw)
        fb = config.pop("fallback", None)
        if fb is None:
            fb = g(board, "FALLBACK", None)
        if fb is None:
            fb = _manifest_fallback()
        return cls(board.nic(), g(board, "HOSTNAME", None),
                   lease_file=g(board, "LEASE_FILE", LEASE_FILE), rtc=g(board, "RTC", False),
                   link=g(board, "link", None), bind_device=g(board, "BIND_DEVICE", None),
                   name=g(board, "NAME", ""), lease_store=g(board, "LEASE_STORE", None),
                   fallback=fb, **config)

    @property
    def state(self):
        return states.NAMES[self.client.state]

    @property
    def fallback(self):
        """A Lease view of the fallback profile while it is on the NIC."""
        st = self.static
        return Lease(st[0], self.clock) if st and self.client.fallback else None

    # -- the clock ----------------------------------------------------------
    def clock(self):
        """Monotonic milliseconds since this object was made.

        ticks_ms() wraps (2**30 ms, about 12.4 days, on 32-bit ports) and
        ticks_diff() is valid across half of that, so the counter adds the
        difference since the last read: correct while read at least every
        ~6 days (every step reads it). It is a small int for the first 2**30
        ms on 32-bit boards and a heap-allocated big int after that (a few
        bytes per result, collected): accepted, because the Client needs one
        clock that never goes back."""
        t = time.ticks_ms()
        self._now += time.ticks_diff(t, self._last)
        self._last = t
        return self._now

    def _wall(self):
        return int(time.time()) if self.rtc else None

    # -- commands -------------------------------------------------------------
    def renew(self):
        """Renew now (DHCPREQUEST to the lease's server). UsageError without a lease."""
        now = self.clock()
        self.client.renew(now)
        self._drain(now)

    def accept(self):
        """Take the lease of a "granted" event (confirm=True): the NIC gets it,
        then "acquired" follows. UsageError when no lease is granted."""
        now = self.clock()
        self.client.accept(now)
        self._drain(now)

    def decline(self):
        """Refuse the lease of a "granted" event (e.g. its address answered
        an ARP probe): DHCPDECLINE, and a new DISCOVER 10 s later."""
        now = self.clock()
        self.client.decline(now)
        self._drain(now)

    def release(self):
        """DHCPRELEASE, the address removed from the NIC; the client stops
        (restart() or the control channel's `restart` starts it again)."""
        now = self.clock()
        self.client.release(now)
        self._drain(now)

    def restart(self):
        """Drop any lease without a RELEASE and discover again."""
        now = self.clock()
        if self.client.state == states.STOPPED:
            self.client.start(now)
        else:
            self.client.restart(now)
        self._drain(now)

    def stop(self):
        """End run() (within LINK_MS) and close the socket. The NIC keeps the
        address and lease_file keeps the lease, as udhcpc leaves them on exit
        without -R: the next start asks for it again (INIT-REBOOT)."""
        self._running = False
        self._close()

    # -- the control channel ----------------------------------------------------
    def serve(self, rx=None, tx=None):
        """Serve the control protocol (dhcpctl, docs/control-protocol.md) on
        the USB serial line (sys.stdin/sys.stdout), or on the streams given,
        e.g. a machine.UART for both. A 0x03 read there raises
        KeyboardInterrupt, so Ctrl-C still stops the application where the
        port leaves the byte to us (the unix board's raw pty)."""
        from dhcp4c.control import Controller
        self.ctl = Controller(self.client, firmware=VERSION, board=self.name)
        self.ctl.link = self.link_stats      # `stats`' "link"; its reset zeroes ours
        self._rx = rx or sys.stdin
        self._rb = getattr(self._rx, "buffer", self._rx)
        tx = tx or sys.stdout
        self._tx = getattr(tx, "buffer", tx)
        self._cbuf = bytearray(64)
        self._cpoll = select.poll()         # the stream alone (see _control_in)
        self._cpoll.register(self._rx, select.POLLIN)
        if self._poller is not None:
            self._poller.register(self._rx, select.POLLIN)

    def _control_in(self):
        """Control bytes waiting on the stream, fed to the controller. Bytes
        are read one at a time and only while the stream has them, so nothing
        after a Ctrl-C is consumed (mpremote's Ctrl-A follows at once)."""
        n = 0
        buf = self._cbuf
        p = self._cpoll
        while n < len(buf) and p is not None and p.poll(0):
            b = self._rb.read(1)
            if not b:           # end of the stream: it stays readable for ever
                self._input_ended()
                break
            if b[0] == 3:
                raise KeyboardInterrupt
            buf[n] = b[0]
            n += 1
        if n:
            now = self.clock()
            self._write(self.ctl.feed_parts(0, bytes(buf[:n]), now))
            self._drain(now)

    def _input_ended(self):
        """The control stream has no more input (a closed pipe, not a
        board's serial line): stop polling it, so poll() and run() do not
        wake at once for ever. Replies and events still go out."""
        self._poller.unregister(self._rx)
        self._cpoll = None

    def _write(self, pieces):
        """Frames as the controller's pieces, written one after the other
        (never joined: a big reply is not copied whole)."""
        if pieces:
            for p in pieces:
                self._tx.write(p)
            try:
                self._tx.flush()
            except AttributeError:
                pass

    # -- start ------------------------------------------------------------------
    def _start(self):
        """Open the socket (again, after stop()), and the first time bring
        the NIC up and start the client; a step that raised is redone."""
        if self._sock is None and self._lost_at is None:
            self._open()
        if not self._started:
            now = self.clock()
            dhcpnic.up(self.nic, self.hostname)
            self._link = dhcpnic.link(self.nic, self.link_fn)
            self._link_at = now + LINK_MS
            self.client.start(now, self._load(now))
            self._started = True
            if not self._link:
                self.client.link_down(now)
            self._drain(now)

    def _open(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            if self.bind_device:
                s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, self.bind_device.encode())
            s.bind(socket.getaddrinfo("0.0.0.0", 68)[0][-1])
            s.setblocking(False)
            self._bcast = socket.getaddrinfo("255.255.255.255", 67)[0][-1]
        except BaseException:
            s.close()           # retried a second later: no socket left behind
            raise
        self._sock = s
        if self._poller is None:        # one for good: the control stream stays on it
            self._poller = select.poll()
            if self._cpoll is not None:
                self._poller.register(self._rx, select.POLLIN)
        self._poller.register(s, select.POLLIN)

    def _close(self):
        """Close the socket: run()'s reader of it cancelled and poll()'s
        poller told first (both hold its fd, which the next socket may get)."""
        s = self._sock
        if s is None:
            return
        self._sock = None
        t = self._task
        self._task = None
        if t is not None:
            try:
                t.cancel()
            except RuntimeError:    # stop() from the reader's own callback: it ends itself
                pass
        self._poller.unregister(s)
        s.close()

    def _lost(self, exc, now):
        """A send or a read raised `exc`: when its errno is in _DEAD, the
        socket is closed and reopened by the next step (_service), not here,
        where a datagram or run()'s reader may still be using it."""
        if exc.args and exc.args[0] in _DEAD and self._lost_at is None:
            self._lost_at = now
            self.link_stats["socket_errors"] += 1
            self._report(exc)

    def _reopen(self, now):
        """The socket died and the NIC has a link: close it and open a new
        one; when that fails, retry after SOCK_FIRST_MS doubling to SOCK_MAX_MS.
        The client meanwhile is told the link is down (it sends nothing and
        keeps its lease while valid), and up once the new socket is open: the
        core decides what follows (INIT-REBOOT with a lease)."""
        self._close()
        self.client.link_down(now)      # nothing when it already is
        self._reapply = True            # a new interface has no address yet
        try:
            self._open()
        except Exception as exc:
            w = self._lost_wait = _later(self._lost_wait, SOCK_FIRST_MS, SOCK_MAX_MS)
            self._lost_at = now + w
            self.link_stats["reopen_failed"] += 1
            self._report(exc)
            return
        self._lost_at = None
        self._lost_wait = 0
        self.link_stats["reopened"] += 1
        self.client.link_up(now)

    # -- one step -----------------------------------------------------------------
    def poll(self, wait=0):
        """Do what is due: read waiting datagrams and control bytes, follow
        the link, fire the client's timers, send what it asks. Waits at most
        `wait` ms for input (0: never blocks) and returns the milliseconds
        until it next needs to be called (0: call again at once)."""
        try:
            now = self.clock()
            if self._retry_at is not None:
                if now < self._retry_at:
                    return self._retry_at - now
                self._retry_at = None
            if not self._started or self._sock is None and self._lost_at is None:
                self._start()
            due = self._service()
            if wait:
                wait = min(wait, due)
            busy = False
            for obj, ev in self._poller.ipoll(wait):
                if obj is self._sock or obj == self._sock:
                    busy = self._recv(MAX_DATAGRAMS)
                else:
                    self._control_in()
            return 0 if busy else self._service()
        except KeyboardInterrupt:
            raise
        except Exception as exc:      # report, try again later; never raise to the app
            self._report(exc)
            self._retry_at = self.clock() + BACKOFF_MS
            return BACKOFF_MS

    # Each call into the client reads the clock anew rather than taking a `now`
    # from its caller: the application's on_lease may have run in between and
    # moved the client on (renew() from a callback), and its clock never goes back.
    def _service(self):
        """Link, NIC retry, client timers; returns ms until the next of them."""
        now = self.clock()
        if now >= self._link_at:
            self._link_at = now + LINK_MS
            link = dhcpnic.link(self.nic, self.link_fn)
            if link != self._link:
                self._link = link
                if not link:
                    self._reapply = True    # the NIC may come back without the address
                    self.client.link_down(now)
                elif self._lost_at is None:
                    self.client.link_up(now)
                else:
                    self._lost_at = now     # a new socket at once, then link_up
        if self._lost_at is not None and self._link and now >= self._lost_at:
            self._reopen(now)
        if self._apply is not None and now >= self._apply_at:
            self._try_apply(self._apply, now, self._apply_kind)
        now = self.clock()
        self.client.tick(now)
        self._drain(now)
        due = self._link_at
        dl = self.client.next_deadline()
        if dl is not None and dl < due:
            due = dl
        if self._apply is not None and self._apply_at < due:
            due = self._apply_at
        if self._lost_at is not None and self._link and self._lost_at < due:
            due = self._lost_at
        return max(0, due - now)

    def _recv(self, most):
        """Read up to `most` waiting datagrams; True when there may be more."""
        for _ in range(most):
            try:
                data, addr = self._sock.recvfrom(self._rx_size)
            except OSError as e:    # EAGAIN: nothing more
                self._lost(e, self.clock())
                return False
            now = self.clock()
            self.client.receive(data, now, _src(addr))
            self._drain(now)
        return True

    def _drain(self, now):
        c = self.client
        while True:
            d = c.next_datagram()
            if d is None:
                break
            payload, dst = d
            try:
                if self._sock is None:
                    raise OSError("stopped")
                if dst is None:
                    self._sock.sendto(payload, self._bcast)
                else:
                    self._sock.sendto(payload, socket.getaddrinfo(addr_str(dst), 67)[0][-1])
            except OSError as e:
                c.send_failed(now, "OSError {}".format(e.args[0] if e.args else ""))
                self._lost(e, now)
        while True:
            e = c.next_event()
            if e is None:
                break
            try:
                self._on_event(e, now)
            except Exception as exc:     # the control channel still hears of the event
                self._report(exc)
            if self.ctl is not None:
                self.ctl.on_event(e, now)
        if self.ctl is not None:
            self._write(self.ctl.pending_parts(0))

    # -- the lease on the NIC ---------------------------------------------------------
    def _on_event(self, e, now):
        t = e.type
        if t == events.LEASE_ACQUIRED or t == events.LEASE_CHANGED:
            self._apply_wait = 0
            self._reapply = False
            self._save(e.lease.to_text(now, self._wall()))
            self._try_apply(e.lease, now,
                            "acquired" if t == events.LEASE_ACQUIRED else "changed")
        elif t == events.LEASE_RENEWED:
            self._save(e.lease.to_text(now, self._wall()))
            if self._apply is not None:
                self._apply = e.lease          # still refused: retry with the new times
            elif self._reapply:                # an interface taken away and given back
                self._reapply = False          # comes back without its address (Linux)
                self._try_apply(e.lease, now, "renewed")
            else:
                self._lease_event("renewed", e.lease)
        elif t == events.LEASE_LOST:
            self._apply = None
            dhcpnic.remove(self.nic)
            self._save("")
            self._lease_event("lost", e.lease)
        elif t == events.LEASE_GRANTED:
            self._lease_event("granted", e.lease)
        elif t == events.FALLBACK:
            self._fall_back()

    def _fall_back(self):
        """Config.fallback's time without a lease is up: the static profile
        on the NIC (DISCOVER goes on; a lease replaces it: Client.fallback
        is False from then on). A NIC refusing it is reported; the next
        FALLBACK (after a lease lost) tries again."""
        st = self.static
        view = None
        if st is not None:
            dhcpnic.apply(self.nic, st[0])
            c = st[0]
            view = Lease(c, self.clock)
            if self.ctl is not None:    # `state`'s "fallback" (while Client.fallback), as dhcpc's
                self.ctl.fallback = {"kind": "static", "address": view.address,
                                     "prefix": st[1], "router": view.router, "dns": view.dns}
        self.last_event = ("fallback", view)
        if self._lease_ev is not None:
            self._lease_ev.set()
            self._lease_ev.clear()
        if self.on_lease is not None:
            try:
                self.on_lease("fallback", view)
            except Exception as exc:
                self._report(exc)

    def _try_apply(self, lease, now, kind):
        """Configure the NIC; when it refuses, report and retry later
        (APPLY_FIRST_MS doubling to APPLY_MAX_MS). The application hears of
        the lease once the NIC has it."""
        try:
            dhcpnic.apply(self.nic, lease)
        except Exception as exc:
            self.apply_failed += 1
            w = self._apply_wait = _later(self._apply_wait, APPLY_FIRST_MS, APPLY_MAX_MS)
            self._apply = lease
            self._apply_kind = kind
            self._apply_at = now + w
            self._report(exc)
            return
        self._apply = None
        self._apply_wait = 0
        self._lease_event(kind, lease)

    def _lease_event(self, kind, raw):
        view = Lease(raw, self.clock)
        if kind != "granted":           # a granted lease is not on the NIC yet
            self.lease = None if kind == "lost" else view
        self.last_event = (kind, view)
        if self._bound_ev is not None:
            if self.lease is None:
                self._bound_ev.clear()
            else:
                self._bound_ev.set()
            self._lease_ev.set()       # wakes every event() waiter ...
            self._lease_ev.clear()     # ... and the next ones wait for the next event
        if self.on_lease is not None:
            try:
                self.on_lease(kind, view)
            except Exception as exc:
                self._report(exc)

    # -- the lease line on flash ---------------------------------------------------------
    # In RTC memory (lease_store "rtc": ESP32's survives deep sleep, and a
    # write costs no flash wear) the line is the same text; all of that memory
    # is ours then (the application keeps its own state elsewhere).
    def _load(self, now):
        lf = self.lease_file
        try:
            if not lf:
                return None
            if isinstance(lf, str):
                with open(lf) as f:
                    self._lease_text = f.read().strip()
            else:
                self._lease_text = bytes(lf.memory()).decode().strip()
            return CoreLease.from_text(self._lease_text, now, self._wall())
        except Exception:   # missing or garbage: start in INIT
            return None

    def _save(self, text):
        if text == self._lease_text:
            return
        lf = self.lease_file
        if not lf:
            return
        if isinstance(lf, str):
            with open(lf, "w") as f:
                f.write(text or "")
        else:
            b = (text or "").encode()
            lf.memory(b if len(b) <= RTC_MEMORY else b"")
        self._lease_text = text

    def _report(self, exc):
        self.errors += 1
        msg = "{}: {}".format(type(exc).__name__, exc)
        if self.log is not None:
            self.log("dhcp4c: error " + msg)
        if self.ctl is not None:
            try:
                self.ctl.on_event(Event(events.ERROR, kind="firmware", reason=msg),
                                  self.clock())
                self._write(self.ctl.pending_parts(0))
            except Exception:   # the console itself failing must not stop the client
                pass

    # -- asyncio --------------------------------------------------------------------------
    async def run(self):
        """The client as an asyncio task: asyncio.create_task(dhcp.run()).
        Returns after stop()."""
        asyncio = self._asyncio()
        self._running = True
        while (not self._started or self._sock is None and self._lost_at is None) \
                and self._running:
            try:
                self._start()
            except Exception as exc:
                self._report(exc)
                await asyncio.sleep_ms(BACKOFF_MS)
        readers = []
        served = None
        try:
            while self._running:
                if self.ctl is not None and served is not self.ctl:
                    served = self.ctl
                    readers.append(asyncio.create_task(self._reader(self._rx, self._control_in)))
                try:
                    wait = self._service()
                except Exception as exc:
                    self._report(exc)
                    wait = BACKOFF_MS
                if self._task is None and self._sock is not None:   # at start, after a reopen
                    self._task = asyncio.create_task(self._reader(self._sock, self._on_datagram))
                await asyncio.sleep_ms(wait)
        finally:
            for t in readers:
                t.cancel()
            if self._task is not None:
                self._task.cancel()
                self._task = None

    def _asyncio(self):
        """asyncio, imported on first use (a superloop never pays for it),
        and the events bound() and event() wait on."""
        import asyncio
        if self._bound_ev is None:
            self._bound_ev = asyncio.Event()
            self._lease_ev = asyncio.Event()
            if self.lease is not None:
                self._bound_ev.set()
        return asyncio

    async def _reader(self, stream, handler):
        """Wait until `stream` is readable, then handler(); for ever, or
        until the control stream ends."""
        queue = self._asyncio().core._io_queue
        while stream is self._sock or stream is self._rx and self._cpoll is not None:
            await _readable(queue, stream)
            try:
                handler()
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                self._report(exc)

    def _on_datagram(self):
        self._recv(1)           # one per wake: other tasks run between datagrams

    async def bound(self):
        """Wait until the NIC has a leased address; returns the Lease."""
        self._asyncio()
        while self.lease is None:
            await self._bound_ev.wait()
        return self.lease

    async def event(self):
        """Wait for the next lease event; returns (kind, lease) as on_lease
        gets them. Events that come together (lost, then acquired, in one
        step) wake the waiter once, with the last of them; on_lease sees each."""
        self._asyncio()
        await self._lease_ev.wait()
        return self.last_event


def _manifest_fallback(path="manifest.json"):
    """manifest.json's "fallback" on the board's filesystem (flash.py copies
    the manifest), or None. Scanned a line at a time (no copy of the whole
    file on the heap); json is imported only when the key is there."""
    try:
        with open(path) as f:
            for line in f:
                if '"fallback"' in line:
                    break
            else:
                return None
    except OSError:
        return None
    import json
    with open(path) as f:
        return json.load(f).get("fallback")


def _later(wait, first, most):
    """The next retry's wait: `first`, then doubling up to `most`."""
    return min(wait * 2, most) if wait else first


def _readable(queue, stream):
    # asyncio's own stream wait (what asyncio.StreamReader does before each
    # read): MicroPython's asyncio has no public wait-until-readable, and
    # recvfrom(), which the source address needs, is not a stream read.
    yield queue.queue_read(stream)


def _src(addr):
    """The 4 source-address bytes of a recvfrom() address (a bytes sockaddr
    on the unix port, a tuple ('a.b.c.d', port) on bare-metal ports)."""
    if isinstance(addr, tuple):
        return parse_addr(addr[0])
    if len(addr) >= 8:                # struct sockaddr_in: family, port, addr
        return bytes(addr[4:8])
    return None
