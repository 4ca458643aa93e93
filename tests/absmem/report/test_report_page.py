"""The report page: every section, the lessons table, no network reference, the empty case."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from absmem import AbstractionMemory
from absmem.embed import HashEmbedder
from absmem.errors import InvalidArgumentError
from absmem.report import (
    SECTIONS,
    LessonRow,
    ReportData,
    build_report,
    load_report,
    render_html,
    write_report,
)
from absmem.store import SQLiteStore

from .conftest import build_memory

NETWORK = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import""",
    re.IGNORECASE,
)


class _Outline(HTMLParser):
    """Section ids with their headings, every id on the page and the open-tag balance."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "path", "use", "rect",
                      "circle", "line", "polyline", "polygon", "stop", "ellipse"})  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, str] = {}
        self.ids: list[str] = []
        self.stack: list[str] = []
        self._section: str | None = None
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "section":
            self._section = found.get("id")
            self.sections[str(self._section)] = ""
        self._in_h2 = tag == "h2"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1]}>"
        self.stack.pop()
        self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._in_h2 and self._section is not None:
            self.sections[self._section] += data


def _outline(page: str) -> _Outline:
    outline = _Outline()
    outline.feed(page)
    outline.close()
    return outline


def _section(page: str, key: str) -> str:
    return page.split(f'<section id="{key}">')[1].split("</section>", maxsplit=1)[0]


@pytest.fixture(scope="module")
def page(learned: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = build_report(learned, tmp_path_factory.mktemp("report") / "report.html")
    return out.read_text(encoding="utf-8")


def test_every_section_has_its_id_and_heading(page: str) -> None:
    outline = _outline(page)
    assert outline.stack == []
    assert len(outline.ids) == len(set(outline.ids)), "duplicate ids on the page"
    for key, heading in SECTIONS.items():
        assert outline.sections[key] == heading
    assert "No data yet" not in page
    body = {key: _section(page, key) for key in SECTIONS}
    for key in ("learning-curve", "abstraction-graph", "feedback-per-week", "memory-size"):
        assert body[key].count("<svg") == 1, key


def test_the_lessons_table_lists_each_lesson_with_support_and_utility(
    learned: Path, page: str
) -> None:
    data = load_report(learned)
    table = _section(page, "lessons")
    for x in data.lessons:
        row = table.split(f'<tr id="lesson-{x.number}"')[1].split("</tr>", maxsplit=1)[0]
        assert html.escape(x.lesson) in row
        assert f'<td class="num">{x.support}</td>' in row
        assert f'<td class="num">{x.utility:.2f}</td>' in row
        for response in (x.advice, x.avoid):
            if response:
                assert html.escape(response) in row


def test_the_page_references_nothing_on_the_network(page: str) -> None:
    assert NETWORK.search(page) is None
    assert "<script" not in page.lower()
    assert NETWORK.search('<img src="https://cdn.example/x.png">')  # the check itself bites
    assert NETWORK.search("<link href='//fonts.example/css'>")


def test_an_empty_memory_says_each_section_has_no_data_yet(empty: Path, tmp_path: Path) -> None:
    page = build_report(empty, tmp_path / "report.html").read_text(encoding="utf-8")
    outline = _outline(page)
    assert outline.stack == []
    assert set(SECTIONS) <= set(outline.sections)
    for key in SECTIONS:
        assert "No data yet" in _section(page, key)
    assert "<svg" not in page
    assert NETWORK.search(page) is None


def test_one_namespace_at_a_time(tmp_path: Path) -> None:
    folder = build_memory(tmp_path / "m", interactions=8, namespace="support")
    with AbstractionMemory.open(folder, embedder=HashEmbedder(dim=32)) as mem:
        mem.remember("hello", "hi there")
    assert load_report(folder, "support").experiences == 8
    assert load_report(folder).experiences == 1
    with pytest.raises(InvalidArgumentError, match=r"namespace: .*'default', 'support'.*'sales'"):
        load_report(folder, "sales")
    with pytest.raises(InvalidArgumentError, match="namespace"):
        load_report(folder, " ")


def test_bad_sources_and_outputs_are_refused(learned: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="path: expected a memory folder"):
        load_report(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()
    with pytest.raises(InvalidArgumentError, match="out_path"):
        write_report(ReportData("default"), tmp_path)


def test_an_open_store_is_read_and_left_open(learned: Path, tmp_path: Path) -> None:
    store = SQLiteStore(learned / "absmem.db")
    try:
        build_report(store, tmp_path / "r.html")
        assert store.count("default") == 60
    finally:
        store.close()


def test_text_from_the_memory_is_escaped() -> None:
    lesson = LessonRow(1, "a", 0, None, "<b>bold</b> & <script>x()</script>", 3, 2.0, 0.7,
                       "say <hi>", None, False)  # fmt: skip
    data = ReportData("<ns>", np.array([1.7e9]), np.array([1.0]), np.array([0.0]), [lesson])
    page = render_html(data)
    for raw in ("<script", "<b>bold", "<ns>"):
        assert raw not in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "say &lt;hi&gt;" in page
    assert _outline(page).stack == []
