"""The LoCoMo world: every turn remembered, every question recalled, two baselines and the peers.

Every turn is one experience of an :class:`~absmem.AbstractionMemory`, one namespace per
conversation:

* context ``"<speaker>: <text>"``; the session's date goes into the metadata, not the text;
* response :data:`RESPONSE`, one fixed marker: a turn has no response of its own, and a marker
  keeps the response from adding anything of the turn;
* metadata ``{"dia_id", "session", "date"}``, ``user_id`` the speaker and ``session_id`` the
  session, so ``next`` edges chain the turns of a session.

Each question with evidence is one ``recall(question, k=max(ks), namespace=...)``; the served
experience ids are mapped back to turn ids through the ids ``remember_many`` returned. The
baselines rank the same turn texts: Okapi BM25 (:mod:`absmem.bench.bm25`) and exact dense search
(cosine over the same embedder's vectors, numpy). Every text's vector is computed once, cached
under ``<out>/cache/``, and served to the memory by a
:class:`~absmem.bench.vectors.PrecomputedEmbedder`, so query times exclude the model.

The peers of ``absmem bench perf`` (:mod:`absmem.bench.perf_peers`: LangChain's in-memory and
FAISS vector stores, LlamaIndex's vector store, Mem0) answer the same questions with the same
vectors: one fresh peer per conversation holds its turn texts (metadata: the turn id), and a
question's turns are the metadata of what the peer's search returns. A peer that cannot run
here is reported with the reason and left out of the tables.

Example:
    >>> from absmem.bench.locomo.world import recall_scores
    >>> recall_scores(["D1:2", "D2:5", "D1:3"], ["D1:3", "D3:1"], ks=(1, 3))
    {'recall@1': 0.0, 'recall@3': 0.5, 'session_recall@1': 0.5, 'session_recall@3': 0.5}
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...embed import Embedder, MiniLMEmbedder
from ...memory import AbstractionMemory
from ...policy import BetaBlendRanker
from ...store import SQLiteStore
from ..bm25 import BM25
from ..perf_peers import PEERS, PeerUnavailable, open_peer
from ..report import machine, now, summarise
from ..timing import in_thread, load_average
from ..vectors import PrecomputedEmbedder, VectorCache
from .data import CATEGORIES, Conversation, Locomo, Turn, load_locomo
from .report import headline, plot_locomo

__all__ = ["RESPONSE", "SYSTEMS", "LocomoParams", "recall_scores", "run_locomo"]

Progress = Callable[[str], None]

RESPONSE = "(a turn of the conversation; no response recorded)"
"""The response remembered with every turn (the memory API needs one; a turn has none)."""

SYSTEMS = ("absmem", "dense", "bm25")
"""absmem and the two baselines, in table order; the peers (``LocomoParams.peers``) follow."""


@dataclass(frozen=True)
class LocomoParams:
    """What the LoCoMo benchmark runs.

    Attributes:
        conversations: how many conversations, the first ones in file order (10 = all).
        ks: the cut-offs of recall@k; the memory is asked for ``max(ks)`` items.
        bm25_k1: BM25 term-frequency saturation.
        bm25_b: BM25 length normalisation.
        seed: the ranker's seed (the baseline ranker draws nothing at temperature 0).
        tag: suffix of the figure's file name (``"-quick"`` for the smoke run).
        peers: keys of :data:`~absmem.bench.perf_peers.PEERS` measured as well.
    """

    conversations: int = 10
    ks: tuple[int, ...] = (5, 10, 20)
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    seed: int = 0
    tag: str = ""
    peers: tuple[str, ...] = PEERS

    @classmethod
    def quick(cls) -> LocomoParams:
        """The smoke run: the first 2 conversations."""
        return cls(conversations=2, tag="-quick")


def recall_scores(
    ranked: Sequence[str], evidence: Collection[str], ks: Sequence[int]
) -> dict[str, float]:
    """Turn and session recall@k of one ranking of turn ids against the evidence turn ids.

    Example:
        >>> recall_scores(["D1:2", "D2:5", "D1:3"], ["D1:3", "D3:1"], ks=(1, 3))
        {'recall@1': 0.0, 'recall@3': 0.5, 'session_recall@1': 0.5, 'session_recall@3': 0.5}
    """
    wanted = set(evidence)
    sessions = {turn.split(":")[0] for turn in wanted}
    out = {f"recall@{k}": len(wanted.intersection(ranked[:k])) / len(wanted) for k in ks}
    for k in ks:
        hit = {turn.split(":")[0] for turn in ranked[:k]}
        out[f"session_recall@{k}"] = len(sessions & hit) / len(sessions)
    return out


def _table(
    chosen: Sequence[Conversation], model: Embedder, cache: VectorCache, say: Progress
) -> PrecomputedEmbedder:
    """Every text the run embeds, from the cache (filled on a short-lived thread)."""
    texts = [RESPONSE]
    for conv in chosen:
        texts += [t.context for t in conv.turns] + [q.text for q in conv.questions]
    texts = list(dict.fromkeys(texts))
    table = PrecomputedEmbedder(model)
    table.add(texts, in_thread(cache.vectors, texts, say))
    return table


def _run_absmem(
    chosen: Sequence[Conversation], table: PrecomputedEmbedder, k: int, seed: int, say: Progress
) -> tuple[list[list[str]], dict[str, Any]]:
    """Remember every turn, recall for every question; the served turn ids per question."""
    rankings: list[list[str]] = []
    seconds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="absmem-locomo-") as folder:
        mem = AbstractionMemory(SQLiteStore(Path(folder) / "absmem.db"), table,
                                index_dir=Path(folder) / "index",
                                ranker=BetaBlendRanker(seed=seed))  # fmt: skip
        try:
            start = time.perf_counter()
            dia_of: dict[str, str] = {}
            for conv in chosen:
                ids = mem.remember_many([_interaction(t) for t in conv.turns],
                                        namespace=conv.sample_id)  # fmt: skip
                dia_of.update(zip(ids, (t.dia_id for t in conv.turns), strict=True))
            filled = time.perf_counter() - start
            say(f"  absmem: remembered {len(dia_of):,} turns in {filled:.1f} s; recalling")
            for conv in chosen:
                for q in conv.questions:
                    start = time.perf_counter()
                    recall = mem.recall(q.text, k=k, namespace=conv.sample_id)
                    seconds.append(time.perf_counter() - start)
                    rankings.append([dia_of[item.id] for item in recall.items])
        finally:
            mem.close()
    timing = {"remember_many_seconds": round(filled, 2), "query": summarise(seconds)}
    return rankings, timing


def _interaction(turn: Turn) -> dict[str, Any]:
    return {
        "context": turn.context,
        "response": RESPONSE,
        "user_id": turn.speaker,
        "session_id": f"session_{turn.session}",
        "metadata": {"dia_id": turn.dia_id, "session": turn.session, "date": turn.date},
    }


def _run_baseline(
    chosen: Sequence[Conversation], rank: Callable[[Conversation], np.ndarray], k: int
) -> tuple[list[list[str]], dict[str, Any]]:
    """``rank(conv)`` gives each question's top turn positions; timed per conversation."""
    rankings: list[list[str]] = []
    total, asked = 0.0, 0
    for conv in chosen:
        start = time.perf_counter()
        order = rank(conv)
        total += time.perf_counter() - start
        asked += len(conv.questions)
        rankings += [[conv.turns[int(i)].dia_id for i in row[:k]] for row in order]
    return rankings, {"mean_ms_per_question": round(1000 * total / max(asked, 1), 3)}


def _run_peer(
    key: str, chosen: Sequence[Conversation], table: PrecomputedEmbedder, k: int, say: Progress
) -> tuple[list[list[str]], dict[str, Any]]:
    """One fresh peer per conversation: add its turns, search each question (timed)."""
    rankings: list[list[str]] = []
    seconds: list[float] = []
    filled = 0.0
    with tempfile.TemporaryDirectory(prefix=f"absmem-locomo-{key}-") as folder:
        for conv in chosen:
            peer = open_peer(key, table, Path(folder) / conv.sample_id)
            try:
                texts = [t.context for t in conv.turns]
                start = time.perf_counter()
                peer.add_many(texts, table.embed(texts), [{"dia_id": t.dia_id} for t in conv.turns])
                filled += time.perf_counter() - start
                for q in conv.questions:
                    start = time.perf_counter()
                    found = peer.search_metadata(q.text, k)
                    seconds.append(time.perf_counter() - start)
                    rankings.append([str(m["dia_id"]) for m in found])
            finally:
                peer.close()
    say(f"  {key}: added the turns in {filled:.1f} s")
    return rankings, {"add_many_seconds": round(filled, 2), "query": summarise(seconds)}


def _dense(table: PrecomputedEmbedder, k: int) -> Callable[[Conversation], np.ndarray]:
    def rank(conv: Conversation) -> np.ndarray:
        turns = table.embed([t.context for t in conv.turns])
        questions = table.embed([q.text for q in conv.questions])
        return np.argsort(-(questions @ turns.T), axis=1, kind="stable")[:, :k]

    return rank


def _bm25(params: LocomoParams, k: int) -> Callable[[Conversation], np.ndarray]:
    def rank(conv: Conversation) -> np.ndarray:
        index = BM25([t.context for t in conv.turns], k1=params.bm25_k1, b=params.bm25_b)
        rows = [index.top(q.text, k) for q in conv.questions]
        return np.array(rows, dtype=np.int64).reshape(len(rows), min(k, len(conv.turns)))

    return rank


def _aggregate(
    chosen: Sequence[Conversation], rankings: Sequence[Sequence[str]], ks: Sequence[int]
) -> dict[str, Any]:
    """Mean scores over all questions and per category (4 decimals), with the question counts."""
    questions = [q for conv in chosen for q in conv.questions]
    rows = [recall_scores(r, q.evidence, ks) for q, r in zip(questions, rankings, strict=True)]

    def mean(chosen_rows: list[dict[str, float]]) -> dict[str, Any]:
        names = list(rows[0]) if rows else []
        means = {n: round(float(np.mean([r[n] for r in chosen_rows])), 4) for n in names}
        return {"questions": len(chosen_rows), **means}

    by_category = {
        name: mean([r for q, r in zip(questions, rows, strict=True) if q.category == number])
        for number, name in CATEGORIES.items()
        if any(q.category == number for q in questions)
    }
    return {"overall": mean(rows), "by_category": by_category}


def run_locomo(
    data: str | Path | None,
    out: Path,
    params: LocomoParams,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    command: str = "",
) -> dict[str, Any]:
    """Run the LoCoMo retrieval benchmark; write its figure into ``out``; return the result.

    Args:
        data: folder holding ``locomo/`` (see :func:`absmem.bench.data.resolve_data_dir`).
        out: results folder; embeddings are cached under ``<out>/cache/``.
        params: what to run; the defaults are the full run.
        embedder: the model; all-MiniLM-L6-v2 by default.
        progress: called with a line of progress, when given.
        command: the command line recorded with the result.
    """
    say = progress or (lambda line: None)
    load_before = load_average()
    locomo = load_locomo(data)
    chosen = locomo.conversations[: params.conversations]
    model = embedder or MiniLMEmbedder()
    start = time.perf_counter()
    table = _table(
        chosen, model, VectorCache(Path(out) / "cache", model, locomo.sha256, prefix="locomo"), say
    )
    embedding = {"name": model.name, "texts": len(table),
                 "seconds": round(time.perf_counter() - start, 2)}  # fmt: skip
    k = max(params.ks)
    say(f"locomo: {len(chosen)} conversations, {sum(len(c.questions) for c in chosen)} questions")
    before = table.misses
    runs = {
        "absmem": _run_absmem(chosen, table, k, params.seed, say),
        "dense": _run_baseline(chosen, _dense(table, k), k),
        "bm25": _run_baseline(chosen, _bm25(params, k), k),
    }
    unavailable: dict[str, str] = {}
    for key in params.peers:
        try:
            runs[key] = _run_peer(key, chosen, table, k, say)
        except PeerUnavailable as err:
            unavailable[key] = str(err)
            say(f"  {key}: not run: {err}")
    embedding["model_calls_while_ranking"] = table.misses - before
    systems = {
        name: {**_aggregate(chosen, ranked, params.ks), "timing": timing}
        for name, (ranked, timing) in runs.items()
    }
    for name in systems:
        say(f"  {name}: " + headline(systems[name]["overall"]))
    figure = plot_locomo(systems, params.ks, Path(out) / f"locomo{params.tag}.png")
    return {
        "benchmark": "locomo",
        "command": command,
        "date": now(),
        "machine": machine(),
        "load_average": {"start": load_before, "end": load_average()},
        "params": asdict(params),
        "data": _describe_data(locomo, chosen),
        "memory": {
            "context": '"<speaker>: <turn text>" (image captions not included)',
            "response": RESPONSE,
            "date": "in metadata only (metadata = dia_id, session, date), not in the text",
            "session_id": "the conversation's session; namespace: the conversation",
            "ranker": repr(BetaBlendRanker(seed=params.seed)),
        },
        "embedder": embedding,
        "systems": systems,
        "unavailable": unavailable,
        "figures": [figure.name],
    }


def _describe_data(locomo: Locomo, chosen: Sequence[Conversation]) -> dict[str, Any]:
    fixes: Counter[str] = Counter()
    for conv in chosen:
        fixes.update(conv.fixes)
    return {
        "path": str(locomo.path),
        "sha256": locomo.sha256,
        "conversations": [c.sample_id for c in chosen],
        "sessions": sum(len({t.session for t in c.turns}) for c in chosen),
        "turns": sum(len(c.turns) for c in chosen),
        "evidence": dict(sorted(fixes.items())),
    }
