"""The ingest benchmark's workload, built from CLINC150: interactions, queries, users, sessions.

An experience's context is a CLINC150 utterance from the stored splits (``train``, ``val``,
``oos_train``, ``oos_val``). Its response is one of the benchmark's own templates filled with the
utterance's intent: CLINC150 has no responses, and responses only need to be realistic in length
and in how often they repeat. Queries come from the ``test`` split, which is never stored.

Example:
    >>> from absmem.bench.workload import respond
    >>> respond(0, "pin_change")
    'Sure, I can help with pin change. Here is what to do next.'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..embed import Vectors
from ..errors import InvalidArgumentError
from .data import INDEXED_SPLITS, QUERY_SPLITS, Clinc150
from .vectors import PrecomputedEmbedder, VectorCache, expand, jittered, variant_text

__all__ = [
    "FRESH_TEMPLATES",
    "TEMPLATES",
    "Corpus",
    "IngestParams",
    "build_corpus",
    "fill_items",
    "op_items",
    "people",
    "respond",
]

TEMPLATES = (
    "Sure, I can help with {intent}. Here is what to do next.",
    "I have opened a {intent} request for you; you will get a confirmation shortly.",
    "Here is the {intent} information you asked for.",
    "To finish your {intent} request I need one more detail: which account should I use?",
    "Done. Your {intent} request is complete; anything else I can do?",
)
"""Responses stored by the fill and by the precomputed ``remember`` calls (vectors cached)."""

FRESH_TEMPLATES = (
    "Let me look into {intent} for you; one moment while I check.",
    "I can take care of {intent} right away. Shall I go ahead?",
)
"""Responses used only by the real-embedder ``remember`` calls: never in the vector table."""


@dataclass(frozen=True)
class IngestParams:
    """What ``absmem bench ingest`` measures.

    Attributes:
        sizes: store sizes (experiences filled before timing), each in a fresh store.
        ops: timed calls per verb and size with precomputed vectors.
        real_ops: timed calls per verb and size with the real embedder.
        warmup: untimed calls of each kind before timing.
        k: items per recall.
        users: distinct ``user_id`` values.
        sessions: distinct ``session_id`` values (each belongs to one user).
        chunk: ``remember_many`` chunk (one transaction, one embedding batch).
        jitter: noise length of the jittered copies (cosine to the original about 0.97).
        seed: seeds every random choice.
    """

    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    ops: int = 300
    real_ops: int = 50
    warmup: int = 5
    k: int = 5
    users: int = 300
    sessions: int = 600
    chunk: int = 256
    jitter: float = 0.25
    seed: int = 0

    @classmethod
    def quick(cls) -> IngestParams:
        """A smoke run: sizes 1k and 5k, 100 precomputed and 20 real calls."""
        return cls(sizes=(1_000, 5_000), ops=100, real_ops=20)


def respond(template: int, intent: str, templates: Sequence[str] = TEMPLATES) -> str:
    """Template ``template`` filled with the intent, underscores read as spaces."""
    return templates[template].format(intent=intent.replace("_", " "))


@dataclass(frozen=True)
class Corpus:
    """The texts and vectors one ingest run draws from.

    Attributes:
        pool: distinct stored-split utterances, in a seeded random order.
        pool_vectors: their real vectors (rows match ``pool``).
        intents: the intent of each ``pool`` text.
        queries: test-split utterances for precomputed calls (vectors in ``query_vectors``).
        query_vectors: their real vectors.
        fresh: further test-split utterances, never embedded ahead: the real-embedder calls.
        responses: every ``TEMPLATES`` response of every pool intent.
        response_vectors: their real vectors.
    """

    pool: list[str]
    pool_vectors: Vectors
    intents: list[str]
    queries: list[str]
    query_vectors: Vectors
    fresh: list[str]
    responses: list[str]
    response_vectors: Vectors


def build_corpus(
    data: Clinc150,
    cache: VectorCache,
    rng: np.random.Generator,
    pool_size: int,
    queries: int,
    fresh: int,
    progress: Callable[[str], None] | None = None,
) -> Corpus:
    """Pick the texts of a run and fetch their vectors (embedding only those not yet cached).

    Args:
        data: CLINC150.
        cache: where vectors are cached.
        rng: seeded generator.
        pool_size: utterances wanted in the pool (capped at the distinct stored utterances).
        queries: test utterances for precomputed calls (cycled when the split is shorter).
        fresh: test utterances kept for real-embedder calls (distinct from ``queries``).
        progress: called with a line of progress, when given.
    """
    stored = data.texts(*INDEXED_SPLITS)
    tests = data.without(data.texts(*QUERY_SPLITS), stored)
    if not stored or len(tests) <= fresh:
        raise InvalidArgumentError(
            "data",
            f"stored utterances and more than {fresh} test utterances",
            f"{len(stored)} stored, {len(tests)} test",
        )
    pool = [stored[i] for i in rng.permutation(len(stored))[: max(1, pool_size)]]
    order = [tests[i] for i in rng.permutation(len(tests))]
    fresh_texts, rest = order[:fresh], order[fresh:]
    query_texts = [rest[i % len(rest)] for i in range(queries)]
    intents = [data.intent_of[text] for text in pool]
    responses = [respond(t, i) for i in sorted(set(intents)) for t in range(len(TEMPLATES))]
    vectors = cache.vectors(pool + list(dict.fromkeys(query_texts)) + responses, progress)
    unique_queries = list(dict.fromkeys(query_texts))
    where = {text: len(pool) + i for i, text in enumerate(unique_queries)}
    return Corpus(
        pool=pool,
        pool_vectors=vectors[: len(pool)],
        intents=intents,
        queries=query_texts,
        query_vectors=vectors[[where[t] for t in query_texts]],
        fresh=fresh_texts,
        responses=responses,
        response_vectors=vectors[len(pool) + len(unique_queries) :],
    )


def people(rng: np.random.Generator, n: int, users: int, sessions: int) -> list[dict[str, Any]]:
    """``n`` draws of ``{"user_id", "session_id"}``: sessions uniform, each owned by one user.

    Example:
        >>> import numpy as np
        >>> from absmem.bench.workload import people
        >>> people(np.random.default_rng(0), 1, users=3, sessions=10)
        [{'user_id': 'user-2', 'session_id': 'session-8'}]
    """
    drawn = rng.integers(0, sessions, size=n)
    return [{"user_id": f"user-{s % users}", "session_id": f"session-{s}"} for s in drawn]


def fill_items(
    size: int,
    corpus: Corpus,
    params: IngestParams,
    rng: np.random.Generator,
    embedder: PrecomputedEmbedder,
) -> list[dict[str, Any]]:
    """The ``size`` interactions that fill a store, their vectors registered in ``embedder``."""
    source, variant, vectors = expand(corpus.pool_vectors, size, rng, params.jitter)
    texts = [variant_text(corpus.pool[s], int(v)) for s, v in zip(source, variant, strict=True)]
    embedder.add(texts, vectors)
    templates = rng.integers(0, len(TEMPLATES), size=size)
    who = people(rng, size, params.users, params.sessions)
    return [
        {
            "context": text,
            "response": respond(int(t), corpus.intents[s]),
            "metadata": {"intent": corpus.intents[s]},
            **person,
        }
        for text, s, t, person in zip(texts, source, templates, who, strict=True)
    ]


def op_items(
    size: int,
    corpus: Corpus,
    params: IngestParams,
    rng: np.random.Generator,
    embedder: PrecomputedEmbedder,
) -> dict[str, list[dict[str, Any]]]:
    """Arguments of the timed calls (warm-up calls first in each list)."""
    n, n_real = params.ops + params.warmup, params.real_ops + params.warmup
    picks = rng.integers(0, len(corpus.pool), size=n)
    texts = [variant_text(corpus.pool[p], size + 1 + j) for j, p in enumerate(picks)]
    embedder.add(texts, jittered(corpus.pool_vectors[picks], rng, params.jitter))
    remember = [
        {
            "context": text,
            "response": respond(int(t), corpus.intents[p]),
            "metadata": {"intent": corpus.intents[p]},
            **person,
        }
        for text, p, t, person in zip(
            texts,
            picks,
            rng.integers(0, len(TEMPLATES), size=n),
            people(rng, n, params.users, params.sessions),
            strict=True,
        )
    ]
    fresh_recall, fresh_remember = corpus.fresh[:n_real], corpus.fresh[n_real : 2 * n_real]
    real_remember = [
        {
            "context": text,
            "metadata": {},
            "response": respond(j % len(FRESH_TEMPLATES), "your request", FRESH_TEMPLATES),
            **person,
        }
        for j, (text, person) in enumerate(
            zip(fresh_remember, people(rng, n_real, params.users, params.sessions), strict=True)
        )
    ]
    recall = [
        {"query": q, **p}
        for q, p in zip(
            corpus.queries[:n], people(rng, n, params.users, params.sessions), strict=True
        )
    ]
    real_recall = [
        {"query": q, **p}
        for q, p in zip(
            fresh_recall, people(rng, n_real, params.users, params.sessions), strict=True
        )
    ]
    return {
        "remember": remember,
        "recall": recall,
        "real_remember": real_remember,
        "real_recall": real_recall,
    }
