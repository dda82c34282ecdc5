"""Firmware and board files without a board: they compile with mpy-cross, the
manifest names real profiles, package.json (mip) and manifest.py (freezing)
list what manifest.json lists, and the virtual board's network module refuses
values that are not addresses before they reach a shell command."""
import ast
import json
import os
import subprocess

import rig

M = json.load(open(os.path.join(rig.REPO, "manifest.json")))


def _files():
    out = list(M["firmware_files"])
    for b in M["boards"].values():
        out.append(b["profile"])
        out += b.get("files", [])
    return out


def test_firmware_and_profiles_compile_with_mpy_cross(tmp_path):
    exe = rig.need_tool("mpy-cross")
    for f in _files():
        r = subprocess.run([exe, "-o", str(tmp_path / "x.mpy"), os.path.join(rig.REPO, f)],
                           capture_output=True, text=True)
        assert r.returncode == 0, f + ": " + r.stderr


def test_every_profile_defines_name_hostname_and_nic():
    """NAME, a HOSTNAME (option 12: lwIP's client leaves it out on several
    ports, and servers and DNS then know the board by MAC only) and nic()."""
    for name, b in M["boards"].items():
        tree = ast.parse(open(os.path.join(rig.REPO, b["profile"])).read())
        defs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assigned = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign)
                    for t in n.targets if isinstance(t, ast.Name)}
        assert "nic" in defs, name
        assert "NAME" in assigned, name
        assert "HOSTNAME" in assigned, name


def _imports(path):
    """The project modules a board file imports at its top level."""
    tree = ast.parse(open(os.path.join(rig.REPO, path)).read())
    out = set()
    for n in tree.body:
        if isinstance(n, ast.Import):
            out.update(a.name for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.module:
            out.add(n.module)
            if n.module == "dhcp4c":      # from dhcp4c import build, states ...
                out.update("dhcp4c." + a.name for a in n.names)
    return out


def test_main_py_loads_every_board_module_after_its_imports():
    """firmware/main.py's LOAD_ORDER (one module at a time, leaves first) is
    manifest.json's board modules, each after the modules it imports."""
    main = [f for f in M["firmware_files"] if f.endswith("main.py")][0]
    tree = ast.parse(open(os.path.join(rig.REPO, main)).read())
    order = [ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
             and getattr(n.targets[0], "id", "") == "LOAD_ORDER"][0]
    modules = {}
    for f in M["board_files"] + M["firmware_files"]:
        if f.endswith("main.py"):
            continue
        name = os.path.basename(f)[:-3]
        name = "dhcp4c" if name == "__init__" else (
            "dhcp4c." + name if f.startswith("shared/") else name)
        modules[name] = f
    loadable = set(modules) - {"dhcp4c", "dhcp4c.constants"}   # imported by nothing here
    assert sorted(order) == sorted(loadable), set(order) ^ loadable
    for i, name in enumerate(order):
        needs = _imports(modules[name]) & set(modules) - {"dhcp4c"}
        assert needs <= set(order[:i]), (name, needs - set(order[:i]))


def test_package_json_lists_the_board_files():
    pj = json.load(open(os.path.join(rig.REPO, "package.json")))
    assert pj["version"] == M["version"]
    srcs = [u[1] for u in pj["urls"]]
    want = M["board_files"] + [f for f in M["firmware_files"] if not f.endswith("main.py")]
    assert srcs == want
    for dst, src in pj["urls"]:
        assert os.path.basename(dst) == os.path.basename(src)
        assert os.path.isfile(os.path.join(rig.REPO, src))


def test_manifest_py_freezes_the_board_files():
    text = open(os.path.join(rig.REPO, "manifest.py")).read()
    assert 'version="{}"'.format(M["version"]) in text
    for f in M["board_files"]:
        assert "'{}'".format(os.path.basename(f)) in text, f
    for f in M["firmware_files"]:
        if not f.endswith("main.py"):
            assert '"{}"'.format(os.path.basename(f)) in text, f


def test_unix_network_module_validates_addresses():
    code = """
import network
for bad in ("1.2.3.4; reboot", "1.2.3", "256.1.1.1", "a.b.c.d", "1.2.3.4/24", "$(x).1.1.1"):
    try:
        network._quad(bad)
        print("ACCEPTED", bad)
    except ValueError:
        pass
for bad in ("eth0;ls", "", "x" * 16, "a b"):
    try:
        network._ifname(bad)
        print("ACCEPTED", bad)
    except ValueError:
        pass
assert network._quad("192.0.2.010") == "192.0.2.10"
assert network._prefix("255.255.255.0") == 24 and network._mask(20) == "255.255.240.0"
print("OK")
"""
    mp = rig.interpreter("micropython")
    env = dict(os.environ, MICROPYPATH=os.path.join(rig.REPO, "boards", "unix"))
    r = subprocess.run(mp + ["-c", "import sys; exec(sys.stdin.read())"], input=code,
                       capture_output=True, text=True, env=env)
    assert r.stdout.strip() == "OK", r.stdout + r.stderr


FAKE_NETWORK = """
calls = []


def hostname(name=None):
    calls.append(("hostname", name))


def ipconfig(**kw):
    calls.append(("network.ipconfig", sorted(kw.items())))


class _NIC:
    def __init__(self):
        self.calls = calls

    def active(self, up=None):
        calls.append(("active", up))

    def ifconfig(self, cfg=None):
        calls.append(("ifconfig", cfg))


class LAN(_NIC):             # MicroPython >= 1.24
    def ipconfig(self, *a, **kw):
        calls.append(("ipconfig", sorted(kw.items())))


class WIZNET5K(LAN):
    pass


class OldLAN(_NIC):          # before 1.24: ifconfig() only
    pass
"""

NIC_RUN = """
import network, dhcpnic
from dhcp4c.lease import Lease
lease = Lease(b"\\xc0\\x00\\x02\\x0a", b"\\xc0\\x00\\x02\\x01", 600, mask=b"\\xff\\xff\\xff\\x00",
              routers=[b"\\xc0\\x00\\x02\\x01"], dns=[b"\\xc0\\x00\\x02\\x35"])
for kind in ("LAN", "WIZNET5K", "OldLAN"):
    nic = getattr(network, kind)()
    del network.calls[:]
    dhcpnic.up(nic, "board-7")
    dhcpnic.apply(nic, lease)
    dhcpnic.remove(nic)
    print(kind, repr(network.calls))
"""


def test_dhcpnic_uses_the_api_each_nic_kind_takes(tmp_path):
    """On the i386 port with a stand-in `network` module: a NIC with
    ipconfig() (>= 1.24) gets the lease through ipconfig() and
    network.ipconfig(dns=); WIZNET5K through ifconfig() even though it has
    ipconfig(); a NIC before 1.24 through ifconfig(). Each turns its port's
    DHCP client off, gets the hostname, and loses the address at the end."""
    (tmp_path / "network.py").write_text(FAKE_NETWORK)
    (tmp_path / "run.py").write_text(NIC_RUN)
    path = ":".join([str(tmp_path), os.path.join(rig.REPO, "firmware"), rig.SHARED])
    r = subprocess.run(rig.interpreter("micropython-i386") + [str(tmp_path / "run.py")],
                       capture_output=True, text=True, env=dict(os.environ, MICROPYPATH=path),
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    got = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    zero = "('0.0.0.0', '0.0.0.0', '0.0.0.0', '0.0.0.0')"
    lease = "('192.0.2.10', '255.255.255.0', '192.0.2.1', '192.0.2.53')"
    assert got["LAN"] == (
        "[('active', True), ('ipconfig', [('dhcp4', False)]), ('hostname', 'board-7'), "
        "('ipconfig', [('addr4', ('192.0.2.10', '255.255.255.0')), ('gw4', '192.0.2.1')]), "
        "('network.ipconfig', [('dns', '192.0.2.53')]), "
        "('ipconfig', [('addr4', ('0.0.0.0', '0.0.0.0'))])]")
    assert got["WIZNET5K"] == (
        "[('active', True), ('ipconfig', [('dhcp4', False)]), ('ifconfig', {z}), "
        "('hostname', 'board-7'), ('ifconfig', {l}), ('ifconfig', {z})]".format(z=zero, l=lease))
    assert got["OldLAN"] == (
        "[('active', True), ('ifconfig', {z}), ('hostname', 'board-7'), ('ifconfig', {l}), "
        "('ifconfig', {z})]".format(z=zero, l=lease))


def test_make_firmware():
    """make firmware BOARD=unix builds (or finds up to date) the frozen i386
    image and prints its path; a board of another port gets the exact
    command for that port and a non-zero exit (no such port here)."""
    rig.micropython_build("micropython-i386-frozen")
    r = subprocess.run(["make", "-s", "-C", rig.REPO, "firmware", "BOARD=unix"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == os.path.join(rig.MP_BUILD, "bin", "micropython-i386-frozen")
    r = subprocess.run(["make", "-s", "-C", rig.REPO, "firmware", "BOARD=pico-w"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert 'ports/rp2" BOARD=RPI_PICO_W FROZEN_MANIFEST=' in r.stdout, r.stdout
    assert "cannot be built here" in r.stdout
