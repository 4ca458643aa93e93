"""Reading what the report shows: experiences, feedback mass, lessons and their links."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from absmem.report import LessonRow, lesson_edges, load_report, read_report_data
from absmem.store import SQLiteStore


def _lesson(number: int, node: str, parent: str | None = None) -> LessonRow:
    level = 1 if parent is None else 0
    return LessonRow(number, node, level, parent, f"lesson {node}", 3, 0.0, 0.5, None, None, False)


def test_reads_experiences_feedback_and_lessons(learned: Path) -> None:
    data = load_report(learned)
    assert data.experiences == 60
    assert data.rated_count == 60
    assert np.all(np.diff(data.created_at) >= 0)
    # one reward of +1 or -1 per interaction: a third of them fit their situation
    assert sorted(set(data.rewards.tolist())) == [-1.0, 1.0]
    assert int((data.rewards > 0).sum()) == 20
    # the ledger: one feedback per recall, in arrival order, the same rewards
    assert len(data.feedback_at) == 60
    assert np.all(np.diff(data.feedback_at) >= 0)
    assert sorted(data.feedback_reward.tolist()) == sorted(data.rewards.tolist())
    assert data.lessons, "consolidate() learned no lesson"
    assert [x.number for x in data.lessons] == list(range(1, len(data.lessons) + 1))
    for lesson in data.lessons:
        assert lesson.lesson
        assert lesson.support > 0
        assert 0.0 < lesson.utility < 1.0
    specific = [x for x in data.lessons if x.level == 0]
    assert any(x.advice for x in specific)
    assert any(x.avoid for x in specific)


def test_lessons_come_in_tree_order_with_refines_links(learned: Path) -> None:
    data = load_report(learned)
    seen: set[str] = set()
    for lesson in data.lessons:
        if lesson.parent_id is not None:
            assert lesson.parent_id in seen, "a specific lesson before its broad one"
        seen.add(lesson.id)
    refines = {(e.src, e.dst) for e in data.edges if e.kind == "refines"}
    assert refines == {(x.id, x.parent_id) for x in data.lessons if x.parent_id is not None}


def test_shared_member_links_leave_out_refines_pairs() -> None:
    lessons = [_lesson(1, "a"), _lesson(2, "b", "a"), _lesson(3, "c", "a"), _lesson(4, "d")]
    members = {"a": {"e1", "e2", "e3"}, "b": {"e1", "e2"}, "c": {"e2", "e3"},
               "d": {"e2", "e3", "e9"}}  # fmt: skip
    edges = {(e.src, e.dst, e.kind): e.weight for e in lesson_edges(lessons, members)}
    assert edges == {
        ("b", "a", "refines"): 1, ("c", "a", "refines"): 1,
        ("a", "d", "shared"): 2, ("b", "c", "shared"): 1, ("b", "d", "shared"): 1,
        ("c", "d", "shared"): 2,
    }  # fmt: skip


def test_an_empty_or_unknown_namespace_reads_as_empty(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "absmem.db")
    try:
        data = read_report_data(store, "nobody")
    finally:
        store.close()
    assert (data.experiences, data.rated_count, data.lessons, data.edges) == (0, 0, [], [])
    assert data.rewards.shape == (0,)
    assert data.feedback_at.shape == data.feedback_reward.shape == (0,)
