"""bench/chart.py, the SVG writer behind docs/performance/lease_time.svg: the
text parses as SVG, there is one bar per row and series, and bars and
whiskers sit where their values say (in row order, longer for larger values,
on a linear and on a log axis)."""
import os
import sys
import xml.etree.ElementTree as ET

import rig

sys.path.insert(0, os.path.join(rig.REPO, "bench"))

import chart  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
SERIES = ["no loss", "20 % loss"]


def parse(text):
    root = ET.fromstring(text)
    assert root.tag == SVG + "svg"
    bars = [(e.get("data-row"), e.get("data-series"), float(e.get("data-value")),
             float(e.get("x")), float(e.get("y")), float(e.get("width")))
            for e in root.iter(SVG + "rect") if e.get("class") == "bar"]
    whiskers = [(float(e.get("data-value")), float(e.get("x1")), float(e.get("x2")))
                for e in root.iter(SVG + "line") if e.get("class") == "p90"]
    texts = [e.text for e in root.iter(SVG + "text")]
    return root, bars, whiskers, texts


def check(rows, log):
    text = chart.bars(rows, SERIES, title="Time to lease & more <ms>", subtitle=["a", "b"],
                      xlabel="ms")
    root, bars, whiskers, texts = parse(text)
    assert "Time to lease & more <ms>" in texts           # escaped, and read back
    assert ("ms (log scale)" in texts) == log
    cells = [(label, SERIES[s], c) for label, cs in rows for s, c in enumerate(cs) if c]
    # One bar per row and series, in the order given, top to bottom.
    assert [(b[0], b[1], b[2]) for b in bars] == [(l, s, c[0]) for l, s, c in cells]
    ys = [b[4] for b in bars]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)
    # All bars start at the axis; a larger median is a longer bar.
    assert len({b[3] for b in bars}) == 1
    by_value = sorted(bars, key=lambda b: b[2])
    widths = [b[5] for b in by_value]
    assert widths == sorted(widths)
    assert all(b[5] < c[5] for b, c in zip(by_value, by_value[1:]) if b[2] < c[2])
    # Each whisker runs from its bar's end to its p90, right of the median.
    assert [w[0] for w in whiskers] == [c[1] for _, _, c in cells]
    for b, w in zip(bars, whiskers):
        assert abs(w[1] - (b[3] + b[5])) < 0.2
        assert w[2] > w[1] or w[0] == b[2]
    # A larger p90 ends further right.
    ends = [w[2] for w in sorted(whiskers)]
    assert ends == sorted(ends)
    # Everything is inside the picture.
    width = float(root.get("width"))
    assert all(0 <= w[2] <= width for w in whiskers)
    return bars


def test_linear_axis_bars_in_order():
    rows = [("dhcpc", [(13.5, 15.0), (15.7, 20.0)]),
            ("udhcpc", [(88.7, 95.0), (90.1, 99.0)]),
            ("dhclient", [(18.1, 22.0), None])]
    bars = check(rows, log=False)
    assert len(bars) == 5          # the missing cell draws no bar
    # Linear from 0: 88.7 ms is 88.7 / 13.5 times as long as 13.5 ms.
    w = {(b[0], b[1]): b[5] for b in bars}
    ratio = w[("udhcpc", "no loss")] / w[("dhcpc", "no loss")]
    assert abs(ratio - 88.7 / 13.5) < 0.05
    # ... and each p90 is as far from the axis as its value says.
    per_ms = w[("udhcpc", "20 % loss")] / 90.1
    x0 = bars[0][3]
    _, _, whiskers, _ = parse(chart.bars(rows, SERIES, title="t"))
    for p90, _, x2 in whiskers:
        assert abs((x2 - x0) - p90 * per_ms) < 0.3, p90


def test_log_axis_when_loss_dwarfs_the_rest():
    rows = [("dhcpc", [(13.5, 15.0), (15.7, 3002.0, "1 no lease")]),
            ("dhcpc/sys", [(11.8, 13.0), (14.5, 3001.0)]),
            ("udhcpc", [(88.7, 95.0), (3090.0, 6100.0)])]
    bars = check(rows, log=True)
    assert len(bars) == 6
    # Log scale: equal ratios are equal lengths past the axis's start, so
    # 13.5 -> 88.7 (x6.57) is more than 88.7 -> 3090 (x34.8) would be
    # linearly, but less here.
    w = {(b[0], b[1]): b[5] for b in bars}
    a = w[("udhcpc", "no loss")] - w[("dhcpc", "no loss")]
    b = w[("udhcpc", "20 % loss")] - w[("udhcpc", "no loss")]
    assert 0 < a < b


def test_nothing_to_draw_is_an_error():
    try:
        chart.bars([("x", [None, None])], SERIES, title="t")
    except ValueError:
        return
    raise AssertionError("no ValueError")


def test_the_committed_chart_is_shown_and_complete():
    """docs/performance.md shows docs/performance/lease_time.svg, and that
    file (written by bench/lease_time.py) parses, with two bars per client."""
    with open(os.path.join(rig.REPO, "docs", "performance.md")) as f:
        assert "](performance/lease_time.svg)" in f.read()
    with open(os.path.join(rig.REPO, "docs", "performance", "lease_time.svg")) as f:
        _, bars, whiskers, _ = parse(f.read())
    rows = [b[0] for b in bars]
    assert "udhcpc" in rows and any(r.startswith("dhcpc") for r in rows)
    assert all(rows.count(r) == 2 for r in rows) and len(whiskers) == len(bars)
