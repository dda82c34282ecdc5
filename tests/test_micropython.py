"""The portable tests on real MicroPython, 64-bit and 32-bit, and the mpy-cross gate.

Each tests/core/test_*.py file (the same files pytest runs natively on CPython) runs
- under "micropython", the venv's PyPI unix port (64-bit), and "micropython-i386", the
  i386 unix port scripts/micropython.py builds (31-bit small ints, as on boards), both
  through tests/core/mprun.py;
- on the Cortex-M3 image build/micropython/qemu/tests.elf under qemu, where the files are
  frozen in (no filesystem there): one boot, RUNNER calls every test_* function.
Every .py under shared/ must compile with the venv's mpy-cross and with the built one.
Missing binaries skip, or fail when DHCP4C_CI is set.
"""
import glob
import json
import os
import subprocess

import pytest

import rig

CORE = os.path.join(rig.REPO, "tests", "core")
MPRUN = os.path.join(CORE, "mprun.py")
CORE_TESTS = sorted(glob.glob(os.path.join(CORE, "test_*.py")))
SHARED_PY = sorted(glob.glob(os.path.join(rig.SHARED, "**", "*.py"), recursive=True))
UNIX_PORTS = ("micropython", "micropython-i386")
MAXSIZE = {"micropython": 2 ** 63 - 1, "micropython-i386": 2 ** 31 - 1,
           "micropython-i386-frozen": 2 ** 31 - 1}


def _name(path):
    return os.path.basename(path)[:-3]


def _mprun(*files, interp="micropython"):
    return subprocess.run(rig.interpreter(interp) + [MPRUN] + list(files), capture_output=True,
                          text=True, timeout=600, cwd=rig.REPO)


def _frozen_only(interp, code, tmp_path):
    """Run `code` with nothing but the frozen modules importable."""
    env = dict(os.environ, MICROPYPATH=".frozen")
    return subprocess.run(rig.interpreter(interp) + ["-c", code], capture_output=True,
                          text=True, timeout=60, cwd=str(tmp_path), env=env)


@pytest.mark.parametrize("interp", UNIX_PORTS)
@pytest.mark.parametrize("path", CORE_TESTS, ids=os.path.basename)
def test_core_file_under_micropython(path, interp):
    r = _mprun(path, interp=interp)
    out = r.stdout + r.stderr
    assert r.returncode == 0, "{} run of {} failed:\n{}".format(interp, path, out)
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("micropython: ") and last.endswith(" passed, 0 failed"), out
    rig.REPORT.append("{} {}: {}".format(interp, os.path.basename(path), last))


def test_mprun_reports_failures(tmp_path):
    bad = tmp_path / "test_bad.py"
    bad.write_text("def test_ok():\n    pass\n\ndef test_no():\n    assert 1 == 2\n")
    r = _mprun(str(bad))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "PASS test_bad.test_ok" in r.stdout and "FAIL test_bad.test_no" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "micropython: 1 passed, 1 failed"


def test_mprun_fails_on_import_error_and_empty_file(tmp_path):
    (tmp_path / "test_imp.py").write_text("import no_such_module_here\n")
    (tmp_path / "test_empty.py").write_text("X = 1\n")
    for name in ("test_imp.py", "test_empty.py"):
        r = _mprun(str(tmp_path / name))
        assert r.returncode == 1, r.stdout + r.stderr


@pytest.mark.parametrize("interp", sorted(MAXSIZE))
def test_word_size(interp):
    r = subprocess.run(rig.interpreter(interp) + ["-c", "import sys; print(sys.maxsize)"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and int(r.stdout) == MAXSIZE[interp], r.stdout + r.stderr


def test_i386_is_a_stock_board_firmware(tmp_path):
    """asyncio and the board's network module frozen (a board's firmware has
    both; the virtual board's network is boards/unix/network.py), nothing else of ours."""
    r = _frozen_only("micropython-i386", "import asyncio, network\nnetwork.LAN\ntry:\n"
                     " import dhcp4c\nexcept ImportError:\n print('no dhcp4c')\n", tmp_path)
    assert r.returncode == 0 and r.stdout == "no dhcp4c\n", r.stdout + r.stderr


def test_i386_frozen_holds_the_unix_board_files(tmp_path):
    """What scripts/micropython.py froze is what manifest.json lists for the unix
    virtual board, and every module of it imports from the frozen image alone."""
    rig.micropython_build("micropython-i386-frozen")
    frozen = rig.micropython_frozen("micropython-i386-frozen")
    with open(os.path.join(rig.REPO, "manifest.json")) as f:
        m = json.load(f)
    want = (m["board_files"] + [p for p in m["firmware_files"] if not p.endswith("/main.py")]
            + m["boards"]["unix"].get("files", []))
    assert sorted(frozen.values()) == sorted(want)
    modules = sorted(p[:-3].replace("/__init__", "").replace("/", ".") for p in frozen)
    code = "import asyncio\nfor m in {!r}:\n __import__(m)\nprint('ok')\n".format(modules)
    r = _frozen_only("micropython-i386-frozen", code, tmp_path)
    assert r.returncode == 0 and r.stdout == "ok\n", r.stdout + r.stderr


# --- the Cortex-M3 image under qemu -------------------------------------------------

# Pasted into the raw REPL: mprun.py's loop, for frozen modules. "== name" heads each
# file's lines.
RUNNER = """\
import sys
print("MAXSIZE", sys.maxsize)
for name in {names!r}:
    print("==", name)
    try:
        mod = __import__(name)
    except Exception as e:
        print("FAIL {{}} (import): {{!r}}".format(name, e))
        sys.print_exception(e)
        continue
    for n in sorted(dir(mod)):
        if n.startswith("test_") and callable(getattr(mod, n)):
            try:
                getattr(mod, n)()
            except Exception as e:
                print("FAIL {{}}.{{}}: {{!r}}".format(name, n, e))
                sys.print_exception(e)
            else:
                print("PASS {{}}.{{}}".format(name, n))
print("== done")
"""


@pytest.fixture(scope="module")
def cortex_m3():
    """{file name: its lines, "": the lines before the first file} from one boot of
    tests.elf running the whole core suite."""
    out, err = rig.qemu_run(RUNNER.format(names=[_name(p) for p in CORE_TESTS]), "tests",
                            timeout=120)
    assert err == "" and out.rstrip().endswith("== done"), out + err
    files, name = {"": []}, ""
    for line in out.splitlines():
        if line.startswith("== "):
            name = line[3:]
            files[name] = []
        else:
            files[name].append(line)
    return files


@pytest.mark.parametrize("path", CORE_TESTS, ids=os.path.basename)
def test_core_file_on_cortex_m3(cortex_m3, path):
    lines = cortex_m3.get(_name(path))
    assert lines is not None, "no run of {}".format(_name(path))
    passed = [x for x in lines if x.startswith("PASS ")]
    failed = [x for x in lines if x.startswith("FAIL ")]
    assert passed and not failed, "\n".join(lines) + (
        "\n(a test file missing from the image? run scripts/bootstrap.sh)"
        if "(import)" in "".join(failed) else "")
    rig.REPORT.append("cortex-m3 {}: {} passed, 0 failed".format(
        os.path.basename(path), len(passed)))


def test_cortex_m3_word_size(cortex_m3):
    assert cortex_m3[""] == ["MAXSIZE {}".format(2 ** 31 - 1)]


def test_dhcp4c_image_imports_the_board_package():
    """The image `make firmware BOARD=qemu` builds: each dhcp4c module frozen in it
    imports on the Cortex-M3 (the rest of the firmware needs a network stack)."""
    image = rig.micropython_build("dhcp4c")
    frozen = rig.micropython_frozen("dhcp4c")
    assert frozen, "build/micropython/frozen.json names nothing frozen in qemu/dhcp4c.elf"
    modules = sorted(p[:-3].replace("/__init__", "").replace("/", ".") for p in frozen)
    out, err = rig.qemu_run("for m in {!r}:\n __import__(m)\nprint('ok')\n".format(modules),
                            image, timeout=60)
    assert (out, err) == ("ok\n", ""), out + err


# --- mpy-cross ----------------------------------------------------------------------

def _mpy_cross(which):
    return rig.need_tool("mpy-cross") if which == "venv" else rig.micropython_build("mpy-cross")


@pytest.mark.parametrize("which", ("venv", "built"))
@pytest.mark.parametrize("path", SHARED_PY, ids=lambda p: os.path.relpath(p, rig.SHARED))
def test_shared_compiles_with_mpy_cross(path, which, tmp_path):
    out = tmp_path / (os.path.basename(path)[:-3] + ".mpy")
    r = subprocess.run([_mpy_cross(which), "-o", str(out), path], capture_output=True,
                       text=True)
    assert r.returncode == 0 and out.exists(), r.stdout + r.stderr
