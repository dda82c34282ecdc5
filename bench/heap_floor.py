"""How near the board code can get to issue 6's `-X heapsize=64k` on the
unix port (64-bit): a floor that no rewrite keeping the public API goes under.

    make bench          (or: .venv/bin/python bench/heap_floor.py; no root)

The unix board's files, as make flash deploys them, are compiled three ways,
and bench/mp/cycle_heap.py reports the heap in use once they are loaded
(IMPORTED, after a collection), with the .mpy total (dhcp4c + firmware):
  1. as they are;
  2. without what only host code and tests call (HOST_ONLY: INFORM and
     DECLINE, reprs, Message equality and remove(), Controller.feed() and
     pending()) - what a board build could leave out;
  3. as 2, and every private function (one leading underscore) deleted
     outright: code its callers need, so a real rewrite keeps at least its
     bytecode somewhere. Nothing with today's public API loads in less.
The run-time part (the Client, the Controller, a lease, a `state` request:
CYCLE minus IMPORTED) comes from build 1, where the cycle runs. The floor is
build 3's IMPORTED plus that part, against the heap a `-X heapsize=64k`
unix port has in all.
"""
import ast
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import firmware as fwbench  # noqa: E402  (bench/firmware.py)
import rig  # noqa: E402

HOST_ONLY = {
    "client.py": ("inform", "decline", "_on_inform_ack"),
    "build.py": ("inform", "decline"),
    "events.py": ("__repr__",),
    "lease.py": ("__repr__",),
    "message.py": ("__repr__", "__eq__", "remove"),
    "control.py": ("feed", "pending"),
}


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def stripper(private):
    """edit() for fwbench.deploy: each def named in HOST_ONLY (and, when
    `private`, each private def) becomes `pass` at its place."""
    def edit(src, text):
        drop = HOST_ONLY.get(os.path.basename(src), ())
        spans = []
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and (
                    node.name in drop or (private and _private(node.name))):
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                spans.append((first, node.end_lineno, node.col_offset))
        lines = text.split("\n")
        for first, last, col in sorted(spans, reverse=True):
            lines[first - 1:last] = [" " * col + "pass"]
        return "\n".join(lines)
    return edit


def cycle(mp, deployed):
    """(IMPORTED - START, CYCLE - IMPORTED or None) from bench/mp/cycle_heap.py:
    what the loaded code keeps, and what the cycle adds at its fullest."""
    got, out = fwbench.run_cycle(mp, deployed, "400k")
    if "IMPORTED" not in got:
        raise SystemExit("heap_floor: cycle_heap.py failed:\n" + out)
    code = got["IMPORTED"] - got["START"]
    return code, (got["CYCLE"] - got["IMPORTED"] if "CYCLE" in got else None)


def main():
    mp = rig.tool("micropython")
    if not mp:
        print("bench/heap_floor.py: needs micropython; skipped")
        return 0
    r = subprocess.run([mp, "-X", "heapsize=64k", "-c",
                        "import gc; gc.collect(); print(gc.mem_alloc(), gc.mem_free())"],
                       capture_output=True, text=True, timeout=30)
    base, free = (int(v) for v in r.stdout.split()[-2:])
    rows = []
    for label, edit in (("as deployed", None),
                        ("without host-only API", stripper(False)),
                        ("and every private function deleted", stripper(True))):
        tmp = tempfile.mkdtemp(prefix="dhcp4c-floor-")
        try:
            size = fwbench.deploy(tmp, edit)
            rows.append((label, size) + cycle(mp, tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("heap the loaded board modules keep (unix port, 64-bit), and their .mpy:")
    for label, size, code, _ in rows:
        print("  {:36s} {:6d} B, .mpy {:6d} B ({:.1f} KB)".format(label, code, size,
                                                                  size / 1024))
    run = rows[0][3]
    floor = base + rows[2][2] + run
    print("  a lease cycle adds at its fullest step (Client, Controller, lease, `state`): {} B"
          .format(run))
    print("floor: the interpreter {} B + the code {} B + the cycle {} B = {} B; a"
          " -X heapsize=64k unix port has {} B ({} B {})".format(
              base, rows[2][2], run, floor, base + free, abs(floor - base - free),
              "short" if floor > base + free else "to spare"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
