"""Okapi BM25, the lexical baseline of the retrieval benchmarks (numpy only).

A document's score for a query is the sum over the query's distinct terms ``t`` of

    idf(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl))

with ``idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))`` (the non-negative form used by
Lucene), ``N`` documents, ``df(t)`` the documents holding ``t``, ``|d|`` the document's length in
tokens and ``avgdl`` the mean length. Terms repeated in the query count once.

Example:
    >>> from absmem.bench.bm25 import BM25
    >>> index = BM25(["the cat sat on the mat", "a dog barked", "cats and dogs"])
    >>> index.top("where did the cat sit?", 2).tolist()
    [0, 1]
    >>> tokenize("Caroline's LGBTQ group, 2023!")
    ['caroline', 's', 'lgbtq', 'group', '2023']
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["BM25", "tokenize"]

_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-cased runs of ASCII letters and digits; everything else separates tokens."""
    return _TOKEN.findall(text.lower())


class BM25:
    """An Okapi BM25 index over a fixed list of documents.

    Args:
        documents: the texts, indexed by position.
        k1: term-frequency saturation (>= 0).
        b: length normalisation, in [0, 1].

    Attributes:
        idf_: term -> inverse document frequency.
        lengths_: each document's length in tokens.
    """

    def __init__(self, documents: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        if not math.isfinite(k1) or k1 < 0:
            raise InvalidArgumentError("k1", "a finite number >= 0", k1)
        if not math.isfinite(b) or not 0.0 <= b <= 1.0:
            raise InvalidArgumentError("b", "a number in [0, 1]", b)
        self.k1 = k1
        self.b = b
        counts = [Counter(tokenize(text)) for text in documents]
        self.lengths_ = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        n = len(counts)
        avgdl = float(self.lengths_.mean()) if n and self.lengths_.sum() else 1.0
        norm = k1 * (1.0 - b + b * self.lengths_ / avgdl)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for doc, counter in enumerate(counts):
            for term, tf in counter.items():
                docs, tfs = postings.setdefault(term, ([], []))
                docs.append(doc)
                tfs.append(tf)
        self.idf_: dict[str, float] = {}
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (docs, tfs) in postings.items():
            df = len(docs)
            self.idf_[term] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            rows = np.array(docs, dtype=np.int64)
            freq = np.array(tfs, dtype=np.float64)
            # The per-posting weight does not depend on the query: computed once here.
            weight = self.idf_[term] * freq * (k1 + 1.0) / (freq + norm[rows])
            self._postings[term] = (rows, weight)

    def __len__(self) -> int:
        return len(self.lengths_)

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every document for ``query`` (0 where no query term occurs)."""
        out = np.zeros(len(self), dtype=np.float64)
        for term in dict.fromkeys(tokenize(query)):
            posting = self._postings.get(term)
            if posting is not None:
                out[posting[0]] += posting[1]
        return out

    def top(self, query: str, k: int) -> np.ndarray:
        """Positions of the ``k`` best documents, best first; ties keep document order."""
        scores = self.scores(query)
        return np.argsort(-scores, kind="stable")[:k]

    def __repr__(self) -> str:
        return f"BM25({len(self)} documents, k1={self.k1}, b={self.b})"
