"""pytest set-up for the whole suite: import paths and the `lab` fixture.

shared/ goes first on sys.path so the tests always exercise the source tree
(whether or not dhcp4c is installed), tests/core/ so CPython-only tests
can reuse the portable helpers and vectors, and tests/ so test modules can
`import rig`. Tests that need root or network namespaces use the `lab`
fixture (or rig.need_root()); they skip without root, and fail instead when
DHCP4C_CI is set (as .ci/run does).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for p in (os.path.join(os.path.dirname(HERE), "shared"), os.path.join(HERE, "core"), HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

import signal  # noqa: E402

import pytest  # noqa: E402

import rig  # noqa: E402


def _sigterm(signum, frame):
    # Unwind like Ctrl-C, so fixtures tear their namespaces down.
    raise KeyboardInterrupt("SIGTERM")


if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _sigterm)


@pytest.fixture
def lab():
    """A fresh rig.Lab (two namespaces joined by a veth), torn down after
    the test whatever happens."""
    rig.need_root()
    with rig.Lab() as lab:
        yield lab


def pytest_terminal_summary(terminalreporter):
    """Show what ran outside pytest's view (the MicroPython runs: the unix
    ports, 64- and 32-bit, the Cortex-M3 under qemu, the virtual board)."""
    if rig.REPORT:
        terminalreporter.section("runs under MicroPython")
        for line in rig.REPORT:
            terminalreporter.write_line(line)
    fuzz = sys.modules.get("test_codec_fuzz")
    if fuzz is not None and fuzz.COUNT:
        terminalreporter.section("codec fuzzing")
        terminalreporter.write_line("{} inputs: {}".format(
            sum(fuzz.COUNT.values()), ", ".join(
                "{} {}".format(k, v) for k, v in sorted(fuzz.COUNT.items()))))
