"""LoCoMo's conversations and questions, read from ``<data>/locomo/locomo10.json``.

Each conversation is split into dated sessions of turns with ids like ``"D1:3"`` (session 1,
turn 3); each question's ``evidence`` names the turns that answer it. A few evidence ids are
malformed; :func:`normalise_evidence` repairs or drops them and counts each kind.

Example:
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from absmem.bench.locomo.data import load_locomo
    >>> sample = {"sample_id": "c1", "conversation": {
    ...     "speaker_a": "Ann", "speaker_b": "Bob", "session_1_date_time": "1 May 2023",
    ...     "session_1": [{"speaker": "Ann", "dia_id": "D1:1", "text": "I adopted a cat."}]},
    ...     "qa": [{"question": "What did Ann adopt?", "evidence": ["D1:01"], "category": 4}]}
    >>> with tempfile.TemporaryDirectory() as root:
    ...     (Path(root) / "locomo").mkdir()
    ...     _ = (Path(root) / "locomo" / "locomo10.json").write_text(json.dumps([sample]))
    ...     conv = load_locomo(root).conversations[0]
    >>> conv.turns[0].context, conv.questions[0].evidence, conv.fixes["zeros_stripped"]
    ('Ann: I adopted a cat.', ('D1:1',), 1)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data import DATA_ENV, BenchDataError, resolve_data_dir

__all__ = [
    "CATEGORIES",
    "Conversation",
    "Locomo",
    "Question",
    "Turn",
    "load_locomo",
    "normalise_evidence",
]

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
"""LoCoMo's question categories."""
_ID = re.compile(r"D:?(\d+):(\d+)")


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation."""

    dia_id: str
    session: int
    date: str
    speaker: str
    text: str

    @property
    def context(self) -> str:
        """The text remembered and searched: ``"<speaker>: <text>"``."""
        return f"{self.speaker}: {self.text}"


@dataclass(frozen=True)
class Question:
    """A question with its (normalised, non-empty) evidence turn ids."""

    text: str
    category: int
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Conversation:
    """A conversation's turns, its questions that have evidence, and what normalising found.

    Attributes:
        fixes: counts of :func:`normalise_evidence`'s repairs and drops, plus ``questions``
            (all questions) and ``questions_without_evidence`` (left out).
    """

    sample_id: str
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]
    fixes: dict[str, int]


def normalise_evidence(
    raw: Sequence[object], known: Collection[str], counts: Counter[str] | None = None
) -> tuple[str, ...]:
    """Turn ids from a question's raw ``evidence``, repaired; ids naming no turn are dropped.

    An entry holding several ids (``"D8:6; D9:17"``, ``"D9:1 D4:4"``) is split on ``;``, ``,``
    and spaces (``split``); ``"D:11:26"`` becomes ``"D11:26"`` (``colon_fixed``); leading zeros
    go (``"D30:05"`` -> ``"D30:5"``, ``zeros_stripped``); an id of another shape
    (``dropped_malformed``) or naming no turn of ``known`` (``dropped_unknown``) is dropped, and
    a repeated id kept once (``duplicates``). ``counts`` is incremented per kind.

    Example:
        >>> from collections import Counter
        >>> counts = Counter()
        >>> normalise_evidence(["D8:6; D9:17", "D:11:26", "D30:05", "D", "D2:9", "D8:6"],
        ...                    {"D8:6", "D9:17", "D11:26", "D30:5"}, counts)
        ('D8:6', 'D9:17', 'D11:26', 'D30:5')
        >>> sorted(counts.items())  # doctest: +NORMALIZE_WHITESPACE
        [('colon_fixed', 1), ('dropped_malformed', 1), ('dropped_unknown', 1), ('duplicates', 1),
         ('split', 1), ('zeros_stripped', 1)]
    """
    tally: Counter[str] = counts if counts is not None else Counter()
    out: dict[str, None] = {}
    for entry in raw:
        parts = [part for part in re.split(r"[;,\s]+", str(entry)) if part]
        if len(parts) > 1:
            tally["split"] += 1
        for part in parts:
            match = _ID.fullmatch(part)
            if match is None:
                tally["dropped_malformed"] += 1
                continue
            fixed = f"D{int(match[1])}:{int(match[2])}"
            if part.startswith("D:"):
                tally["colon_fixed"] += 1
            elif fixed != part:
                tally["zeros_stripped"] += 1
            if fixed not in known:
                tally["dropped_unknown"] += 1
            elif fixed in out:
                tally["duplicates"] += 1
            else:
                out[fixed] = None
    return tuple(out)


def _conversation(sample: dict[str, Any]) -> Conversation:
    conv = sample["conversation"]
    keys = sorted((k for k in conv if re.fullmatch(r"session_\d+", k)), key=lambda k: int(k[8:]))
    turns = [
        Turn(str(t["dia_id"]), int(key[8:]), str(conv.get(f"{key}_date_time", "")),
             str(t["speaker"]), str(t["text"]))
        for key in keys for t in conv[key]
    ]  # fmt: skip
    known = {t.dia_id for t in turns}
    counts: Counter[str] = Counter()
    questions = []
    for qa in sample["qa"]:
        counts["questions"] += 1
        evidence = normalise_evidence(qa.get("evidence") or [], known, counts)
        if evidence:
            questions.append(Question(str(qa["question"]), int(qa["category"]), evidence))
        else:
            counts["questions_without_evidence"] += 1
    return Conversation(str(sample["sample_id"]), tuple(turns), tuple(questions), dict(counts))


@dataclass(frozen=True)
class Locomo:
    """The data file read, its sha256 (keys the embedding cache) and its conversations."""

    path: Path
    sha256: str
    conversations: tuple[Conversation, ...]


def load_locomo(data: str | Path | None = None) -> Locomo:
    """Read ``<data folder>/locomo/locomo10.json`` (the folder as in ``resolve_data_dir``).

    Raises:
        BenchDataError: the file is absent or not LoCoMo's format; the message names it.
    """
    path = resolve_data_dir(data) / "locomo" / "locomo10.json"
    if not path.is_file():
        raise BenchDataError(
            f"LoCoMo data not found: looked for {path} (set --data or ${DATA_ENV} to the folder "
            "that holds locomo/locomo10.json)"
        )
    raw = path.read_bytes()
    try:
        conversations = tuple(_conversation(sample) for sample in json.loads(raw))
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise BenchDataError(f"{path}: expected LoCoMo's format ({err!r})") from err
    return Locomo(path, hashlib.sha256(raw).hexdigest(), conversations)
