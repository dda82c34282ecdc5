"""The daemon on a link that has no carrier yet, as at boot or hotplug
(issue 16, item 1): the exchange goes on while no lease is in use, and the
carrier's arrival sends the pending message again at once instead of
starting over. A carrier loss with a lease in use still pauses (that case is
test_dhcpc.py::test_link_down_up_init_reboot)."""
import time

import servers
from dhcpcrig import Run


def wait_for(r, text, timeout=10):
    deadline = time.monotonic() + timeout
    while text not in r.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert text in r.log(), r.log()


def test_discover_before_carrier_is_answered_once_it_comes(lab):
    """The peer end is down, so the client's link has no carrier: the first
    DISCOVER goes nowhere. With a fixed 60 s retransmission (-T 60) only the
    resend on carrier up can bind the client within the wait below; the old
    behaviour (pause, then a new DISCOVER on carrier) logged a second
    "sending discover"."""
    srv = lab.dnsmasq()
    lab.run(["ip", "link", "set", lab.server_if, "down"], ns="server")
    r = Run(lab, ["-f", "-T", "60"]).start()
    wait_for(r, "sending discover")
    assert r.names() in ([], ["deconfig"])
    lab.run(["ip", "link", "set", lab.server_if, "up"], ns="server")
    r.wait_action("bound", timeout=15)
    log = r.log()
    assert log.count("sending discover") == 1, log
    assert lab.log(srv).count("DHCPDISCOVER") == 1, lab.log(srv)


def test_stored_lease_confirmed_once_carrier_comes(lab):
    """The same with a lease file: the INIT-REBOOT REQUEST is sent again on
    carrier, and the stored lease is confirmed without a DISCOVER."""
    lab.dnsmasq()
    first = Run(lab, ["-q", "-f"], name="first")
    assert first.run().returncode == 0
    ip = first.actions()[-1][1]["ip"]
    lab.run(["ip", "link", "set", lab.server_if, "down"], ns="server")
    r = Run(lab, ["-f", "-T", "60"], name="boot", leasefile=first.leasefile).start()
    time.sleep(0.5)
    lab.run(["ip", "link", "set", lab.server_if, "up"], ns="server")
    env = r.wait_action("bound", timeout=15)
    assert env["ip"] == ip
    assert "sending discover" not in r.log(), r.log()


def wait_running(lab, timeout=5):
    """Until the server end reports carrier (Kea opens no socket before)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = lab.run(["ip", "-o", "link", "show", lab.server_if], ns="server").stdout
        if "LOWER_UP" in out and "state UP" in out:
            return
        time.sleep(0.05)
    raise AssertionError(out)


def test_every_server_answers_through_a_late_carrier(lab):
    """Each real server, the peer end brought up after the client started."""
    for name in servers.ALL:
        wait_running(lab)
        srv = servers.start(lab, name)
        lab.run(["ip", "link", "set", lab.server_if, "down"], ns="server")
        r = Run(lab, ["-f", "-T", "60"], name=name).start()
        wait_for(r, "sending discover")
        lab.run(["ip", "link", "set", lab.server_if, "up"], ns="server")
        r.wait_action("bound", timeout=15)
        assert r.log().count("sending discover") == 1, (name, r.log())
        r.proc.terminate()
        r.proc.wait(5)
        lab.stop(srv)
