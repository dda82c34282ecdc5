"""dhcp4c: a portable, sans-IO DHCPv4 client core (codec and state machine).

Runs unchanged on MicroPython and CPython. Import the submodules you need —
this file imports nothing, so a board pays only for what it uses:

    dhcp4c.message    decode(), encode(), Message
    dhcp4c.build      constructors for every client message (RFC 2131 table 5)
    dhcp4c.options    length checks, the readers and builders the client uses
    dhcp4c.values     the option table (OPTIONS: code, udhcpc name, kind,
                      display name), every option typed, routes, search
                      lists, FQDN (host tools and tests; boards go without it)
    dhcp4c.ipudp      IPv4/UDP headers for raw-socket clients
    dhcp4c.errors     MalformedError (peer sent garbage), UsageError (caller misuse)
    dhcp4c.constants  message type names, the infinite lease
    dhcp4c.diagram    the state machine as Graphviz (host tools only)
    dhcp4c.server     a server's reply, for fake servers (tests, benchmarks only)
"""


def const(x):
    """micropython.const for the modules here (`from dhcp4c import const`).

    MicroPython's compiler folds `NAME = const(number)` by the name `const`
    alone, wherever it comes from, and micropython.const itself is the
    identity at run time, as this is. One definition here instead of a
    `from micropython import const` per module, which on CPython fails after
    walking all of sys.path each time (~0.3 ms of the Linux daemon's start-up).
    """
    return x
