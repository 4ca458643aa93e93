"""Edge construction at insert."""

from __future__ import annotations

from absmem.graph import insert_edges
from absmem.types import EdgeType


def test_insert_edges_types_and_weights() -> None:
    edges = insert_edges("new", [("a", 0.9), ("new", 1.0), ("b", 0.5)], "prev", ["a", "c"])
    assert [(e.src, e.type, e.dst, e.weight) for e in edges] == [
        ("new", EdgeType.SIMILAR.value, "a", 0.9),
        ("new", EdgeType.SIMILAR.value, "b", 0.5),
        ("prev", EdgeType.NEXT.value, "new", 1.0),
        ("new", EdgeType.INFORMED_BY.value, "a", 1.0),
        ("new", EdgeType.INFORMED_BY.value, "c", 1.0),
    ]


def test_first_of_session_without_recall_has_only_similar_edges() -> None:
    assert insert_edges("x", [], None, []) == []
