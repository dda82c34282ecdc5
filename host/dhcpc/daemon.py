"""The daemon: Daemon, the main loop around one dhcp4c Client.

It polls the packet, UDP and netlink sockets (linux), the ARP probe (arp),
a signal wakeup pipe and any extra fds in `handlers` (the control socket);
feeds the Client datagrams, link changes, signals and the time; sends what
the Client hands back and turns its events into script runs (script) - the
udhcpc actions deconfig|bound|renew|nak|leasefail (and `inform` with
--inform), waited for, argv only, values only in the environment. It keeps
the lease file (INIT-REBOOT after a restart), the pidfile, forks once
bound (or at once with -b after a failed round), exits on SIGTERM or with
-q/-n. With -a it probes a granted lease by ARP (the client waits in
GRANTED) and accepts or declines it.

The control protocol's Controller (dhcp4c.control) is made as soon as the
first DISCOVER is on the wire and hears every event from then on; the
socket that serves it (control) opens at the first quiet moment, so neither
is on the way to a lease.
"""
import errno
import posix
import select
import sys
import time

# The C module under `signal`: the wrapper imports enum (start-up time).
import _signal as signal

from dhcp4c import events as E
from dhcp4c import states as S
from dhcp4c.client import Client
from dhcp4c.errors import MalformedError, UsageError
from dhcp4c.ipudp import build_ip_udp, parse_ip_udp
from dhcp4c.lease import Lease, addr_str

from . import PROG
from .linux import (BCAST_MAC, ETH_P_IP, IFF_RUNNING, IFF_UP, PACKET_AUXDATA, PACKET_OUTGOING,
                    SOL_PACKET, TP_STATUS_CSUMNOTREADY, host_int, link_running, open_netlink,
                    open_packet, open_udp, parse_link_events)
from .script import default_script, script_environ

QUIET_MS = 100


def now_ms():
    return int(time.monotonic() * 1000)


class Daemon:
    """The main loop around one Client, for the options `o` (cli.parse_args)
    and their dhcp4c Config (cli.config_from). `handlers` maps extra fds
    (e.g. the control socket, issue 5) to callables handler(daemon, fd, events)."""

    def __init__(self, o, config):
        self.o = o
        self.config = config
        self.iface = o["i"]
        self.log_syslog = o["S"]
        self.pkt = None
        self.udp = None
        self.udp_addr = None
        self.nl = None
        self.reopen_at = None
        self.backoff = 100
        self.handlers = {}
        self.ctl = None             # dhcp4c.control.Controller, unless --control ''
        self.control = None         # control.ControlServer, its socket, once opened
        self.control_due = o["control"] != ""     # the socket is still to be opened
        self.signals = []
        self.script_pid = None      # a script run not waited for yet (reap_script)
        self.arp = None             # (ArpProbe, granted lease) while -a probes
        self.fallback = None        # "static" or "ipv4ll" while a fallback is configured
        self.ll = None              # ipv4ll.LinkLocal while --ipv4ll probes or holds
        self.exit_code = None
        self.forked = False
        self.got_lease = False
        self.counters = {"bad_checksum": 0, "malformed_ip": 0, "send_errors": 0}
        lf = o["leasefile"]
        self.leasefile = ("/var/lib/dhcpc/{}.lease".format(self.iface) if lf is None
                          else (lf or None))
        s = o["s"]
        if s is None:
            self.script = [default_script()]
            self.script_sh = True
        else:
            self.script = [s]
            self.script_sh = False

    # logging
    def log(self, msg, prio="info"):
        sys.stderr.write("{}: {}\n".format(PROG, msg))
        if self.log_syslog:
            import syslog
            syslog.syslog(getattr(syslog, "LOG_" + prio.upper(), syslog.LOG_INFO),
                          "{}: {}".format(self.iface, msg))

    # sockets
    def ensure_packet(self, now):
        if self.pkt is not None:
            return True
        if self.reopen_at is not None and now < self.reopen_at:
            return False
        try:
            self.pkt = open_packet(self.iface)
        except OSError as e:
            self.reopen_at = now + self.backoff
            self.backoff = min(self.backoff * 2, 5000)
            self.log("cannot open packet socket on {}: {}".format(self.iface, e), "warning")
            return False
        self.reopen_at = None
        self.backoff = 100
        self.poll.register(self.pkt, select.POLLIN)
        return True

    def close_packet(self, now, backoff=True):
        if self.pkt is not None:
            self.poll.unregister(self.pkt)
            self.pkt.close()
            self.pkt = None
        if backoff:
            self.reopen_at = now + self.backoff
            self.backoff = min(self.backoff * 2, 5000)

    def set_udp(self, addr):
        if addr == self.udp_addr and self.udp is not None:
            return
        self.close_udp()
        if addr is None:
            return
        try:
            self.udp = open_udp(self.iface, addr)
            self.udp_addr = addr
            self.poll.register(self.udp, select.POLLIN)
        except OSError as e:
            self.log("cannot open UDP socket on {}: {}".format(addr_str(addr), e), "warning")

    def close_udp(self):
        if self.udp is not None:
            self.poll.unregister(self.udp)
            self.udp.close()
        self.udp = None
        self.udp_addr = None

    def send(self, now, payload, dst):
        if dst is not None and self.udp is not None:
            try:
                self.udp.sendto(payload, (addr_str(dst), 67))
                return
            except OSError as e:
                # No route to the server (e.g. a script that did not configure
                # the address): unicast IP in an Ethernet broadcast frame.
                self.log("unicast via UDP socket: {}; using the packet socket".format(e), "debug")
        if not self.ensure_packet(now):
            # Closed and waiting out its back-off: nothing new failed, so the
            # back-off stays as it is (re-arming it here kept the socket closed
            # for good while commands came faster than it; found by the soak).
            self.counters["send_errors"] += 1
            self.client.send_failed(now, "no packet socket")
            return
        try:
            src = bytes(payload[12:16])      # ciaddr: 0.0.0.0 unless a lease is held
            dst4 = dst if dst is not None else b"\xff\xff\xff\xff"
            pkt = build_ip_udp(src, dst4, 68, 67, payload)
            self.pkt.sendto(pkt, (self.iface, ETH_P_IP, 0, 0, BCAST_MAC))
        except OSError as e:
            self.counters["send_errors"] += 1
            self.client.send_failed(now, str(e))
            # No carrier yet (ENOBUFS), or the link down: the socket is fine
            # and the next retransmission may pass. Anything else: reopen it.
            if e.errno not in (errno.ENOBUFS, errno.ENETDOWN):
                self.close_packet(now)

    def read_packet(self, now):
        while self.pkt is not None:
            try:
                data, anc, _, addr = self.pkt.recvmsg(4096, 64)
            except BlockingIOError:
                return
            except OSError as e:
                self.log("packet socket: {}".format(e), "warning")
                self.close_packet(now)
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            check = True
            for level, typ, cdata in anc:
                if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 4:
                    if host_int(cdata, 0, 4) & TP_STATUS_CSUMNOTREADY:   # tp_status
                        check = False
            try:
                src, _, _, dport, payload = parse_ip_udp(data, check_udp=check)
            except MalformedError as e:
                key = "bad_checksum" if "checksum" in str(e) else "malformed_ip"
                self.counters[key] += 1
                continue
            if dport != 68:
                continue
            self.client.receive(payload, now, src)

    def drain_udp(self):
        # Replies are read on the packet socket; this one only has to exist.
        while self.udp is not None:
            try:
                self.udp.recv(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return

    def read_netlink(self, now):
        while True:
            try:
                data = self.nl.recv(65536)
            except BlockingIOError:
                return
            except OSError as e:
                self.log("netlink: {}".format(e), "warning")
                return
            for typ, index, flags, name in parse_link_events(data):
                if name != self.iface:
                    continue
                up = typ == 16 and flags & IFF_UP and flags & IFF_RUNNING
                if up and not self.link_up:
                    self.link_up = True
                    self.log("link up")
                    # A reply to what went out before the carrier may be
                    # waiting: read it before the socket is made afresh.
                    self.read_packet(now)
                    self.close_packet(now, backoff=False)
                    self.reopen_at = None       # at once, whatever the back-off was
                    self.ensure_packet(now)
                    self.client.link_up(now)
                elif not up and self.link_up:
                    self.link_up = False
                    self.log("link down")
                    self.client.link_down(now)
                if typ == 17:
                    self.log("interface gone")
                    self.close_packet(now, backoff=False)
                    self.close_udp()

    # script
    def run_script(self, action, lease=None, message=None, wait=True, extra=None):
        """PROG action, waited for (the next action must see its effect);
        wait=False for the first deconfig, which runs while DORA is on the
        wire and is reaped before the next action starts (reap_script)."""
        self.reap_script(block=True)
        env = script_environ(self.iface, lease, message)
        if extra:
            env.update(extra)
        cmd = (["/bin/sh"] if self.script_sh else []) + self.script + [action]
        # posix_spawn, an argv list and values only in the environment: no
        # shell ever parses anything from the network. (subprocess would cost
        # ~15 ms of imports before the first lease.) Our fds are O_CLOEXEC.
        try:
            pid = posix.posix_spawnp(cmd[0], cmd, env, file_actions=[
                (posix.POSIX_SPAWN_OPEN, 0, "/dev/null", posix.O_RDONLY, 0)])
        except OSError as e:
            self.log("script {} {}: {}".format(self.script[0], action, e), "warning")
            return
        self.script_pid = pid
        if wait:
            self.reap_script(block=True)

    def reap_script(self, block):
        """Collect the script still running (if any); block=False only looks."""
        while self.script_pid is not None:
            try:
                pid, _ = posix.waitpid(self.script_pid, 0 if block else posix.WNOHANG)
            except InterruptedError:
                continue
            except ChildProcessError:
                pid = self.script_pid
            if pid:
                self.script_pid = None
            return

    # lease file: the core's lease line, then whose lease it is
    def owner_line(self):
        mac = ":".join("{:02x}".format(b) for b in self.client.mac)
        return "iface {} mac {}".format(self.iface, mac)

    def save_lease(self, lease, now):
        if not self.leasefile:
            return
        import os   # after the bound script has started: not on the way to the lease
        try:
            d = os.path.dirname(self.leasefile)
            if d:
                os.makedirs(d, exist_ok=True)
            tmp = self.leasefile + ".tmp"
            with open(tmp, "w") as f:
                f.write(lease.to_text(now, int(time.time())) + "\n" + self.owner_line() + "\n")
            os.replace(tmp, self.leasefile)
        except OSError as e:
            self.log("lease file {}: {}".format(self.leasefile, e), "warning")

    def load_lease(self, now):
        """The stored lease, or None. A file that is not ours to use (garbage,
        cut short, another interface's or MAC's) costs one line on stderr and
        is left as it is; it never stops the start. A file without the owner
        line (written by hand) is taken as this interface's."""
        if not self.leasefile:
            return None
        try:
            with open(self.leasefile, "rb") as f:
                lines = f.read(4096).split(b"\n")
        except FileNotFoundError:
            return None
        except OSError as e:
            self.log("lease file {}: {}; starting without it".format(
                self.leasefile, e.strerror or e), "warning")
            return None
        try:
            lease = Lease.from_text(lines[0], now, int(time.time()))
            owner = [ln for ln in lines[1:] if ln.strip()]
            if owner and owner[0].decode() != self.owner_line():
                self.log("lease file {}: kept for another interface or MAC (this is {}); "
                         "starting without it".format(self.leasefile, self.owner_line()),
                         "warning")
                return None
        except ValueError as e:     # MalformedError, UnicodeError
            why = "not text" if isinstance(e, UnicodeError) else e
            self.log("lease file {}: not a lease ({}); starting without it".format(
                self.leasefile, why), "warning")
            return None
        if lease.expired(now):
            self.log("stored lease for {} has expired".format(addr_str(lease.address)))
            self.drop_lease_file()
            return None
        return lease

    def drop_lease_file(self):
        if self.leasefile:
            try:
                posix.unlink(self.leasefile)
            except OSError:
                pass

    # events
    def handle(self, e, now):
        o = self.o
        if self.ctl is not None:
            self.ctl.on_event(e, now)
            if self.control is not None:
                self.control.send_events()
        t = e.type
        if t == E.LEASE_GRANTED:            # -a: Config(confirm=True)
            self.end_fallback()
            self.start_arp(e.lease, now)
        elif t == E.LEASE_ACQUIRED:
            self.end_fallback()
            self.bound(e.lease, now)
        elif t in (E.LEASE_RENEWED, E.LEASE_CHANGED):
            self.log("lease of {} renewed, lease time {}".format(
                addr_str(e.lease.address), e.lease.lease_time))
            self.run_script("renew", e.lease)
            self.set_udp(e.lease.address)
            self.save_lease(e.lease, now)
        elif t == E.LEASE_LOST:
            self.log("lease of {} lost ({})".format(addr_str(e.lease.address), e.why))
            self.close_udp()
            self.drop_lease_file()
            self.run_script("deconfig")
        elif t == E.NAK_RECEIVED:
            self.log("received NAK from {}".format(addr_str(e.server_id)), "warning")
            self.run_script("nak", message=e.message or "")
        elif t == E.INFORM_ACKED:
            self.informed(e.lease)
        elif t == E.FALLBACK:
            self.fall_back(now)
        elif t == E.V6ONLY:              # --v6only: no IPv4 here for e.wait s
            self.log("{} prefers IPv6-only: no IPv4 for {} s".format(
                addr_str(e.server_id), e.wait))
            self.run_script("v6only", extra={"v6only_wait": str(e.wait),
                                             "serverid": addr_str(e.server_id)})
            if o["q"]:                   # the network's answer: no IPv4 to wait for
                self.exit_code = 0
        elif t == E.ROUND_FAILED:
            self.log("no lease, failing ({})".format(e.why))
            self.run_script("leasefail")
            if not self.got_lease:
                if o["n"]:
                    self.exit_code = 1
                elif o["b"]:
                    self.daemonize()
        elif t == E.STATE_CHANGED:
            if e.new == S.SELECTING:
                self.log("sending discover")
        elif t == E.OFFER_REJECTED:
            self.log("offer of {} rejected: {}".format(addr_str(e.yiaddr), e.reason))
        elif t == E.ERROR:
            self.log("{}: {}".format(e.kind, e.reason), "warning")

    # fallback (--static, --ipv4ll): no lease after --fallback s; DISCOVER goes on
    def fall_back(self, now):
        st = self.o["static"]
        if st is not None:
            self.apply_fallback("static", st["address"], st["prefix"], st["router"], st["dns"])
        elif self.o["ipv4ll"]:
            self.start_ipv4ll(now)

    # IPv4 link-local (--ipv4ll): the main loop drives ipv4ll.LinkLocal as it
    # drives the ARP probe; the address is configured once claimed.
    def start_ipv4ll(self, now):
        from .ipv4ll import LinkLocal   # only when it is needed
        try:
            ll = LinkLocal(self.iface, self.client.mac, now)
        except OSError as e:
            self.log("IPv4 link-local: {}; no fallback".format(e), "warning")
            return
        self.ll = ll
        self.handlers[ll.sock.fileno()] = lambda d, fd, ev: ll.readable(now_ms())
        self.poll.register(ll.sock, select.POLLIN)
        self.log("no lease: probing IPv4 link-local {}".format(addr_str(ll.address)))

    def ipv4ll_events(self, now):
        if self.ll is None:
            return
        self.ll.tick(now)
        for kind, addr, peer in self.ll.events():
            if kind == "claimed":
                self.apply_fallback("ipv4ll", addr, 16)
            elif kind == "lost":        # RFC 3927 §2.5: a second conflict; a new one is probed
                self.log("IPv4 link-local {} lost to another host; probing {}".format(
                    addr_str(addr), addr_str(self.ll.address)), "warning")
                self.fallback = None
                if self.ctl is not None:
                    self.ctl.fallback = {}
                self.run_script("deconfig")
            else:                       # conflict while probing, defended
                self.log("IPv4 link-local {}: {}".format(addr_str(addr), kind))

    def stop_ipv4ll(self):
        if self.ll is not None:
            self.poll.unregister(self.ll.sock)
            del self.handlers[self.ll.sock.fileno()]
            self.ll.close()
            self.ll = None

    def apply_fallback(self, kind, addr, prefix, router=None, dns=()):
        """Configure the fallback through the script (action `fallback`,
        which udhcpc's scripts ignore): ip, mask, subnet, router, dns and
        fallback=KIND, as a lease's would be."""
        mask = ((0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF).to_bytes(4, "big")
        opts = {1: mask}
        if router is not None:
            opts[3] = router
        if dns:
            opts[6] = b"".join(dns)
        lease = Lease(addr, mask=mask, routers=[router] if router else [], dns=dns,
                      options=opts, lease_time=0xFFFFFFFF)
        self.log("no lease: {} fallback {}/{}".format(kind, addr_str(addr), prefix))
        self.fallback = kind
        if self.ctl is not None:
            self.ctl.fallback = {"kind": kind, "address": addr_str(addr), "prefix": prefix,
                                 "router": None if router is None else addr_str(router),
                                 "dns": [addr_str(a) for a in dns]}
        self.run_script("fallback", lease, extra={"fallback": kind})

    def end_fallback(self):
        """A lease came: it replaces the fallback (its script run configures it)."""
        self.stop_ipv4ll()
        if self.fallback is None:
            return
        self.log("lease replaces the {} fallback".format(self.fallback))
        self.fallback = None
        if self.ctl is not None:
            self.ctl.fallback = {}

    def informed(self, info):
        """--inform answered: the script configures the parameters (action
        `inform`; udhcpc's scripts ignore an action they do not know)."""
        self.log("parameters for {} from {}".format(addr_str(info.address),
                                                    addr_str(info.server_id)))
        self.run_script("inform", info)
        self.got_lease = True       # for -n / -b: the round did not fail
        if self.o["q"]:
            self.exit_code = 0
        elif not self.o["f"]:
            self.daemonize()

    def bound(self, lease, now):
        o = self.o
        self.log("lease of {} obtained from {}, lease time {}".format(
            addr_str(lease.address), addr_str(lease.server_id), lease.lease_time))
        self.run_script("bound", lease)
        self.set_udp(lease.address)
        self.save_lease(lease, now)
        self.got_lease = True
        if o["q"]:
            if o["R"]:
                self.client.release(now_ms())
            self.exit_code = 0
        elif not o["f"]:
            self.daemonize()

    # ARP check (-a): the client holds the granted lease in GRANTED while the
    # probe runs inside the main loop (signals, the control socket and timers
    # are served meanwhile); arp_done() accepts or declines it.
    def start_arp(self, lease, now):
        from .arp import ArpProbe   # only with -a, once granted: not on the start path
        try:
            probe = ArpProbe(self.iface, self.client.mac, lease.address, self.o["a"], now)
        except OSError as e:
            self.log("ARP check: {}; not checked".format(e), "warning")
            self.client.accept(now)
            return
        self.arp = (probe, lease)
        self.handlers[probe.sock.fileno()] = lambda d, fd, ev: probe.readable()
        self.poll.register(probe.sock, select.POLLIN)
        self.arp_done(now)

    def stop_arp(self):
        if self.arp is not None:
            probe = self.arp[0]
            self.poll.unregister(probe.sock)
            del self.handlers[probe.sock.fileno()]
            probe.close()
            self.arp = None

    def arp_done(self, now):
        """Acts on the probe: gone with the grant (the client left GRANTED:
        expiry, restart, release, link loss), else once finished DECLINE on a
        conflict or accept."""
        if self.arp is None:
            return
        probe, lease = self.arp
        if self.client.granted is not lease:
            self.stop_arp()
            return
        probe.tick(now)
        if probe.conflict is None:
            return
        self.stop_arp()
        if probe.conflict:
            self.log("{} is in use (ARP): declining".format(addr_str(lease.address)), "warning")
            self.client.decline(now, "address in use")
        else:
            self.client.accept(now)

    def daemonize(self):
        if self.forked or self.o["f"]:
            return
        self.forked = True
        child = posix.fork()
        if child:
            # The pidfile names the child before the parent exits, so whoever
            # waited for the parent finds the daemon's pid at once.
            self.write_pidfile(child)
            posix._exit(0)
        posix.setsid()
        fd = posix.open("/dev/null", posix.O_RDWR)
        for i in (0, 1, 2):
            posix.dup2(fd, i)
        if fd > 2:
            posix.close(fd)

    def write_pidfile(self, pid=None):
        p = self.o["p"]
        if p:
            # Written beside and renamed: a reader never sees it half-written.
            tmp = "{}.{}.tmp".format(p, posix.getpid())
            try:
                with open(tmp, "w") as f:
                    f.write("{}\n".format(pid or posix.getpid()))
                posix.replace(tmp, p)
            except OSError as e:
                self.log("pidfile {}: {}".format(p, e), "warning")

    def start_control(self):
        """Open the control socket for the Controller (at the first quiet moment)."""
        self.control_due = False
        from . import control
        self.control = control.start(
            self, self.ctl, self.o["control"] or control.default_path(self.iface), now_ms)

    def on_signal(self, signum, frame):
        self.signals.append(signum)

    def send_all(self):
        """Send every datagram the client has queued."""
        while True:
            d = self.client.next_datagram()
            if d is None:
                return
            self.send(now_ms(), d[0], d[1])

    def flush(self):
        """Send what the client queued, then handle its events one at a time
        (handling one may queue more datagrams: they go out first)."""
        while True:
            self.send_all()
            e = self.client.next_event()
            if e is None:
                return
            self.handle(e, now_ms())

    def do_signals(self, now):
        while self.signals:
            sig = self.signals.pop(0)
            c = self.client
            if sig == signal.SIGUSR1 and self.o["inform"] is not None:
                self.log("SIGUSR1: inform")
                try:
                    c.inform(now, self.o["inform"])
                except UsageError as e:
                    self.log(str(e))
            elif sig == signal.SIGUSR1:
                self.log("SIGUSR1: renew")
                try:
                    c.renew(now)
                except UsageError:
                    try:
                        c.restart(now)
                    except UsageError as e:
                        self.log(str(e))
            elif sig == signal.SIGUSR2:
                self.log("SIGUSR2: release")
                c.release(now)
            elif sig in (signal.SIGTERM, signal.SIGINT):
                self.log("exiting")
                if self.o["R"]:
                    c.release(now)
                self.exit_code = 0

    def run(self):
        o = self.o
        self.poll = select.poll()
        now = now_ms()
        self.ensure_packet(now)
        if self.pkt is None:
            self.log("{}: no such interface".format(self.iface), "err")
            return 1
        mac = self.pkt.getsockname()[4]
        self.client = Client(mac, self.config, lambda: int.from_bytes(posix.urandom(4), "big"))
        rfd, wfd = posix.pipe()
        posix.set_blocking(rfd, False)
        posix.set_blocking(wfd, False)
        signal.set_wakeup_fd(wfd)
        for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.on_signal)
        self.poll.register(rfd, select.POLLIN)
        self.write_pidfile()
        if o["inform"] is not None:     # --inform: parameters only, no lease
            self.client.inform(now, o["inform"])
            self.log("sending inform for {}".format(addr_str(o["inform"])))
        else:
            self.client.start(now, self.load_lease(now))
        self.send_all()     # the first DISCOVER goes out before anything else is set up
        if self.control_due:
            # json-free, ~0.4 ms: after the DISCOVER, and before any event
            from dhcp4c.control import Controller
            self.ctl = Controller(self.client, board="linux")
            self.ctl.link = self.counters    # `stats`' "link" section
        self.flush()
        # udhcpc's deconfig at start: it runs while the DISCOVER is answered
        # (~1 ms of the time to a lease otherwise); the bound/leasefail
        # call waits for it first.
        if o["inform"] is None:     # --inform: the address is someone else's to keep
            self.run_script("deconfig", wait=False)
        try:
            self.nl = open_netlink()
            self.poll.register(self.nl, select.POLLIN)
        except OSError as e:
            self.log("netlink: {}".format(e), "warning")
        self.link_up = link_running(self.iface)
        if not self.link_up:
            self.client.link_down(now_ms())
        try:
            while True:
                self.flush()
                if self.exit_code is not None:
                    break
                now = now_ms()
                dl = self.client.next_deadline()
                if self.pkt is None and self.reopen_at is not None and self.link_up:
                    dl = self.reopen_at if dl is None else min(dl, self.reopen_at)
                for side in (self.arp[0] if self.arp is not None else None, self.ll):
                    adl = side.next_deadline() if side is not None else None
                    if adl is not None:
                        dl = adl if dl is None else min(dl, adl)
                timeout = None if dl is None else max(0, dl - now)
                # The control socket starts after QUIET_MS without traffic
                # (DORA done, or no server): never on the way to a lease.
                quiet = self.control_due and (timeout is None or timeout >= QUIET_MS)
                if quiet:
                    timeout = QUIET_MS
                try:
                    ready = self.poll.poll(timeout)
                except InterruptedError:
                    ready = []
                if quiet and not ready:
                    self.start_control()
                now = now_ms()
                for fd, ev in ready:
                    if self.pkt is not None and fd == self.pkt.fileno():
                        self.read_packet(now)
                    elif self.udp is not None and fd == self.udp.fileno():
                        self.drain_udp()
                    elif self.nl is not None and fd == self.nl.fileno():
                        self.read_netlink(now)
                    elif fd == rfd:
                        try:
                            posix.read(rfd, 512)
                        except BlockingIOError:
                            pass
                    elif fd in self.handlers:
                        self.handlers[fd](self, fd, ev)
                self.do_signals(now)
                self.reap_script(block=False)
                self.arp_done(now_ms())
                self.ipv4ll_events(now_ms())
                if self.pkt is None and self.link_up:
                    self.ensure_packet(now)
                self.client.tick(now_ms())
        finally:
            self.reap_script(block=True)
            self.stop_arp()
            self.stop_ipv4ll()
            if self.control is not None:
                self.control.close()
            self.close_udp()
            self.close_packet(now_ms(), backoff=False)
            if self.nl is not None:
                self.nl.close()
            if o["p"] and self.exit_code is not None:
                try:
                    posix.unlink(o["p"])
                except OSError:
                    pass
        return self.exit_code
