"""The abstraction graph as a picture: lessons as nodes, ``refines`` and shared-member links.

The layout is radial and deterministic: broad lessons on an inner ring (at the centre when
there is one), each owning a sector of the outer ring in proportion to its specific lessons,
which sit in that sector. Node area grows with support, colour shows utility (red: leads to bad
outcomes, green: to good ones); a retired lesson is drawn faded.

Example:
    >>> from absmem.report.data import LessonRow
    >>> from absmem.report.graph_chart import radial_layout
    >>> broad = LessonRow(1, "a", 1, None, "broad", 4, 0.0, 0.5, None, None, False)
    >>> kids = [LessonRow(i, f"k{i}", 0, "a", "x", 2, 0.0, 0.5, None, None, False)
    ...         for i in (2, 3)]
    >>> {k: (round(x, 2), round(y, 2)) for k, (x, y) in radial_layout([broad, *kids]).items()}
    {'a': (0.0, 0.0), 'k2': (2.2, 0.0), 'k3': (-2.2, 0.0)}
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .charts import new_figure, svg_of
from .data import LessonEdge, LessonRow

__all__ = ["graph_chart", "radial_layout"]

INNER, OUTER = 1.0, 2.2
"""Radii of the broad and the specific lessons' rings."""
MAX_LABELS = 150
"""Above this many lessons the nodes carry no number (the picture would be unreadable)."""


def _polar(radius: float, angle: float) -> tuple[float, float]:
    x, y = radius * math.cos(angle), radius * math.sin(angle)
    return (0.0 if abs(x) < 1e-12 else x, 0.0 if abs(y) < 1e-12 else y)


def radial_layout(lessons: Sequence[LessonRow]) -> dict[str, tuple[float, float]]:
    """``{lesson id: (x, y)}``: roots on the inner ring (or the centre), children outside."""
    ids = {lesson.id for lesson in lessons}
    roots = [x for x in lessons if x.parent_id not in ids]
    children = {root.id: [x for x in lessons if x.parent_id == root.id] for root in roots}
    if not any(children.values()):  # no hierarchy: one ring
        step = 2 * math.pi / max(len(roots), 1)
        return {x.id: _polar(INNER if len(roots) > 1 else 0.0, i * step)
                for i, x in enumerate(roots)}  # fmt: skip
    weights = [max(len(children[root.id]), 1) for root in roots]
    total = float(sum(weights))
    out: dict[str, tuple[float, float]] = {}
    start = 0.0
    for root, weight in zip(roots, weights, strict=True):
        sector = 2 * math.pi * weight / total
        kids = children[root.id]
        if len(roots) == 1:
            out[root.id] = (0.0, 0.0)
        else:
            out[root.id] = _polar(INNER, start + sector / 2)
        for j, kid in enumerate(kids):
            offset = sector * j / len(kids) if len(roots) == 1 else sector * (j + 0.5) / len(kids)
            out[kid.id] = _polar(OUTER, start + offset)
        start += sector
    return out


def _edges(ax: Any, edges: Sequence[LessonEdge], at: dict[str, tuple[float, float]]) -> None:
    for edge in edges:
        (x0, y0), (x1, y1) = at[edge.src], at[edge.dst]
        if edge.kind == "refines":
            ax.plot([x0, x1], [y0, y1], color="#757575", linewidth=1.2, zorder=1)
        else:
            ax.plot([x0, x1], [y0, y1], color="#3949ab", linestyle="--", alpha=0.6, zorder=1,
                    linewidth=0.6 + math.log1p(edge.weight))  # fmt: skip


def graph_chart(lessons: Sequence[LessonRow], edges: Sequence[LessonEdge]) -> str:
    """The abstraction graph as SVG (node numbers match the lessons table)."""
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    at = radial_layout(lessons)
    fig = new_figure(9.0, 7.2)
    ax = fig.add_subplot()
    _edges(ax, edges, at)
    biggest = max(lesson.support for lesson in lessons) or 1
    norm = Normalize(0.0, 1.0)
    points = ax.scatter(
        [at[x.id][0] for x in lessons], [at[x.id][1] for x in lessons],
        s=[80 + 900 * x.support / biggest for x in lessons], c=[x.utility for x in lessons],
        cmap="RdYlGn", norm=norm, edgecolors=["#9e9e9e" if x.retired else "#212121"
                                              for x in lessons],
        alpha=[0.35 if x.retired else 0.95 for x in lessons], linewidths=0.8, zorder=2,
    )  # fmt: skip
    if len(lessons) <= MAX_LABELS:
        for x in lessons:
            ax.annotate(str(x.number), at[x.id], ha="center", va="center", fontsize=8, zorder=3)
    fig.colorbar(points, ax=ax, shrink=0.7, label="utility")
    n_refines = sum(e.kind == "refines" for e in edges)
    handles = [
        Line2D([], [], color="#757575", linewidth=1.2, label=f"refines ({n_refines})"),
        Line2D([], [], color="#3949ab", linestyle="--", alpha=0.6,
               label=f"shared members ({len(edges) - n_refines})"),
    ]  # fmt: skip
    ax.legend(handles=handles, loc="upper left", fontsize=8, title="node size: support",
              title_fontsize=8)  # fmt: skip
    ax.set_aspect("equal")
    ax.margins(0.12)
    ax.axis("off")
    return svg_of(fig, "abstraction-graph")
