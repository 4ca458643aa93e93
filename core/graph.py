"""Edge construction for the experience graph.

At insert, a new experience gets ``similar`` edges to its nearest stored contexts, a ``next``
edge from the previous experience of its session, and ``informed_by`` edges to the memory items
that were recalled for it.

Example:
    >>> from absmem.graph import insert_edges
    >>> [(e.src, e.type, e.dst) for e in insert_edges("e3", [("e1", 0.9)], "e2", ["e1"])]
    [('e3', 'similar', 'e1'), ('e2', 'next', 'e3'), ('e3', 'informed_by', 'e1')]
"""

from __future__ import annotations

from collections.abc import Sequence

from .store.base import EdgeRow
from .types import EdgeType

__all__ = ["insert_edges"]


def insert_edges(
    experience_id: str,
    similar: Sequence[tuple[str, float]],
    previous_id: str | None,
    recalled_ids: Sequence[str],
) -> list[EdgeRow]:
    """The edges a new experience brings into the graph.

    Args:
        experience_id: the new experience.
        similar: ``(id, cosine similarity)`` of its nearest stored contexts.
        previous_id: the previous experience of the same session, if any.
        recalled_ids: items recalled to inform its response (the ``recall_id`` it came with).
    """
    edges = [
        EdgeRow(experience_id, other, EdgeType.SIMILAR.value, float(sim))
        for other, sim in similar
        if other != experience_id
    ]
    if previous_id is not None:
        edges.append(EdgeRow(previous_id, experience_id, EdgeType.NEXT.value, 1.0))
    edges += [
        EdgeRow(experience_id, item, EdgeType.INFORMED_BY.value, 1.0) for item in recalled_ids
    ]
    return edges
