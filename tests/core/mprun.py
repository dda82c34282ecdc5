"""Run portable test files under MicroPython (which has no pytest/unittest).

    micropython tests/core/mprun.py tests/core/test_x.py [...]

Puts shared/ and tests/core/ on sys.path, imports each file as a module,
calls every `test_*` function in it (sorted by name) and prints
`PASS name` / `FAIL name: exception` per test, then a summary line
`micropython: N passed, M failed`. Exit status 1 on any failure, on an
import error, or when a file has no tests. Also runs under CPython (the
summary then starts with `python:`).
"""
import sys


def _dirname(path):
    return path.rsplit("/", 1)[0] if "/" in path else "."


def _report(e):
    if hasattr(sys, "print_exception"):
        sys.print_exception(e)
    else:
        import traceback
        traceback.print_exception(type(e), e, e.__traceback__)


def run_file(path):
    here = _dirname(path)
    if here not in sys.path:
        sys.path.insert(0, here)
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        name = name[:-3]
    passed = failed = 0
    try:
        mod = __import__(name)
    except Exception as e:
        print("FAIL {} (import): {!r}".format(name, e))
        _report(e)
        return 0, 1
    tests = sorted(n for n in dir(mod) if n.startswith("test_"))
    tests = [n for n in tests if callable(getattr(mod, n))]
    if not tests:
        print("FAIL {}: no test_* functions".format(name))
        return 0, 1
    for n in tests:
        try:
            getattr(mod, n)()
        except Exception as e:
            failed += 1
            print("FAIL {}.{}: {!r}".format(name, n, e))
            _report(e)
        else:
            passed += 1
            print("PASS {}.{}".format(name, n))
    return passed, failed


def main(argv):
    core = _dirname(argv[0])
    for p in (core, core + "/../../shared"):
        sys.path.insert(0, p)
    passed = failed = 0
    for path in argv[1:]:
        p, f = run_file(path)
        passed += p
        failed += f
    print("{}: {} passed, {} failed".format(sys.implementation.name, passed, failed))
    sys.exit(1 if failed or not passed else 0)


main(sys.argv)
