"""Soak: the Linux daemon (host/dhcpc) through N lease cycles of every kind
against dnsmasq in a namespace rig, its open fds, RSS and control-socket
connections measured after a warm-up and again at the end (issue 17, item 5).

    .venv/bin/python bench/soak.py [--cycles N] [--warmup W] [--seed S]   (root; make bench)
    .venv/bin/python bench/soak.py --board [--cycles N]   the virtual board's soak
                                                          (bench/soak_board.py)

Cycles come in blocks of ten, one of each kind below, in an order shuffled
per block (seeded, so a run can be repeated); each cycle ends with the
daemon BOUND again, its script run. Every cycle also opens control
connections: a subscriber that waits for the cycle's events and closes
cleanly, and one "noise" connection that ends another way (a request left
unread, garbage and an oversize line, half a frame, an empty connection).

    renew          `renew` on the control socket: unicast REQUEST (UDP socket)
    rebind         `rebind`: broadcast REQUEST (packet socket)
    rebind-down    dnsmasq stopped, `rebind` unanswered, dnsmasq started again
                   (its lease file kept), `rebind` again until ACKed
    nak            dnsmasq restarted on another range with no leases: `renew`
                   is NAKed, INIT, DISCOVER, a new address, probed by ARP
                   (-a100: an ARP packet socket opened and closed; the UDP
                   socket closed and another opened)
    link-flap      client interface down (the packet socket gets ENETDOWN,
                   is closed), up: a new packet socket, INIT-REBOOT
    iface-recreate the veth pair deleted (RTM_DELLINK: the packet and UDP
                   sockets closed) and created again with the same MACs:
                   a new packet socket on the new ifindex, INIT-REBOOT
    send-error     two failed sends on the packet socket: nftables drops the
                   client's DHCP packets at egress (sendto() fails with
                   ENOBUFS, the socket is kept), then an MTU of 100 (EMSGSIZE:
                   the socket is closed and reopened after its back-off);
                   the rule removed, the MTU back, `rebind` every 50 ms
                   until ACKed
    udp-error      the client's address removed: the unicast REQUEST on the
                   UDP socket fails (no route) and goes out on the packet
                   socket instead; the address put back, `renew` until ACKed
    release        `release` (RELEASE, deconfig, the UDP socket closed), then
                   `restart`: DISCOVER, a lease again (ARP-probed)
    renew-sig      SIGUSR1 (the renew the script ABI offers)

Measured at quiet points (BOUND, only the monitor's control connection
open): the daemon's open fds (/proc/PID/fd, by kind), VmRSS, the
`control.clients` counter of `stats` and the Unix sockets among its fds,
its child processes and CPU time. Samples every 10 cycles after the warm-up;
growth per 1,000 cycles from the first sample after the warm-up to the last,
and for RSS also the least-squares slope over all samples. tests/test_soak.py
runs the same code for a short run and asserts on it.
"""
import argparse
import os
import random
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
for _p in (os.path.join(REPO, "tests"), os.path.join(REPO, "shared")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import dhcpcrig  # noqa: E402
import rig  # noqa: E402
from dhcp4c.frames import NEED_DATA, FrameReader, encode  # noqa: E402

KINDS = ("renew", "rebind", "rebind-down", "nak", "link-flap", "iface-recreate",
         "send-error", "udp-error", "release", "renew-sig")
RANGES = (("192.0.2.100", "192.0.2.199"), ("192.0.2.20", "192.0.2.29"))
NOISE = ("unread", "garbage", "half-frame", "empty")
SAMPLE_EVERY = 10
CYCLE_TIMEOUT = 20.0
LEASE_KINDS = ("acquired", "renewed", "changed")


class SoakError(Exception):
    """A cycle did not end BOUND in time, or the daemon died."""


# --- a control connection ------------------------------------------------------

class Ctl:
    """One connection to the daemon's control socket: requests, and the
    events that arrive meanwhile (kept in self.events)."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.reader = FrameReader(1 << 20)
        self.events = []
        self.next_id = 1

    def close(self):
        self.sock.close()

    def _frames(self, deadline):
        """Read once (until `deadline`) and return the frames that completed."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("control: no answer in time")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            raise SoakError("control: the daemon closed the connection")
        self.reader.receive_data(data)
        out = []
        while True:
            f = self.reader.next_frame()
            if f is NEED_DATA:
                return out
            out.append(f)

    def req(self, cmd, timeout=10.0, **args):
        """The response to one request (a dict: ok, result or error)."""
        rid = self.next_id
        self.next_id += 1
        msg = {"id": rid, "cmd": cmd}
        if args:
            msg["args"] = args
        self.sock.sendall(encode(msg))
        deadline = time.monotonic() + timeout
        got = None
        while got is None:
            for f in self._frames(deadline):     # all of them: events may follow the reply
                if "event" in f:
                    self.events.append(f)
                elif f.get("id") == rid:
                    got = f
        return got

    def result(self, cmd, **args):
        r = self.req(cmd, **args)
        if not r.get("ok"):
            raise SoakError("{}: {}".format(cmd, r.get("error")))
        return r["result"]

    def wait_event(self, pred, start=0, timeout=10.0):
        """The first event from index `start` on for which pred(event) holds;
        None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events[start:]:
                if pred(e):
                    return e
            start = len(self.events)
            try:
                for f in self._frames(deadline):
                    if "event" in f:
                        self.events.append(f)
            except socket.timeout:
                return None


def is_lease(e):
    return e["event"] == "lease" and e.get("kind") in LEASE_KINDS


# --- what the daemon holds -----------------------------------------------------

def _inodes(pid, table, col):
    """{socket inode: table} from /proc/PID/net/<table> (PID's netns)."""
    out = {}
    try:
        with open("/proc/{}/net/{}".format(pid, table)) as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return out
    for ln in lines:
        parts = ln.split()
        if len(parts) > col:
            out[parts[col]] = table
    return out


def fd_kinds(pid):
    """{kind: count} of the daemon's open fds: packet, udp, netlink, unix
    (sockets, by their /proc/net table), pipe, anon, and other paths as
    they read."""
    kinds = {}
    for t, col in (("packet", 8), ("udp", 9), ("netlink", 9), ("unix", 6)):
        kinds.update(_inodes(pid, t, col))
    # An accepted Unix connection belongs to the connecting socket's
    # namespace (unix_stream_connect): ours, for the control connections.
    kinds.update(_inodes("self", "unix", 6))
    out = {}
    d = "/proc/{}/fd".format(pid)
    for fd in os.listdir(d):
        try:
            target = os.readlink(os.path.join(d, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            k = kinds.get(target[8:-1], "socket")
        elif target.startswith("pipe:"):
            k = "pipe"
        elif target.startswith("anon_inode:"):
            k = "anon"
        else:
            k = target.rpartition("/")[2] or target     # /dev/null, the log file
        out[k] = out.get(k, 0) + 1
    return out


def proc_status(pid, key):
    with open("/proc/{}/status".format(pid)) as f:
        for ln in f:
            if ln.startswith(key + ":"):
                return int(ln.split()[1])
    return None


def cpu_ticks(pid):
    with open("/proc/{}/stat".format(pid)) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])        # utime + stime


def children(pid):
    try:
        with open("/proc/{0}/task/{0}/children".format(pid)) as f:
            return len(f.read().split())
    except OSError:
        return 0


# --- the soak ------------------------------------------------------------------

class Soak:
    """The rig, the daemon and the cycles; see the module docstring."""

    def __init__(self, lab, seed=1, dhcpc=None):
        self.lab = lab
        self.dhcpc = dhcpc
        self.rng = random.Random(seed)
        self.range = 0
        self.srv = None
        self.mix = dict((k, 0) for k in KINDS)
        self.noise = dict((k, 0) for k in NOISE)
        self.times = dict((k, []) for k in KINDS)
        self.retries = 0
        self.probes = 0

    # servers and the link
    def start_server(self):
        self.srv = self.lab.dnsmasq(*RANGES[self.range])

    def stop_server(self):
        self.lab.stop(self.srv)
        self.srv = None

    def server_mac(self):
        out = self.lab.run(["ip", "-o", "link", "show", self.lab.server_if], ns="server").stdout
        return out.split("link/ether", 1)[1].split()[0]

    def start(self):
        lab = self.lab
        self.start_server()
        self.smac = self.server_mac()
        self.cmac = ":".join("{:02x}".format(b) for b in lab.client_mac)
        self.mtu = int(lab.run(["cat", "/sys/class/net/{}/mtu".format(lab.client_if)]).stdout)
        self.sock = os.path.join(lab.tmp, "soak.sock")
        # -a100: every new lease is probed by ARP (a packet socket of its own)
        self.run = dhcpcrig.Run(lab, ["-f", "-a100", "--control", self.sock],
                                script=dhcpcrig.OUR_SCRIPT,
                                name="soak")
        if self.dhcpc:
            self.run.cmd[self.run.cmd.index(dhcpcrig.DHCPC)] = self.dhcpc
        self.run.start()
        self.pid = self.run.proc.pid
        deadline = time.monotonic() + 20
        while not os.path.exists(self.sock):      # made once the daemon is quiet
            self.alive()
            if time.monotonic() > deadline:
                raise SoakError("no control socket\n" + self.run.log())
            time.sleep(0.01)
        self.mon = Ctl(self.sock)
        self.until_bound(time.monotonic() + CYCLE_TIMEOUT)

    def close(self):
        try:
            self.mon.close()
        except AttributeError:
            pass

    def alive(self):
        if self.run.proc.poll() is not None:
            raise SoakError("dhcpc exited {}\n{}".format(self.run.proc.returncode,
                                                         self.run.log()[-4000:]))

    def until_bound(self, deadline):
        """Wait until `state` says BOUND with a lease (answered after the
        script has run: the daemon is single-threaded)."""
        while True:
            self.alive()
            st = self.mon.result("state")
            if st["state"] == "BOUND" and st["lease"]:
                return st
            if time.monotonic() > deadline:
                raise SoakError("not BOUND ({}) in time\n{}".format(st["state"],
                                                                    self.run.log()[-4000:]))
            time.sleep(0.01)

    def wait(self, sub, pred, start, what, timeout=CYCLE_TIMEOUT):
        e = sub.wait_event(pred, start, timeout)
        if e is None:
            self.alive()
            raise SoakError("no {} event in {} s; events {}\n{}".format(
                what, timeout, sub.events[start:], self.run.log()[-4000:]))
        return e

    def until_lease(self, sub, cmd, every=0.2, tries=50):
        """Send `cmd` (renew/rebind: retransmit at once) until a lease event
        arrives; the first try's answer may be lost on purpose."""
        for i in range(tries):
            start = len(sub.events)
            sub.result(cmd)
            if sub.wait_event(is_lease, start, every) is not None:
                return
            self.retries += 1
        raise SoakError("no lease after {} x {}\n{}".format(tries, cmd, self.run.log()[-4000:]))

    def ip(self, *args, ns="client"):
        self.lab.run(["ip"] + list(args), ns=ns)

    # the cycles
    def cycle(self, kind, index):
        lab = self.lab
        t0 = time.monotonic()
        sub = Ctl(self.sock)
        sub.result("subscribe")
        n = len(sub.events)
        if kind == "renew":
            sub.result("renew")
            self.wait(sub, is_lease, n, "lease")
        elif kind == "renew-sig":
            self.run.signal(signal.SIGUSR1)
            self.wait(sub, is_lease, n, "lease")
        elif kind == "rebind":
            sub.result("rebind")
            self.wait(sub, is_lease, n, "lease")
        elif kind == "rebind-down":
            self.stop_server()
            st = sub.result("rebind")["state"]
            if st != "REBINDING":
                raise SoakError("rebind: {}, not REBINDING".format(st))
            time.sleep(0.05)                    # the REQUEST goes unanswered
            self.start_server()
            self.until_lease(sub, "rebind")
        elif kind == "nak":
            old = self.mon.result("state")["lease"]["address"]
            self.stop_server()
            try:
                os.unlink(os.path.join(lab.tmp, "dnsmasq.leases"))
            except FileNotFoundError:
                pass
            self.range = 1 - self.range
            self.start_server()
            sub.result("renew")
            self.wait(sub, lambda e: e["event"] == "nak", n, "nak")
            e = self.wait(sub, lambda e: e["event"] == "lease" and e["kind"] == "acquired", n,
                          "lease acquired")
            if e["lease"]["address"] == old:
                raise SoakError("the same address {} after a NAK".format(old))
        elif kind == "link-flap":
            self.ip("link", "set", lab.client_if, "down")
            self.wait(sub, lambda e: e["event"] == "state" and e["new"] == "LINK_DOWN", n,
                      "LINK_DOWN")
            self.ip("link", "set", lab.client_if, "up")
            self.wait(sub, is_lease, n, "lease")
        elif kind == "iface-recreate":
            self.ip("link", "del", lab.client_if)
            self.wait(sub, lambda e: e["event"] == "state" and e["new"] == "LINK_DOWN", n,
                      "LINK_DOWN")
            # as the rig makes it: created inside the two namespaces, never in ours
            rig._ip("link", "add", lab.server_if, "netns", lab.server_ns, "address", self.smac,
                    "type", "veth", "peer", "name", lab.client_if, "netns", lab.client_ns,
                    "address", self.cmac)
            self.ip("addr", "add", "{}/{}".format(lab.server_ip, rig.PREFIX), "dev",
                    lab.server_if, ns="server")
            self.ip("link", "set", lab.server_if, "up", ns="server")
            self.ip("link", "set", lab.client_if, "up")
            self.wait(sub, is_lease, n, "lease")
        elif kind == "send-error":
            is_send_error = lambda e: e["event"] == "error" and e["kind"] == "send"  # noqa: E731
            # ENOBUFS: nftables drops the client's DHCP packets at egress
            lab.loss(100, side="client")
            try:
                sub.result("rebind")
                self.wait(sub, is_send_error, n, "send error (ENOBUFS)")
            finally:
                lab.loss(0, side="client")
            # EMSGSIZE: an MTU below the datagram's size (as a script that
            # sets a server's option 26 could): the packet socket is closed
            # and waits out its back-off before it is opened again
            m = len(sub.events)
            self.ip("link", "set", lab.client_if, "mtu", "100")
            try:
                sub.result("rebind")
                self.wait(sub, is_send_error, m, "send error (EMSGSIZE)")
            finally:
                self.ip("link", "set", lab.client_if, "mtu", str(self.mtu))
            # At once and every 50 ms: a command during the packet socket's
            # back-off must not extend it (it did: issue 17, the soak).
            self.until_lease(sub, "rebind", every=0.05, tries=60)
        elif kind == "udp-error":
            self.ip("-4", "addr", "flush", "dev", lab.client_if)
            sub.result("renew")
            time.sleep(0.05)
            addr = self.mon.result("state")["lease"]["address"]
            self.ip("addr", "replace", addr + "/24", "dev", lab.client_if)
            self.until_lease(sub, "renew")
        elif kind == "release":
            sub.result("release")
            self.wait(sub, lambda e: e["event"] == "lease_lost", n, "lease_lost")
            sub.result("restart")
            self.wait(sub, lambda e: e["event"] == "lease" and e["kind"] == "acquired", n,
                      "lease acquired")
        else:
            raise ValueError(kind)
        if any(e["event"] == "state" and e.get("new") == "GRANTED" for e in sub.events[n:]):
            self.probes += 1                    # an ARP probe ran (-a100)
        sub.close()
        self.noise_conn(NOISE[index % len(NOISE)])
        self.until_bound(time.monotonic() + CYCLE_TIMEOUT)
        self.mix[kind] += 1
        self.times[kind].append(time.monotonic() - t0)

    def noise_conn(self, how):
        """A second connection of the cycle, ended otherwise than cleanly."""
        c = Ctl(self.sock)
        if how == "unread":            # a reply the daemon cannot deliver
            c.sock.sendall(encode({"id": 1, "cmd": "stats"}) + encode({"id": 2, "cmd": "server"}))
        elif how == "garbage":          # noise, a bad CRC, an oversize line, then a request
            c.sock.sendall(bytes(self.rng.getrandbits(8) for _ in range(300)) + b"\n"
                           + b"@@{\"id\":1,\"cmd\":\"hello\"}#00000000\n" + b"x" * 3000 + b"\n")
            c.result("hello")
        elif how == "half-frame":
            c.sock.sendall(b'@@{"id":1,"cmd":"sta')
        c.close()
        self.noise[how] += 1

    # measuring
    def sample(self, cycle):
        """What the daemon holds at a quiet point: only the monitor's
        connection open (waits up to 3 s for the daemon to see the cycle's
        connections closed: a leak stays and shows)."""
        deadline = time.monotonic() + 3
        while True:
            stats = self.mon.result("stats")
            clients = stats["control"]["clients"]
            if clients == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        pid = self.pid
        kinds = fd_kinds(pid)
        return {"cycle": cycle, "fds": sum(kinds.values()), "kinds": kinds,
                "rss": proc_status(pid, "VmRSS"), "anon": proc_status(pid, "RssAnon"),
                "clients": clients,
                "unix": kinds.get("unix", 0), "children": children(pid),
                "cpu": cpu_ticks(pid), "t": time.monotonic(), "stats": stats}


def slope(points):
    """Least-squares slope of [(x, y)]."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def run_soak(lab, cycles=1000, warmup=None, seed=1, progress=None, dhcpc=None):
    """Run the soak in `lab` (a rig.Lab); returns a dict of results (see
    table()). `warmup` cycles (default a tenth, at least 20) run before the
    first sample. progress(text) is called every 100 cycles. `dhcpc`: the
    daemon's package directory (default the repository's host/dhcpc)."""
    if warmup is None:
        warmup = max(20, cycles // 10)
    warmup = min(warmup, cycles)
    say = progress or (lambda text: None)
    s = Soak(lab, seed, dhcpc)
    t_start = time.monotonic()
    s.start()
    samples = []
    order = []
    try:
        for i in range(cycles):
            if i % len(KINDS) == 0:
                block = list(KINDS)
                s.rng.shuffle(block)
                order = block
            kind = order[i % len(KINDS)]
            s.cycle(kind, i)
            done = i + 1
            if done >= warmup and (done == warmup or done % SAMPLE_EVERY == 0 or done == cycles):
                samples.append(s.sample(done))
            if done % 100 == 0:
                last = samples[-1] if samples else s.sample(done)
                say("cycle {}/{}: fds {}, RSS {} KiB ({} anonymous), clients {}, {:.0f} s".format(
                    done, cycles, last["fds"], last["rss"], last["anon"], last["clients"],
                    time.monotonic() - t_start))
        if not samples:
            samples.append(s.sample(cycles))
        c0 = cpu_ticks(s.pid)
        time.sleep(1.0)
        idle = cpu_ticks(s.pid) - c0
        alive = s.run.proc.poll() is None
        state = s.mon.result("state")
        log = s.run.log()
    finally:
        s.close()
    first, last = samples[0], samples[-1]
    span = last["cycle"] - first["cycle"]

    def per1000(key):
        return (last[key] - first[key]) * 1000.0 / span if span else 0.0

    hz = os.sysconf("SC_CLK_TCK")
    return {
        "cycles": cycles, "warmup": warmup, "seed": seed, "span": span,
        "mix": s.mix, "noise": s.noise, "retries": s.retries, "probes": s.probes,
        "times": dict((k, (sum(v) / len(v) if v else 0.0, max(v) if v else 0.0))
                      for k, v in s.times.items()),
        "samples": samples, "first": first, "last": last,
        "fds_range": (min(x["fds"] for x in samples), max(x["fds"] for x in samples)),
        "clients_range": (min(x["clients"] for x in samples), max(x["clients"] for x in samples)),
        "growth": {"fds": per1000("fds"), "rss": per1000("rss"), "anon": per1000("anon"),
                   "clients": per1000("clients"), "unix": per1000("unix")},
        "rss_slope": slope([(x["cycle"], x["rss"]) for x in samples]) * 1000.0,
        "anon_slope": slope([(x["cycle"], x["anon"]) for x in samples]) * 1000.0,
        "rss_max": max(x["rss"] for x in samples),
        "cpu_per_cycle_ms": ((last["cpu"] - first["cpu"]) * 1000.0 / hz / span) if span else 0.0,
        "idle_cpu_ms": idle * 1000.0 / hz,
        "alive": alive, "state": state, "duration": time.monotonic() - t_start,
        "log_counts": dict((k, log.count(k)) for k in (
            "packet socket:", "unicast via UDP socket", "interface gone", "link down",
            "received NAK", "send:", "No buffer space", "Message too long", "Traceback")),
    }


def table(r):
    """The figures as printed by `make bench`."""
    f, e = r["first"], r["last"]
    c = e["stats"]["client"]
    ctl = e["stats"]["control"]
    lines = [
        "dhcpc soak: {} cycles (warm-up {}, measured over {}), seed {}, {:.0f} s "
        "({:.0f} ms a cycle)".format(r["cycles"], r["warmup"], r["span"], r["seed"], r["duration"],
                r["duration"] * 1000.0 / r["cycles"]),
        "",
        "{:<16} {:>6} {:>9} {:>9}".format("cycle", "count", "mean ms", "max ms"),
    ]
    for k in KINDS:
        mean, mx = r["times"][k]
        lines.append("{:<16} {:>6} {:>9.0f} {:>9.0f}".format(k, r["mix"][k], mean * 1000,
                                                             mx * 1000))
    lines.append("noise connections: " + ", ".join(
        "{} {}".format(k, v) for k, v in r["noise"].items())
        + "; commands resent {}; ARP probes {}".format(r["retries"], r["probes"]))
    lines += [
        "",
        "{:<28} {:>10} {:>10} {:>14}".format("after cycle", f["cycle"], e["cycle"],
                                             "growth/1000"),
        "{:<28} {:>10} {:>10} {:>14.1f}".format("open fds", f["fds"], e["fds"],
                                                r["growth"]["fds"]),
        "{:<28} {:>10} {:>10} {:>14.1f}".format("  of which unix sockets", f["unix"], e["unix"],
                                                r["growth"]["unix"]),
        "{:<28} {:>10} {:>10} {:>14.1f}".format("control clients (stats)", f["clients"],
                                                e["clients"], r["growth"]["clients"]),
        "{:<28} {:>10} {:>10} {:>14.1f}".format("RSS KiB", f["rss"], e["rss"],
                                                r["growth"]["rss"]),
        "{:<28} {:>10} {:>10} {:>14.1f}".format("  of which anonymous", f["anon"], e["anon"],
                                                r["growth"]["anon"]),
        "{:<28} {:>10} {:>10}".format("child processes", f["children"], e["children"]),
        "",
        "fds by kind: {} -> {}".format(_kinds(f["kinds"]), _kinds(e["kinds"])),
        "fds over every sample: {}..{}; control clients {}..{}; {} samples".format(
            r["fds_range"][0], r["fds_range"][1], r["clients_range"][0], r["clients_range"][1],
            len(r["samples"])),
        "RSS: least-squares slope {:+.1f} KiB/1000 cycles (anonymous {:+.1f}), max {} KiB".format(
            r["rss_slope"], r["anon_slope"], r["rss_max"]),
        "CPU {:.1f} ms a cycle; idle afterwards {:.0f} ms in 1 s".format(
            r["cpu_per_cycle_ms"], r["idle_cpu_ms"]),
        "daemon: {}, {}; control connections ever {}, dropped {}, refused {}".format(
            "alive" if r["alive"] else "DEAD", r["state"]["state"], ctl.get("connections"),
            ctl.get("clients_dropped"), ctl.get("clients_refused")),
        "client counters (whole run): NAKs {}, send failures {}, leases {}, "
        "renew_ok {}, rebind_ok {}".format(
            c.get("naks", c.get("received", {}).get("NAK")), c.get("send_failed"),
            c.get("leases"), c.get("renew_ok"), c.get("rebind_ok")),
        "daemon log: " + ", ".join("{!r} x{}".format(k, v) for k, v in r["log_counts"].items()),
    ]
    return "\n".join(lines)


def _kinds(k):
    return " ".join("{}={}".format(n, v) for n, v in sorted(k.items()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dhcpc", default=None, metavar="DIR",
                    help="run this dhcpc package directory instead of host/dhcpc "
                         "(e.g. a patched copy, to compare)")
    ap.add_argument("--board", action="store_true",
                    help="the virtual board's soak instead (bench/soak_board.py)")
    a = ap.parse_args(argv)
    if a.board:
        sys.path.insert(0, HERE)
        try:
            import soak_board
        except ImportError as e:
            if getattr(e, "name", None) != "soak_board":
                raise
            print("bench/soak.py --board: bench/soak_board.py is not there (yet)")
            return 1
        return soak_board.main(a.cycles)
    if os.geteuid() != 0:
        print("bench/soak.py: needs root (network namespaces); skipped")
        return 0
    with rig.Lab() as lab:
        r = run_soak(lab, a.cycles, a.warmup, a.seed, progress=lambda t: print(t, flush=True),
                     dhcpc=a.dhcpc and os.path.abspath(a.dhcpc))
    print(table(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
