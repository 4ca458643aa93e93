"""The report's time charts as inline SVG: reward over time, feedback per week, memory size.

Each chart is a matplotlib :class:`~matplotlib.figure.Figure` (no pyplot, no global state)
written as SVG text that an HTML page can hold inline: text stays text (the browser's own
fonts, nothing fetched), ids are salted deterministically, and the XML prolog and metadata are
dropped.

Example:
    >>> import numpy as np
    >>> from absmem.report.charts import size_chart
    >>> svg = size_chart(np.array([1.7e9, 1.7e9 + 60.0, 1.7e9 + 120.0]))
    >>> svg.startswith("<svg") and "http://purl" not in svg
    True
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import numpy as np

from .data import ReportData

__all__ = [
    "feedback_chart",
    "learning_curve_chart",
    "size_chart",
    "svg_of",
    "thin",
    "weekly_feedback",
]

GOOD, BAD, LINE = "#2e7d32", "#c62828", "#1f4e79"
"""Colours of positive feedback, negative feedback and the main series."""
POINTS = 2000
"""Most points a series is drawn with (an SVG of every point of a big memory would be huge)."""


def new_figure(width: float = 9.0, height: float = 3.6) -> Any:
    """A blank figure (inches) for the report's charts.

    Example:
        >>> new_figure().get_size_inches().tolist()
        [9.0, 3.6]
    """
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def svg_of(figure: Any, prefix: str) -> str:
    """``figure`` as an ``<svg>`` element to inline in HTML (no prolog, no metadata).

    Every id in it (and every reference to one) starts with ``prefix``, so that several charts
    on one page never share an id (a clip path would otherwise clip another chart).

    Example:
        >>> fig = new_figure(2, 1)
        >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
        >>> svg = svg_of(fig, "demo")
        >>> svg[:4], 'id="demo-figure_1"' in svg, 'id="figure_1"' in svg
        ('<svg', True, False)
    """
    import matplotlib

    buffer = io.StringIO()
    # text stays text (the browser's fonts); ids are salted deterministically
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "absmem-report"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'\b((?:xlink:)?href)="#([^"]+)"', rf'\1="#{prefix}-\2"', text)
    return re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)


def _dates(times: np.ndarray) -> list[dt.datetime]:
    return [dt.datetime.fromtimestamp(float(t)) for t in times]


def _time_axis(ax: Any) -> None:
    from matplotlib import dates

    locator = dates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.grid(alpha=0.3)


def rolling_window(n: int) -> int:
    """Rated interactions averaged per point of the learning curve.

    Example:
        >>> rolling_window(60), rolling_window(10_000)
        (6, 200)
    """
    return int(min(200, max(5, n // 10)))


def thin(n: int, limit: int = POINTS) -> np.ndarray:
    """At most ``limit`` evenly spread indices of ``range(n)``, the first and last included.

    Example:
        >>> thin(5).tolist(), thin(10, 4).tolist()
        ([0, 1, 2, 3, 4], [0, 3, 6, 9])
    """
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))


def learning_curve_chart(data: ReportData) -> str:
    """The reward of each feedback by its arrival, with a rolling mean, as SVG."""
    times, rewards = data.feedback_at, data.feedback_reward
    window = min(rolling_window(len(rewards)), len(rewards))
    rolling = np.convolve(rewards, np.ones(window) / window, mode="valid")
    fig = new_figure()
    ax = fig.add_subplot()
    dots = thin(len(rewards))
    ax.scatter(_dates(times[dots]), rewards[dots], s=8, color="#9e9e9e", alpha=0.5,
               label="one feedback")  # fmt: skip
    line = thin(len(rolling))
    ax.plot(_dates(times[window - 1 :][line]), rolling[line], color=LINE, linewidth=2,
            label=f"rolling mean of {window}")  # fmt: skip
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("reward")
    ax.legend(loc="lower right")
    _time_axis(ax)
    return svg_of(fig, "learning-curve")


def weekly_feedback(data: ReportData) -> list[tuple[dt.date, float, float]]:
    """``(monday, positive, negative)`` feedback mass per calendar week of arrival (local
    time), with empty weeks between the first and the last. A reward ``r`` counts
    ``(1 + r) / 2`` as positive and the rest as negative.

    Example:
        >>> import numpy as np
        >>> from absmem.report.data import ReportData
        >>> t = dt.datetime(2025, 3, 5, 12).timestamp()
        >>> data = ReportData("default", feedback_at=np.array([t, t + 8 * 86400.0]),
        ...                   feedback_reward=np.array([1.0, -0.5]))
        >>> [(str(m), p, n) for m, p, n in weekly_feedback(data)]
        [('2025-03-03', 1.0, 0.0), ('2025-03-10', 0.25, 0.75)]
    """
    if not len(data.feedback_at):
        return []
    weeks: dict[dt.date, list[float]] = {}
    for t, r in zip(data.feedback_at, data.feedback_reward, strict=True):
        day = dt.datetime.fromtimestamp(float(t)).date()
        monday = day - dt.timedelta(days=day.weekday())
        pair = weeks.setdefault(monday, [0.0, 0.0])
        pair[0] += (1.0 + float(r)) / 2.0
        pair[1] += (1.0 - float(r)) / 2.0
    first, last = min(weeks), max(weeks)
    out, monday = [], first
    while monday <= last:
        s, f = weeks.get(monday, [0.0, 0.0])
        out.append((monday, s, f))
        monday += dt.timedelta(days=7)
    return out


def feedback_chart(weeks: list[tuple[dt.date, float, float]]) -> str:
    """Positive and negative feedback per week as stacked bars, as SVG."""
    fig = new_figure()
    ax = fig.add_subplot()
    x = np.arange(len(weeks))
    positive = np.array([p for _, p, _ in weeks])
    negative = np.array([n for _, _, n in weeks])
    ax.bar(x, positive, color=GOOD, label="positive")
    ax.bar(x, negative, bottom=positive, color=BAD, label="negative")
    step = max(1, len(weeks) // 12)
    ax.set_xticks(x[::step], [f"{m:%Y-%m-%d}" for m, _, _ in weeks][::step])
    ax.set_xlabel("week starting")
    ax.set_ylabel("feedback")
    ax.legend(loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    return svg_of(fig, "feedback-per-week")


def size_chart(created_at: np.ndarray) -> str:
    """Experiences held, cumulative by creation time, as SVG."""
    fig = new_figure()
    ax = fig.add_subplot()
    at = thin(len(created_at))
    ax.step(_dates(created_at[at]), at + 1, where="post", color=LINE, linewidth=2)
    ax.set_ylabel("experiences")
    ax.set_ylim(bottom=0)
    _time_axis(ax)
    return svg_of(fig, "memory-size")
