"""Numbers of the DHCP wire protocol (RFC 2131, RFC 2132 and later RFCs).

Plain integers wrapped in const() so MicroPython folds them at compile time.
"""
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

SERVER_PORT = const(67)
CLIENT_PORT = const(68)

# RFC 2131 §2: op, htype, flags
BOOTREQUEST = const(1)
BOOTREPLY = const(2)
HTYPE_ETHER = const(1)
FLAG_BROADCAST = const(0x8000)

# RFC 2132 §9.6 message types, plus RFC 3203 (9) and the lease-query family.
DISCOVER = const(1)
OFFER = const(2)
REQUEST = const(3)
DECLINE = const(4)
ACK = const(5)
NAK = const(6)
RELEASE = const(7)
INFORM = const(8)
FORCERENEW = const(9)
MAX_MSG_TYPE = const(18)  # RFC 7724 ACTIVELEASEQUERY..TLS: highest we recognise
MSG_NAMES = ("?", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE",
             "INFORM", "FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN",
             "LEASEACTIVE", "BULKLEASEQUERY", "LEASEQUERYDONE", "ACTIVELEASEQUERY",
             "LEASEQUERYSTATUS", "TLS")

# Option codes the client uses by name (RFC 2132 unless noted).
OPT_PAD = const(0)
OPT_SUBNET_MASK = const(1)
OPT_TIME_OFFSET = const(2)
OPT_ROUTER = const(3)
OPT_DNS = const(6)
OPT_HOSTNAME = const(12)
OPT_DOMAIN = const(15)
OPT_MTU = const(26)
OPT_BROADCAST = const(28)
OPT_STATIC_ROUTES = const(33)
OPT_NTP = const(42)
OPT_VENDOR_INFO = const(43)
OPT_REQUESTED_IP = const(50)
OPT_LEASE_TIME = const(51)
OPT_OVERLOAD = const(52)
OPT_MSG_TYPE = const(53)
OPT_SERVER_ID = const(54)
OPT_PRL = const(55)
OPT_MESSAGE = const(56)
OPT_MAX_SIZE = const(57)
OPT_T1 = const(58)
OPT_T2 = const(59)
OPT_VENDOR_CLASS = const(60)
OPT_CLIENT_ID = const(61)
OPT_RAPID_COMMIT = const(80)     # RFC 4039
OPT_FQDN = const(81)             # RFC 4702
OPT_AGENT_INFO = const(82)       # RFC 3046, kept opaque
OPT_IPV6_ONLY = const(108)       # RFC 8925
OPT_DOMAIN_SEARCH = const(119)   # RFC 3397
OPT_CLASSLESS_ROUTES = const(121)  # RFC 3442
OPT_MS_CLASSLESS_ROUTES = const(249)  # Microsoft's pre-RFC 3442 code, same format
OPT_END = const(255)

INFINITE = const(0xFFFFFFFF)  # RFC 2131 §3.3: lease that never expires
