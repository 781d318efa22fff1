"""Server-side SVG geometry for the report charts (no chart library, no CDN)."""
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 640, 220, 32
MAX_DOTS = 62  # a dot per day up to two months; beyond that the line alone reads better


@dataclass(frozen=True)
class Line:
    points: str  # "x,y x,y ..." for an SVG polyline
    label: str
    dots: tuple = ()  # (x, y, day, value) per day, so one day or a lone spike still shows


def trend(days: list, series: dict) -> dict:
    """Polylines of per-day series (label -> values) scaled into the chart box, with axis labels."""
    top = max([max(values, default=0) for values in series.values()] + [1])
    step = (WIDTH - 2 * PAD) / max(1, len(days) - 1)
    xs = [WIDTH / 2] if len(days) == 1 else [PAD + i * step for i in range(len(days))]

    def y(value):
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top

    lines = [Line(" ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, values)), label,
                  tuple((round(x, 1), round(y(v), 1), day, v) for x, day, v in zip(xs, days, values))
                  if len(days) <= MAX_DOTS else ())
             for label, values in series.items()]
    ticks = list(zip(xs, days))[:: max(1, len(days) // 8)]
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "lines": lines, "top": top, "ticks": ticks}


def heat_cells(grid: list, first_hour: int = 7, last_hour: int = 17) -> dict:
    """Cells of a weekday x hour heat map with an opacity proportional to the count."""
    top = max([max(row) for row in grid] + [1])
    cells = [(weekday, hour, grid[weekday][hour], 0.08 + 0.92 * grid[weekday][hour] / top)
             for weekday in range(7) for hour in range(first_hour, last_hour + 1)]
    return {"cells": cells, "hours": list(range(first_hour, last_hour + 1)), "top": top}


def bars(rows: list, limit: int = 12) -> dict:
    """Horizontal bars of (label, issued, served) for the busiest groups."""
    rows = rows[:limit]
    top = max([issued for _label, issued, _served in rows] + [1])
    scale = (WIDTH - 260) / top  # room for the label and the count
    return {"width": WIDTH, "height": 24 * len(rows) + 8,
            "bars": [(i * 24 + 4, label, issued, served, issued * scale, served * scale)
                     for i, (label, issued, served) in enumerate(rows)]}
