"""Fallback when no server answers (issue 16, item 3): after --fallback s
without a lease the static profile is configured (script action
`fallback`), DISCOVER goes on, and a real server's lease, once one is
started, replaces it. Against the four servers."""
import json
import os
import subprocess
import time

import pytest

import rig
import servers
from dhcpcrig import Run

STATIC = "192.0.2.9/24,192.0.2.254,192.0.2.53"


def addrs(lab):
    out = lab.run(["ip", "-4", "-o", "addr", "show", "dev", lab.client_if]).stdout
    return [w for ln in out.splitlines() for w in ln.split() if "/" in w and "." in w]


def wait_addrs(lab, want, timeout=5):
    """The recording script logs before it runs ours: wait for its effect."""
    deadline = time.monotonic() + timeout
    while addrs(lab) != want and time.monotonic() < deadline:
        time.sleep(0.05)
    assert addrs(lab) == want


def state(r):
    sock = r.cmd[r.cmd.index("--control") + 1]
    deadline = time.monotonic() + 5
    while not os.path.exists(sock) and time.monotonic() < deadline:
        time.sleep(0.05)
    out = subprocess.run(rig.interpreter("python") + [
        os.path.join(rig.REPO, "host", "dhcpctl.py"), "--socket", sock, "--json", "state"],
        capture_output=True, text=True, timeout=20,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([rig.SHARED,
                                                         os.path.join(rig.REPO, "host")])))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("server", servers.ALL)
def test_static_fallback_then_a_real_lease_replaces_it(lab, server):
    r = Run(lab, ["-f", "-T", "1", "-t", "0", "--static", STATIC, "--fallback", "1"]).start()
    env = r.wait_action("fallback", timeout=10)
    assert env["fallback"] == "static" and env["ip"] == "192.0.2.9"
    assert env["mask"] == "24" and env["router"] == "192.0.2.254" and env["dns"] == "192.0.2.53"
    assert "lease" not in env
    wait_addrs(lab, ["192.0.2.9/24"])
    deadline = time.monotonic() + 5
    while True:
        routes = lab.run(["ip", "-4", "route", "show", "dev", lab.client_if]).stdout
        if "default via 192.0.2.254" in routes or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert "default via 192.0.2.254" in routes, routes
    st = state(r)
    assert st["fallback"]["kind"] == "static" and st["fallback"]["address"] == "192.0.2.9"
    assert st["state"] in ("SELECTING", "INIT") and st["lease"] is None   # DISCOVER goes on
    servers.start(lab, server)
    env = r.wait_action("bound", timeout=20)
    assert env["ip"] != "192.0.2.9"
    wait_addrs(lab, [env["ip"] + "/" + env["mask"]])           # the fallback is gone
    assert "lease replaces the static fallback" in r.log()
    assert state(r)["fallback"] is None
    assert r.names().count("fallback") == 1


def test_no_fallback_without_a_profile_and_bad_flags(lab):
    r = Run(lab, ["-n", "-f", "-t", "2", "-T", "1"])
    res = r.run()
    assert res.returncode == 1 and "fallback" not in r.names()
    for bad in (["--fallback", "3"], ["--static", "192.0.2.9/99"], ["--fallback", "x"],
                ["--static", STATIC, "--ipv4ll"]):
        p = subprocess.run(rig.interpreter("python") + ["-I", "-S", os.path.join(
            rig.REPO, "host", "dhcpc")] + bad, capture_output=True, text=True)
        assert p.returncode == 2 and p.stderr.count("\n") == 1, (bad, p.stderr)


def test_manifest_fallback_read_and_bad_ones_ignored(tmp_path, capsys):
    import sys
    sys.path.insert(0, os.path.join(rig.REPO, "host"))
    from dhcpc.cli import manifest_fallback
    m = tmp_path / "manifest.json"
    m.write_text('{"default_ip": null, "fallback": {"address": "192.0.2.9/24", '
                 '"router": "192.0.2.1", "dns": ["192.0.2.53"], "after": 5}}')
    prof, after = manifest_fallback([str(tmp_path)])
    assert prof == {"address": bytes([192, 0, 2, 9]), "prefix": 24,
                    "router": bytes([192, 0, 2, 1]), "dns": [bytes([192, 0, 2, 53])]}
    assert after == 5
    for bad in ('{"fallback": {"address": "192.0.2.9/99"}}', '{"fallback": 7}',
                '{"fallback": {"router": "192.0.2.1"}}', '{"fallback": {',
                b'{"fallback": "\xff"}'):
        if isinstance(bad, bytes):
            m.write_bytes(bad)
        else:
            m.write_text(bad)
        assert manifest_fallback([str(tmp_path)]) == (None, None), bad
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "fallback ignored" in err, err
    m.write_text('{"default_ip": null}')
    assert manifest_fallback([str(tmp_path)]) == (None, None)


def test_ipv4ll_fallback_then_a_real_lease_replaces_it(lab):
    """--ipv4ll: RFC 3927 probing and announcing at the RFC's timing (about
    5-8 s), then the script's fallback with 169.254.x.y/16; dnsmasq started
    later, its lease replaces it and the link-local address goes."""
    r = Run(lab, ["-f", "-T", "1", "-t", "0", "--ipv4ll", "--fallback", "1"]).start()
    env = r.wait_action("fallback", timeout=20)
    assert env["fallback"] == "ipv4ll" and env["ip"].startswith("169.254.")
    assert env["mask"] == "16" and "router" not in env
    wait_addrs(lab, [env["ip"] + "/16"])
    assert state(r)["fallback"]["kind"] == "ipv4ll"
    lab.dnsmasq()
    bound = r.wait_action("bound", timeout=20)
    wait_addrs(lab, [bound["ip"] + "/" + bound["mask"]])
    assert "lease replaces the ipv4ll fallback" in r.log()
