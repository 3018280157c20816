"""Rows of the results table: medians, spread, ratio, limit and verdict."""

import statistics


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_num(x):
    if x is None:
        return "-"
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1000:
        return "%.0f" % x
    if a >= 100:
        return "%.1f" % x
    if a >= 1:
        return "%.2f" % x
    return "%.3g" % x


def fmt_cell(xs):
    """median [min..max] of the repetitions."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    if len(xs) == 1 or min(xs) == max(xs):
        return fmt_num(med(xs))
    return "%s [%s..%s]" % (fmt_num(med(xs)), fmt_num(min(xs)),
                            fmt_num(max(xs)))


class Row:
    """One metric of one scenario.

    old/new/limit are lists of repetitions (limit may be empty). check is
    called with the three medians and returns True (PASS), False (MISS) or
    None (no target for this row).
    """

    def __init__(self, scen, metric, old, new, limit=(), target="",
                 check=None, text=None):
        self.scen, self.metric, self.target = scen, metric, target
        self.old, self.new, self.limit = list(old), list(new), list(limit)
        self.check, self.text = check, text

    def verdict(self):
        if self.check is None:
            return ""
        ok = self.check(med(self.old), med(self.new), med(self.limit))
        if ok is None:
            return "n/a"
        return "PASS" if ok else "MISS"

    def ratio(self):
        o, n = med(self.old), med(self.new)
        if o is None or n is None or o == 0:
            return "-"
        return "%.3gx" % (n / o)

    def cells(self):
        if self.text is not None:
            return [self.scen, self.metric] + list(self.text)
        return [self.scen, self.metric, fmt_cell(self.old),
                fmt_cell(self.new), self.ratio(), fmt_cell(self.limit),
                self.target, self.verdict()]

    def as_json(self):
        return {"scenario": self.scen, "metric": self.metric,
                "supervisord_4.2.5": self.old, "fleetvisord": self.new,
                "limit": self.limit, "target": self.target,
                "median_4.2.5": med(self.old), "median_fleetvisord":
                med(self.new), "median_limit": med(self.limit),
                "verdict": self.text[-1] if self.text else self.verdict(),
                "text": self.text}


HEAD = ["scen", "metric", "4.2.5", "fleetvisord", "ratio", "machine limit",
        "target", "verdict"]


def render(rows):
    table = [HEAD] + [r.cells() for r in rows]
    widths = [max(len(str(t[i])) for t in table) for i in range(len(HEAD))]
    lines = []
    for i, t in enumerate(table):
        lines.append(" | ".join(str(c).ljust(w)
                                for c, w in zip(t, widths)).rstrip())
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)
