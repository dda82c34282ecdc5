"""The option table, and typed option values: readers and writers of the structured ones.

OPTIONS below is the one table of what is known about each option: its code,
udhcpc's script variable, its kind and its display name (STYLE 14). Options
are stored raw ({code: bytes}, see message.py) and turned into Python values
only when asked for, by the kind (after n-dhcp4), with the readers and writers
of the structured options: RFC 3442 classless routes (121, 249), RFC 3397
domain search (119, with DNS name compression), RFC 3361 SIP servers (120),
RFC 4702 FQDN (81) and RFC 4361 client ids (61). Every reader checks lengths
itself and raises MalformedError on a bad shape. name(), script_name() and
code() look options up for host tools (dhcpctl, the Linux daemon).

The client on a board never needs these (it reads addresses, integers and
text through dhcp4c.options), so boards go without this module; host tools,
tests, and option()/routes()/search() below for a decoded Message, use it.
"""
from dhcp4c import const
from dhcp4c.errors import MalformedError
from dhcp4c.options import check_len, encode_name, split4, text, uint
from dhcp4c.options import routes as decode_routes   # RFC 3442: the board reads it too
from dhcp4c.options import domains as decode_domains  # RFC 3397: the board reads it too

# Value kinds: what value() makes of an option's bytes.
ADDR = const(1)       # one IPv4 address (4 bytes)
ADDRS = const(2)      # one or more IPv4 addresses
U8 = const(3)
U16 = const(4)
U32 = const(5)
S32 = const(6)        # signed seconds (option 2)
TEXT = const(7)       # NVT ASCII / UTF-8 string
PAIRS = const(8)      # address pairs (21 policy filter, 33 static routes)
U16S = const(9)       # list of 16-bit values (25)
FLAG = const(10)      # one byte, 0 or 1
ROUTES = const(11)    # RFC 3442 classless routes (121, 249)
DOMAINS = const(12)   # RFC 1035 names with compression (119)
CODES = const(13)     # list of option codes (55)
EMPTY = const(14)     # no value (80 rapid commit)
FQDN = const(15)      # RFC 4702 (81)
OPAQUE = const(16)    # bytes kept as they are (43, 61, 82, unknown)
HOST = const(17)      # TEXT that is a host or domain name (12, 15, 40): udhcpc
#                       checks it (RFC 1035 §2.3.1 labels) and passes "bad" if it fails
SIP = const(18)       # RFC 3361 (120): (0, [names]) or (1, [addresses])

# The kinds' names, indexed by kind (docs/codec.md's option table uses them).
KIND_NAMES = (None, "addr", "addrs", "u8", "u16", "u32", "s32", "text", "pairs", "u16s",
              "flag", "routes", "domains", "codes", "empty", "fqdn", "opaque", "host", "sip")

# The one table of options (docs/codec.md lists it; tests/test_docs.py checks).
# A row: code, udhcpc's script variable (None: udhcpc has none, and its script
# gets optNNN=hex, NNN in decimal), kind, name (RFC 2132's section titles
# without "Option"; later options by their RFC's title, 249 and 252 by the
# vendors' usage). KINDS, name(), script_name() and code() come from it, and
# from them the Linux daemon's script environment (host/dhcpc/script.py),
# dhcpctl's output and docs/codec.md's table. Codes not in it are OPAQUE and
# named optNNN.
OPTIONS = (
    (1, "subnet", ADDR, "Subnet Mask"),
    (2, "timezone", S32, "Time Offset"),
    (3, "router", ADDRS, "Router"),
    (4, "timesrv", ADDRS, "Time Server"),
    (5, "namesrv", ADDRS, "Name Server"),
    (6, "dns", ADDRS, "Domain Name Server"),
    (7, "logsrv", ADDRS, "Log Server"),
    (8, "cookiesrv", ADDRS, "Cookie Server"),
    (9, "lprsrv", ADDRS, "LPR Server"),
    (10, None, ADDRS, "Impress Server"),
    (11, None, ADDRS, "Resource Location Server"),
    (12, "hostname", HOST, "Host Name"),
    (13, "bootsize", U16, "Boot File Size"),
    (14, None, TEXT, "Merit Dump File"),
    (15, "domain", HOST, "Domain Name"),
    (16, "swapsrv", ADDR, "Swap Server"),
    (17, "rootpath", TEXT, "Root Path"),
    (18, None, TEXT, "Extensions Path"),
    (19, None, FLAG, "IP Forwarding Enable/Disable"),
    (20, None, FLAG, "Non-Local Source Routing Enable/Disable"),
    (21, None, PAIRS, "Policy Filter"),
    (22, None, U16, "Maximum Datagram Reassembly Size"),
    (23, "ipttl", U8, "Default IP Time-to-live"),
    (24, None, U32, "Path MTU Aging Timeout"),
    (25, None, U16S, "Path MTU Plateau Table"),
    (26, "mtu", U16, "Interface MTU"),
    (27, None, FLAG, "All Subnets are Local"),
    (28, "broadcast", ADDR, "Broadcast Address"),
    (29, None, FLAG, "Perform Mask Discovery"),
    (30, None, FLAG, "Mask Supplier"),
    (31, None, FLAG, "Perform Router Discovery"),
    (32, None, ADDR, "Router Solicitation Address"),
    (33, "routes", PAIRS, "Static Route"),
    (34, None, FLAG, "Trailer Encapsulation"),
    (35, None, U32, "ARP Cache Timeout"),
    (36, None, FLAG, "Ethernet Encapsulation"),
    (37, None, U8, "TCP Default TTL"),
    (38, None, U32, "TCP Keepalive Interval"),
    (39, None, FLAG, "TCP Keepalive Garbage"),
    (40, "nisdomain", HOST, "Network Information Service Domain"),
    (41, "nissrv", ADDRS, "Network Information Servers"),
    (42, "ntpsrv", ADDRS, "Network Time Protocol Servers"),
    (43, None, OPAQUE, "Vendor Specific Information"),
    (44, "wins", ADDRS, "NetBIOS over TCP/IP Name Server"),
    (45, None, ADDRS, "NetBIOS over TCP/IP Datagram Distribution Server"),
    (46, None, U8, "NetBIOS over TCP/IP Node Type"),
    (47, None, TEXT, "NetBIOS over TCP/IP Scope"),
    (48, None, ADDRS, "X Window System Font Server"),
    (49, None, ADDRS, "X Window System Display Manager"),
    (50, None, ADDR, "Requested IP Address"),
    (51, "lease", U32, "IP Address Lease Time"),
    (52, None, U8, "Option Overload"),
    (53, None, U8, "DHCP Message Type"),
    (54, "serverid", ADDR, "Server Identifier"),
    (55, None, CODES, "Parameter Request List"),
    (56, "message", TEXT, "Message"),
    (57, None, U16, "Maximum DHCP Message Size"),
    (58, None, U32, "Renewal (T1) Time Value"),
    (59, None, U32, "Rebinding (T2) Time Value"),
    (60, None, TEXT, "Vendor Class Identifier"),
    (61, None, OPAQUE, "Client-identifier"),
    (62, None, TEXT, "NetWare/IP Domain Name"),                   # RFC 2242
    (63, None, OPAQUE, "NetWare/IP Information"),                 # RFC 2242
    (64, None, TEXT, "Network Information Service+ Domain"),
    (65, None, ADDRS, "Network Information Service+ Servers"),
    (66, "tftp", TEXT, "TFTP Server Name"),
    (67, "bootfile", TEXT, "Bootfile Name"),
    (68, None, ADDRS, "Mobile IP Home Agent"),
    (69, None, ADDRS, "SMTP Server"),
    (70, None, ADDRS, "POP3 Server"),
    (71, None, ADDRS, "NNTP Server"),
    (72, None, ADDRS, "Default WWW Server"),
    (73, None, ADDRS, "Default Finger Server"),
    (74, None, ADDRS, "Default IRC Server"),
    (75, None, ADDRS, "StreetTalk Server"),
    (76, None, ADDRS, "StreetTalk Directory Assistance Server"),
    (77, None, OPAQUE, "User Class"),                             # RFC 3004
    (80, None, EMPTY, "Rapid Commit"),                            # RFC 4039
    (81, None, FQDN, "Client FQDN"),                              # RFC 4702
    (82, None, OPAQUE, "Relay Agent Information"),                # RFC 3046
    (100, "tzstr", TEXT, "IEEE 1003.1 TZ String"),                # RFC 4833 (PCode)
    (101, "tzdbstr", TEXT, "Reference to the TZ Database"),       # RFC 4833 (TCode)
    (108, None, U32, "IPv6-Only Preferred"),                      # RFC 8925
    (114, None, TEXT, "DHCP Captive-Portal"),                     # RFC 8910
    (116, None, U8, "Auto-Configure"),                            # RFC 2563
    (118, None, ADDR, "Subnet Selection"),                        # RFC 3011
    (119, "search", DOMAINS, "Domain Search"),                    # RFC 3397
    (120, "sipsrv", SIP, "SIP Servers"),                          # RFC 3361
    (121, "staticroutes", ROUTES, "Classless Static Route"),      # RFC 3442
    (132, "vlanid", U16, "IEEE 802.1Q VLAN ID"),                  # IANA
    (133, "vlanpriority", U8, "IEEE 802.1D/p Layer 2 Priority"),  # IANA
    (150, None, ADDRS, "TFTP Server Address"),                    # RFC 5859
    (209, "pxeconffile", TEXT, "PXELINUX Configuration File"),    # RFC 5071
    (210, "pxepathprefix", TEXT, "PXELINUX Path Prefix"),         # RFC 5071
    (211, "reboottime", U32, "PXELINUX Reboot Time"),             # RFC 5071
    (212, None, OPAQUE, "6rd"),                                   # RFC 5969
    (249, "msstaticroutes", ROUTES, "Microsoft Classless Static Route"),
    (252, "wpad", TEXT, "Web Proxy Auto-Discovery"),
)

KINDS = {}            # code -> kind, for value()
for _r in OPTIONS:
    KINDS[_r[0]] = _r[2]
del _r


def _row(code):
    for row in OPTIONS:
        if row[0] == code:
            return row
    return None


def name(code):
    """The option's display name ("Domain Name Server"), or "optNNN" when the table has none."""
    row = _row(code)
    return row[3] if row else "opt{}".format(code)


def script_name(code):
    """udhcpc's script variable for the option ("dns"), or None: udhcpc then
    passes it as optNNN=hex (NNN decimal)."""
    row = _row(code)
    return row[1] if row else None


def code(text):
    """An option code from udhcpc's name ("dns"), a display name ("Domain Name
    Server", any case), a number ("6", "0x06") or "optNNN"; None if unknown or
    outside 1..254."""
    low = text.strip().lower()
    for row in OPTIONS:
        if low == row[1] or low == row[3].lower():
            return row[0]
    if low.startswith("opt") and low[3:].isdigit():
        low = low[3:]
    try:
        n = int(low, 0) if low[:2] == "0x" else int(low)
    except ValueError:
        return None
    return n if 0 < n < 255 else None


def encode_routes(routes):
    """The inverse of decode_routes (options.routes), for servers in tests and for -x."""
    out = bytearray()
    for dest, width, router in routes:
        out.append(width & 0xFF)
        out += dest[:(width + 7) >> 3]
        out += router
    return bytes(out)


def encode_domains(names):
    return b"".join([encode_name(n) for n in names])


def decode_fqdn(value):
    """RFC 4702 §2: (flags, rcode1, rcode2, name); E flag (0x04) = wire format."""
    if len(value) < 3:
        raise MalformedError("option 81", 0, "shorter than 3 bytes")
    flags = value[0]
    if flags & 0x04:
        names = decode_domains(value[3:], "option 81") if len(value) > 3 else []
        name = names[0] if names else ""
    else:
        name = text(value[3:])
    return flags, value[1], value[2], name


def decode_sip(value):
    """RFC 3361 §3: (0, [domain names]) or (1, [addresses]), by the encoding byte."""
    if not value or value[0] > 1:
        raise MalformedError("option 120", 0, "encoding byte not 0 or 1")
    if value[0] == 0:
        return 0, decode_domains(value[1:], "option 120")
    return 1, split4(120, value[1:])


def client_id_rfc4361(iaid, duid):
    """Option 61 in its RFC 4361 §6.1 form: 255, 4-byte IAID, DUID."""
    if len(iaid) != 4:
        raise ValueError("IAID must be 4 bytes")
    return b"\xff" + bytes(iaid) + bytes(duid)


def value(code, raw):
    """The typed value of one option, by its kind in OPTIONS (unknown: the bytes)."""
    kind = KINDS.get(code, OPAQUE)
    n = len(raw)
    if kind == ADDR:
        check_len(code, raw, n == 4)
        return bytes(raw)
    if kind == ADDRS:
        return split4(code, raw)
    if kind == PAIRS:
        return split4(code, raw, 2)
    if kind in (U8, FLAG):
        check_len(code, raw, n == 1)
        return raw[0]
    if kind == U16:
        check_len(code, raw, n == 2)
        return uint(raw)
    if kind == U32:
        check_len(code, raw, n == 4)
        return uint(raw)
    if kind == S32:
        check_len(code, raw, n == 4)
        v = uint(raw)
        return v - 0x100000000 if v & 0x80000000 else v
    if kind == U16S:
        check_len(code, raw, n and not n & 1)
        return [uint(raw[i:i + 2]) for i in range(0, n, 2)]
    if kind in (TEXT, HOST):
        return text(raw)
    if kind == CODES:
        return list(raw)
    if kind == ROUTES:
        return decode_routes(raw, code)
    if kind == DOMAINS:
        return decode_domains(raw)
    if kind == FQDN:
        return decode_fqdn(raw)
    if kind == SIP:
        return decode_sip(raw)
    if kind == EMPTY:
        return True
    return bytes(raw)


# -- a decoded Message's options, typed: None when absent ----------------------
# (functions here rather than Message methods: a board keeps every method of
# Message on its heap, and never asks for these)
def option(msg, code):
    """Option `code` of `msg` as value() types it."""
    raw = msg.options.get(code)
    return None if raw is None else value(code, raw)


def routes(msg):
    """RFC 3442 routes from 121, else Microsoft's 249 (same format)."""
    raw = msg.options.get(121)
    if raw is None:
        raw = msg.options.get(249)
    return None if raw is None else decode_routes(raw)


def search(msg):
    """RFC 3397 domain search list (119)."""
    raw = msg.options.get(119)
    return None if raw is None else decode_domains(raw)
