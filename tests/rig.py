"""Network-namespace test rig: a throw-away two-host LAN per test.

    with Lab() as lab:                      # or the `lab` pytest fixture
        lab.dnsmasq("192.0.2.100", "192.0.2.199")
        replies = exchange(lab, [bootp_discover(lab.client_mac, b"\\x01\\x02\\x03\\x04")])

Layout of one Lab:

    namespace lab.server_ns                    namespace lab.client_ns
    lo up, srv0 192.0.2.1/24  <--- veth --->   lo up, cli0 up, no address

Rules the rig keeps (and callers must keep too):
- traffic stays inside the two namespaces; nothing is created in the root
  namespace (the veth pair is created directly inside the two namespaces);
- only documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24);
- teardown (also on failure or Ctrl-C) kills only the processes the Lab
  started, by pid (each runs in its own session, so its process group is the
  Lab's too), deletes both namespaces (which removes the veth and any
  nftables rules) and removes the Lab's temporary directory.

Every process runs as `ip netns exec NS cmd...`; `ip` execs the command in
place, so the Popen pid is the command's pid.
"""
import atexit
import binascii
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(REPO, "shared")
VENV_BIN = os.path.join(REPO, ".venv", "bin")
RIGCLIENT = os.path.join(REPO, "tests", "rigclient.py")

SERVER_IP = "192.0.2.1"
PREFIX = 24

_counter = [0]
_open_labs = []
REPORT = []  # lines tests want shown in pytest's terminal summary (see conftest.py)


# --- skip or fail -----------------------------------------------------------

def in_ci():
    """True when DHCP4C_CI is set: missing prerequisites fail instead of skip."""
    return bool(os.environ.get("DHCP4C_CI"))


def skip_or_fail(reason):
    """Skip the test, or fail it under DHCP4C_CI (CI must not pass by skipping)."""
    if in_ci():
        pytest.fail("DHCP4C_CI is set and a prerequisite is missing: " + reason, pytrace=False)
    pytest.skip(reason)


def need_root():
    """Skip (fail under DHCP4C_CI) unless we are root and `ip netns` works."""
    if os.geteuid() != 0:
        skip_or_fail("needs root for network namespaces")
    if not shutil.which("ip"):
        skip_or_fail("needs iproute2 (`ip`)")
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    if r.returncode != 0:
        skip_or_fail("`ip netns` does not work here: " + r.stderr.strip())


def need_tool(name):
    """Path of executable `name` (the venv's bin first, then PATH, then sbin);
    skip (fail under DHCP4C_CI) when it is missing."""
    path = tool(name)
    if not path:
        skip_or_fail("needs `{}` (run scripts/bootstrap.sh as root)".format(name))
    return path


def tool(name):
    """Path of executable `name` or None: .venv/bin, then PATH, then sbin dirs."""
    cand = os.path.join(VENV_BIN, name)
    if os.access(cand, os.X_OK):
        return cand
    path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin"
    return shutil.which(name, path=path)


def interpreter(name):
    """Command list for a Python interpreter: "python" (the venv's CPython, or
    this one), "micropython" (the venv's unix port, 64-bit), or the 32-bit
    unix ports scripts/micropython.py builds: "micropython-i386" (asyncio
    frozen, as on a board) and "micropython-i386-frozen" (also the unix
    virtual board's files frozen; they import with `.frozen` on MICROPYPATH)."""
    if name in ("python", "cpython"):
        cand = os.path.join(VENV_BIN, "python")
        return [cand if os.access(cand, os.X_OK) else sys.executable]
    if name == "micropython":
        return [need_tool("micropython")]
    if name in ("micropython-i386", "micropython-i386-frozen"):
        return [micropython_build(name)]
    raise ValueError("unknown interpreter {!r}".format(name))


MP_BUILD = os.path.join(REPO, "build", "micropython")
MP_BUILDS = {"mpy-cross": "bin/mpy-cross",
             "micropython-i386": "bin/micropython-i386",
             "micropython-i386-frozen": "bin/micropython-i386-frozen",
             "plain": "qemu/plain.elf",      # Cortex-M3, nothing of ours frozen
             "dhcp4c": "qemu/dhcp4c.elf",    # Cortex-M3, dhcp4c frozen
             "tests": "qemu/tests.elf"}      # Cortex-M3, dhcp4c and tests/core frozen


def micropython_build(name):
    """Path of something scripts/micropython.py built under build/micropython/:
    a key of MP_BUILDS. Skips (fails under DHCP4C_CI) when it is missing, or
    when a file it froze is newer than it (run scripts/bootstrap.sh)."""
    rel = MP_BUILDS[name]
    path = os.path.join(MP_BUILD, rel)
    if not os.path.isfile(path):
        skip_or_fail("needs build/micropython/{} (scripts/bootstrap.sh builds it from "
                     "MicroPython's source; see MICROPY_SRC in README.md)".format(rel))
    built = os.path.getmtime(path)
    for src in micropython_frozen(name).values():
        full = os.path.join(REPO, src)
        if not os.path.exists(full) or os.path.getmtime(full) > built:
            skip_or_fail("build/micropython/{} is older than {}: run scripts/bootstrap.sh".format(
                rel, src))
    return path


def micropython_frozen(name):
    """{path inside the image: source file relative to REPO} of what the build
    `name` (a key of MP_BUILDS) froze, as build/micropython/frozen.json records
    it; {} when unknown."""
    import json
    try:
        with open(os.path.join(MP_BUILD, "frozen.json")) as f:
            return json.load(f).get(MP_BUILDS[name], {})
    except (OSError, ValueError):
        return {}


QEMU_CMD = ["qemu-system-arm", "-machine", "mps2-an385", "-display", "none",
            "-serial", "stdio", "-monitor", "none", "-semihosting"]


def qemu_run(code, image="tests", timeout=60):
    """Boot a Cortex-M3 image (a MP_BUILDS name or a path to an .elf) under
    qemu-system-arm, run `code` in its raw REPL and return (out, err): what
    the code printed, and the traceback if it raised ("" otherwise), both
    with Unix line ends. Raises RuntimeError when the board does not answer
    as expected within `timeout` seconds. The qemu process is killed in any
    case (only that one)."""
    import select
    elf = image if os.sep in image else micropython_build(image)
    exe = need_tool("qemu-system-arm")
    err_log = tempfile.TemporaryFile()
    p = subprocess.Popen([exe] + QEMU_CMD[1:] + ["-kernel", elf], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=err_log, start_new_session=True)
    seen = bytearray()
    deadline = time.monotonic() + timeout

    def until(marker, send=b""):
        # Read (writing `send` meanwhile, never blocking on either pipe) until
        # `marker` has arrived; returns what came before it and drops it from `seen`.
        while send or marker not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or p.poll() is not None:
                err_log.seek(0)
                raise RuntimeError("qemu: no {!r} after {} s (exit {}); output:\n{}{}".format(
                    marker, timeout, p.poll(), seen.decode(errors="replace"),
                    err_log.read().decode(errors="replace")))
            r, w, _ = select.select([p.stdout], [p.stdin] if send else [], [], min(left, 0.5))
            if w:
                n = os.write(p.stdin.fileno(), send[:4096])
                send = send[n:]
            if r:
                seen.extend(os.read(p.stdout.fileno(), 65536) or b"")
        before, _, after = bytes(seen).partition(marker)
        seen[:] = after
        return before

    try:
        until(b">>> ")                                      # booted: the friendly REPL
        until(b"raw REPL; CTRL-B to exit\r\n>", b"\x01")    # Ctrl-A: raw REPL
        until(b"OK", code.encode() + b"\x04")               # Ctrl-D runs it
        out = until(b"\x04")
        err = until(b"\x04>")
        return tuple(b.decode(errors="replace").replace("\r\n", "\n") for b in (out, err))
    finally:
        p.kill()
        p.wait()
        err_log.close()


def pip_install(python, venv):
    """`pip install .` of this project (not editable) into a new venv of
    `python` at `venv`, with the running interpreter's pip. Returns the last
    step's CompletedProcess (returncode 0 when all went well); the commands
    are then in venv/bin."""
    r = subprocess.run([python, "-m", "venv", "--without-pip", venv],
                       capture_output=True, text=True, timeout=60)
    if r.returncode == 0:
        r = subprocess.run([sys.executable, "-m", "pip", "--python",
                            os.path.join(venv, "bin", "python"), "install", "-q",
                            "--disable-pip-version-check", REPO],
                           capture_output=True, text=True, timeout=300)
    return r


# --- the lab ----------------------------------------------------------------

def _ip(*args, check=True):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("ip {} failed: {}".format(" ".join(args), r.stderr.strip()))
    return r


class Lab:
    """Two network namespaces joined by a veth pair; see the module docstring.

    Attributes: server_ns, client_ns (namespace names), server_if, client_if
    (interface names inside them), server_ip, client_mac (bytes, 6), tmp (a
    private temporary directory), procs (Popen objects this Lab started).
    """

    def __init__(self, server_if="srv0", client_if="cli0", server_ip=SERVER_IP):
        _counter[0] += 1
        base = "d4c-{}-{}".format(os.getpid(), _counter[0])
        self.server_ns = base + "-s"
        self.client_ns = base + "-c"
        self.server_if = server_if
        self.client_if = client_if
        self.server_ip = server_ip
        self.procs = []
        self.tmp = None
        self._made = []
        self._closed = False

    # context manager
    def __enter__(self):
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _setup(self):
        _open_labs.append(self)
        self.tmp = tempfile.mkdtemp(prefix=self.server_ns[:-2] + "-")
        os.chmod(self.tmp, 0o755)  # servers may drop privileges and still read their config
        for ns in (self.server_ns, self.client_ns):
            _ip("netns", "add", ns)
            self._made.append(ns)
            _ip("-n", ns, "link", "set", "lo", "up")
            # No IPv6 chatter (router solicitations, DAD) on the test LAN.
            self.run(["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;"
                      "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"], ns=ns, check=False)
        # Created directly inside the two namespaces: never in the root one.
        _ip("link", "add", self.server_if, "netns", self.server_ns, "type", "veth",
            "peer", "name", self.client_if, "netns", self.client_ns)
        _ip("-n", self.server_ns, "addr", "add",
            "{}/{}".format(self.server_ip, PREFIX), "dev", self.server_if)
        _ip("-n", self.server_ns, "link", "set", self.server_if, "up")
        _ip("-n", self.client_ns, "link", "set", self.client_if, "up")
        out = _ip("-n", self.client_ns, "-o", "link", "show", self.client_if).stdout
        mac = out.split("link/ether", 1)[1].split()[0]
        self.client_mac = binascii.unhexlify(mac.replace(":", ""))

    def close(self):
        """Kill what this Lab started, delete its namespaces and temp dir.
        Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        for p in reversed(self.procs):
            _stop(p)
        for ns in reversed(self._made):
            _ip("netns", "del", ns, check=False)
        self._made = []
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if self in _open_labs:
            _open_labs.remove(self)

    def ns(self, which):
        """Namespace name for "server"/"client" (or a namespace name itself)."""
        return {"server": self.server_ns, "client": self.client_ns}.get(which, which)

    # processes
    def run(self, cmd, ns="client", check=True, timeout=30, **kw):
        """Run `cmd` (list) to completion inside namespace `ns`; returns the
        CompletedProcess (text output captured)."""
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        r = subprocess.run(["ip", "netns", "exec", self.ns(ns)] + list(cmd),
                           timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise RuntimeError("{} exited {} in {}:\n{}{}".format(
                cmd, r.returncode, ns, r.stdout or "", r.stderr or ""))
        return r

    def start(self, cmd, ns="client", name=None, **kw):
        """Start `cmd` (list) in the background inside namespace `ns`. Its
        stdout and stderr go to a log file in self.tmp (`proc.log_path`;
        read it with self.log(proc)). The process is stopped at teardown."""
        name = name or os.path.basename(cmd[0])
        log_path = os.path.join(self.tmp, "{}-{}.log".format(name, len(self.procs)))
        log = open(log_path, "wb")
        try:
            p = subprocess.Popen(["ip", "netns", "exec", self.ns(ns)] + list(cmd),
                                 stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, **kw)
        finally:
            log.close()
        p.log_path = log_path
        p.name = name
        self.procs.append(p)
        return p

    def stop(self, proc):
        """Stop one process this Lab started (SIGTERM, then SIGKILL)."""
        _stop(proc)

    def log(self, proc):
        with open(proc.log_path, "r", errors="replace") as f:
            return f.read()

    def wait_log(self, proc, text, timeout=5.0):
        """proc's log once it contains `text`, in any case (servers log a moment
        after they answer); the log as it is after `timeout` otherwise."""
        wait_until(lambda: text.lower() in self.log(proc).lower(), timeout)
        return self.log(proc)

    def wait_udp_port(self, port, ns="server", proc=None, timeout=5.0):
        """Wait until something in namespace `ns` has a UDP socket bound to
        `port`; raise (with proc's log) if proc dies or time runs out."""
        deadline = time.monotonic() + timeout
        want = ":{:04X}".format(port)
        while True:
            text = self.run(["cat", "/proc/net/udp"], ns=ns).stdout
            if any(line.split()[1].endswith(want) for line in text.splitlines()[1:]):
                return
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("{} exited {} before binding UDP {}:\n{}".format(
                    proc.name, proc.returncode, port, self.log(proc)))
            if time.monotonic() > deadline:
                raise RuntimeError("nothing bound UDP {} in {} after {} s{}".format(
                    port, ns, timeout, ":\n" + self.log(proc) if proc else ""))
            time.sleep(0.02)

    # addresses
    def client_addr(self, addr, prefix=PREFIX):
        """Give the client interface an address (e.g. once a lease is bound)."""
        _ip("-n", self.client_ns, "addr", "add", "{}/{}".format(addr, prefix),
            "dev", self.client_if)

    def client_flush(self):
        """Remove every address from the client interface."""
        _ip("-n", self.client_ns, "addr", "flush", "dev", self.client_if)

    # servers
    def dnsmasq(self, range_start="192.0.2.100", range_end="192.0.2.199", lease="2m",
                extra_conf=(), args=()):
        """Start dnsmasq as the DHCP server on the server veth and wait until
        it listens. DNS is off (port=0), no ping before offers, authoritative,
        leases (at least 2m: dnsmasq refuses shorter ones) in self.tmp.
        Returns the Popen; its log is self.log(proc) (log-dhcp is on)."""
        exe = need_tool("dnsmasq")
        d = self.tmp
        conf = [
            "port=0",
            "interface=" + self.server_if,
            "bind-interfaces",
            "dhcp-range={},{},255.255.255.0,{}".format(range_start, range_end, lease),
            "dhcp-authoritative",
            "no-ping",
            "log-dhcp",
            "dhcp-leasefile=" + os.path.join(d, "dnsmasq.leases"),
            "pid-file=" + os.path.join(d, "dnsmasq.pid"),
            "user=root",
        ] + list(extra_conf)
        path = os.path.join(d, "dnsmasq.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        p = self.start([exe, "--keep-in-foreground", "--log-facility=-", "--conf-file=" + path]
                       + list(args), ns="server", name="dnsmasq")
        self.wait_udp_port(67, ns="server", proc=p)
        return p

    run_server = dnsmasq

    # loss
    def loss(self, percent, side="server"):
        """Drop `percent` % of DHCP packets at random (nftables netdev egress,
        which also sees packet-socket traffic). side="server": replies on the
        server veth (udp sport 67); side="client": requests on the client
        veth (udp dport 67). 0 removes the rule."""
        if side == "server":
            ns, dev, match = self.server_ns, self.server_if, "udp sport 67"
        elif side == "client":
            ns, dev, match = self.client_ns, self.client_if, "udp dport 67"
        else:
            raise ValueError("side must be 'server' or 'client'")
        script = "add table netdev d4c_loss\ndelete table netdev d4c_loss\n"
        if percent > 0:
            if percent < 100:
                match += " numgen random mod 100 < {}".format(int(percent))
            script += ("table netdev d4c_loss {{\n chain eg {{\n"
                       "  type filter hook egress device \"{}\" priority 0;\n"
                       "  {} drop\n }}\n}}\n").format(dev, match)
        self.run([need_tool("nft"), "-f", "-"], ns=ns, input=script)

    # python in the client namespace
    def python(self, code=None, script=None, args=(), interp="python", ns="client",
               timeout=30, check=True, input=None):
        """Run a Python snippet (`code`) or file (`script`) with `interp`
        ("python": the venv's CPython; "micropython": the unix port) inside
        namespace `ns`; shared/ is on the import path; `input` (str) is fed
        to stdin. Returns the CompletedProcess (text). Keep each argument
        under 256 characters: the MicroPython unix port aborts ("FATAL:
        uncaught NLR") on longer ones; pass data through `input` instead."""
        if (code is None) == (script is None):
            raise ValueError("give exactly one of code, script")
        if code is not None:
            script = os.path.join(self.tmp, "snippet-{}.py".format(time.monotonic_ns()))
            with open(script, "w") as f:
                f.write(code)
        env = dict(os.environ)
        env["PYTHONPATH"] = SHARED
        env["MICROPYPATH"] = ".frozen:" + SHARED
        return self.run(interpreter(interp) + [script] + [str(a) for a in args],
                        ns=ns, timeout=timeout, check=check, env=env, input=input)


class SideLab(Lab):
    """One more server namespace, joined by a veth of its own to an existing
    Lab's client namespace: the client then has two interfaces, each on its
    own LAN with its own server.

        with Lab() as lab, SideLab(lab) as side:
            lab.dnsmasq()                                  # 192.0.2.0/24 on lab.client_if
            side.dnsmasq("198.51.100.100", "198.51.100.199")  # on side.client_if

    Everything a Lab offers works on it (dnsmasq, start, run, loss, log):
    "client" is the shared client namespace, client_if the new interface
    there, server_ns/server_if its own. Only the server namespace is its own:
    close() deletes that (which removes the veth and the client-side
    interface with it) and leaves the client namespace to `lab`.
    """

    def __init__(self, lab, server_if="srv1", client_if="cli1", server_ip="198.51.100.1"):
        super().__init__(server_if, client_if, server_ip)
        self.client_ns = lab.client_ns

    def _setup(self):
        _open_labs.append(self)
        self.tmp = tempfile.mkdtemp(prefix=self.server_ns[:-2] + "-")
        os.chmod(self.tmp, 0o755)
        ns = self.server_ns
        _ip("netns", "add", ns)
        self._made.append(ns)
        _ip("-n", ns, "link", "set", "lo", "up")
        self.run(["sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;"
                  "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"], ns=ns, check=False)
        _ip("link", "add", self.server_if, "netns", ns, "type", "veth",
            "peer", "name", self.client_if, "netns", self.client_ns)
        _ip("-n", ns, "addr", "add", "{}/{}".format(self.server_ip, PREFIX), "dev", self.server_if)
        _ip("-n", ns, "link", "set", self.server_if, "up")
        _ip("-n", self.client_ns, "link", "set", self.client_if, "up")
        out = _ip("-n", self.client_ns, "-o", "link", "show", self.client_if).stdout
        mac = out.split("link/ether", 1)[1].split()[0]
        self.client_mac = binascii.unhexlify(mac.replace(":", ""))


def _stop(p, grace=2.0):
    """Stop a process we started: its own session/process group (created by
    start_new_session, so it holds only what we started), SIGTERM, then
    SIGKILL after `grace` seconds."""
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        p.terminate()
    try:
        p.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            p.kill()
        p.wait(grace)


@atexit.register
def _close_all():
    for lab in list(_open_labs):
        lab.close()


# --- raw DHCP payloads from the client namespace ----------------------------

def wait_until(pred, timeout=5.0):
    """pred()'s value once it is true, or its last (false) value after
    `timeout` seconds, for the caller's assert."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.02)


def exchange(lab, payloads, timeout=2.0, interp="python"):
    """Send raw DHCP payloads (bytes or hex strings) from the client namespace
    as UDP 0.0.0.0:68 -> 255.255.255.255:67 on lab.client_if, one after the
    other, waiting after each up to `timeout` s for a reply with the same xid.
    Returns the reply payloads (bytes, UDP payload only) in arrival order,
    only those whose xid matches one that was sent. Needs a running server
    (e.g. lab.dnsmasq()). Set the BOOTP broadcast flag in the payloads: the
    client has no address, so unicast replies would not arrive."""
    hexes = []
    for p in payloads:
        if isinstance(p, str):
            p = binascii.unhexlify("".join(p.split()))
        hexes.append(binascii.hexlify(p).decode())
    r = lab.python(script=RIGCLIENT, interp=interp,
                   args=[lab.client_if, int(timeout * 1000)], input="\n".join(hexes) + "\n",
                   timeout=timeout * len(hexes) + 30)
    return [binascii.unhexlify(line[2:]) for line in r.stdout.splitlines()
            if line.startswith("R ")]


exchange_with_dnsmasq = exchange


MAGIC = b"\x63\x82\x53\x63"


def bootp(op_type, mac, xid, options=(), ciaddr=b"\0\0\0\0", broadcast=True):
    """Hand-packed BOOTREQUEST (stdlib only, independent of dhcp4c) with DHCP
    message type `op_type`, the given chaddr/xid, and extra options as
    (code, bytes) pairs; broadcast flag set by default."""
    hdr = struct.pack("!BBBB4sHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0,
                      0x8000 if broadcast else 0, ciaddr, b"\0" * 4, b"\0" * 4,
                      b"\0" * 4, mac, b"", b"")
    opts = bytes([53, 1, op_type])
    for code, value in options:
        opts += bytes([code, len(value)]) + value
    return hdr + MAGIC + opts + b"\xff"


def bootp_discover(mac, xid, options=()):
    return bootp(1, mac, xid, options)


def bootp_request(mac, xid, requested_ip, server_id, options=()):
    """REQUEST in the SELECTING form (RFC 2131 table 5): options 50 and 54."""
    return bootp(3, mac, xid, [(50, requested_ip), (54, server_id)] + list(options))


def dhcp_options(payload):
    """{code: bytes} of a reply's options field (no overload handling: a
    rig helper for assertions, not the codec)."""
    if payload[236:240] != MAGIC:
        raise ValueError("no magic cookie")
    out, i = {}, 240
    while i < len(payload):
        code = payload[i]
        if code == 0:
            i += 1
            continue
        if code == 255:
            break
        n = payload[i + 1]
        out[code] = out.get(code, b"") + payload[i + 2:i + 2 + n]
        i += 2 + n
    return out


def ip4(b):
    return ".".join(str(x) for x in b)
