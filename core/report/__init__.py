"""The memory report: one self-contained HTML page of what a memory has learned.

Sections: the learning curve of reward over time, the lessons table (support, utility, advice,
avoid), a picture of the abstraction graph, feedback per week and memory size over time. The
page needs no network to open (inline CSS and SVG, no script). From the command line:
``absmem report PATH -o report.html [--namespace NS]``.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from absmem import AbstractionMemory
    >>> from absmem.embed import HashEmbedder
    >>> from absmem.report import SECTIONS, build_report
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with AbstractionMemory.open(d, embedder=HashEmbedder()) as mem:
    ...         r = mem.recall("how do I reset my pin?")
    ...         _ = mem.remember("how do I reset my pin?", "Cards > Reset PIN.", recall_id=r.id)
    ...         _ = mem.feedback(r.id, reward=1.0)
    ...     page = build_report(d, Path(d) / "report.html").read_text()
    >>> all(f'id="{s}"' in page for s in SECTIONS), page.count("No data yet")
    (True, 2)
"""

from __future__ import annotations

from .data import LessonEdge, LessonRow, ReportData, lesson_edges, read_report_data
from .page import SECTIONS, build_report, load_report, open_store, render_html, write_report

__all__ = [
    "SECTIONS",
    "LessonEdge",
    "LessonRow",
    "ReportData",
    "build_report",
    "lesson_edges",
    "load_report",
    "open_store",
    "read_report_data",
    "render_html",
    "write_report",
]
