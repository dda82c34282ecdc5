"""dhcp4c.values.OPTIONS, the one option table (STYLE 14): its rows are
well formed, every kind has a reader, the lookups find every row by each of
its names, and the Linux daemon's script environment is driven by it.
CPython-only: the daemon's module is host code."""
import os
import sys

from dhcp4c import values as V
from dhcp4c.lease import Lease

import rig

sys.path.insert(0, os.path.join(rig.REPO, "host"))
from dhcpc.script import script_env  # noqa: E402

# One value of each kind, raw, and what value() makes of it: a kind added
# without a branch in value() fails here instead of reading as bytes.
SAMPLES = {
    V.ADDR: (b"\xc0\x00\x02\x01", b"\xc0\x00\x02\x01"),
    V.ADDRS: (b"\xc0\x00\x02\x01\xc0\x00\x02\x02", [b"\xc0\x00\x02\x01", b"\xc0\x00\x02\x02"]),
    V.U8: (b"\x07", 7),
    V.U16: (b"\x05\xdc", 1500),
    V.U32: (b"\x00\x00\x0e\x10", 3600),
    V.S32: (b"\xff\xff\xf1\xf0", -3600),
    V.TEXT: (b"a text\x00", "a text"),
    V.PAIRS: (b"\x0a\x00\x00\x00\xc0\x00\x02\x01", [(b"\x0a\x00\x00\x00", b"\xc0\x00\x02\x01")]),
    V.U16S: (b"\x00\x44\x05\xdc", [68, 1500]),
    V.FLAG: (b"\x01", 1),
    V.ROUTES: (b"\x08\x0a\xc0\x00\x02\x01", [(b"\x0a\x00\x00\x00", 8, b"\xc0\x00\x02\x01")]),
    V.DOMAINS: (b"\x01a\x07example\x00\x07example\x00", ["a.example", "example"]),
    V.CODES: (b"\x01\x03\x06", [1, 3, 6]),
    V.EMPTY: (b"", True),
    V.FQDN: (b"\x00\x00\x00host", (0, 0, 0, "host")),
    V.OPAQUE: (b"\x01\x02", b"\x01\x02"),
    V.HOST: (b"board-7.example", "board-7.example"),
    V.SIP: (b"\x00\x03sip\x07example\x00", (0, ["sip.example"])),
}

# The kinds udhcpc has a script form for (RFC 3361's SIP among them).
SCRIPT_KINDS = (V.ADDR, V.ADDRS, V.U8, V.U16, V.U32, V.S32, V.TEXT, V.HOST, V.PAIRS,
                V.ROUTES, V.DOMAINS, V.SIP)


def test_rows_are_well_formed():
    codes = [row[0] for row in V.OPTIONS]
    assert codes == sorted(set(codes)), "one row per code, in order"
    assert all(0 < c < 255 for c in codes)
    for c, script, kind, name in V.OPTIONS:
        assert script is None or (script.isalnum() and script == script.lower()), c
        assert 0 < kind < len(V.KIND_NAMES), c
        assert name and name == name.strip(), c
    for column in (1, 3):
        names = [row[column].lower() for row in V.OPTIONS if row[column]]
        assert len(names) == len(set(names)), "names must be unique"
    assert V.KINDS == dict((c, k) for c, _, k, _ in V.OPTIONS)


def test_every_kind_has_a_reader():
    assert sorted(SAMPLES) == list(range(1, len(V.KIND_NAMES)))
    for c, _, kind, _ in V.OPTIONS:
        raw, want = SAMPLES[kind]
        assert V.value(c, raw) == want, (c, V.KIND_NAMES[kind])


def test_lookups_find_every_row_by_each_of_its_names():
    for c, script, _, name in V.OPTIONS:
        assert V.name(c) == name and V.script_name(c) == script
        for text in (name, name.upper(), " " + name + " ", str(c), "opt{}".format(c),
                     "0x{:02x}".format(c)) + ((script,) if script else ()):
            assert V.code(text) == c, text
    assert V.name(224) == "opt224" and V.script_name(224) is None
    assert V.code("opt224") == 224 and V.code("224") == 224 and V.code("0xe0") == 224
    for bad in ("", "nosuchoption", "0", "255", "opt255", "-1", "0x", "opt", "1.5"):
        assert V.code(bad) is None, bad


def test_every_option_udhcpc_names_has_a_kind_with_a_script_form():
    """The script environment is driven by the table alone: an option with a
    udhcpc name has a kind udhcpc prints (its own kinds, and RFC 3361's SIP);
    any other goes to the script as optNNN=hex whatever its kind."""
    for c, script, kind, _ in V.OPTIONS:
        assert script is None or kind in SCRIPT_KINDS, (c, script, V.KIND_NAMES[kind])


def test_the_script_environment_follows_the_table():
    """Every option with a udhcpc name reaches the script under that name,
    typed by its kind; every other one as optNNN=hex."""
    options = {}
    for c, _, kind, _ in V.OPTIONS:
        if c not in (52, 53, 55):
            options[c] = SAMPLES[kind][0]
    lease = Lease(b"\xc0\x00\x02\x32", server_id=b"\xc0\x00\x02\x01", lease_time=3600,
                  options=options)
    env = script_env("cli0", lease)
    for c, script, kind, _ in V.OPTIONS:
        if c in (52, 53, 55):
            continue
        key = script or "opt{}".format(c)
        assert key in env, (c, key)
        if script is None:
            assert env[key] == options[c].hex(), c
    assert env["dns"] == "192.0.2.1 192.0.2.2" and env["mtu"] == "1500"
    assert env["staticroutes"] == "10.0.0.0/8 192.0.2.1" and env["search"] == "a.example example"
    assert env["sipsrv"] == "sip.example" and env["hostname"] == "board-7.example"
    assert env["timezone"] == "-3600" and env["routes"] == "10.0.0.0/192.0.2.1"


def test_decode_checks_the_shape_of_every_option_a_script_reads_typed():
    """options.FIXED (the sizes decode() enforces, on boards too) agrees with
    the table's kinds, and covers every option with a udhcpc name and a
    fixed-size kind: a misshapen one is then left out and counted where the
    message is read, never silently skipped by a reader (issue 17, item 1)."""
    from dhcp4c.options import FIXED, ROUTES
    size = {V.ADDR: 4, V.U8: 1, V.FLAG: 1, V.U16: 2, V.U32: 4, V.S32: 4, V.ADDRS: 0}
    for code, want in FIXED.items():
        assert size[V.KINDS[code]] == want, code
    for code, script, kind, _ in V.OPTIONS:
        if script and kind in size:
            assert code in FIXED, (code, script)
    assert [c for c in V.KINDS if V.KINDS[c] == V.ROUTES] == list(ROUTES)
