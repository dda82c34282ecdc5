"""dhcp4c.values.OPTIONS, the one option table (STYLE 14): its rows are
well formed, every kind has a reader, the lookups find every row by each of
its names, and the Linux daemon's udhcpc table (OPTS) agrees with it.
CPython-only: the daemon's module is host code."""
import importlib
import os
import sys

from dhcp4c import values as V

import rig

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

# udhcpc's kinds (the daemon's OPTS) -> the table's kinds that give the same
# script text: "a" prints every address, so one (ADDR) or several (ADDRS).
UDHCPC_KINDS = {
    "a": (V.ADDR, V.ADDRS), "u8": (V.U8,), "u16": (V.U16,), "u32": (V.U32,),
    "s32": (V.S32,), "s": (V.TEXT,), "h": (V.HOST,), "p": (V.PAIRS,), "r": (V.ROUTES,),
    "d": (V.DOMAINS,),
}
# Where OPTS still differs from the table, and why. udhcpc decodes 120 by
# RFC 3361 (OPTION_SIP_SERVERS: names or addresses); OPTS passes it as
# text. The daemon's switch to the table brings it in line: then this goes.
KNOWN_DIFFERENCES = {120: ("s", V.SIP)}


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
    forms = set(k for kinds in UDHCPC_KINDS.values() for k in kinds) | {V.SIP}
    for c, script, kind, _ in V.OPTIONS:
        assert script is None or kind in forms, (c, script, V.KIND_NAMES[kind])


def daemon_opts():
    """The daemon's udhcpc option table: host/dhcpc/script.py once the
    daemon is a package, host/dhcpc.py before."""
    host = os.path.join(rig.REPO, "host")
    if host not in sys.path:
        sys.path.insert(0, host)
    if os.path.isfile(os.path.join(host, "dhcpc", "script.py")):
        return importlib.import_module("dhcpc.script").OPTS
    return importlib.import_module("dhcpc").OPTS


def test_the_daemons_udhcpc_table_agrees_with_the_option_table():
    """Every option the daemon's OPTS names has that udhcpc name in the table
    and a kind that gives the same script text; the table names no option
    for udhcpc that OPTS lacks."""
    opts = daemon_opts()
    wrong = []
    for c, (script, kind) in sorted(opts.items()):
        if V.script_name(c) != script:
            wrong.append("{}: OPTS {!r}, table {!r}".format(c, script, V.script_name(c)))
        elif c in KNOWN_DIFFERENCES:
            assert KNOWN_DIFFERENCES[c] == (kind, V.KINDS[c]), \
                "option {}: OPTS kind {!r}; update KNOWN_DIFFERENCES".format(c, kind)
        elif V.KINDS.get(c) not in UDHCPC_KINDS[kind]:
            wrong.append("{} {}: OPTS kind {!r}, table {}".format(
                c, script, kind, V.KIND_NAMES[V.KINDS.get(c, V.OPAQUE)]))
    extra = [c for c, script, _, _ in V.OPTIONS if script and c not in opts]
    assert not wrong and not extra, (wrong, extra)
