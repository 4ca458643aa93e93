"""LoCoMo retrieval (``absmem bench quality``, world ``locomo``): are answering turns recalled?

LoCoMo (``<data>/locomo/locomo10.json``) holds 10 long two-person conversations (272 dated
sessions, 5,882 turns with ids like ``"D1:3"``) and 1,986 questions whose ``evidence`` names the
turns that answer them (category 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop,
5 adversarial). Every turn is remembered in an :class:`~absmem.AbstractionMemory` (one namespace
per conversation) and every question with evidence is one ``recall``; two baselines rank the same
turn texts in the same run: Okapi BM25 and exact dense search with the same embedder.

The figures are recall@k of the evidence turns (the share of a question's evidence turns in the
top k, averaged over questions) and session recall@k (the share of its evidence sessions that
some top-k turn comes from), overall and per category; malformed evidence ids are repaired or
dropped as :func:`normalise_evidence` says, and counted.

* :mod:`.data`: the conversations, questions and evidence normalisation;
* :mod:`.world`: :class:`LocomoParams` and :func:`run_locomo` (the memory and the baselines);
* :mod:`.report`: the figure and :func:`locomo_markdown`.

Example:
    >>> from absmem.bench.locomo import LocomoParams
    >>> LocomoParams.quick().conversations, LocomoParams().ks
    (2, (5, 10, 20))
"""

from __future__ import annotations

from .data import (
    CATEGORIES,
    Conversation,
    Locomo,
    Question,
    Turn,
    load_locomo,
    normalise_evidence,
)
from .report import locomo_markdown, plot_locomo
from .world import RESPONSE, SYSTEMS, LocomoParams, recall_scores, run_locomo

__all__ = [
    "CATEGORIES",
    "RESPONSE",
    "SYSTEMS",
    "Conversation",
    "Locomo",
    "LocomoParams",
    "Question",
    "Turn",
    "load_locomo",
    "locomo_markdown",
    "normalise_evidence",
    "plot_locomo",
    "recall_scores",
    "run_locomo",
]
