"""Capture real server replies into tests/core/vectors.py (run as root).

    .venv/bin/python tests/capture_vectors.py

Starts each server in a throw-away namespace rig, sends a DISCOVER and a
SELECTING REQUEST built by the codec (and an INIT-REBOOT REQUEST for a
foreign address, which an authoritative server NAKs) and stores the raw
replies as hex. The codec tests then decode those bytes on both
interpreters; test_codec_capture.py repeats the dnsmasq capture live.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(os.path.dirname(HERE), "shared"), HERE]

import rig  # noqa: E402
import servers  # noqa: E402
from dhcp4c import build, message, options as O  # noqa: E402

PRL = O.prl([1, 3, 6, 12, 15, 26, 28, 42, 51, 54, 58, 59, 119, 121])
DNSMASQ_EXTRA = ["dhcp-option=option:domain-search,example.com,lab.example.com",
                 "dhcp-option=option:classless-static-route,198.51.100.0/24,192.0.2.1",
                 "dhcp-option=option:router,192.0.2.1", "dhcp-option=option:dns-server,192.0.2.53",
                 "dhcp-option=option:domain-name,example.com",
                 "dhcp-option=option:ntp-server,192.0.2.123"]


def dora(lab, xid=b"\x5e\x00\x00\x01"):
    """[offer, ack, nak] raw replies from whatever server runs in lab."""
    mac = lab.client_mac
    opts = [(61, O.client_id_hw(mac)), (12, b"vector"), (55, PRL)]
    offer = rig.exchange(lab, [message.encode(build.discover(xid, mac, opts, broadcast=True))])
    offer = offer[0]
    m = message.decode(offer)
    req = build.request_selecting(xid, mac, opts, m.yiaddr, m.addr(54), broadcast=True)
    ack = rig.exchange(lab, [message.encode(req)])[0]
    foreign = build.request_init_reboot(b"\x5e\x00\x00\x02", mac, opts, b"\xcb\x00\x71\x07",
                                        broadcast=True)
    nak = rig.exchange(lab, [message.encode(foreign)])
    return offer, ack, (nak[0] if nak else None)


def main():
    out = {}
    for name in ("dnsmasq", "kea", "dhcpd", "udhcpd"):
        with rig.Lab() as lab:
            if name == "dnsmasq":
                lab.dnsmasq(extra_conf=DNSMASQ_EXTRA, lease="10m")
            else:
                servers.START[name](lab, lease=600)
            offer, ack, nak = dora(lab)
            out[name + "-offer"] = offer.hex()
            out[name + "-ack"] = ack.hex()
            if nak:
                out[name + "-nak"] = nak.hex()
            print(name, "captured", "offer ack" + (" nak" if nak else ""))
    path = os.path.join(HERE, "core", "vectors.py")
    with open(path, "w") as f:
        f.write('"""Real server replies (hex), captured by tests/capture_vectors.py.\n\n'
                'Client MAC and addresses differ per capture; the tests read them from\n'
                'the bytes. Regenerate with: .venv/bin/python tests/capture_vectors.py\n"""\n\n'
                "REPLIES = {\n")
        for k in sorted(out):
            h = out[k]
            f.write("    {!r}: (\n".format(k))
            for i in range(0, len(h), 72):
                f.write("        {!r}\n".format(h[i:i + 72]))
            f.write("    ),\n")
        f.write("}\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
