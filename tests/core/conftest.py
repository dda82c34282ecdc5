"""pytest (CPython) runs the portable tests in this folder natively; make
their imports work the way tests/core/mprun.py makes them work under
MicroPython: shared/ (for dhcp4c) and this folder (for portable.py and
other helpers) on sys.path. Test files here must not import pytest."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for p in (os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared"), HERE):
    if p not in sys.path:
        sys.path.insert(0, p)
