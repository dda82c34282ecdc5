"""The daemon's control socket (host/dhcpc/control.py, issue 5): the real
dhcpc bound by dnsmasq in a Lab, driven by the real dhcpctl (a separate
process) or by raw bytes on its Unix socket. What the daemon says is checked
against what the server saw: dnsmasq's log (log-dhcp) and lease file.

Each test gives dhcpc an explicit --control path in lab.tmp (the Lab's
namespaces share /run with the host); test_default_path uses the real
/run/dhcpc/<iface>.sock with an interface name of its own and cleans up.
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

import rig
from dhcpcrig import Run

HOST = os.path.join(rig.REPO, "host")
if HOST not in sys.path:
    sys.path.insert(0, HOST)

import dhcpctl  # noqa: E402
from dhcp4c.frames import FrameReader, NEED_DATA, encode  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([rig.SHARED, HOST]))
DHCPCTL = [sys.executable, os.path.join(HOST, "dhcpctl.py")]


def ctl(*args, check=True, timeout=20):
    """Run dhcpctl; returns the CompletedProcess (or the --json result when
    the arguments ask for --json and check is set)."""
    r = subprocess.run(DHCPCTL + list(args), capture_output=True, text=True, env=ENV,
                       timeout=timeout)
    if check:
        assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
        if "--json" in args:
            return json.loads(r.stdout)
    return r


class Daemon:
    """dhcpc -f with a control socket in lab.tmp, bound by dnsmasq."""

    def __init__(self, lab, args=(), lease="2m", conf=()):
        self.lab = lab
        self.dnsmasq = lab.dnsmasq(lease=lease, extra_conf=conf)
        self.sock = os.path.join(lab.tmp, "dhcpc.sock")
        self.run = Run(lab, ["-f", "--control", self.sock] + list(args)).start()
        self.run.wait_action("bound")
        deadline = time.monotonic() + 5
        while not os.path.exists(self.sock):      # made once the daemon is quiet
            assert time.monotonic() < deadline, self.run.log()
            time.sleep(0.01)

    def q(self, *args):
        return ctl("--socket", self.sock, "--json", *args)

    def server_log(self):
        return self.lab.log(self.dnsmasq)

    def seen(self, kind):
        """dnsmasq's log lines for DHCP message `kind` (DISCOVER, OFFER...)."""
        return re.findall(r"\bDHCP{}\(".format(kind), self.server_log())

    def leases(self):
        try:
            with open(os.path.join(self.lab.tmp, "dnsmasq.leases")) as f:
                return f.read()
        except FileNotFoundError:
            return ""


def wait_for(pred, what, timeout=10.0, log=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("no {} after {} s\n{}".format(what, timeout, log()))
        time.sleep(0.05)


def connectable(path):
    try:
        raw(path).close()
        return True
    except OSError:
        return False


def raw(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def frames_from(s, n, timeout=5.0):
    """Read until `n` frames arrived on socket s; returns them."""
    r = FrameReader(1 << 20)
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n:
        left = deadline - time.monotonic()
        assert left > 0, "got {} of {} frames: {}".format(len(out), n, out)
        if select.select([s], [], [], left)[0]:
            data = s.recv(65536)
            assert data, "daemon closed the connection"
            r.receive_data(data)
        while True:
            f = r.next_frame()
            if f is NEED_DATA:
                break
            out.append(f)
    return out


# --- requests against the bound daemon ---------------------------------------

def test_hello_state_server_after_bind(lab):
    d = Daemon(lab)
    h = d.q("hello")
    assert h["board"] == "linux" and h["protocol"] == 1
    with open(os.path.join(rig.REPO, "manifest.json")) as f:
        assert h["firmware"] == json.load(f)["version"]
    assert "renew" in h["capabilities"] and "events" in h["capabilities"]

    st = d.q("state")
    assert st["state"] == "BOUND", st
    lease = st["lease"]
    addr = lease["address"]
    assert addr.startswith("192.0.2.") and addr in d.leases()
    assert lease["server_id"] == lab.server_ip and lease["lease_time"] == 120
    assert 0 < lease["t1_in_ms"] < lease["t2_in_ms"] < lease["expiry_in_ms"] <= 120000
    assert lease["t1"] < lease["t2"] < lease["lease_time"]
    human = ctl("--socket", d.sock, "state")
    assert "BOUND" in human.stdout and addr in human.stdout and "T1 in" in human.stdout

    srv = d.q("server")["servers"]
    assert len(srv) == 1 and srv[0]["id"] == lab.server_ip and srv[0]["address"] == lab.server_ip
    assert srv[0]["options"]["51"] == "%08x" % 120 and srv[0]["count"] >= 2   # OFFER, ACK


def test_renew_rebind_release_as_the_server_sees_them(lab):
    d = Daemon(lab)
    addr = d.q("state")["lease"]["address"]
    requests = len(d.seen("REQUEST"))

    assert d.q("renew")["state"] == "RENEWING"
    wait_for(lambda: len(d.seen("REQUEST")) == requests + 1, "REQUEST after renew",
             log=d.server_log)
    d.run.wait_action("renew")
    wait_for(lambda: d.q("state")["state"] == "BOUND", "BOUND after renew")
    st = d.q("stats")["client"]
    assert st["renew_ok"] == 1

    assert d.q("rebind")["state"] == "REBINDING"
    wait_for(lambda: len(d.seen("REQUEST")) == requests + 2, "REQUEST after rebind",
             log=d.server_log)
    d.run.wait_action("renew", count=2)
    wait_for(lambda: d.q("state")["state"] == "BOUND", "BOUND after rebind")
    assert d.q("stats")["client"]["rebind_ok"] == 1

    assert addr in d.leases()
    r = ctl("--socket", d.sock, "release")
    assert "STOPPED" in r.stdout or "release" in r.stdout
    wait_for(lambda: d.seen("RELEASE"), "RELEASE at dnsmasq", log=d.server_log)
    wait_for(lambda: addr not in d.leases(), "the lease gone from dnsmasq's file",
             log=d.leases)
    d.run.wait_action("deconfig", count=2)      # at start, and after the release
    st = d.q("state")
    assert st["state"] == "STOPPED" and st["lease"] is None
    assert d.run.proc.poll() is None            # released, still serving
    assert d.q("restart")["state"] in ("INIT", "SELECTING")
    wait_for(lambda: d.q("state")["state"] == "BOUND", "BOUND after restart")


def test_stats_match_the_packets_exchanged(lab):
    d = Daemon(lab)
    d.q("renew")
    d.run.wait_action("renew")
    wait_for(lambda: d.q("state")["state"] == "BOUND", "BOUND after renew")
    d.q("rebind")
    d.run.wait_action("renew", count=2)
    wait_for(lambda: d.q("state")["state"] == "BOUND", "BOUND after rebind")
    c = d.q("stats")["client"]
    seen = {k: len(d.seen(k)) for k in ("DISCOVER", "OFFER", "REQUEST", "ACK", "NAK")}
    assert seen["DISCOVER"] >= 1 and seen["REQUEST"] == 3 and seen["ACK"] == 3, seen
    assert c["sent"].get("DISCOVER", 0) == seen["DISCOVER"]
    assert c["sent"].get("REQUEST", 0) == seen["REQUEST"]
    assert c["received"].get("OFFER", 0) == seen["OFFER"]
    assert c["received"].get("ACK", 0) == seen["ACK"]
    assert c["received"].get("NAK", 0) == seen["NAK"] == 0
    assert c["leases"] == 1 and c["renew_ok"] == 1 and c["rebind_ok"] == 1

    # reset: returns the counters, then zeroes them (control ones too)
    before = d.q("stats", "--reset")
    assert before["client"]["sent"] == c["sent"] and before["control"]["frames_in"] > 0
    after = d.q("stats")
    assert after["client"]["sent"].get("REQUEST", 0) == 0
    assert after["control"]["frames_in"] == 1 and after["control"]["clients_dropped"] == 0


def test_nak_reaches_errors_and_events(lab):
    d = Daemon(lab)
    addr = d.q("state")["lease"]["address"]
    assert d.q("errors") == {"errors": [], "total": 0}
    ev = subprocess.Popen(DHCPCTL + ["--socket", d.sock, "events", "--count", "20"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert "subscribed" in ev.stderr.readline()
        # The server forgets us and serves another range: our renewal is NAKed.
        lab.stop(d.dnsmasq)
        os.unlink(os.path.join(lab.tmp, "dnsmasq.leases"))
        d.dnsmasq = lab.dnsmasq(range_start="192.0.2.20", range_end="192.0.2.29")
        d.q("renew")
        wait_for(lambda: d.q("state")["state"] == "BOUND"
                 and d.q("state")["lease"]["address"] != addr, "a new lease after the NAK",
                 log=d.run.log)
    finally:
        # Read until both events are in (the reader prints them a moment
        # after the daemon sends them), then end the reader.
        seen = b""
        deadline = time.monotonic() + 10
        while not (b'"nak"' in seen and b'"lease_lost"' in seen) and time.monotonic() < deadline:
            if select.select([ev.stdout], [], [], 0.1)[0]:
                chunk = os.read(ev.stdout.fileno(), 65536)
                if not chunk:
                    break
                seen += chunk
        ev.terminate()
        out, _ = ev.communicate(5)
        out = seen.decode() + out
    events = [json.loads(ln) for ln in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert "nak" in kinds and "lease_lost" in kinds, events
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    errs = d.q("errors")
    assert errs["total"] >= 2
    assert {"nak", "lease"} <= {e["kind"] for e in errs["errors"]}, errs
    text = ctl("--socket", d.sock, "errors").stdout
    assert "NAK from {}".format(lab.server_ip) in text and "lost {}".format(addr) in text


def test_events_streamed_during_a_renew(lab):
    d = Daemon(lab)
    ev = subprocess.Popen(DHCPCTL + ["--socket", d.sock, "events", "--count", "4"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert "subscribed" in ev.stderr.readline()
        d.q("renew")
        out, err = ev.communicate(timeout=15)
    finally:
        if ev.poll() is None:
            ev.kill()
            ev.wait()
    assert ev.returncode == 0, err
    events = [json.loads(ln) for ln in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert sorted(kinds) == ["lease", "server", "state", "state"], events
    states = [(e["old"], e["new"]) for e in events if e["event"] == "state"]
    assert states == [("BOUND", "RENEWING"), ("RENEWING", "BOUND")] and kinds[0] == "state"
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[0]["seq"] + 4))
    lease = [e for e in events if e["event"] == "lease"]
    assert lease and lease[0]["kind"] == "renewed"
    assert lease[0]["lease"]["address"] == d.q("state")["lease"]["address"]


# --- bad input, slow clients, permissions ------------------------------------

def test_garbage_binary_and_oversize_lines(lab):
    d = Daemon(lab)
    s = raw(d.sock)
    try:
        s.sendall(b"hello there\n" + bytes(range(256)) + b"\n" + b"\x03\x04\n"
                  + b"@@" + b"x" * 5000 + b"#00000000\n"           # oversize
                  + b"@@{\"id\":1,\"cmd\":\"state\"}#00000000\n"     # bad CRC
                  + encode({"id": 2, "cmd": "frobnicate"})
                  + b"@@[1,2]#" + b"%08x" % (__import__("binascii").crc32(b"[1,2]")) + b"\n"
                  + encode({"id": 3, "cmd": "stats", "args": {"reset": 7}})
                  + encode({"id": 4, "cmd": "state"}))
        got = frames_from(s, 3)
    finally:
        s.close()
    by_id = {f["id"]: f for f in got}
    assert by_id[2]["error"]["code"] == "unknown_command"
    assert by_id[3]["error"]["code"] == "bad_args"
    assert by_id[4]["ok"] and by_id[4]["result"]["state"] == "BOUND"
    k = d.q("stats")["control"]
    assert k["oversize"] == 1 and k["bad_crc"] == 1 and k["bad_json"] == 1
    assert k["noise"] >= 3 and k["errors_sent"] == 2
    assert d.q("state")["state"] == "BOUND"
    assert d.run.proc.poll() is None


def test_a_client_that_never_reads_blocks_nobody(lab):
    d = Daemon(lab)
    # 1. pipelines requests and never reads: the daemon stops reading from it
    #    (its sends stall), still serves everybody else, and keeps it.
    slow = raw(d.sock)
    slow.setblocking(False)
    burst = encode({"id": 1, "cmd": "stats"}) * 100
    sent, stalled_since = 0, None
    deadline = time.monotonic() + 30
    while stalled_since is None or time.monotonic() - stalled_since < 1.0:
        assert time.monotonic() < deadline, "the daemon read {} bytes and never stopped".format(
            sent)
        try:
            sent += slow.send(burst)
            stalled_since = None
        except BlockingIOError:
            stalled_since = stalled_since or time.monotonic()
        t0 = time.monotonic()
        assert d.q("state")["state"] == "BOUND"        # meanwhile others are served
        assert time.monotonic() - t0 < 5
    k = d.q("stats")["control"]
    assert k["clients_dropped"] == 0 and k["clients"] == 2, k     # slow one kept
    # it gets every answer once it reads, in order
    got = frames_from(slow, 50, timeout=10)
    assert all(f["id"] == 1 and f["ok"] for f in got)
    slow.close()

    # 2. subscribes and never reads: events pile up until its buffer is full,
    #    then it is dropped and counted; the daemon goes on.
    deaf = raw(d.sock)
    deaf.sendall(encode({"id": 1, "cmd": "subscribe"}))
    sess = dhcpctl.Session(dhcpctl.SocketLink(d.sock), 5.0)
    renewals = 0
    while sess.request("stats")["control"]["clients_dropped"] == 0:
        assert renewals < 400, "never dropped after {} renewals".format(renewals)
        sess.request("renew")
        renewals += 1
        wait_for(lambda: sess.request("state")["state"] == "BOUND", "BOUND", log=d.run.log)
    assert renewals > 10          # it was given the buffers' worth first
    assert "dropped a client" in d.run.log()
    deaf.settimeout(5)
    try:
        while deaf.recv(65536):   # what was sent before the drop, then EOF: closed
            pass
    except ConnectionResetError:
        pass
    deaf.close()
    sess.link.close()
    assert d.q("state")["state"] == "BOUND" and d.run.proc.poll() is None
    assert d.q("stats", "--reset")["control"]["clients_dropped"] == 1
    assert d.q("stats")["control"]["clients_dropped"] == 0     # reset zeroes ours too


def test_many_clients_at_once(lab):
    d = Daemon(lab)
    socks = [raw(d.sock) for _ in range(16)]
    try:
        extra = raw(d.sock)             # the 17th: closed at once
        extra.settimeout(5)
        assert extra.recv(100) == b""
        extra.close()
        r = ctl("--socket", d.sock, "state", check=False)   # dhcpctl says so clearly
        assert r.returncode == dhcpctl.EXIT_NODEV and "closed the connection" in r.stderr, r
        socks.pop().close()             # room for dhcpctl
        for i, s in enumerate(socks):
            s.sendall(encode({"id": i, "cmd": "subscribe"}))
        for i, s in enumerate(socks):
            assert frames_from(s, 1)[0] == {"id": i, "ok": True, "result": {"subscribed": True}}
        d.q("renew")
        for s in socks:         # every subscriber gets the renewal's events
            evs = frames_from(s, 3)
            assert evs[0]["event"] == "state" and evs[0]["new"] == "RENEWING"
    finally:
        for s in socks:
            s.close()
    k = d.q("stats")["control"]
    assert k["clients_refused"] == 2 and k["clients"] == 1, k
    assert d.q("state")["state"] in ("BOUND", "RENEWING")


def test_non_root_cannot_connect(lab):
    d = Daemon(lab)
    assert os.stat(d.sock).st_mode & 0o777 == 0o600
    # dhcpctl as user nobody: a copy in lab.tmp (0755) run by the system's
    # python3, so the checkout's location and the venv's permissions do not
    # matter
    nobody = os.path.join(lab.tmp, "nobody")
    shutil.copytree(os.path.join(rig.SHARED, "dhcp4c"), os.path.join(nobody, "dhcp4c"))
    shutil.copy(os.path.join(HOST, "dhcpctl.py"), nobody)
    os.chmod(nobody, 0o755)
    py = shutil.which("python3", path="/usr/bin:/bin") or rig.skip_or_fail("needs python3")

    def as_nobody():
        return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               py, os.path.join(nobody, "dhcpctl.py"), "--socket", d.sock,
                               "state"], capture_output=True, text=True, timeout=20, cwd="/")
    r = as_nobody()
    assert r.returncode == dhcpctl.EXIT_NODEV, r
    assert "Permission denied" in r.stderr and r.stderr.startswith("dhcpctl: cannot connect"), \
        r.stderr
    assert d.q("state")["state"] == "BOUND"     # root still can
    # Even with the file opened up, the daemon checks the peer's uid.
    os.chmod(d.sock, 0o666)
    r = as_nobody()
    assert r.returncode == dhcpctl.EXIT_NODEV and "closed the connection" in r.stderr, r
    assert d.q("stats")["control"]["clients_refused"] == 1


# --- the default path, a stale socket, no socket -------------------------------

def test_default_path_stale_socket_and_cleanup():
    rig.need_root()
    iface = "dc{}".format(os.getpid() % 100000)     # a /run/dhcpc name of our own
    path = "/run/dhcpc/{}.sock".format(iface)
    made_dir = not os.path.isdir("/run/dhcpc")
    with rig.Lab(client_if=iface) as lab:
        try:
            lab.dnsmasq()
            # --control '': no socket
            r = Run(lab, ["-q", "-f", "--control", ""], name="nosock").run()
            assert r.returncode == 0 and not os.path.exists(path), r.stderr
            # a socket file left by a daemon that died
            os.makedirs("/run/dhcpc", exist_ok=True)
            stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            stale.bind(path)
            stale.close()
            assert not connectable(path)
            run = Run(lab, ["-f"], control=False).start()
            run.wait_action("bound")
            wait_for(lambda: connectable(path), "the new socket", log=run.log)
            assert os.stat("/run/dhcpc").st_mode & 0o777 == 0o755
            st = ctl("-i", iface, "--json", "state")
            assert st["state"] == "BOUND"
            assert os.stat(path).st_mode & 0o777 == 0o600
            run.signal(signal.SIGTERM)
            run.proc.wait(10)
            assert not os.path.exists(path)
            r = ctl("-i", iface, "state", check=False)
            assert r.returncode == dhcpctl.EXIT_NODEV and "is dhcpc running" in r.stderr
        finally:
            if os.path.exists(path):
                os.unlink(path)
            if made_dir:
                try:
                    os.rmdir("/run/dhcpc")
                except OSError:
                    pass


def test_halp_documents_control():
    r = subprocess.run(rig.interpreter("python") + ["-I", "-S", os.path.join(HOST, "dhcpc"),
                                                    "--halp"], capture_output=True, text=True)
    assert r.returncode == 0 and "--control PATH" in r.stdout and "/run/dhcpc/IFACE.sock" \
        in r.stdout


def test_what_happened_before_the_first_connection_is_kept(lab):
    # No connection until after a NAK: the Controller, made as the first
    # DISCOVER went out, knows the errors and the server from the start.
    d = Daemon(lab)
    addr = d.run.wait_action("bound")["ip"]
    lab.stop(d.dnsmasq)
    os.unlink(os.path.join(lab.tmp, "dnsmasq.leases"))
    d.dnsmasq = lab.dnsmasq(range_start="192.0.2.20", range_end="192.0.2.29")
    d.run.signal(signal.SIGUSR1)                # renew -> NAK -> a new lease
    d.run.wait_action("nak")
    new = d.run.wait_action("bound", count=2)["ip"]
    assert new != addr
    errs = d.q("errors")
    kinds = [e["kind"] for e in errs["errors"]]
    assert "nak" in kinds and "lease" in kinds, errs
    assert all(e["ago_ms"] > 0 for e in errs["errors"])
    srv = d.q("server")["servers"]
    assert len(srv) == 1 and srv[0]["count"] >= 4, srv     # OFFER, ACK, NAK?, OFFER, ACK
    assert d.q("state")["lease"]["address"] == new


def test_arp_check_runs_while_the_lease_is_granted(lab):
    """With -a the client holds the server's lease in GRANTED while the
    daemon probes it by ARP (the control socket already serves): no `bound`
    has run yet; the probe passes, the daemon accepts, `bound` follows."""
    lab.dnsmasq()
    sock = os.path.join(lab.tmp, "dhcpc.sock")
    r = Run(lab, ["-f", "-a3000", "--control", sock]).start()
    wait_for(lambda: os.path.exists(sock), "the control socket", log=r.log)
    st = ctl("--socket", sock, "--json", "state")
    assert st["state"] == "GRANTED" and st["lease"] is None, st
    assert "bound" not in r.names(), r.names()
    env = r.wait_action("bound", timeout=10)
    st = ctl("--socket", sock, "--json", "state")
    assert st["state"] == "BOUND" and st["lease"]["address"] == env["ip"], st
    assert ctl("--socket", sock, "--json", "stats")["client"]["leases"] == 1


def test_a_live_socket_or_other_file_is_not_taken_over(lab):
    lab.dnsmasq()
    path = os.path.join(lab.tmp, "taken.sock")
    other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    other.bind(path)
    other.listen(1)
    ino = os.stat(path).st_ino
    try:
        run = Run(lab, ["-f", "--control", path]).start()
        run.wait_action("bound")
        wait_for(lambda: "another daemon serves it" in run.log(), "a warning", log=run.log)
        lab.stop(run.proc)
        assert os.stat(path).st_ino == ino          # still the other one's
    finally:
        other.close()
    plain = os.path.join(lab.tmp, "plain")
    with open(plain, "w") as f:
        f.write("keep me\n")
    run = Run(lab, ["-f", "--control", plain], name="plain").start()
    run.wait_action("bound")
    wait_for(lambda: "not a socket" in run.log(), "a warning", log=run.log)
    lab.stop(run.proc)
    with open(plain) as f:
        assert f.read() == "keep me\n"


def test_the_socket_file_appears_only_once_it_listens(tmp_path):
    # bind() makes the file, listen() makes it connectable: the daemon does
    # both under a temporary name and renames, so a client that waits for the
    # file is never refused. Leftovers of a killed daemon are replaced.
    from dhcpc.control import listen
    path = str(tmp_path / "c.sock")
    for stale in (path, path + ".new"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale)
        s.close()                                   # a socket file, nobody listening
    ls = listen(path)
    try:
        assert sorted(os.listdir(str(tmp_path))) == ["c.sock"]
        assert os.stat(path).st_mode & 0o777 == 0o600
        raw(path).close()                           # connectable at once
    finally:
        ls.close()


def test_a_socket_path_with_no_room_for_the_suffix_is_bound_in_place(tmp_path):
    # sun_path holds 107 bytes: a path that long leaves no room for ".new",
    # so the daemon binds it directly (as before) instead of failing.
    from dhcpc.control import listen
    d = str(tmp_path)
    path = os.path.join(d, "s" * (107 - len(d) - 1))
    assert len(path) == 107
    ls = listen(path)
    try:
        assert os.listdir(d) == [os.path.basename(path)]
        raw(path).close()
    finally:
        ls.close()
