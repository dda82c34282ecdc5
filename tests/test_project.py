"""Project metadata: one version, an honest manifest, no generic installed names."""
import glob
import json
import os
import re
import subprocess
import sys

import rig

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None


def _pyproject():
    path = os.path.join(rig.REPO, "pyproject.toml")
    if tomllib:
        with open(path, "rb") as f:
            return tomllib.load(f)
    import re  # minimal fallback: the version line is all we read then
    with open(path) as f:
        return {"project": {"version": re.search(r'^version = "(.+)"', f.read(), re.M)[1]}}


def _manifest():
    with open(os.path.join(rig.REPO, "manifest.json")) as f:
        return json.load(f)


def test_version_is_the_same_in_pyproject_and_manifest():
    assert _manifest()["version"] == _pyproject()["project"]["version"]


def test_manifest_fields():
    m = _manifest()
    assert m["name"] == "dhcp4c"
    assert m["default_ip"] is None or m["default_ip"].count(".") == 3
    assert isinstance(m["board_files"], list)


# Modules of dhcp4c that stay off boards: the option-name table for display,
# the state-machine diagram, the IPv4/UDP framing only raw-socket hosts need,
# the typed reading of options the client itself never reads, and the
# fake-server reply builder.
HOST_ONLY = ("diagram.py", "ipudp.py", "values.py", "server.py")


def test_manifest_lists_the_board_side_of_dhcp4c():
    """Every listed file exists; every shared/dhcp4c/*.py except the host-only
    ones goes on the board."""
    listed = _manifest()["board_files"]
    for f in listed:
        assert os.path.isfile(os.path.join(rig.REPO, f)), "manifest.json lists missing " + f
    for name in HOST_ONLY:
        assert "shared/dhcp4c/" + name not in listed, name + " is host-only"
    want = sorted(os.path.relpath(p, rig.REPO)
                  for p in glob.glob(os.path.join(rig.SHARED, "dhcp4c", "*.py"))
                  if os.path.basename(p) not in HOST_ONLY)
    have = sorted(f for f in listed if f.startswith("shared/dhcp4c/"))
    assert have == want, "update manifest.json board_files: missing {}, extra {}".format(
        sorted(set(want) - set(have)), sorted(set(have) - set(want)))


def test_no_generic_top_level_names_installed():
    if tomllib is None:
        return
    st = _pyproject()["tool"]["setuptools"]
    names = list(st.get("packages", [])) + list(st.get("py-modules", []))
    names += [k for k in st.get("package-dir", {}) if k]
    tops = {n.split(".")[0] for n in names}
    assert "dhcp4c" in tops
    assert not tops & {"shared", "host", "tests", "firmware", "boards", "bench", "scripts"}


def test_no_module_repeats_another_modules_constants():
    """A number or reason that one dhcp4c module defines (states, events,
    drop reasons, message types) is imported by the others, never copied as
    a private `_NAME = const(...)`: a copy can drift from its original."""
    import importlib
    import pkgutil
    import dhcp4c
    public = {}
    mods = {}
    for info in pkgutil.iter_modules(dhcp4c.__path__):
        mods[info.name] = importlib.import_module("dhcp4c." + info.name)
        for name, v in vars(mods[info.name]).items():
            if name.isupper() and not name.startswith("_"):
                public.setdefault(name, info.name)
    copies = []
    for mname, mod in mods.items():
        src = open(mod.__file__).read()
        for name in re.findall(r"^(_[A-Z][A-Z0-9_]*) = const\(", src, re.M):
            stripped = name.lstrip("_")
            for prefix in ("", "EV_", "WHY_"):
                if stripped.startswith(prefix) and stripped[len(prefix):] in public \
                        and public[stripped[len(prefix):]] != mname:
                    copies.append("{}.{} copies {}.{}".format(
                        mname, name, public[stripped[len(prefix):]], stripped[len(prefix):]))
    assert not copies, copies


def test_installed_commands_and_the_lean_dhcpc_launcher(tmp_path):
    """`pip install .` (not editable) into a fresh venv gives `dhcpc` and
    `dhcpctl`; the `dhcpc` launcher reaches dhcpc.main() without `re` or
    `enum`, which the entry-point wrapper pip generates would import first."""
    venv = str(tmp_path / "v")
    r = rig.pip_install(sys.executable, venv)
    assert r.returncode == 0, r.stderr
    py = os.path.join(venv, "bin", "python")
    dhcpc = os.path.join(venv, "bin", "dhcpc")
    with open(dhcpc) as f:
        assert f.readline().strip() == "#!" + py
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    r = subprocess.run([dhcpc, "--halp"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0 and "SYNOPSIS" in r.stdout, r.stderr
    loaded = {line.split("|")[-1].strip() for line in r.stderr.splitlines()
              if line.startswith("import time:")}
    assert "dhcpc" in loaded and "dhcp4c.client" in loaded, r.stderr
    assert not loaded & {"re", "enum"}, sorted(loaded & {"re", "enum"})
    r = subprocess.run([os.path.join(venv, "bin", "dhcpctl"), "fsm", "--dot"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "BOUND" in r.stdout, r.stderr
