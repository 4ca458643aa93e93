"""Files of the ``absmem`` memory commands: interactions read for ``ingest``, lessons and the
experience graph written by ``export``.

Example:
    >>> FIELDS[:2]
    ('context', 'response')
"""

from __future__ import annotations

import csv
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import AbsmemError, InvalidArgumentError
from .report.data import LessonRow
from .store.base import GraphSnapshot
from .validate import check_id, check_metadata, check_reward, check_text

__all__ = [
    "FIELDS",
    "Row",
    "RowError",
    "read_interactions",
    "shorten",
    "write_graphml",
    "write_lessons",
]

FIELDS = ("context", "response", "user_id", "session_id", "metadata", "reward")
"""The columns (CSV) or keys (JSONL) of an interaction file; the first two are required."""


class RowError(AbsmemError, ValueError):
    """A row of an interaction file that cannot be stored, named by line number and field.

    Example:
        >>> str(RowError(3, "reward", "a finite number in [-1, 1]", 2))
        "line 3: field 'reward': expected a finite number in [-1, 1], got 2"
    """

    def __init__(self, line: int, field: str, expected: str, got: Any = ...) -> None:
        self.line, self.field = line, field
        shown = "" if got is ... else f", got {shorten(repr(got), 60)}"
        super().__init__(f"line {line}: field {field!r}: expected {expected}{shown}")


@dataclass(frozen=True)
class Row:
    """One validated interaction of a file, and the reward given on it (``None``: none).

    Example:
        >>> Row(1, {"context": "hi", "response": "hello"}, 0.5).reward
        0.5
    """

    line: int
    interaction: dict[str, Any]
    reward: float | None


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis.

    Example:
        >>> shorten("my card\\nis lost", 10)
        'my card i…'
    """
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _check(line: int, record: Mapping[str, Any]) -> Row:
    """One record (JSON object or CSV row, blanks already dropped) as a :class:`Row`."""
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise RowError(line, unknown[0], f"one of the fields {', '.join(FIELDS)}")
    out: dict[str, Any] = {}
    try:
        for name in ("context", "response"):
            if name not in record:
                raise RowError(line, name, "a non-empty string (the field is required)")
            out[name] = check_text(name, record[name])
        for name in ("user_id", "session_id"):
            out[name] = check_id(name, record.get(name))
        out["metadata"] = check_metadata(record.get("metadata"))
        reward = record.get("reward")
        value = None if reward is None else check_reward(reward)
    except InvalidArgumentError as err:
        raise RowError(line, err.argument, err.expected, record.get(err.argument)) from err
    return Row(line, out, value)


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as err:
                raise RowError(number, "(line)", "one JSON object", shorten(text, 40)) from err
            if not isinstance(record, dict):
                raise RowError(number, "(line)", "one JSON object", record)
            yield number, {k: v for k, v in record.items() if v is not None}


def _number(line: int, text: str) -> float:
    try:
        value = float(text)
    except ValueError as err:
        raise RowError(line, "reward", "a finite number in [-1, 1]", text) from err
    if not math.isfinite(value):
        raise RowError(line, "reward", "a finite number in [-1, 1]", text)
    return value


def _csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        for record in reader:
            line = reader.line_num
            if None in record:
                raise RowError(line, "(row)", f"{len(reader.fieldnames or [])} cells")
            out: dict[str, Any] = {k: v for k, v in record.items() if v != ""}
            if "metadata" in out:
                try:
                    out["metadata"] = json.loads(out["metadata"])
                except json.JSONDecodeError as err:
                    raise RowError(line, "metadata", "a JSON object", out["metadata"]) from err
            if "reward" in out:
                out["reward"] = _number(line, out["reward"])
            yield line, out


def read_interactions(path: Path, kind: str | None = None) -> list[Row]:
    """Read and validate every interaction of a JSONL or CSV file before anything is stored.

    Args:
        path: the file; its suffix (``.jsonl``, ``.ndjson``, ``.json``, ``.csv``) gives the
            format unless ``kind`` does.
        kind: ``"jsonl"`` or ``"csv"``.

    Raises:
        RowError: at the first row that cannot be stored, naming its line and field.

    Example:
        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = Path(d) / "chats.jsonl"
        ...     _ = path.write_text('{"context": "lost card", "response": "blocked it", '
        ...                         '"reward": 1}\\n{"context": "pin?", "response": ""}\\n')
        ...     read_interactions(path)
        Traceback (most recent call last):
          ...
        absmem.cli_memory_io.RowError: line 2: field 'response': expected a non-empty string (not only whitespace), got ''
    """  # noqa: E501
    kind = kind or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    records = _csv(path) if kind == "csv" else _jsonl(path)
    return [_check(line, record) for line, record in records]


def write_lessons(lessons: Sequence[LessonRow], out: Path) -> int:
    """Write one JSON object per lesson (the fields of :class:`LessonRow`); returns the count.

    Example:
        >>> import tempfile
        >>> row = LessonRow(1, "a-1", 0, None, "Block the card", 4, 2.0, 0.8, "block", None,
        ...                 False)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     _ = write_lessons([row], Path(d) / "lessons.jsonl")
        ...     print((Path(d) / "lessons.jsonl").read_text().strip()[:40])
        {"number": 1, "id": "a-1", "level": 0, "
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as stream:
        for lesson in lessons:
            stream.write(json.dumps(asdict(lesson), ensure_ascii=False) + "\n")
    return len(lessons)


_KEYS = (
    ("kind", "node", "string"), ("context", "node", "string"), ("response", "node", "string"),
    ("user_id", "node", "string"), ("session_id", "node", "string"),
    ("reward_mean", "node", "double"), ("feedback", "node", "double"),
    ("compacted", "node", "boolean"), ("lesson", "node", "string"),
    ("support", "node", "int"), ("level", "node", "int"),
    ("type", "edge", "string"), ("weight", "edge", "double"),
)  # fmt: skip


def _data(parent: ET.Element, key: str, value: object) -> None:
    if value is not None:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        ET.SubElement(parent, "data", key=key).text = text


def _node(graph: ET.Element, node_id: str, **values: object) -> None:
    node = ET.SubElement(graph, "node", id=node_id)
    for key, value in values.items():
        _data(node, key, value)


def _edge(graph: ET.Element, src: str, dst: str, kind: str, weight: float) -> None:
    edge = ET.SubElement(graph, "edge", source=src, target=dst)
    _data(edge, "type", kind)
    _data(edge, "weight", round(float(weight), 6))


def write_graphml(
    snapshot: GraphSnapshot, texts: Mapping[str, tuple[str, str]], out: Path
) -> tuple[int, int]:
    """Write the experience graph (experiences, lessons, their edges) as GraphML.

    Experience nodes carry their text (``texts`` maps an id to its context and response), user,
    session and the mean reward of their feedback; lesson nodes their text, support and level.
    Edges carry their ``type`` (the store's edge types, ``informed_by``, ``member_of`` and
    ``refines``) and ``weight``. Returns (nodes, edges).

    Example:
        >>> import tempfile
        >>> from absmem import AbstractionMemory
        >>> from absmem.embed import HashEmbedder
        >>> from absmem.report.page import open_store
        >>> with tempfile.TemporaryDirectory() as d:
        ...     with AbstractionMemory.open(d, embedder=HashEmbedder()) as mem:
        ...         first = mem.remember("lost card", "blocked it", session_id="s1")
        ...         _ = mem.remember("and my pin?", "reset it", session_id="s1")
        ...     store = open_store(d)
        ...     graph = store.snapshot("default")
        ...     store.close()
        ...     nodes, edges = write_graphml(graph, {first: ("lost card", "blocked it")},
        ...                                  Path(d) / "g.graphml")
        >>> nodes, edges >= 1  # the session's `next` edge, and `similar` ones
        (2, True)
    """
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for name, domain, kind in _KEYS:
        ET.SubElement(root, "key", {"id": name, "for": domain, "attr.name": name,
                                    "attr.type": kind})  # fmt: skip
    graph = ET.SubElement(root, "graph", id=snapshot.namespace, edgedefault="directed")
    ids = snapshot.ids
    for i, node_id in enumerate(ids):
        alpha, beta = float(snapshot.outcome[i, 0]) - 1.0, float(snapshot.outcome[i, 1]) - 1.0
        mean = round((alpha - beta) / (alpha + beta), 6) if alpha + beta > 0 else None
        context, response = texts.get(node_id, (None, None))
        _node(graph, node_id, kind="experience", context=context,
              response=response, user_id=snapshot.users[i],
              session_id=snapshot.sessions[i], reward_mean=mean,
              feedback=round(alpha + beta, 6), compacted=bool(snapshot.compacted[i]))  # fmt: skip
    edges = 0
    for kind, (src, dst, weight) in sorted(snapshot.edges.items()):
        for s, d, w in zip(src.tolist(), dst.tolist(), weight.tolist(), strict=True):
            _edge(graph, ids[s], ids[d], kind, w)
            edges += 1
    known = {row.id for row in snapshot.abstractions}
    for row_index, lesson_id in snapshot.informed_by_lessons:
        if lesson_id in known:
            _edge(graph, ids[row_index], lesson_id, "informed_by", 1.0)
            edges += 1
    for row in snapshot.abstractions:
        _node(graph, row.id, kind="lesson", lesson=row.lesson, support=row.support,
              level=row.level)  # fmt: skip
        if row.parent_id in known:
            _edge(graph, row.id, row.parent_id, "refines", 1.0)
            edges += 1
    for member in snapshot.memberships:
        _edge(graph, member.experience_id, member.abstraction_id, "member_of", 1.0)
        edges += 1
    ET.indent(root)
    out.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return len(ids) + len(snapshot.abstractions), edges
