"""Grouped horizontal bar charts as SVG text, for the benchmarks' figures in
docs/ (no matplotlib: the standard library only, and the output is plain
text that diffs and renders on GitHub).

    svg = chart.bars(rows, series, title="...", subtitle="...", xlabel="ms")

`rows`: `[(label, [cell, ...]), ...]`, one row per client, drawn top to
bottom in that order, one cell per series. A cell is `(median, p90)`, or
`(median, p90, note)` with a short note written after the figures (say,
"2 no lease"), or None where that row has nothing for that series ("no
data" is written instead of a bar). `series`: `[name, ...]`, one colour
each, shown in a legend. `subtitle`: a line, or a list of lines. Each bar
runs from the axis to the median; a whisker from the median to the p90 ends
in a tick. The x axis is logarithmic when the largest value is more than
`log_ratio` times the smallest (loss makes some p90s seconds while medians
are milliseconds), else linear from 0. `refs`: `[(label, value), ...]`,
dashed vertical lines.

Every bar is a `<rect class="bar">` with `data-row`, `data-series` and
`data-value` attributes, every whisker a `<line class="p90">`, so tests (and
anyone reading the file) can find them.
"""
import math
from xml.sax.saxutils import escape, quoteattr

COLOURS = ("#4c78a8", "#e45756", "#54a24b", "#b279a2", "#f58518")
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


class Scale:
    """Maps a value to an x pixel between x0 and x1 (log or linear) and
    chooses the ticks."""

    def __init__(self, lo, hi, x0, x1, log):
        self.log, self.x0, self.x1 = log, x0, x1
        if log:
            self.lo = _nice_down(lo * 0.8)
            self.hi = _nice_up(hi)
        else:
            self.lo = 0.0
            self.hi = _nice_up(hi) if hi > 0 else 1.0

    def x(self, v):
        if self.log:
            v = max(v, self.lo)
            f = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            f = (v - self.lo) / (self.hi - self.lo)
        return self.x0 + f * (self.x1 - self.x0)

    def ticks(self):
        """(value, major) pairs: majors are labelled, minors only gridded."""
        if not self.log:
            step = _nice_up(self.hi / 6.0)
            n = int(round(self.hi / step))
            return [(i * step, True) for i in range(n + 1)]
        out = []
        decade = 10.0 ** math.floor(math.log10(self.lo))
        while decade <= self.hi * 1.0001:
            for m in range(1, 10):
                v = decade * m
                if self.lo * 0.9999 <= v <= self.hi * 1.0001:
                    out.append((v, m in (1, 2, 5)))
            decade *= 10
        return out


def _nice_down(v):
    """The largest of 1, 2, 5 times a power of ten that is <= v."""
    e = 10.0 ** math.floor(math.log10(v))
    for m in (5, 2, 1):
        if m * e <= v * 1.0001:
            return m * e
    return e


def _nice_up(v):
    """The smallest of 1, 2, 5 times a power of ten that is >= v."""
    e = 10.0 ** math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if m * e >= v * 0.9999:
            return m * e
    return 10 * e


def fmt(v):
    """A figure as the tables print it: 13.5, 88.7, 3002 (ms)."""
    if v >= 1000:
        return "{:,.0f}".format(v)
    if v >= 100:
        return "{:.0f}".format(v)
    return "{:.1f}".format(v)


def _figure(cell):
    """What is written after a bar: median / p90 and the note."""
    note = cell[2] if len(cell) > 2 else ""
    return "{} / {}".format(fmt(cell[0]), fmt(cell[1])) + (" ({})".format(note) if note else "")


def _figure_x(scale, cell):
    return max(scale.x(cell[0]), scale.x(cell[1])) + 6


def _text_width(s, size):
    """A generous estimate of a text's width in a sans-serif font."""
    return 0.62 * size * len(s)


def _tick_label(v):
    if v >= 1000 and v % 1000 == 0:
        return "{:g} s".format(v / 1000)
    return "{:g}".format(v)


def _text(x, y, s, size=12, anchor="start", weight=None, fill="#222", extra=""):
    w = ' font-weight="{}"'.format(weight) if weight else ""
    return ('<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="{}" fill="{}"{}{}>{}</text>'
            .format(x, y, size, anchor, fill, w, extra, escape(s)))


def bars(rows, series, title, subtitle="", xlabel="", refs=(), log_ratio=30.0, width=960):
    """The chart as SVG text (see the module docstring)."""
    values = [v for _, cells in rows for c in cells if c for v in c[:2] if v > 0]
    values += [v for _, v in refs if v > 0]
    if not values:
        raise ValueError("nothing to draw")
    lo, hi = min(values), max(values)
    log = hi / lo > log_ratio
    subtitle = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    subtitle = [line for line in subtitle if line]
    nser = len(series)
    bar_h, bar_gap, row_gap = 14, 3, 16
    row_h = nser * bar_h + (nser - 1) * bar_gap + row_gap
    left, right = 120, 130          # row labels; the figures past the last bar
    legend_y = 56 + 17 * len(subtitle)
    top = legend_y + 18 + (14 if refs else 0)
    plot_h = len(rows) * row_h
    bottom = top + plot_h
    height = bottom + 58
    scale = Scale(lo, hi, left, width - right, log)
    # Widen the right margin until the figures written after the bars fit.
    for _ in range(3):
        over = max([_figure_x(scale, c) + _text_width(_figure(c), 11) - (width - 12)
                    for _, cells in rows for c in cells if c] + [0])
        if over <= 0:
            break
        right += over
        scale = Scale(lo, hi, left, width - right, log)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" '
           'viewBox="0 0 {0} {1}" font-family="{2}">'.format(width, height, FONT),
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           _text(16, 28, title, size=17, weight="bold")]
    for i, line in enumerate(subtitle):
        out.append(_text(16, 50 + 17 * i, line, size=12, fill="#555"))
    # Legend: one swatch per series, then what the bar and the whisker mean.
    lx, ly = 16, legend_y
    for i, name in enumerate(series):
        out.append('<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'.format(
            lx, ly - 10, COLOURS[i % len(COLOURS)]))
        out.append(_text(lx + 17, ly, name))
        lx += 40 + 7 * len(name)
    out.append(_text(lx, ly, "bar: median;", fill="#444"))
    lx += 84
    out.append('<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#333" stroke-width="1.5"/>'
               '<line x1="{2}" y1="{3}" x2="{2}" y2="{4}" stroke="#333" stroke-width="1.5"/>'
               .format(lx, ly - 4, lx + 20, ly - 10, ly + 2))
    out.append(_text(lx + 26, ly, "90th percentile", fill="#444"))
    # Grid and axes.
    for v, major in scale.ticks():
        x = scale.x(v)
        out.append('<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="{3}" '
                   'stroke-width="1"/>'.format(x, top, bottom, "#cfcfcf" if major else "#ececec"))
        if major:
            out.append(_text(x, bottom + 16, _tick_label(v), size=11, anchor="middle", fill="#444"))
    out.append('<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#444"/>'.format(
        left, bottom, width - right))
    out.append('<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#444"/>'.format(
        left, top, bottom))
    if xlabel:
        out.append(_text((left + width - right) / 2.0, bottom + 38,
                         xlabel + (" (log scale)" if log else ""), size=12, anchor="middle"))
    for label, v in refs:
        x = scale.x(v)
        out.append('<line class="ref" data-value="{0}" x1="{1:.1f}" y1="{2}" x2="{1:.1f}" '
                   'y2="{3}" stroke="#666" stroke-dasharray="4 3"/>'.format(v, x, top - 12, bottom))
        out.append(_text(x + 4, top - 4, "{} {} ms".format(label, fmt(v)), size=11,
                         fill="#555"))
    # The rows.
    for r, (label, cells) in enumerate(rows):
        y0 = top + r * row_h + row_gap / 2.0
        out.append(_text(left - 10, y0 + (row_h - row_gap) / 2.0 + 5, label, size=13,
                         anchor="end", weight="bold"))
        for s, cell in enumerate(cells):
            y = y0 + s * (bar_h + bar_gap)
            colour = COLOURS[s % len(COLOURS)]
            if not cell:
                out.append(_text(left + 6, y + bar_h - 3, "no data", size=11, fill="#888"))
                continue
            med, p90 = cell[0], cell[1]
            xm, xp = scale.x(med), scale.x(p90)
            out.append('<rect class="bar" data-row={} data-series={} data-value="{}" '
                       'x="{}" y="{:.1f}" width="{:.1f}" height="{}" fill="{}"/>'.format(
                           quoteattr(label), quoteattr(series[s]), med, left, y,
                           max(xm - left, 1.0), bar_h, colour))
            yc = y + bar_h / 2.0
            out.append('<line class="p90" data-value="{}" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" '
                       'y2="{:.1f}" stroke="#333" stroke-width="1.5"/>'.format(p90, xm, yc, xp, yc))
            out.append('<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#333" '
                       'stroke-width="1.5"/>'.format(xp, y + 1, y + bar_h - 1))
            out.append(_text(_figure_x(scale, cell), y + bar_h - 3, _figure(cell), size=11,
                             fill="#333"))
    out.append(_text(width - 16, height - 10, "figures at the bars: median / p90, ms",
                     size=10, anchor="end", fill="#777"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(path, svg):
    """Write the SVG text to path, making its directory."""
    import os
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(path, "w") as f:
        f.write(svg)


if __name__ == "__main__":
    # `make bench` runs every bench/*.py; this one is a module, not a benchmark.
    print("bench/chart.py: the SVG chart writer bench/lease_time.py uses; nothing to measure")
