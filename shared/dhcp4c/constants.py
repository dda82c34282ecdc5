"""Numbers of the DHCP wire protocol (RFC 2131, RFC 2132 and later RFCs).

Only the names other modules import are defined here; every name costs
bytes on a board. The rest of the numbers, for reference (the modules
that use them keep them as private const()s, which cost nothing):

    ports (RFC 2131 §4.1)   server 67, client 68
    op (RFC 2131 §2)        BOOTREQUEST 1, BOOTREPLY 2; htype Ethernet 1;
                            flags: broadcast 0x8000
    options (RFC 2132)      PAD 0, subnet mask 1, time offset 2, router 3,
                            DNS 6, hostname 12, domain 15, MTU 26,
                            broadcast 28, static routes 33, NTP 42,
                            vendor info 43, requested IP 50, lease time 51,
                            overload 52, message type 53, server id 54,
                            parameter request list 55, message 56,
                            max message size 57, T1 58, T2 59,
                            vendor class 60, client id 61, END 255
    later RFCs              rapid commit 80 (RFC 4039), FQDN 81 (RFC 4702),
                            relay agent info 82 (RFC 3046),
                            IPv6-only preferred 108 (RFC 8925),
                            domain search 119 (RFC 3397),
                            classless routes 121 (RFC 3442; Microsoft's
                            pre-RFC code 249, same format)
"""
# RFC 2132 §9.6 message types (index = type), plus RFC 3203 FORCERENEW (9)
# and the lease-query family up to RFC 7724 (18, the highest we recognise).
MSG_NAMES = ("?", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE",
             "INFORM", "FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN",
             "LEASEACTIVE", "BULKLEASEQUERY", "LEASEQUERYDONE", "ACTIVELEASEQUERY",
             "LEASEQUERYSTATUS", "TLS")
