"""dnsmasq in a network namespace answers messages our codec built, and our
codec reads dnsmasq's real replies (the full server matrix is in the daemon
tests)."""
import os

import rig
from capture_vectors import DNSMASQ_EXTRA, dora
from dhcp4c import values as V
from dhcp4c.message import decode


def test_dora_with_dnsmasq_live(lab):
    lab.dnsmasq(extra_conf=DNSMASQ_EXTRA, lease="10m")
    offer, ack, nak = (decode(r) if r else None for r in dora(lab))
    assert offer.msg_type == 2 and ack.msg_type == 5 and nak.msg_type == 6
    assert offer.chaddr[:offer.hlen] == lab.client_mac and ack.xid == offer.xid
    assert ack.yiaddr == offer.yiaddr and rig.ip4(ack.yiaddr).startswith("192.0.2.")
    assert ack.addr(54) == bytes([192, 0, 2, 1]) and ack.u32(51) == 600
    assert V.search(ack) == ["example.com", "lab.example.com"]
    assert V.routes(ack) == [(bytes([198, 51, 100, 0]), 24, bytes([192, 0, 2, 1]))]
    assert nak.text(56)
    # dnsmasq recorded the lease under the hostname our DISCOVER/REQUEST sent.
    with open(os.path.join(lab.tmp, "dnsmasq.leases")) as f:
        leases = f.read()
    assert rig.ip4(ack.yiaddr) in leases and " vector " in leases
