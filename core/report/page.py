"""The memory report as one self-contained HTML page, and :func:`build_report` that writes it.

The page holds its CSS and its charts (inline SVG) and no script: it opens with no network.
Each section has an ``id`` (:data:`SECTIONS`) and says so when it has no data yet.

Example:
    >>> from absmem.report.data import ReportData
    >>> from absmem.report.page import render_html
    >>> page = render_html(ReportData("default"))
    >>> all(f'id="{s}"' in page for s in SECTIONS), page.count("No data yet")
    (True, 5)
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path

from ..engine import check_namespace
from ..errors import InvalidArgumentError
from ..store import STORES, GraphStore
from .charts import (
    feedback_chart,
    learning_curve_chart,
    rolling_window,
    size_chart,
    weekly_feedback,
)
from .data import ReportData, read_report_data
from .graph_chart import graph_chart

__all__ = [
    "SECTIONS",
    "build_report",
    "load_report",
    "open_store",
    "render_html",
    "write_report",
]

SECTIONS = {
    "learning-curve": "Learning curve",
    "lessons": "Lessons",
    "abstraction-graph": "Abstraction graph",
    "feedback-per-week": "Feedback per week",
    "memory-size": "Memory size over time",
}
"""Section ids of the page, with their headings, in page order."""
SHOWN = 25
"""Lessons shown in the table; the rest are folded under a ``<details>`` element."""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1180px; padding: 1.5rem; color: #212121; background: #fafafa; }
h1 { margin-bottom: 0.2rem; } .meta { color: #616161; margin-top: 0; }
nav a { margin-right: 1rem; }
section { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px;
          padding: 0.5rem 1.2rem 1rem; margin: 1.2rem 0; }
section svg { width: 100%; height: auto; }
.note { color: #616161; font-size: 0.9rem; } .empty { color: #9e9e9e; font-style: italic; }
.stats { display: flex; gap: 2rem; flex-wrap: wrap; } .stats b { font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #eee; padding: 0.35rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f5f5f5; } td.num { text-align: right; white-space: nowrap; }
summary { cursor: pointer; margin: 0.6rem 0; }
tr.broad td { background: #f3f6fb; font-weight: 600; } tr.retired td { color: #9e9e9e; }
.good { color: #2e7d32; } .bad { color: #c62828; }
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _empty(what: str) -> str:
    return f'<p class="empty">No data yet: {_esc(what)}.</p>'


def _learning(data: ReportData) -> str:
    count = len(data.feedback_reward)
    if not count:
        return _empty("no interaction has received feedback")
    window = min(rolling_window(count), count)
    note = (f"The reward (in [-1, 1]) of each of the {count} feedbacks, by its arrival, with a "
            f"rolling mean over {window}.")  # fmt: skip
    return f'<p class="note">{_esc(note)}</p>{learning_curve_chart(data)}'


def _usage(value: str | None, css: str) -> str:
    return f'<span class="{css}">{_esc(value)}</span>' if value else ""


def _lessons(data: ReportData) -> str:
    if not data.lessons:
        return _empty("no lessons; consolidate() learns them from the stored interactions")
    head = ("<tr><th>#</th><th>level</th><th>lesson</th><th>support</th><th>feedback</th>"
            "<th>utility</th><th>advice</th><th>avoid</th></tr>")  # fmt: skip
    rows = []
    for x in data.lessons:
        css = " ".join(c for c, on in (("broad", x.level > 0), ("retired", x.retired)) if on)
        level = ("broad" if x.level > 0 else "specific") + (" (retired)" if x.retired else "")
        rows.append(
            f'<tr id="lesson-{x.number}" class="{css}"><td class="num">{x.number}</td>'
            f'<td>{level}</td><td>{_esc(x.lesson)}</td><td class="num">{x.support}</td>'
            f'<td class="num">{x.feedback:.0f}</td><td class="num">{x.utility:.2f}</td>'
            f"<td>{_usage(x.advice, 'good')}</td><td>{_usage(x.avoid, 'bad')}</td></tr>"
        )
    note = ("Support: member interactions when the lesson was learned. Feedback and utility "
            "(chance the lesson leads to a good outcome) come from the live statistics, as "
            "recall serves them.")  # fmt: skip
    table = f'<p class="note">{note}</p><table>{head}{"".join(rows[:SHOWN])}</table>'
    if len(rows) <= SHOWN:
        return table
    rest = f"<table>{head}{''.join(rows[SHOWN:])}</table>"
    return f"{table}<details><summary>{len(rows) - SHOWN} more lessons</summary>{rest}</details>"


def _graph(data: ReportData) -> str:
    if not data.lessons:
        return _empty("no lessons to draw")
    note = ("Lessons as nodes (numbers as in the table), sized by support and coloured by "
            "utility; solid lines link a specific lesson to the broad one it refines, dashed "
            "lines link lessons that share member interactions.")  # fmt: skip
    return f'<p class="note">{note}</p>{graph_chart(data.lessons, data.edges)}'


def _feedback(data: ReportData) -> str:
    weeks = weekly_feedback(data)
    if not weeks:
        return _empty("no feedback received")
    positive, negative = sum(p for _, p, _ in weeks), sum(n for _, _, n in weeks)
    note = (
        f"Feedback per calendar week of its arrival (a reward r counts (1 + r) / 2 positive): "
        f"{positive:.0f} positive, {negative:.0f} negative in {len(weeks)} week(s)."
    )
    return f'<p class="note">{_esc(note)}</p>{feedback_chart(weeks)}'


def _size(data: ReportData) -> str:
    if not data.experiences:
        return _empty("no interactions stored")
    note = f"Experiences held ({data.experiences} now), by the time each was stored."
    return f'<p class="note">{_esc(note)}</p>{size_chart(data.created_at)}'


_BODIES: dict[str, Callable[[ReportData], str]] = {
    "learning-curve": _learning, "lessons": _lessons, "abstraction-graph": _graph,
    "feedback-per-week": _feedback, "memory-size": _size,
}  # fmt: skip


def _summary(data: ReportData) -> str:
    mean = f"{data.rewards.mean():+.2f}" if data.rated_count else "n/a"
    facts = [(data.experiences, "experiences"), (data.rated_count, "rated"),
             (len(data.lessons), "lessons"), (mean, "mean reward")]  # fmt: skip
    cells = "".join(f"<div><b>{_esc(v)}</b><br>{_esc(k)}</div>" for v, k in facts)
    return f'<section id="summary"><div class="stats">{cells}</div></section>'


def render_html(data: ReportData, title: str = "absmem memory report") -> str:
    """The page of ``data``: a summary, then every section of :data:`SECTIONS`."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    nav = "".join(f'<a href="#{key}">{_esc(name)}</a>' for key, name in SECTIONS.items())
    sections = "".join(
        f'<section id="{key}"><h2>{_esc(name)}</h2>{_BODIES[key](data)}</section>'
        for key, name in SECTIONS.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{_esc(title)}</title><style>{_CSS}</style>'
        f'</head><body><header><h1>{_esc(title)}</h1><p class="meta">namespace '
        f"<code>{_esc(data.namespace)}</code> &middot; generated {stamp}</p><nav>{nav}</nav>"
        f"</header>{_summary(data)}{sections}</body></html>\n"
    )


def open_store(path: str | Path) -> GraphStore:
    """The store of a memory folder (it must hold ``absmem.db``) or a ``postgresql://`` URL.

    No embedder is built and none is checked: the report embeds nothing.

    Example:
        >>> open_store("/no/such/memory")
        Traceback (most recent call last):
          ...
        absmem.errors.InvalidArgumentError: path: expected a memory folder holding absmem.db, got '/no/such/memory'
    """  # noqa: E501
    if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
        from ..store.postgres import PostgresStore

        return PostgresStore(path)
    folder = Path(path)
    if not (folder / "absmem.db").is_file():
        raise InvalidArgumentError("path", "a memory folder holding absmem.db", str(path))
    return STORES.get("sqlite")(folder)


def load_report(source: str | Path | GraphStore, namespace: str = "default") -> ReportData:
    """Read what the report of ``namespace`` shows.

    Args:
        source: a memory folder, a ``postgresql://`` URL, or an open store (left open).
        namespace: the tenant to report on; one the store never held is refused, except the
            default one, whose empty report says that each section has no data yet.

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> from absmem.embed import HashEmbedder
        >>> with tempfile.TemporaryDirectory() as d:
        ...     AbstractionMemory.open(d, embedder=HashEmbedder()).close()
        ...     load_report(d, "support")
        Traceback (most recent call last):
          ...
        absmem.errors.InvalidArgumentError: namespace: expected a namespace this memory holds (it holds: none), got 'support'
    """  # noqa: E501
    namespace = check_namespace(namespace)
    store = source if isinstance(source, GraphStore) else open_store(source)
    try:
        known = store.namespaces()
        if namespace not in known and namespace != "default":
            held = ", ".join(repr(n) for n in known) or "none"
            raise InvalidArgumentError(
                "namespace", f"a namespace this memory holds (it holds: {held})", namespace
            )
        return read_report_data(store, namespace)
    finally:
        if store is not source:
            store.close()


def write_report(data: ReportData, out_path: str | Path) -> Path:
    """Write the page of ``data`` to ``out_path`` (its folder is created); returns the path.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as d:
        ...     out = write_report(ReportData("default"), Path(d) / "new" / "report.html")
        ...     print(out.name, out.stat().st_size > 1000)
        report.html True
    """
    out = Path(out_path)
    if out.is_dir():
        raise InvalidArgumentError("out_path", "an HTML file path, not a folder", str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(data), encoding="utf-8")
    return out


def build_report(
    source: str | Path | GraphStore, out_path: str | Path, *, namespace: str = "default"
) -> Path:
    """Write the report of ``namespace`` to ``out_path`` (one HTML file); returns its path.

    :func:`load_report` then :func:`write_report`; ``source`` is a memory folder, a
    ``postgresql://`` URL or an open store (left open).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from absmem import AbstractionMemory
        >>> from absmem.embed import HashEmbedder
        >>> with tempfile.TemporaryDirectory() as d:
        ...     AbstractionMemory.open(d, embedder=HashEmbedder()).close()
        ...     page = build_report(d, Path(d) / "report.html").read_text()
        >>> page.count("No data yet")
        5
    """
    return write_report(load_report(source, namespace), out_path)
