"""The server's side of an exchange: a reply to a client's message, for the
fake servers of tests and benchmarks. Host only: not in manifest.json's
board_files (a board never answers, and keeps every function it loads on
its heap).
"""
from dhcp4c.message import Message, ZERO4


def reply(request, msg_type, yiaddr, server_id, options=()):
    """A server's reply to `request` (for fake servers, tests and benchmarks)."""
    m = Message(2)
    m.htype = request.htype
    m.hlen = request.hlen
    m.xid = request.xid
    m.flags = request.flags
    m.giaddr = request.giaddr
    m.chaddr = request.chaddr
    m.yiaddr = bytes(yiaddr) if yiaddr else ZERO4
    m.set(53, bytes((msg_type,)))
    m.set(54, server_id)
    for code, raw in options:
        m.set(code, raw)
    return m
