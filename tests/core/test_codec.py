"""Codec tests that run on CPython (pytest) and MicroPython (mprun.py) alike.

Golden bytes are written out by hand from RFC 2131 figure 1; RFC examples
are quoted from the RFC text; real server replies live in vectors.py.
"""
from portable import raises, unhex
from dhcp4c import build, options as O, values as V
from dhcp4c.server import reply
from dhcp4c.errors import MalformedError, UsageError
from dhcp4c.message import decode, encode, encode_into

MAC = unhex("020000000001")
XID = unhex("01020304")
SERVER = unhex("c0000201")     # 192.0.2.1
ADDR = unhex("c0000232")       # 192.0.2.50
OPTS = [(12, b"board"), (55, O.prl([1, 3, 6, 15, 51, 54])), (61, O.client_id_hw(MAC))]

# DHCPDISCOVER, broadcast flag, asking for 192.0.2.50: every byte by hand.
GOLDEN_DISCOVER = unhex(
    "01010600" "01020304" "00008000"          # op htype hlen hops | xid | secs flags
    "00000000" "00000000" "00000000" "00000000"  # ciaddr yiaddr siaddr giaddr
    "020000000001" + "00" * (10 + 64 + 128) +  # chaddr (16) sname (64) file (128)
    "63825363"                                # magic cookie
    "350101"                                  # 53 DISCOVER
    "3204c0000232"                            # 50 192.0.2.50
    "0c05626f617264"                          # 12 "board"
    "3706010306" "0f3336"                     # 55 1 3 6 15 51 54
    "3d0701020000000001"                      # 61 htype 1 + MAC
    "ff" + "00" * 26)                         # END, pad to 300


def _reply(msg_type=5, options=()):
    req = build.discover(XID, MAC, OPTS)
    return reply(req, msg_type, ADDR, SERVER, options)


def _with_options(opt_hex, head=None):
    """A BOOTREPLY header + cookie followed by the given raw option bytes."""
    if head is None:
        head = encode(_reply())[:240]
    return head + unhex(opt_hex)


def test_discover_golden_bytes():
    m = build.discover(XID, MAC, OPTS, requested=ADDR, broadcast=True)
    assert encode(m) == GOLDEN_DISCOVER


def test_decode_golden_discover_fields():
    m = decode(GOLDEN_DISCOVER)
    assert (m.op, m.htype, m.hlen, m.hops) == (1, 1, 6, 0)
    assert m.xid == XID and m.flags == 0x8000 and m.secs == 0
    assert m.chaddr[:m.hlen] == MAC and m.chaddr == MAC + bytes(10)
    assert m.msg_type == 1
    assert m.order == [53, 50, 12, 55, 61]
    assert m.addr(50) == ADDR and m.text(12) == "board"
    assert V.option(m, 55) == [1, 3, 6, 15, 51, 54]
    assert m.sname == b"" and m.file == b""


def test_encode_into_reuses_one_buffer():
    buf = bytearray(1500)
    for i in range(3):
        buf[300] = 0xAA  # stale bytes past the message must not matter
        n = encode_into(build.discover(XID, MAC, OPTS, requested=ADDR, broadcast=True), buf)
        assert n == 300 and bytes(buf[:n]) == GOLDEN_DISCOVER
    assert isinstance(raises(UsageError, encode_into, _reply(), bytearray(100)), UsageError)


def test_request_forms_follow_rfc2131_table5():
    sel = build.request_selecting(XID, MAC, OPTS, ADDR, SERVER)
    assert sel.ciaddr == bytes(4) and sel.addr(50) == ADDR and sel.addr(54) == SERVER
    reboot = build.request_init_reboot(XID, MAC, OPTS, ADDR)
    assert reboot.addr(50) == ADDR and reboot.get(54) is None and reboot.ciaddr == bytes(4)
    for renew in (build.request_renewing(XID, MAC, OPTS, ADDR),
                  build.request_rebinding(XID, MAC, OPTS, ADDR)):
        assert renew.ciaddr == ADDR and renew.get(50) is None and renew.get(54) is None
        assert renew.flags == 0 and renew.msg_type == 3
        assert renew.text(12) == "board"
    # A caller's option list cannot smuggle in protocol-managed options.
    sneaky = OPTS + [(54, unhex("cb007101")), (50, unhex("cb007102"))]
    assert build.request_renewing(XID, MAC, sneaky, ADDR).get(54) is None
    assert build.discover(XID, MAC, sneaky).get(50) is None


def test_decline_release_inform_carry_only_allowed_options():
    dec = build.decline(XID, MAC, OPTS, ADDR, SERVER, "arp conflict")
    assert dec.order == [53, 50, 54, 56, 61] and dec.text(56) == "arp conflict"
    assert dec.ciaddr == bytes(4)
    rel = build.release(XID, MAC, OPTS, ADDR, SERVER)
    assert rel.order == [53, 54, 61] and rel.ciaddr == ADDR and rel.msg_type == 7
    inf = build.inform(XID, MAC, OPTS + [(51, O.u32(60))], ADDR)
    assert inf.ciaddr == ADDR and inf.msg_type == 8
    for code in (50, 51, 54):
        assert inf.get(code) is None
    for m in (dec, rel, inf):
        assert decode(encode(m)) == m


def test_reply_round_trip_and_typed_access():
    m = _reply(5, [(1, unhex("ffffff00")), (3, unhex("c0000201c0000202")),
                   (6, unhex("c0000201")), (15, b"example.com"), (51, O.u32(3600)),
                   (58, O.u32(1800)), (59, O.u32(3150)), (26, O.u16(1500)),
                   (2, unhex("fffff1f0")), (25, unhex("0044012c05dc"))])
    d = decode(encode(m))
    assert d == m and d.op == 2
    assert d.addr(1) == unhex("ffffff00")
    assert d.addrs(3) == [unhex("c0000201"), unhex("c0000202")]
    assert d.u32(51) == 3600 and d.u32(58) == 1800 and V.option(d, 26) == 1500
    assert d.text(15) == "example.com"
    assert V.option(d, 2) == -3600
    assert V.option(d, 25) == [68, 300, 1500]
    assert d.u32(99) is None and d.addrs(99) is None and d.text(99) is None
    assert raises(MalformedError, d.u32, 26).field == "option 26"   # 2 bytes, not 4


def test_rfc3442_examples():
    # RFC 3442 §3 table: destination -> descriptor.
    cases = [("00", 0, "00000000"), ("080a", 8, "0a000000"), ("180a0000", 24, "0a000000"),
             ("100a11", 16, "0a110000"), ("180a1b81", 24, "0a1b8100"),
             ("190ae50080", 25, "0ae50080"), ("200ac67a2f", 32, "0ac67a2f")]
    router = unhex("c0000201")
    for desc, width, dest in cases:
        raw = unhex(desc) + router
        assert V.decode_routes(raw) == [(unhex(dest), width, router)]
        assert V.encode_routes([(unhex(dest), width, router)]) == raw
    m = decode(encode(_reply(5, [(249, unhex("080ac0000201")),
                                 (121, unhex("00c0000201180a0000c0000202"))])))
    assert V.routes(m) == [(bytes(4), 0, router), (unhex("0a000000"), 24, unhex("c0000202"))]
    only_ms = decode(encode(_reply(5, [(249, unhex("080ac0000201"))])))
    assert V.routes(only_ms) == [(unhex("0a000000"), 8, router)]
    assert raises(MalformedError, V.decode_routes, unhex("21") + bytes(8)).why.startswith("prefix")
    assert raises(MalformedError, V.decode_routes, unhex("180a00c0")) is not None


def test_rfc3397_example_split_over_three_options():
    # RFC 3397 §3: "eng.apple.com." and "marketing.apple.com." in three
    # options of 9 bytes, the second name compressed to a pointer (RFC 3396).
    raw = _with_options("350105" "770903656e67056170706c" "770965036" "36f6d00096d61"
                        "7709726b6574696e67c004" "ff")
    m = decode(raw)
    assert V.search(m) == ["eng.apple.com", "marketing.apple.com"]
    assert V.decode_domains(V.encode_domains(["a.example", "example"])) == ["a.example", "example"]


def test_domain_names_that_could_hang_are_malformed():
    loop = unhex("c000")                       # points at itself
    forward = unhex("c002" "0161" "00")        # points forwards
    mutual = unhex("0161c004" "0162c000")      # a -> b -> a
    longname = (unhex("3f") + b"x" * 63) * 3 + unhex("3e") + b"y" * 62 + unhex("00")  # 256
    for bad in (loop, forward, mutual, longname, unhex("05616263"), unhex("8000"), unhex("c0")):
        err = raises(MalformedError, V.decode_domains, bad)
        assert err.field == "option 119", err
    ok = (unhex("3f") + b"x" * 63) * 3 + unhex("3d") + b"y" * 61 + unhex("00")  # 255 octets
    assert len(V.decode_domains(ok)[0]) == 253


def test_long_values_split_and_joined_rfc3396():
    big = bytes(range(256)) * 2 + b"end"
    raw = encode(_reply(5, [(43, big), (80, b"")]))
    # 515 bytes go out as pieces of 255, 255 and 5 bytes.
    at = raw.find(unhex("2bff"))
    assert at > 0 and raw[at + 257:at + 259] == unhex("2bff")
    assert raw[at + 514:at + 516] == unhex("2b05")
    m = decode(raw)
    assert m.get(43) == big and V.option(m, 80) is True


def test_encode_into_matches_encode_and_needs_room_for_end():
    for opts in ([(43, bytes(range(256)) * 2 + b"end"), (12, b"h")], [(12, b"h" * 60)]):
        msg = _reply(5, opts)
        raw = encode(msg)
        buf = bytearray(b"\xaa" * len(raw))
        assert encode_into(msg, buf) == len(raw) and bytes(buf) == raw
        raises(UsageError, encode_into, msg, bytearray(len(raw) - 1))


def test_overload_reads_file_then_sname():
    head = bytearray(encode(_reply())[:240])
    sname = unhex("0f03616263" "ff")      # 15 "abc" ...
    file_ = unhex("0f03646566" "0c0268ff" "ff")  # 15 "def", 12 "h\xff"
    head[44:44 + len(sname)] = sname
    head[108:108 + len(file_)] = file_
    raw = bytes(head) + unhex("350105" "3604c0000201" "340103" "ff")
    m = decode(raw)
    assert m.text(15) == "defabc"          # file first, then sname (RFC 3396 §5)
    assert m.sname == b"" and m.file == b""
    assert m.text(12) == "h\xff"           # bad UTF-8 kept as Latin-1, never an error
    head[44:108] = bytes(64)
    m2 = decode(bytes(head[:44]) + bytes(64) + bytes(head[108:]) + unhex("350105340101ff"))
    assert m2.text(15) == "def" and m2.sname == b""


def test_tolerant_where_real_servers_need_it():
    base = "350105" "3604c0000201"
    for tail in ("ff", "", "00000000ff", "ff" + "deadbeef" * 10, "ff0000"):
        m = decode(_with_options(base + tail))
        assert m.msg_type == 5 and m.addr(54) == SERVER and m.order == [53, 54]
    head = bytearray(encode(_reply())[:240])
    head[44:56] = b"srv\x00garbage!"
    head[108:112] = b"boot"
    m = decode(bytes(head) + unhex(base))
    assert m.sname == b"srv" and m.file == b"boot"


def test_unknown_options_re_encode_byte_identical():
    opts = "350105" "3604c0000201" "c803000aff" "5206010461626364" "e000" "fe01ff" "ff"
    raw = _with_options(opts) + bytes(300 - 240 - len(unhex(opts)))
    m = decode(raw)
    assert m.get(200) == unhex("000aff") and m.get(82) == unhex("010461626364")
    assert m.get(224) == b"" and m.order == [53, 54, 200, 82, 224, 254]
    assert encode(m) == raw


# (name, packet, field named in the error)
def _malformed_cases():
    good = encode(_reply())
    cases = [("empty", b"", "header"), ("short header", good[:100], "header"),
             ("235 bytes", good[:235], "header"), ("no cookie", good[:236], "magic cookie"),
             ("bad cookie", good[:236] + unhex("63825364") + good[240:], "magic cookie"),
             ("op 3", unhex("03") + good[1:], "op"),
             ("hlen 17", good[:2] + unhex("11") + good[3:], "hlen"),
             ("length past end", _with_options("3501053604c00002"), "options"),
             ("no length byte", _with_options("3501053604c000020136"), "options"),
             ("no message type", _with_options("3604c0000201ff"), "option 53"),
             ("message type 0", _with_options("3501003604c0000201ff"), "option 53"),
             ("message type 19", _with_options("3501133604c0000201ff"), "option 53"),
             ("two message types", _with_options("3501053501053604c0000201ff"), "option 53"),
             ("overload 4", _with_options("350105340104ff"), "option 52"),
             ("overload length 2", _with_options("35010534020101ff"), "option 52")]
    head = bytearray(good[:240])
    head[44:108] = bytes(60) + unhex("0c0a6162")  # 12, length 10, past the end of sname
    cases.append(("overloaded sname runs past", bytes(head) + unhex("350105340102ff"),
                  "sname (overloaded)"))
    # a bad lease time, overload, message type or server identifier: unusable
    for code, size in ((51, 2), (52, 0), (53, 2), (54, 5)):
        opt = "{:02x}{:02x}".format(code, size) + "01" * size
        cases.append(("option {} length {}".format(code, size),
                      _with_options("350105" + opt + "ff"), "option {}".format(code)))
    return cases


def test_a_malformed_optional_option_is_dropped_alone():
    """Issue 17: a fixed-size option the lease does not depend on (mask,
    routers, DNS, broadcast, T1, T2...) with a bad length is left out of the
    decoded message and named in m.dropped; the rest of the message stands."""
    for code, size in ((1, 3), (1, 5), (3, 0), (3, 6), (6, 2), (28, 8), (50, 3), (57, 1),
                       (58, 8), (59, 3), (42, 5), (26, 1), (2, 2), (23, 2), (150, 0)):
        opt = "{:02x}{:02x}".format(code, size) + "01" * size
        m = decode(_with_options("350105" + "3604c0000201" + opt + "0f03616263" + "ff"))
        assert code not in m.options and code not in m.order, code
        assert m.dropped == [(code, "length {} is wrong for this option".format(size))], code
        assert m.msg_type == 5 and m.addr(54) == unhex("c0000201") and m.text(15) == "abc"
    assert decode(encode(_reply())).dropped is None


def test_a_subnet_mask_that_is_no_mask_is_dropped_alone():
    """0.0.0.0 and non-contiguous masks would configure IP/0 or nonsense."""
    for mask, ok in (("ffffff00", True), ("ffffffff", True), ("80000000", True),
                     ("00000000", False), ("ff00ff00", False), ("fffffffd", False)):
        m = decode(_with_options("350105" + "3604c0000201" + "0104" + mask + "ff"))
        assert (1 in m.options) == ok, mask
        assert (m.dropped is None) == ok, mask


def test_malformed_classless_routes_are_dropped_alone():
    """RFC 3442 routes (121, and Microsoft's 249) have no fixed size: their
    shape is read whole. A prefix over 32 or a route cut short costs the
    option; good routes beside it in another option stand."""
    good = "7906" + "08" + "0a" + "c0000201"                  # 10.0.0.0/8 via 192.0.2.1
    for bad, why in (("7906" + "21" + "0a" * 5, "prefix length 33 > 32"),
                     ("f904" + "18" + "0a0000", "route runs past the end")):
        m = decode(_with_options("350105" + "3604c0000201" + good + bad + "ff"))
        code = int(bad[:2], 16)
        if code == 121:
            assert 121 not in m.options
        else:
            assert m.options[121] == unhex(good[4:]) and 249 not in m.options
        assert m.dropped == [(code, why)], m.dropped
    m = decode(_with_options("350105" + "3604c0000201" + good + "ff"))
    assert m.dropped is None and m.options[121] == unhex(good[4:])


def test_option_52_inside_file_or_sname_is_ignored():
    """RFC 2132 §9.3: option 52 counts in the options field only; found again
    in an overloaded `file`, it does not make the message unusable."""
    head = bytearray(encode(_reply())[:240])
    head[108:120] = unhex("340103" + "0f03616263" + "ff") + bytes(3)   # 52 again, domain
    m = decode(bytes(head) + unhex("350105" + "340101" + "ff"))
    assert m.options[52] == unhex("01") and m.text(15) == "abc" and m.msg_type == 5


def test_malformed_inputs_raise_one_error_naming_field_and_offset():
    for name, raw, field in _malformed_cases():
        err = raises(MalformedError, decode, raw)
        assert isinstance(err, ValueError)
        assert err.field == field, (name, err.field)
        assert "offset {}".format(err.offset) in str(err) and field in str(err), name


def test_option_helpers():
    assert V.client_id_rfc4361(unhex("00000001"), unhex("00030001") + MAC) == \
        unhex("ff" "00000001" "00030001") + MAC
    assert O.client_id_hw(MAC) == unhex("01") + MAC
    v = O.fqdn_value("board.example")
    assert v == unhex("050000") + unhex("05626f617264076578616d706c6500")
    assert V.decode_fqdn(v) == (5, 0, 0, "board.example")
    assert V.decode_fqdn(unhex("000000") + b"plain.name") == (0, 0, 0, "plain.name")
    assert raises(MalformedError, V.decode_fqdn, unhex("0500")).field == "option 81"
    assert V.value(19, unhex("01")) == 1 and V.value(33, unhex("0a000000c0000201")) == \
        [(unhex("0a000000"), unhex("c0000201"))]
    assert V.value(200, unhex("0102")) == unhex("0102")
    assert V.value(108, O.u32(1800)) == 1800
    assert raises(MalformedError, V.value, 3, unhex("010203")).field == "option 3"
    assert raises(MalformedError, V.value, 2, unhex("01")) is not None
