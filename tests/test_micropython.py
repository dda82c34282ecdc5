"""The portable tests under the real MicroPython unix port, and the mpy-cross gate.

Each tests/core/test_*.py file is run by the venv's `micropython` through
tests/core/mprun.py (the same files pytest runs natively on CPython), and
every .py under shared/ must compile with the matching `mpy-cross`.
Missing binaries skip, or fail when DHCP4C_CI is set.
"""
import glob
import os
import subprocess

import pytest

import rig

CORE = os.path.join(rig.REPO, "tests", "core")
MPRUN = os.path.join(CORE, "mprun.py")
CORE_TESTS = sorted(glob.glob(os.path.join(CORE, "test_*.py")))
SHARED_PY = sorted(glob.glob(os.path.join(rig.SHARED, "**", "*.py"), recursive=True))


def _mprun(*files):
    exe = rig.need_tool("micropython")
    return subprocess.run([exe, MPRUN] + list(files), capture_output=True, text=True,
                          timeout=600, cwd=rig.REPO)


@pytest.mark.parametrize("path", CORE_TESTS, ids=os.path.basename)
def test_core_file_under_micropython(path):
    r = _mprun(path)
    out = r.stdout + r.stderr
    assert r.returncode == 0, "micropython run of {} failed:\n{}".format(path, out)
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("micropython: ") and last.endswith(" passed, 0 failed"), out
    rig.REPORT.append("{}: {}".format(os.path.basename(path), last))


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


@pytest.mark.parametrize("path", SHARED_PY, ids=lambda p: os.path.relpath(p, rig.SHARED))
def test_shared_compiles_with_mpy_cross(path, tmp_path):
    exe = rig.need_tool("mpy-cross")
    out = tmp_path / (os.path.basename(path)[:-3] + ".mpy")
    r = subprocess.run([exe, "-o", str(out), path], capture_output=True, text=True)
    assert r.returncode == 0 and out.exists(), r.stdout + r.stderr
