"""Hostile strings from a real server, through the real daemon (issue 17,
item 3): every variable the script receives and every line dhcpctl prints.

Kea (in the rig's server namespace) sends the string classes - host name
(12), domain (15), NIS domain (40), root path (17), the TFTP and boot file
names (66, 67), TZ (100), WPAD (252), PXELINUX (209, 210), options without
a script name (14, 114) and an unknown one (224), and the header's sname
and file - carrying $(...), backticks, quotes, ; & | < > ( ) \\, newline,
ESC, BEL and bytes that are not UTF-8 (Kea sends option data given as hex
byte for byte). Then tests/hostile_server.py, in Kea's place, answers the
first renewal with an ACK whose search (119) and SIP names (120) carry the
same in their labels (Kea refuses or rewrites such names), and the second
with a DHCPNAK whose message (56) does (no real server sends one).

The rule (host/dhcpc/script.py, docs/dhcpc.md): free text reaches the
script as %XX-escaped text (reversible: unquoting gives the bytes up to the
first NUL); host-type names (12, 15, 40, the names of 119 and 120) that fail
RFC 1123 become "bad"; options without a script name are hex. dhcpctl's
human output escapes every non-printable character; --json is exact: the
options' hex is the bytes sent, text is the option's text (UTF-8, or
Latin-1 where the bytes are not UTF-8: dhcp4c.options.text).
"""
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
import urllib.parse

import rig
import servers
from dhcpcrig import Run

HOST = os.path.join(rig.REPO, "host")
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([rig.SHARED, HOST]))
DHCPCTL = [sys.executable, os.path.join(HOST, "dhcpctl.py")]

# Every class in one string: command substitution, backticks, both quotes,
# ; & | < > ( ) \ %, a newline, an ESC sequence (colour), BEL, and two bytes
# that are not UTF-8.
ALL = b"a$(id)`id`'q\"d;b&c|d<e>f(g)h\\i%\nj\x1b[31mk\x07l\xff\xfem"
CLASSES = [b"$(touch /tmp/d4c-pwned)", b"`touch /tmp/d4c-pwned`", b"it's \"quoted\"",
           b"a;b&c|d<e>f(g)h", b"back\\slash", b"line\nbreak", b"\x1b]0;title\x07\x1b[2J",
           b"bel\x07", b"\xff\xfe\xc3(", b"cut\x00$(after-nul)"]


def dname(*labels):
    return b"".join(bytes([len(x)]) + x for x in labels) + b"\0"


# code: bytes sent (Kea: csv-format false, the data in hex)
TEXT_OPTS = {17: ALL, 66: ALL, 67: CLASSES[0], 100: CLASSES[1], 252: CLASSES[2],
             209: CLASSES[3] + CLASSES[4], 210: CLASSES[5] + CLASSES[6] + CLASSES[7]}
HOST_OPTS = {12: ALL, 15: CLASSES[8], 40: CLASSES[5]}
HEX_OPTS = {14: CLASSES[9], 114: ALL, 224: ALL}
OPTS = dict(TEXT_OPTS)
OPTS.update(HOST_OPTS)
OPTS.update(HEX_OPTS)
# The renewal's ACK (tests/hostile_server.py: Kea rewrites or refuses names
# with such bytes): search and SIP names with every class in a label, and
# the host-type domain and an unknown option again.
SEARCH = dname(b"good", b"example") + dname(b"a$(id)", b"ex`a") + dname(b"esc\x1b[31m", b"y") \
    + dname(b"bel\x07") + dname(b"\xff\xfe") + dname(b"new\nline") + dname(b"q'\"\\") \
    + dname(b"semi;colon&b|c<d>")
SIP = b"\x00" + dname(b"sip", b"example") + dname(b"a|b", b"c") + dname(b"\x1b[2J")
ACK_OPTS = {119: SEARCH, 120: SIP, 15: ALL, 224: ALL}
SNAME = ALL[:63]
FILE = ALL + b"/" + CLASSES[6] + CLASSES[8]
NAK_MESSAGE = ALL

NAMES = {17: "rootpath", 66: "tftp", 67: "bootfile", 100: "tzstr", 252: "wpad",
         209: "pxeconffile", 210: "pxepathprefix", 12: "hostname", 15: "domain",
         40: "nisdomain", 119: "search", 120: "sipsrv"}
METAS = set("$`;&|<>()'\"\\")


def kea(lab):
    """kea-dhcp4 on the server veth, every option of OPTS always sent, sname
    and file from server-hostname and boot-file-name (JSON \\u00XX is one
    byte XX in Kea: the non-UTF-8 bytes arrive as they are)."""
    data = [{"name": "routers", "data": "192.0.2.1"}]
    for code in sorted(OPTS):
        data.append({"code": code, "csv-format": False, "always-send": True,
                     "data": OPTS[code].hex()})
    latin = lambda b: b.decode("latin-1")      # noqa: E731
    subnet = {"id": 1, "subnet": "192.0.2.0/24", "pools": [{"pool": "192.0.2.100 - 192.0.2.199"}],
              "option-data": data, "server-hostname": latin(SNAME),
              "boot-file-name": latin(FILE)}
    conf = {"Dhcp4": {
        "interfaces-config": {"interfaces": [lab.server_if], "dhcp-socket-type": "raw"},
        "lease-database": {"type": "memfile", "persist": False},
        "valid-lifetime": 600, "authoritative": True, "subnet4": [subnet],
        "loggers": [{"name": "kea-dhcp4", "severity": "INFO",
                     "output_options": [{"output": "stdout"}]}]}}
    return servers.run_kea(lab, conf, "kea-hostile.conf")


def text_of(raw):
    """What the option's text is (dhcp4c.options.text's documented rule):
    trailing NULs cut, UTF-8, else each byte as the Latin-1 character."""
    raw = raw.rstrip(b"\0")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def unquote(v):
    return urllib.parse.unquote_to_bytes(v)


def assert_script_safe(k, v):
    assert v.isascii() and v.isprintable(), (k, v)       # no control character, no ESC/BEL
    assert not set(v) & METAS, (k, v)                     # no shell metacharacter raw


def assert_human(what, text, allowed="\n"):
    """Human output: nothing a terminal acts on (ESC, BEL, other controls,
    line and paragraph separators)."""
    bad = [c for c in text if c not in allowed and not c.isprintable()]
    assert not bad, (what, bad, text)


def ctl(sock, *args, timeout=20):
    return subprocess.run(DHCPCTL + ["--socket", sock] + list(args), capture_output=True,
                          text=True, env=ENV, timeout=timeout, errors="strict")


def ctl_both(sock, *args):
    """(human output, --json result) of one dhcpctl command."""
    h = ctl(sock, *args)
    assert h.returncode == 0, (args, h.stdout, h.stderr)
    assert_human(args, h.stdout)
    j = ctl(sock, "--json", *args)
    assert j.returncode == 0, (args, j.stdout, j.stderr)
    assert j.stdout.isascii() and j.stdout.count("\n") == 1, j.stdout   # one line of JSON
    return h.stdout, json.loads(j.stdout)


def daemon_env(run, env):
    """The variables the daemon set (not those it passed on from its own environment)."""
    return dict((k, v) for k, v in env.items() if run.env.get(k) != v or k == "interface")


def check_bound_env(run, env):
    mine = daemon_env(run, env)
    want_keys = {"interface", "ip", "siaddr", "sname", "boot_file", "subnet", "mask", "router",
                 "lease", "serverid", "opt14", "opt114", "opt224"} | set(
                     NAMES[c] for c in OPTS if c in NAMES)
    # A raw newline would have made a key of its own in the record: exactly
    # these (opt61: Kea echoes the client identifier, RFC 6842).
    assert set(mine) - {"opt61"} == want_keys, sorted(mine)
    for k, v in mine.items():
        assert_script_safe(k, v)
    for code, raw in TEXT_OPTS.items():
        assert unquote(mine[NAMES[code]]) == raw.split(b"\0")[0], (code, mine[NAMES[code]])
    for code in HOST_OPTS:
        assert mine[NAMES[code]] == "bad", (code, mine[NAMES[code]])
    for code, raw in HEX_OPTS.items():
        assert mine["opt{}".format(code)] == raw.hex()
    assert unquote(mine["sname"]) == SNAME and unquote(mine["boot_file"]) == FILE, mine
    assert "%1B" in mine["boot_file"] and "%FF" in mine["boot_file"]


def check_renew_env(run, env):
    mine = daemon_env(run, env)
    assert set(mine) == {"interface", "ip", "siaddr", "subnet", "mask", "router", "lease",
                         "serverid", "search", "sipsrv", "domain", "opt224"}, sorted(mine)
    for k, v in mine.items():
        assert_script_safe(k, v)
    assert mine["search"] == "good.example bad bad bad bad bad bad bad", mine["search"]
    assert mine["sipsrv"] == "sip.example bad bad", mine["sipsrv"]
    assert mine["domain"] == "bad" and mine["opt224"] == ALL.hex(), mine


def check_state(human, st, opts):
    """`state`: --json has every option's exact bytes and the domain's text;
    the human form shows them escaped."""
    lease = st["lease"]
    assert st["state"] == "BOUND", st
    for code, raw in opts.items():
        assert lease["options"][str(code)] == raw.hex(), code     # exact bytes
    assert lease["domain"] == text_of(opts[15])
    assert lease["domain"].encode("latin-1") == opts[15]          # not UTF-8: byte for byte
    # shown, escaped: the colour sequence, BEL and newline are there as text
    assert "\\x1b[31m" in human and "\\x07" in human and "\\n" in human, human


def test_every_string_class_through_the_daemon_and_dhcpctl(lab):
    srv = kea(lab)
    run = Run(lab, ["-f"]).start()
    sock = run.cmd[run.cmd.index("--control") + 1]
    env = run.wait_action("bound", timeout=15)
    check_bound_env(run, env)
    assert rig.wait_until(lambda: os.path.exists(sock), 5), run.log()

    human, st = ctl_both(sock, "state")
    check_state(human, st, OPTS)
    human, sv = ctl_both(sock, "server")
    assert [s["id"] for s in sv["servers"]] == ["192.0.2.1"], sv
    for code, raw in OPTS.items():
        assert sv["servers"][0]["options"][str(code)] == raw.hex(), code
    assert "\\x1b" in human, human
    once = ctl(sock, "watch", "--once")
    assert once.returncode == 0, once.stderr
    assert_human("watch --once", once.stdout)

    # Watchers for the NAK: `watch` in a terminal and as plain output, `events`.
    master, slave = pty.openpty()
    tty_watch = subprocess.Popen(DHCPCTL + ["--socket", sock, "watch"], stdin=slave,
                                 stdout=slave, stderr=slave, env=ENV, start_new_session=True)
    os.close(slave)
    plain_watch = subprocess.Popen(DHCPCTL + ["--socket", sock, "watch"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=ENV, start_new_session=True)
    events = subprocess.Popen(DHCPCTL + ["--socket", sock, "events"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=ENV, start_new_session=True)
    tty_out = b""
    try:
        time.sleep(1.5)            # all three subscribed
        lab.stop(srv)
        tlvs = b"".join(bytes([c, len(v)]) + v for c, v in ACK_OPTS.items())
        hostile = lab.start(rig.interpreter("python") + [
            os.path.join(rig.REPO, "tests", "hostile_server.py"), lab.server_if, "60",
            NAK_MESSAGE.hex(), tlvs.hex(), "1"], ns="server", name="hostile")
        assert "ready" in lab.wait_log(hostile, "ready"), lab.log(hostile)
        r = ctl(sock, "--json", "renew")
        assert r.returncode == 0 and json.loads(r.stdout)["state"] == "RENEWING", r
        renew_env = run.wait_action("renew", timeout=15)
        assert "ack " in lab.log(hostile)
        check_renew_env(run, renew_env)
        human, st = ctl_both(sock, "state")
        check_state(human, st, ACK_OPTS)
        assert "a$(id).ex`a, esc\\x1b[31m.y, bel\\x07" in human, human
        r = ctl(sock, "--json", "renew")
        assert r.returncode == 0 and json.loads(r.stdout)["state"] == "RENEWING", r
        nak_env = run.wait_action("nak", timeout=15)
        assert "nak " in lab.log(hostile)
        deadline = time.monotonic() + 2.5          # watch redraws every second
        while time.monotonic() < deadline:
            r_, _, _ = select.select([master], [], [], 0.1)
            if r_:
                tty_out += os.read(master, 65536)
    finally:
        for p in (tty_watch, plain_watch, events):
            os.killpg(p.pid, signal.SIGINT)
        plain_out, plain_err = plain_watch.communicate(timeout=10)
        ev_out, ev_err = events.communicate(timeout=10)
        tty_watch.wait(timeout=10)
        while select.select([master], [], [], 0.1)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            tty_out += chunk
        os.close(master)

    # The script's nak: the message as %XX text of the message's text.
    mine = daemon_env(run, nak_env)
    assert set(mine) == {"interface", "message"}, mine
    assert_script_safe("message", mine["message"])
    assert unquote(mine["message"]) == text_of(NAK_MESSAGE).encode("utf-8"), mine

    # watch, plain: the NAK line is there, escaped.
    plain = plain_out.decode("utf-8")
    assert_human("watch", plain)
    shown = "NAK from 192.0.2.1: " + "a$(id)`id`'q\"d;b&c|d<e>f(g)h\\i%\\nj\\x1b[31mk\\x07l"
    assert shown in plain, plain
    # watch, in a terminal: its own clear-screen sequence and CR LF, nothing else.
    screen = tty_out.decode("utf-8").replace("\x1b[H\x1b[2J", "")
    assert_human("watch (tty)", screen, allowed="\r\n")
    assert shown in screen, screen
    # events: JSON lines, ASCII, the NAK's message exact.
    naks = [json.loads(ln) for ln in ev_out.decode("ascii").splitlines()]
    naks = [e for e in naks if e.get("event") == "nak"]
    assert naks and naks[0]["message"] == text_of(NAK_MESSAGE), naks
    assert naks[0]["message"].encode("latin-1") == NAK_MESSAGE
    # errors: the NAK listed, escaped / exact.
    human, errs = ctl_both(sock, "errors")
    assert "\\x1b[31m" in human and "\\x07" in human, human
    msgs = [e["message"] for e in errs["errors"] if e["kind"] == "nak"]
    assert msgs == ["NAK from 192.0.2.1: " + text_of(NAK_MESSAGE)], errs
    # the daemon's own log
    log = run.log()
    assert "received NAK from 192.0.2.1" in log, log
    assert_human("dhcpc log", log)
    for _, e in run.actions():
        for k, v in daemon_env(run, e).items():
            assert_script_safe(k, v)
    assert not os.path.exists("/tmp/d4c-pwned")
