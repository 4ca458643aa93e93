"""Okapi BM25 against a hand computation and a naive reference implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from absmem.bench.bm25 import BM25, tokenize
from absmem.errors import InvalidArgumentError


def naive(documents: list[str], query: str, k1: float, b: float) -> list[float]:
    """BM25 written straight from the formula, one document at a time."""
    docs = [tokenize(d) for d in documents]
    avgdl = sum(map(len, docs)) / len(docs)
    scores = []
    for doc in docs:
        total = 0.0
        for term in set(tokenize(query)):
            df = sum(term in d for d in docs)
            tf = doc.count(term)
            if tf == 0:
                continue
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            total += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(total)
    return scores


def test_hand_computed_scores() -> None:
    index = BM25(["a b", "a a c", "d"], k1=1.2, b=0.75)
    idf = math.log(1.6)  # N=3, df=2
    expected = [idf * 2.2 / (1 + 1.2), idf * 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 1.5)), 0.0]
    assert index.scores("a") == pytest.approx(expected)
    assert index.top("a", 3).tolist() == [1, 0, 2]


def test_matches_the_formula_on_random_text() -> None:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(12)]
    documents = [" ".join(rng.choice(words, size=rng.integers(1, 9))) for _ in range(30)]
    index = BM25(documents, k1=1.5, b=0.6)
    for _ in range(10):
        query = " ".join(rng.choice(words, size=3))
        assert index.scores(query) == pytest.approx(naive(documents, query, 1.5, 0.6))


def test_query_terms_count_once_and_unknown_terms_score_nothing() -> None:
    index = BM25(["cat sat", "dog ran"])
    assert index.scores("cat cat cat") == pytest.approx(index.scores("cat"))
    assert index.scores("zebra").tolist() == [0.0, 0.0]
    assert index.top("zebra", 5).tolist() == [0, 1]  # ties keep document order


def test_tokenizer_and_edge_cases() -> None:
    assert tokenize("Hi, Mel! It's 2023.") == ["hi", "mel", "it", "s", "2023"]
    assert len(BM25([])) == 0
    assert BM25(["", "a"]).scores("a")[0] == 0.0
    assert repr(BM25(["a"])) == "BM25(1 documents, k1=1.2, b=0.75)"
    with pytest.raises(InvalidArgumentError, match="k1"):
        BM25(["a"], k1=-1)
    with pytest.raises(InvalidArgumentError, match="b"):
        BM25(["a"], b=1.5)
