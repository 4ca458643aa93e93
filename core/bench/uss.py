"""Load the User Satisfaction Simulation dialogues (USS: MultiWOZ and SGD, rated turn by turn).

Each corpus file (``<data>/uss/MWOZ.txt``, ``SGD.txt``) holds dialogues separated by blank lines;
each line is ``role \\t text \\t action \\t ratings``, where every USER line carries 1-5 ratings
from several annotators (comma-separated) of the SYSTEM turn just before it, and a last
``USER OVERALL`` line rates the dialogue. A :class:`Turn` is one rated system response: the user
turn before it (the context), the system turn (the response), the system's dialogue act and the
mean rating given on the next user line. The dialogue-level ``OVERALL`` line is not a turn.

Example:
    >>> from absmem.bench.uss import parse_dialogues
    >>> text = ("USER\\tI need a taxi\\tinform\\t3,3\\n"
    ...         "SYSTEM\\tWhere to?\\trequest\\t\\n"
    ...         "USER\\tThe station\\tinform\\t4,5\\n"
    ...         "USER\\tOVERALL\\t\\t4,4\\n")
    >>> [(t.context, t.response, t.action, t.rating) for t in parse_dialogues(text, "X")[0]]
    [('I need a taxi', 'Where to?', 'request', 4.5)]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import DATA_ENV, BenchDataError, resolve_data_dir

__all__ = ["CORPORA", "Turn", "Uss", "load_uss", "parse_dialogues", "reward_of", "split_dialogues"]

CORPORA = ("MWOZ", "SGD")
"""The USS corpora this benchmark reads (English, task-oriented, 1,000 dialogues each)."""


@dataclass(frozen=True)
class Turn:
    """One rated system response of a dialogue."""

    corpus: str
    dialogue: int
    context: str
    response: str
    action: str
    rating: float


@dataclass(frozen=True)
class Uss:
    """The dialogues read, per corpus, and the digest of the files (keys the embedding cache).

    Attributes:
        folder: the ``uss/`` folder read.
        sha256: hex digest over the corpus files read, in :data:`CORPORA` order.
        dialogues: corpus -> dialogues -> rated turns (a dialogue may have none).
    """

    folder: Path
    sha256: str
    dialogues: dict[str, list[list[Turn]]]


def reward_of(rating: float) -> float:
    """A mean 1-5 rating as a reward in [-1, 1]: ``(rating - 3) / 2``.

    Example:
        >>> from absmem.bench.uss import reward_of
        >>> reward_of(1.0), reward_of(3.0), reward_of(4.5)
        (-1.0, 0.0, 0.75)
    """
    return (rating - 3.0) / 2.0


def _ratings(cell: str, where: str) -> float:
    try:
        values = [float(v) for v in cell.split(",") if v.strip()]
    except ValueError as err:
        raise BenchDataError(
            f"{where}: expected comma-separated 1-5 ratings, got {cell!r}"
        ) from err
    if not values:
        raise BenchDataError(f"{where}: a USER line without ratings")
    return float(np.mean(values))


def _turns(rows: Sequence[list[str]], corpus: str, dialogue: int, where: str) -> list[Turn]:
    turns = []
    for i in range(1, len(rows) - 1):
        before, system, after = rows[i - 1], rows[i], rows[i + 1]
        if system[0] != "SYSTEM" or before[0] != "USER" or after[0] != "USER":
            continue
        if after[1] == "OVERALL" or before[1] == "OVERALL":
            continue
        if not before[1].strip() or not system[1].strip():
            continue
        rating = _ratings(after[3] if len(after) > 3 else "", f"{where}, dialogue {dialogue}")
        action = system[2] if len(system) > 2 else ""
        turns.append(Turn(corpus, dialogue, before[1], system[1], action, rating))
    return turns


def parse_dialogues(text: str, corpus: str, where: str = "") -> list[list[Turn]]:
    """The rated turns of each dialogue of one corpus file's ``text`` (see the module)."""
    dialogues: list[list[Turn]] = []
    rows: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.strip():
            rows.append(line.split("\t"))
        elif rows:
            dialogues.append(_turns(rows, corpus, len(dialogues), where or corpus))
            rows = []
    return dialogues


def load_uss(data: str | Path | None = None, corpora: Sequence[str] = CORPORA) -> Uss:
    """Read ``<data folder>/uss/<corpus>.txt`` for each corpus.

    Raises:
        BenchDataError: a corpus file is absent or malformed; the message names it.
    """
    folder = resolve_data_dir(data) / "uss"
    digest = hashlib.sha256()
    dialogues = {}
    for corpus in corpora:
        path = folder / f"{corpus}.txt"
        if not path.is_file():
            raise BenchDataError(
                f"USS data not found: looked for {path} (set --data or ${DATA_ENV} to the folder "
                f"that holds uss/{corpus}.txt)"
            )
        raw = path.read_bytes()
        digest.update(raw)
        dialogues[corpus] = parse_dialogues(raw.decode("utf-8"), corpus, str(path))
    return Uss(folder=folder, sha256=digest.hexdigest(), dialogues=dialogues)


def split_dialogues(
    n: int, test_fraction: float, rng: np.random.Generator
) -> tuple[list[int], list[int]]:
    """Seeded split of dialogue indices ``0..n-1`` into (train, test), each sorted.

    Example:
        >>> import numpy as np
        >>> from absmem.bench.uss import split_dialogues
        >>> train, test = split_dialogues(10, 0.2, np.random.default_rng(0))
        >>> len(train), len(test), sorted(train + test) == list(range(10))
        (8, 2, True)
    """
    order = rng.permutation(n)
    n_test = round(n * test_fraction)
    return sorted(int(i) for i in order[n_test:]), sorted(int(i) for i in order[:n_test])
