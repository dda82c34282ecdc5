"""The Linux daemon host/dhcpc/ against real servers in network namespaces.

Flags and script environment helpers are tested without root; everything
else uses the `lab` fixture (root; fails instead of skipping in CI).
"""
import os
import signal
import subprocess
import sys
import time

import pytest

import dhcpcrig
import rig
import servers
from dhcpcrig import Run, addr_of

sys.path.insert(0, os.path.join(rig.REPO, "host"))
from dhcpc.cli import config_from, default_ip, parse_args  # noqa: E402
from dhcpc import linux  # noqa: E402
from dhcpc.linux import parse_link_events  # noqa: E402
from dhcpc.script import good_hostname, safe_text, script_env  # noqa: E402

from dhcp4c.lease import Lease  # noqa: E402


def cli(*args):
    return subprocess.run(rig.interpreter("python") + ["-I", "-S", dhcpcrig.DHCPC] + list(args),
                          capture_output=True, text=True, timeout=20)


# --- flags (no root) ---------------------------------------------------------

@pytest.mark.parametrize("args,needle", [
    (["-Z"], "-Z"), (["--bogus"], "--bogus"), (["-t", "x"], "-t"), (["-T", "0"], "-T"),
    (["-r", "300.1.1.1"], "-r"), (["-r"], "-r"), (["-aX"], "-a"), (["-O", "nosuch"], "-O"),
    (["-x", "12"], "-x"), (["-x", "0x3d:zz"], "-x"), (["stray"], "stray"),
    (["--quit=1"], "--quit"), (["-i", ""], "-i"),
])
def test_bad_flags_one_line_exit_2(args, needle):
    r = cli(*args)
    assert r.returncode == 2, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], r.stderr


@pytest.mark.parametrize("flag", ["--halp", "--help"])
def test_halp(flag):
    r = cli(flag)
    assert r.returncode == 0
    for word in ("SYNOPSIS", "-H, -h, --hostname", "--arping", "SIGUSR1", "deconfig"):
        assert word in r.stdout


def test_start_up_imports_stay_lean():
    """Everything up to the first DISCOVER (import, flags, Daemon) loads none
    of the modules that cost start-up time: os, struct, the socket and signal
    wrappers (enum), json, subprocess."""
    code = ("import sys; sys.path.insert(0, {!r}); import dhcpc; "
            "from dhcpc.cli import config_from, parse_args; from dhcpc.daemon import Daemon; "
            "o = parse_args(['-i', 'lo', '-x', 'lease:60']); Daemon(o, config_from(o)); "
            "print(' '.join(sys.modules))").format(os.path.join(rig.REPO, "host"))
    r = subprocess.run(rig.interpreter("python") + ["-I", "-S", "-c", code],
                       capture_output=True, text=True, timeout=20)
    loaded = set(r.stdout.split())
    assert "dhcpc" in loaded, r.stderr
    assert not loaded & {"os", "struct", "socket", "signal", "enum", "json", "subprocess"}


def test_parse_udhcpc_flags():
    o = parse_args(["-fbnqRBCSo", "-h", "box", "-i", "eth9", "-r", "192.0.2.7",
                    "-t5", "-T", "2", "-A", "7", "-a", "-O", "ntpsrv", "-O", "100",
                    "-x", "hostname:bbox", "-x", "0x3d:0100beef", "-x", "lease:3600",
                    "-V", "vend", "-F", "a.example", "-p", "/tmp/p", "-s", "/bin/true"])
    assert (o["f"], o["b"], o["n"], o["q"], o["R"], o["B"], o["C"], o["S"], o["o"]) == (True,) * 9
    assert o["H"] == "box" and o["i"] == "eth9" and o["r"] == "192.0.2.7"
    assert (o["t"], o["T"], o["A"], o["a"]) == (5, 2, 7, 2000)
    assert o["O"] == [42, 100]
    assert o["x"] == [(12, b"bbox"), (61, b"\x01\x00\xbe\xef"), (51, b"\x00\x00\x0e\x10")]
    o = parse_args(["--interface=eth1", "--hostname", "h", "--arping=150", "--clientid",
                    "abc", "--request-option", "mtu", "--no-default-options", "-a300"])
    assert o["i"] == "eth1" and o["H"] == "h" and o["a"] == 300 and o["c"] == "abc"
    cfg = config_from(o)
    assert cfg.prl == (26,) and cfg.client_id == b"abc"
    assert parse_args([])["i"] == "eth0"
    assert parse_args([])["r"] is None     # manifest.json: default_ip null


def test_a_bad_default_ip_is_one_line_and_ignored(tmp_path, capsys):
    """manifest.json's default_ip is only a hint (option 50): a value that is
    not an IPv4 address, or not a string, is said in one line and ignored,
    never a traceback at start (it used to reach parse_addr in config_from)."""
    f = tmp_path / "manifest.json"
    for text, want in (('{"default_ip": "192.0.2.9"}', "192.0.2.9"),
                       ('{"default_ip": null}', None),
                       ('{"default_ip": "300.1.1.1"}', None),
                       ('{"default_ip": "not an address"}', None),
                       ('{"default_ip": 7}', None),
                       ('{"default_ip": "192.0.2.9', None)):
        f.write_text(text)
        assert default_ip([str(tmp_path)]) == want, text
        err = capsys.readouterr().err
        if want is None and "null" not in text:
            assert err.count("\n") == 1 and "default_ip ignored" in err, (text, err)
        else:
            assert err == "", (text, err)
    f.write_bytes(b'{"default_ip": "\xff\xfe"}')
    assert default_ip([str(tmp_path)]) is None
    assert config_from(parse_args(["-r", "192.0.2.7"])).requested == bytes([192, 0, 2, 7])


def test_script_env_udhcpc_names_and_sanitising():
    opts = {1: b"\xff\xff\xff\x00", 3: bytes([192, 0, 2, 1, 192, 0, 2, 2]), 6: bytes([192, 0, 2, 53]),
            12: b"ok-host", 15: b"ex.com; rm -rf /", 51: b"\x00\x00\x00\x78", 54: bytes([192, 0, 2, 1]),
            26: b"\x05\xdc", 42: bytes([192, 0, 2, 9]), 121: bytes([24, 198, 51, 100, 192, 0, 2, 1]),
            119: b"\x07example\x03com\x00\x05a$(x)\x00", 224: b"\x01\x02", 56: b"bye"}
    lease = Lease(bytes([192, 0, 2, 50]), bytes([192, 0, 2, 1]), 120, mask=b"\xff\xff\xff\x00",
                  options=opts)
    env = script_env("cli0", lease)
    assert env["interface"] == "cli0" and env["ip"] == "192.0.2.50"
    assert env["subnet"] == "255.255.255.0" and env["mask"] == "24"
    assert env["router"] == "192.0.2.1 192.0.2.2" and env["dns"] == "192.0.2.53"
    assert env["hostname"] == "ok-host" and env["lease"] == "120" and env["serverid"] == "192.0.2.1"
    assert env["domain"] == "bad"     # udhcpc: a host-name option failing the check
    assert env["mtu"] == "1500" and env["ntpsrv"] == "192.0.2.9"
    assert env["staticroutes"] == "198.51.100.0/24 192.0.2.1"
    assert env["search"] == "example.com bad"
    assert env["opt224"] == "0102" and env["message"] == "bye"
    assert not good_hostname("a`b`") and not good_hostname("-x")
    assert good_hostname("host.example.com.")


def test_no_server_string_reaches_a_script_raw():
    """Issue 17: every free-text value (string options, the NAK's message,
    sname, boot_file) follows one rule: shell metacharacters, control
    characters, non-ASCII bytes and % become %XX; host names failing RFC 1123
    become "bad" (udhcpc); addresses and numbers are typed, so plain."""
    hostile = b"a$(touch x)`id`;b&c|d<e>f'g\"h\\i%j\x1b[2J\x07\nk\xc3\xa9"
    want = ("a%24%28touch%20x%29%60id%60%3Bb%26c%7Cd%3Ce%3Ef%27g%22h%5Ci%25j%1B[2J%07%0Ak%C3%A9"
            .replace("%20", " "))
    assert safe_text(hostile) == want and safe_text(hostile.decode("utf-8")) == want
    assert safe_text(b"pxelinux.0\x00garbage") == "pxelinux.0"
    lease = Lease(bytes([192, 0, 2, 50]), bytes([192, 0, 2, 1]), 120,
                  options={17: hostile, 252: b"http://wpad/$(x)", 12: hostile, 66: hostile},
                  siaddr=bytes([192, 0, 2, 1]), sname=hostile, file=b"boot`x`.img")
    env = script_env("cli0", lease, message=hostile.decode("utf-8"))
    assert env["rootpath"] == want and env["tftp"] == want and env["message"] == want
    assert env["sname"] == want and env["boot_file"] == "boot%60x%60.img"
    assert env["wpad"] == "http://wpad/%24%28x%29" and env["hostname"] == "bad"
    for k, v in env.items():
        assert not set(v) & set("$`;&|<>()'\"\\\n\x1b\x07"), (k, v)
        assert v.isascii() and v.isprintable(), (k, v)


def test_link_event_parser():
    import struct
    name = b"cli0\0"
    attr = struct.pack("=HH", 4 + len(name), 3) + name + b"\0" * 3
    body = struct.pack("=BxHiII", 0, 1, 7, 0x41 | 0x1, 0) + attr
    msg = struct.pack("=IHHII", 16 + len(body), 16, 0, 0, 0) + body
    assert parse_link_events(msg) == [(16, 7, 0x41 | 0x1 | 0, "cli0")] or \
        parse_link_events(msg)[0][3] == "cli0"


def test_bpf_program_address_points_at_its_instructions():
    """sock_fprog() finds the instructions' address from CPython's object
    layout (id() + sys.getsizeof(b"") - 1, see dhcpc/linux.py): it must be
    where ctypes says the bytes' data is, and hold the instructions. The
    kernel takes the program from there (an unprivileged UDP socket)."""
    import ctypes
    import socket
    fprog, code = linux.sock_fprog(linux._BPF)
    ptr = ctypes.sizeof(ctypes.c_void_p)
    assert len(fprog) == 2 * ptr and len(code) == 8 * len(linux._BPF)
    assert int.from_bytes(fprog[:2], sys.byteorder) == len(linux._BPF)
    addr = int.from_bytes(fprog[ptr:], sys.byteorder)
    assert addr == ctypes.cast(ctypes.c_char_p(code), ctypes.c_void_p).value
    assert ctypes.string_at(addr, len(code)) == code
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        assert linux.attach_bpf(s, linux._BPF) == code


# --- against dnsmasq ---------------------------------------------------------

def test_bound_by_our_default_script(lab):
    lab.dnsmasq()
    r = Run(lab, ["-q", "-f"], script=None).run()
    assert r.returncode == 0, r.stderr
    addrs = addr_of(lab)
    assert len(addrs) == 1 and addrs[0].startswith("192.0.2.") and addrs[0].endswith("/24"), addrs
    routes = lab.run(["ip", "-4", "route"]).stdout
    assert "default via 192.0.2.1" in routes


def test_bound_by_debian_udhcpc_default_script(lab):
    if not os.path.exists(dhcpcrig.DEBIAN_SCRIPT):
        rig.skip_or_fail("needs Debian's udhcpc package")
    lab.dnsmasq(extra_conf=["dhcp-option=6,192.0.2.53", "dhcp-option=15,example.com"])
    before = open("/etc/resolv.conf").read()
    r = Run(lab, ["-q", "-f"], script=dhcpcrig.DEBIAN_SCRIPT).run()
    assert r.returncode == 0, r.stderr
    addrs = addr_of(lab)
    assert len(addrs) == 1 and addrs[0].startswith("192.0.2."), addrs
    assert "default via 192.0.2.1" in lab.run(["ip", "-4", "route"]).stdout
    assert "nameserver 192.0.2.53" in lab.run(["cat", "/etc/resolv.conf"]).stdout
    assert open("/etc/resolv.conf").read() == before      # the host's is untouched


def test_script_env_from_a_real_ack(lab):
    lab.dnsmasq(extra_conf=["dhcp-option=6,192.0.2.53", "dhcp-option=15,example.com",
                            "dhcp-option=42,192.0.2.9", "dhcp-option=26,1400"])
    r = Run(lab, ["-q", "-f"])
    assert r.run().returncode == 0
    assert r.names()[:2] == ["deconfig", "bound"]
    env = r.actions()[1][1]
    assert env["interface"] == lab.client_if and env["ip"].startswith("192.0.2.")
    assert env["serverid"] == "192.0.2.1" and env["router"] == "192.0.2.1"
    assert env["dns"] == "192.0.2.53" and env["domain"] == "example.com"
    assert env["ntpsrv"] == "192.0.2.9" and env["mtu"] == "1400" and env["mask"] == "24"
    assert env["lease"] == "120" and env["subnet"] == "255.255.255.0"


def test_no_server_n_exits_1_with_leasefail(lab):
    t = time.monotonic()
    r = Run(lab, ["-n", "-f", "-t", "2", "-T", "1"])
    res = r.run()
    assert res.returncode == 1, res.stderr
    assert "leasefail" in r.names()
    assert time.monotonic() - t < 8


def test_b_backgrounds_when_no_lease_then_binds(lab):
    r = Run(lab, ["-b", "-t", "1", "-T", "1", "-A", "1"])
    r.cmd += ["-p", r.pidfile]
    try:
        res = r.run()
        assert res.returncode == 0, res.stderr
        assert "leasefail" in r.names()
        pid = r.pidfile_pid()
        assert pid and os.path.exists("/proc/{}".format(pid))
        lab.dnsmasq()
        r.wait_action("bound", timeout=15)
    finally:
        r.kill_daemon()


def test_forks_after_lease_with_pidfile_and_sigterm_release(lab):
    srv = lab.dnsmasq()
    r = Run(lab, ["-R"])
    r.cmd += ["-p", r.pidfile]
    try:
        res = r.run()
        assert res.returncode == 0, res.stderr
        env = r.wait_action("bound")
        pid = r.pidfile_pid()
        assert pid and pid != os.getpid() and os.path.exists("/proc/{}".format(pid))
        leases = os.path.join(lab.tmp, "dnsmasq.leases")
        assert env["ip"] in open(leases).read()
        os.kill(pid, signal.SIGTERM)
        r.wait_action("deconfig", count=2)
        deadline = time.monotonic() + 5
        while os.path.exists("/proc/{}".format(pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists("/proc/{}".format(pid))
        assert not os.path.exists(r.pidfile)
        deadline = time.monotonic() + 5
        while env["ip"] in open(leases).read() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert env["ip"] not in open(leases).read(), lab.log(srv)
        assert "DHCPRELEASE" in lab.log(srv)
    finally:
        r.kill_daemon()


def test_f_signals_usr1_renew_usr2_release(lab):
    srv = lab.dnsmasq()
    r = Run(lab, ["-f"]).start()
    r.wait_action("bound")
    r.signal(signal.SIGUSR1)
    r.wait_action("renew")
    r.signal(signal.SIGUSR2)
    r.wait_action("deconfig", count=2)
    assert r.proc.poll() is None             # -f: still running, released
    assert "DHCPRELEASE" in lab.wait_log(srv, "DHCPRELEASE")
    r.signal(signal.SIGUSR1)                 # no lease: start over
    r.wait_action("bound", count=2)
    r.signal(signal.SIGTERM)
    assert r.proc.wait(5) == 0


@pytest.mark.parametrize("server", servers.ALL)
def test_lease_file_init_reboot_after_restart(lab, server):
    srv = servers.start(lab, server)
    r1 = Run(lab, ["-q", "-f"], name="first")
    assert r1.run().returncode == 0
    ip = r1.actions()[1][1]["ip"]
    assert open(r1.leasefile).read().startswith("dhcp4c1 " + ip)
    n_disc = lab.log(srv).upper().count("DISCOVER")
    r2 = Run(lab, ["-q", "-f"], name="second", leasefile=r1.leasefile)
    res = r2.run()
    assert res.returncode == 0
    assert r2.actions()[1][1]["ip"] == ip
    assert "sending discover" not in res.stderr
    assert lab.log(srv).upper().count("DISCOVER") == n_disc


def test_expired_lease_file_discarded(lab):
    lab.dnsmasq()
    r = Run(lab, ["-q", "-f"])
    with open(r.leasefile, "w") as f:
        f.write("dhcp4c1 192.0.2.150 255.255.255.0 192.0.2.1 120 {}\n".format(int(time.time()) - 10))
    res = r.run()
    assert res.returncode == 0
    assert "expired" in res.stderr and "sending discover" in res.stderr


# Every server here NAKs an INIT-REBOOT for an address not on its subnet:
# dnsmasq with dhcp-authoritative, dhcpd with `authoritative;`, Kea with
# "authoritative": true, busybox udhcpd always (no lease for that address).
@pytest.mark.parametrize("server", servers.ALL)
def test_nak_on_foreign_address_then_bound(lab, server):
    servers.start(lab, server)
    r = Run(lab, ["-q", "-f"])
    with open(r.leasefile, "w") as f:
        f.write("dhcp4c1 198.51.100.7 255.255.255.0 198.51.100.1 3600 {}\n".format(
            int(time.time()) + 3000))
    res = r.run()
    assert res.returncode == 0, res.stderr
    names = r.names()
    assert "nak" in names and names[-1] == "bound", names
    assert r.actions()[-1][1]["ip"].startswith("192.0.2.")


@pytest.mark.parametrize("server", servers.ALL)
def test_loss_30_percent_still_bound(lab, server):
    # dhcpd without its ping check: it waits 1 s before each OFFER, and the
    # echo replies are not what is under test
    servers.start(lab, server, **({"ping_check": False} if server == "dhcpd" else {}))
    lab.loss(30)
    r = Run(lab, ["-q", "-f", "-t", "0", "-T", "1"])
    res = r.run(timeout=60)
    assert res.returncode == 0, res.stderr
    assert r.names()[-1] == "bound"


@pytest.mark.parametrize("server", servers.ALL)
def test_link_down_up_init_reboot(lab, server):
    servers.start(lab, server)
    r = Run(lab, ["-f"]).start()
    r.wait_action("bound")
    n = len(r.names())
    lab.run(["ip", "link", "set", lab.client_if, "down"])
    deadline = time.monotonic() + 5
    while "link down" not in r.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "link down" in r.log()
    lab.run(["ip", "link", "set", lab.client_if, "up"])
    deadline = time.monotonic() + 10
    while len(r.names()) == n and time.monotonic() < deadline:
        time.sleep(0.05)
    log = r.log()
    assert "link up" in log
    # INIT-REBOOT: the same lease confirmed by a REQUEST, no DISCOVER
    assert r.names()[n:] in (["renew"], ["bound"]), (r.names(), log)
    assert r.actions()[-1][1]["ip"] == r.actions()[n - 1][1]["ip"]
    assert "sending discover" not in log.split("link up")[-1], log


def test_interface_gone_and_back(lab):
    lab.dnsmasq()
    r = Run(lab, ["-f"]).start()
    r.wait_action("bound")
    # Move the client end away (into the server namespace) and back.
    lab.run(["ip", "link", "set", lab.client_if, "netns", lab.server_ns])
    deadline = time.monotonic() + 5
    while "interface gone" not in r.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "interface gone" in r.log()
    lab.run(["ip", "link", "set", lab.client_if, "netns", lab.client_ns], ns="server")
    lab.run(["ip", "link", "set", lab.client_if, "up"])
    n = len(r.names())
    deadline = time.monotonic() + 15
    while len(r.names()) == n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert r.proc.poll() is None
    assert r.names()[-1] in ("renew", "bound"), (r.names(), r.log())


def test_fds_constant_over_200_renewals(lab):
    lab.dnsmasq()
    r = Run(lab, ["-f"]).start()
    r.wait_action("bound")
    fd_dir = "/proc/{}/fd".format(r.proc.pid)
    r.signal(signal.SIGUSR1)
    r.wait_action("renew", count=1)
    before = len(os.listdir(fd_dir))
    for i in range(2, 201):
        r.signal(signal.SIGUSR1)
        r.wait_action("renew", count=i, timeout=10)
    assert len(os.listdir(fd_dir)) == before


# --- the server matrix: bound, renew at T1, release --------------------------

@pytest.mark.parametrize("server", ["dnsmasq", "kea", "dhcpd", "udhcpd"])
def test_matrix_bound_renew_release(lab, server):
    if server == "dnsmasq":
        srv = lab.dnsmasq()
        leases = os.path.join(lab.tmp, "dnsmasq.leases")
    elif server == "kea":
        srv = servers.kea(lab, lease=20, t1=2, t2=4)
        leases = os.path.join(lab.tmp, "kea-leases4.csv")
    elif server == "dhcpd":
        srv = servers.isc_dhcpd(lab, lease=20)
        leases = os.path.join(lab.tmp, "dhcpd.leases")
    else:
        srv = servers.udhcpd(lab, lease=20)
        leases = None
    r = Run(lab, ["-f", "-R"]).start()
    env = r.wait_action("bound", timeout=20)
    assert env["ip"].startswith("192.0.2.") and env["serverid"] == "192.0.2.1"
    if server == "dnsmasq":
        r.signal(signal.SIGUSR1)       # dnsmasq's leases are 2 min at least
    env2 = r.wait_action("renew", timeout=15)   # T1 = 2 s (Kea) or 10 s of 20 s
    assert env2["ip"] == env["ip"]
    r.signal(signal.SIGTERM)
    assert r.proc.wait(5) == 0
    assert r.names()[-1] == "deconfig"
    if server == "udhcpd":    # busybox udhcpd logs nothing for a RELEASE
        return
    log = lab.wait_log(srv, "release")
    assert "RELEASE" in log.upper(), log[-2000:]
    # The lease database is written around the time of that log line.
    assert rig.wait_until(lambda: _released(server, leases, env["ip"], log)), \
        open(leases).read()[-2000:]


def _released(server, leases, ip, log):
    """The server's lease database shows ip released."""
    text = open(leases).read()
    if server == "dhcpd":
        return "binding state free" in text.split("lease " + ip)[-1]
    if server == "dnsmasq":
        return ip not in text
    last = [ln for ln in text.splitlines() if ln.startswith(ip + ",")][-1]    # kea
    return ",0," in last or last.split(",")[4] == "0" or "released" in log.lower()


# dnsmasq refuses leases under 2 min (so T2/expiry would take minutes): the
# short-lease servers only. Kea with T1 = 2 s, T2 = 4 s of 20; dhcpd and
# udhcpd with 8 s leases (T1 4 s, T2 7 s, RFC 2131 defaults).
REBIND = {"kea": (dict(lease=20, t1=2, t2=4), 2.5),
          "dhcpd": (dict(lease=8), 4.5), "udhcpd": (dict(lease=8), 4.5)}


@pytest.mark.parametrize("server", sorted(REBIND))
def test_rebind_when_server_stopped_then_expiry(lab, server):
    kw, restart_after = REBIND[server]
    srv = servers.start(lab, server, **kw)
    r = Run(lab, ["-f"]).start()
    env = r.wait_action("bound")
    lab.stop(srv)                          # the unicast renew at T1 goes unanswered
    time.sleep(restart_after)              # past T1, before T2
    srv2 = servers.start(lab, server, **kw)
    env2 = r.wait_action("renew", timeout=15)  # the broadcast REBIND at T2 is answered
    assert env2["ip"] == env["ip"]
    if server != "udhcpd":                 # busybox udhcpd logs no REQUEST
        assert "REQUEST" in lab.log(srv2).upper()
    lab.stop(srv2)                         # no server at all now: expiry -> deconfig
    r.wait_action("deconfig", count=2, timeout=30)
    assert r.proc.poll() is None           # and it goes on (re-discovering)


def test_packet_socket_filter_passes_only_udp_68(lab):
    code = ("import sys, time; sys.path.insert(0, {!r}); from dhcpc.linux import open_packet\n"
            "s = open_packet({!r}); s.setblocking(True); s.settimeout(3)\n"
            "print('ready', flush=True)\n"
            "got = []\n"
            "try:\n"
            "    while True:\n"
            "        d = s.recv(4096); got.append((d[9], (d[22] << 8) | d[23]))\n"
            "except OSError:\n"
            "    pass\n"
            "print(sorted(set(got)))\n").format(os.path.join(rig.REPO, "host"), lab.client_if)
    path = os.path.join(lab.tmp, "filt.py")
    with open(path, "w") as f:
        f.write(code)
    p = lab.start(rig.interpreter("python") + [path], name="filt",
                  env=dict(os.environ, PYTHONPATH=rig.SHARED))
    deadline = time.monotonic() + 10
    while "ready" not in lab.log(p) and time.monotonic() < deadline:
        time.sleep(0.02)
    send = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)\n"
            "for port in (5000, 67, 68, 69):\n"
            "    s.sendto(b'x' * 20, ('192.0.2.255', port))\n")
    lab.python(send, ns="server")
    p.wait(10)
    assert lab.log(p).strip().splitlines()[-1] == "[(17, 68)]", lab.log(p)


@pytest.mark.parametrize("server", servers.ALL)
def test_arp_conflict_declines_then_binds_another(lab, server):
    # dhcpd without its ping check (it would find .150 itself and never offer it)
    srv = servers.start(lab, server, **({"ping_check": False} if server == "dhcpd" else {}))
    # Another host on the segment (the server's namespace) already holds .150.
    lab.run(["ip", "addr", "add", "192.0.2.150/24", "dev", lab.server_if], ns="server")
    r = Run(lab, ["-f", "-a300", "-r", "192.0.2.150"]).start()
    env = r.wait_action("bound", timeout=30)
    assert env["ip"] != "192.0.2.150"
    assert "in use (ARP): declining" in r.log()
    if server != "udhcpd":                 # busybox udhcpd logs no DECLINE
        assert "DECLINE" in lab.log(srv).upper()
    assert "bound" not in [a for a, e in r.actions() if e.get("ip") == "192.0.2.150"]


def test_arp_check_keeps_serving_signals(lab):
    # A 6 s ARP check runs inside the main loop: SIGTERM during it ends the
    # daemon at once (a blocking probe would hold it for the whole 6 s), and
    # the unchecked lease never reaches `bound`.
    srv = lab.dnsmasq()
    r = Run(lab, ["-f", "-a6000"]).start()
    deadline = time.monotonic() + 20
    while "DHCPACK" not in lab.log(srv):
        assert time.monotonic() < deadline, (r.log(), lab.log(srv))
        time.sleep(0.02)
    time.sleep(0.3)
    t0 = time.monotonic()
    r.signal(signal.SIGTERM)
    assert r.proc.wait(timeout=10) == 0, r.log()
    assert time.monotonic() - t0 < 2.0, r.log()
    assert "exiting" in r.log()
    assert "bound" not in r.names(), r.names()


# dhcpc -S in a private mount namespace whose /dev is a tmpfs holding only
# null, zero, random, urandom (bound from the real /dev) and, as /dev/log,
# the test's own Unix datagram socket: syslog(3) writes there, and nothing
# reaches the host's logger.
SYSLOG_NS = """set -e
mkdir -p "$D/olddev"
mount --bind /dev "$D/olddev"
mount -t tmpfs -o size=64k dhcpc-test-dev /dev
for f in null zero random urandom; do touch "/dev/$f"; mount --bind "$D/olddev/$f" "/dev/$f"; done
touch /dev/log
mount --bind "$D/log.sock" /dev/log
umount -l "$D/olddev"
exec "$@"
"""


def test_S_logs_to_syslog(lab):
    import socket
    srv = lab.dnsmasq()
    d = os.path.join(lab.tmp, "syslog")
    os.mkdir(d)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(os.path.join(d, "log.sock"))
        sock.settimeout(0.2)
        r = Run(lab, ["-f", "-S"])
        r.cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", SYSLOG_NS,
                 "sh"] + r.cmd
        r.env = dict(r.env, D=d)
        r.start()
        env = r.wait_action("bound")
        want = "lease of {} obtained".format(env["ip"])
        got = []
        deadline = time.monotonic() + 10
        while not any(want in m for m in got) and time.monotonic() < deadline:
            try:
                got.append(sock.recv(4096).decode(errors="replace"))
            except socket.timeout:
                pass
        assert any(want in m for m in got), (got, r.log())
        line = next(m for m in got if want in m)
        assert line.startswith("<14>"), line        # LOG_USER | LOG_INFO
        assert "{}: {}".format(lab.client_if, want) in line, line
        assert want in r.log()                      # still on stderr too
        assert env["ip"] in lab.log(srv)
    finally:
        sock.close()
