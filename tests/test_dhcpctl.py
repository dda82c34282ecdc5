"""dhcpctl against a peer serving dhcp4c.control.Controller (tests/ctlpeer.py:
a real Client bound through the fake DHCP server) on a pty pair, on
socket:// (TCP on 127.0.0.1) and on a Unix socket, with REPL-like noise
between frames; exit statuses; `watch` in a real terminal (tmux)."""
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

import rig

HOST = os.path.join(rig.REPO, "host")
if HOST not in sys.path:
    sys.path.insert(0, HOST)

import dhcpctl  # noqa: E402

PEER = os.path.join(rig.REPO, "tests", "ctlpeer.py")
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([rig.SHARED, HOST]))


class Peer:
    def __init__(self, *args):
        self.p = subprocess.Popen([sys.executable, PEER] + list(args), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, cwd=rig.REPO)
        line = self.p.stdout.readline().split()
        assert line and line[0] == "READY", line
        self.addr = line[1]

    def close(self):
        self.p.stdin.close()      # EOF ends the peer
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


@pytest.fixture(params=["pty", "tcp"])
def port(request):
    """--port target: a pty path or a socket:// URL, with noise on the line."""
    peer = Peer("--" + request.param, "--noise")
    try:
        yield peer.addr
    finally:
        peer.close()


@pytest.fixture
def tcp():
    peer = Peer("--tcp", "--noise")
    try:
        yield peer.addr
    finally:
        peer.close()


def ctl(capsys, *argv):
    """Run dhcpctl.main in process: (exit status, stdout, stderr)."""
    rc = dhcpctl.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def jctl(capsys, *argv):
    rc, out, err = ctl(capsys, *argv + ("--json",))
    assert rc == 0, err
    return json.loads(out)


def test_every_command_over_a_serial_link(port, capsys):
    h = jctl(capsys, "--port", port, "hello")
    assert h["protocol"] == 1 and h["board"] == "ctlpeer" and "renew" in h["capabilities"]
    s = jctl(capsys, "--port", port, "state")
    assert s["state"] == "BOUND" and s["lease"]["address"] == "192.0.2.50"
    assert 0 < s["lease"]["expiry_in_ms"] <= 3600000
    rc, out, _ = ctl(capsys, "--port", port, "state")
    assert rc == 0 and "BOUND" in out and "192.0.2.50/255.255.255.0" in out and "T1 in" in out
    assert "\n    1  Subnet Mask            255.255.255.0\n" in out
    assert "\n   51  IP Address Lease Time  3600\n" in out
    rc, out, _ = ctl(capsys, "--port", port, "renew")
    assert rc == 0 and out.strip() == "renew: now RENEWING"
    st = jctl(capsys, "--port", port, "stats")
    assert st["client"]["sent"]["REQUEST"] == 2 and st["client"]["renew_ok"] == 1
    assert st["control"]["frames_in"] >= 4
    rc, out, _ = ctl(capsys, "--port", port, "stats")
    assert "sent.REQUEST" in out and "frames_in" in out
    sv = jctl(capsys, "--port", port, "server")["servers"]
    assert sv[0]["id"] == "192.0.2.1" and sv[0]["options"]["51"] == "00000e10"
    rc, out, _ = ctl(capsys, "--port", port, "server")
    assert "server 192.0.2.1" in out
    assert [line.split()[-1] for line in out.splitlines() if "IP Address Lease Time" in line] \
        == ["3600"]
    assert jctl(capsys, "--port", port, "errors") == {"errors": [], "total": 0}
    assert jctl(capsys, "--port", port, "rebind")["state"] == "REBINDING"
    assert jctl(capsys, "--port", port, "restart")["state"] in ("INIT", "SELECTING")
    assert rig.wait_until(lambda: jctl(capsys, "--port", port, "state")["state"] == "BOUND",
                          10)                        # a new DORA
    assert jctl(capsys, "--port", port, "release")["state"] == "STOPPED"
    rc, out, err = ctl(capsys, "--port", port, "renew")
    assert rc == dhcpctl.EXIT_ERROR and "not_allowed" in err and "STOPPED" in err
    e = jctl(capsys, "--port", port, "errors")
    assert e["total"] >= 1 and e["errors"][-1]["kind"] == "lease"
    c = jctl(capsys, "--port", port, "config", "--hostname", "node9", "--requested",
             "192.0.2.77")
    assert c == {"client_id": "hw", "hostname": "node9", "requested": "192.0.2.77"}
    rc, _, err = ctl(capsys, "--port", port, "config", "--requested", "1.2")
    assert rc == dhcpctl.EXIT_ERROR and "bad_args" in err
    r = jctl(capsys, "--port", port, "stats", "--reset")
    assert r["client"]["leases"] >= 1
    assert jctl(capsys, "--port", port, "stats")["client"]["leases"] == 0


def test_tty_fallback_on_a_pty():
    """TtyLink (used when pyserial refuses a device path) talks to the peer too."""
    peer = Peer("--pty", "--noise")
    try:
        sess = dhcpctl.Session(dhcpctl.TtyLink(peer.addr, 115200), 3.0)
        assert sess.request("state")["state"] == "BOUND"
        assert sess.request("hello")["protocol"] == 1
        sess.link.close()
    finally:
        peer.close()


def test_unix_socket(tmp_path, capsys):
    path = str(tmp_path / "c.sock")
    peer = Peer("--unix", path)
    try:
        assert jctl(capsys, "--socket", path, "state")["state"] == "BOUND"
        # garbage and an oversize line on the socket: counted, still served
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.sendall(b"\x00\xff garbage\n" + b"@@" + b"x" * 5000 + b"\n"
                  + b'@@{"id":1,"cmd":"nope"}#00000000\n')
        s.sendall(dhcpctl.encode({"id": 2, "cmd": "nope"}))
        reply = s.recv(4096)
        s.close()
        assert b"unknown_command" in reply
        time.sleep(0.1)
        c = jctl(capsys, "--socket", path, "stats")["control"]
        assert c["noise"] >= 1 and c["oversize"] == 1 and c["bad_crc"] == 1
        assert c["errors_sent"] == 1
    finally:
        peer.close()


def test_events_stream_during_renew(tcp, capsys):
    p = subprocess.Popen([sys.executable, os.path.join(HOST, "dhcpctl.py"), "--port", tcp,
                          "events", "--count", "4"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert "subscribed" in p.stderr.readline()
        assert ctl(capsys, "--port", tcp, "renew")[0] == 0
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    ev = [json.loads(line) for line in out.splitlines()]
    assert len(ev) == 4 and ev[0]["event"] == "state" and ev[0]["new"] == "RENEWING"
    assert {"event": "state", "old": "RENEWING", "new": "BOUND", "why": "ACK"} in [
        dict((k, v) for k, v in e.items() if k != "seq") for e in ev]
    assert [e for e in ev if e["event"] == "lease"][0]["kind"] == "renewed"
    assert [e["event"] for e in ev].count("server") == 1
    seqs = [e["seq"] for e in ev]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4


def test_timeout_exit_status(capsys):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    keep = []
    t = threading.Thread(target=lambda: keep.append(ls.accept()), daemon=True)
    t.start()
    try:
        rc, _, err = ctl(capsys, "--timeout", "0.3", "--port",
                         "socket://127.0.0.1:{}".format(ls.getsockname()[1]), "state")
        assert rc == dhcpctl.EXIT_TIMEOUT and "no answer to state within 0.3 s" in err
    finally:
        ls.close()
        for c, _ in keep:
            c.close()


def test_no_device_exit_status(tmp_path, capsys):
    rc, _, err = ctl(capsys, "--port", str(tmp_path / "ttyNONE"), "state")
    assert rc == dhcpctl.EXIT_NODEV and "cannot open" in err
    rc, _, err = ctl(capsys, "--socket", str(tmp_path / "none.sock"), "state")
    assert rc == dhcpctl.EXIT_NODEV and "cannot connect" in err
    rc, _, err = ctl(capsys, "-i", "nosuchif0", "state")
    assert rc == dhcpctl.EXIT_NODEV and "/run/dhcpc/nosuchif0.sock" in err
    rc, _, err = ctl(capsys, "state")
    assert rc == dhcpctl.EXIT_USAGE and "--port" in err


def test_fsm_dot(capsys):
    from dhcp4c.diagram import to_dot
    rc, out, _ = ctl(capsys, "fsm", "--dot")
    assert rc == 0 and out == to_dot() and out.startswith("digraph")


def test_console_entry_point_runs_as_a_script():
    r = subprocess.run([sys.executable, os.path.join(HOST, "dhcpctl.py"), "fsm", "--dot"],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and "BOUND" in r.stdout


def test_watch_in_tmux(tcp, capsys):
    tmux = rig.need_tool("tmux")
    sock = "dhcp4c-test-{}".format(os.getpid())
    cmd = "env PYTHONPATH={} {} {} --port {} watch".format(
        ENV["PYTHONPATH"], sys.executable, os.path.join(HOST, "dhcpctl.py"), tcp)

    def tm(*a):
        return subprocess.run([tmux, "-L", sock] + list(a), capture_output=True, text=True,
                              timeout=10)

    def screen_until(pred, secs=10):
        end = time.time() + secs
        while True:
            s = tm("capture-pane", "-p", "-t", "w").stdout
            if pred(s) or time.time() > end:
                return s
            time.sleep(0.1)

    r = tm("new-session", "-d", "-s", "w", "-x", "100", "-y", "30", cmd)
    assert r.returncode == 0, r.stderr
    try:
        s = screen_until(lambda s: "STATE BOUND" in s)
        assert "STATE BOUND" in s, s
        assert "^now" in s and "T1 in" in s and "T2 in" in s and "expiry in" in s, s
        bar = [line for line in s.splitlines() if line.startswith("[")][0]
        assert "1" in bar and "2" in bar and bar.rstrip().endswith("|]"), bar
        assert "sent: DISCOVER=1 REQUEST=1" in s, s
        assert ctl(capsys, "--port", tcp, "renew")[0] == 0
        s = screen_until(lambda s: "state RENEWING -> BOUND" in s)
        assert "state BOUND -> RENEWING (renew)" in s and "lease renewed 192.0.2.50" in s, s
        assert "REQUEST=2" in screen_until(lambda s: "REQUEST=2" in s)
        tm("send-keys", "-t", "w", "C-c")
        time.sleep(0.3)
    finally:
        tm("kill-server")       # our own tmux server (-L), nobody else's


def test_argument_not_utf8_is_a_usage_error():
    """An argument with bytes that are not UTF-8 (surrogate-escaped by
    Python) cannot go into a frame: a clear error, exit status 2."""
    sess = dhcpctl.Session(None, 1.0)
    with pytest.raises(dhcpctl.CtlError) as e:
        sess.request("config", {"set": {"hostname": "bad\udcff"}})
    assert e.value.status == dhcpctl.EXIT_USAGE and "not valid UTF-8" in str(e.value)


def test_options_named_and_typed_and_control_characters_escaped():
    """Human output names each option and types its value by the option table
    (hex where it knows no kind or the shape is wrong); whatever a peer sent
    reaches the terminal with control characters escaped. --json is left as
    the peer sent it (json.dumps escapes control characters itself)."""
    opts = {"6": "c0000201c0000202", "12": "626f6172641b5b324a", "25": "004405",
            "51": "00000e10", "121": "18c0a801c0000201", "224": "abcd", "56": "zz"}
    assert dhcpctl.fmt_options(dhcpctl.clean(opts)) == [
        "    6  Domain Name Server      192.0.2.1, 192.0.2.2",
        "   12  Host Name               board\\x1b[2J",
        "   25  Path MTU Plateau Table  004405 (malformed)",
        "   51  IP Address Lease Time   3600",
        "   56  Message                 zz",
        "  121  Classless Static Route  192.168.1.0/24 via 192.0.2.1",
        "  224  opt224                  abcd"]
    assert dhcpctl.clean({"message\x07": ["a\nb", 3, None]}) == {"message\\x07": ["a\\nb", 3, None]}
    assert dhcpctl.printable("Ærø \u2028\x9b") == "Ærø \\u2028\\x9b"


def test_event_lines_for_a_grant_and_a_failed_round():
    assert dhcpctl.fmt_event({"event": "no_lease", "why": "no offer"}) == \
        "no lease this round (no offer)"
    assert dhcpctl.fmt_event({"event": "lease", "kind": "granted",
                              "lease": {"address": "192.0.2.5"}}) == "lease granted 192.0.2.5"
