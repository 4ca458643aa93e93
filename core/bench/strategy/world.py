"""The strategy world: requests, ways of responding, and a hidden table of what works.

A world is anything with three members (the :class:`World` protocol), which is all the agent loop
(:func:`absmem.bench.strategy.loop.run_stream`) needs:

- ``requests``: the stream, a sequence of :class:`Request` (text, topic, intent, domain, kind);
- ``approaches``: a sequence of :class:`Approach` (a name and response templates);
- ``success_probability(request, approach, t)``: chance that approach number ``approach`` (an index
  into ``approaches``) satisfies ``request`` at interaction ``t``.

:class:`StrategyWorld` builds the hidden table with structure at three scales: each domain prefers
one approach; a share of intents overrides its domain's preference; and each request kind
(how-to, lookup, transaction, problem) favours one approach across every domain, so a lesson can
transfer between domains. Past ``drift_at`` of the stream, a few domains change their preference.

Example:
    >>> import numpy as np
    >>> from absmem.bench.strategy.world import Request, StrategyWorld, request_kind
    >>> request_kind("report_lost_card"), request_kind("book_flight"), request_kind("balance")
    ('problem', 'transaction', 'lookup')
    >>> reqs = [Request("reset my pin", "pin change", "pin_change", "banking", "how-to")]
    >>> world = StrategyWorld.build(reqs, {"banking": ["pin_change"]}, seed=0)
    >>> p = [world.success_probability(reqs[0], a, 0) for a in range(len(world.approaches))]
    >>> len(p), all(0.0 < x < 1.0 for x in p), world.best(reqs[0], 0) == int(np.argmax(p))
    (6, True, True)
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from .templates import APPROACH_TEMPLATES

__all__ = [
    "KINDS",
    "Approach",
    "Request",
    "StrategyWorld",
    "TableParams",
    "World",
    "default_approaches",
    "request_kind",
    "topic_of",
]

KINDS = ("how-to", "lookup", "transaction", "problem")
"""The request kinds whose preferred approach is shared across domains."""

_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("problem", ("lost", "damaged", "declined", "blocked", "fraud", "freeze", "jump_start",
                 "find_phone", "report")),
    ("transaction", ("book", "order", "pay", "transfer", "reservation", "request", "rollover",
                     "schedule", "uber", "rental", "make_call", "text", "share", "cancel",
                     "redeem", "new_card", "play", "alarm", "timer", "reminder", "rental")),
    ("how-to", ("change", "update", "reset", "improve", "translate", "sync", "recipe",
                "substitution", "conversion", "whisper", "calculator", "spelling")),
)  # fmt: skip


def request_kind(intent: str) -> str:
    """The kind of an intent, by keyword rules on the words of its name (``lookup`` by default).

    Example:
        >>> from absmem.bench.strategy.world import request_kind
        >>> request_kind("pin_change"), request_kind("weather")
        ('how-to', 'lookup')
    """
    tokens = set(intent.split("_"))
    for kind, words in _KIND_WORDS:
        if any(word in intent if "_" in word else word in tokens for word in words):
            return kind
    return "lookup"


def topic_of(intent: str) -> str:
    """The phrase a response fills in for an intent.

    Example:
        >>> from absmem.bench.strategy.world import topic_of
        >>> topic_of("report_lost_card")
        'your report lost card request'
    """
    return f"your {intent.replace('_', ' ')} request"


@dataclass(frozen=True)
class Request:
    """One user request: the text the memory sees, and the labels only the world knows."""

    text: str
    topic: str
    intent: str
    domain: str
    kind: str


@dataclass(frozen=True)
class Approach:
    """A way of responding: a name and the response templates (``{topic}`` slot) it speaks with."""

    name: str
    templates: tuple[str, ...]

    def respond(self, request: Request, rng: np.random.Generator) -> str:
        """A response in this approach: a random template filled with the request's topic."""
        return self.templates[int(rng.integers(len(self.templates)))].format(topic=request.topic)


def default_approaches() -> tuple[Approach, ...]:
    """The six approaches of :data:`~absmem.bench.strategy.templates.APPROACH_TEMPLATES`."""
    return tuple(Approach(name, templates) for name, templates in APPROACH_TEMPLATES.items())


@runtime_checkable
class World(Protocol):
    """What the agent loop needs from a world."""

    requests: Sequence[Request]
    approaches: Sequence[Approach]

    def success_probability(self, request: Request, approach: int, t: int) -> float:
        """Chance that ``approaches[approach]`` satisfies ``request`` at interaction ``t``."""
        ...


@dataclass(frozen=True)
class TableParams:
    """The shape of the hidden success table (logits of a sigmoid).

    Attributes:
        base: logit of an approach that nothing favours.
        preferred: added for the intent's preferred approach (its domain's, or its override).
        kind: added for the approach its request kind favours.
        noise: standard deviation of a seeded per-(intent, approach) logit term.
        override_share: share of intents whose preferred approach differs from their domain's.
        drifted_domains: domains whose preference changes at the drift.
    """

    base: float = -1.2
    preferred: float = 2.2
    kind: float = 1.0
    noise: float = 0.3
    override_share: float = 0.2
    drifted_domains: int = 3


@dataclass
class StrategyWorld:
    """A stream of requests and the seeded hidden table of how well each approach does.

    Build one with :meth:`build`. ``drift_t`` is the first interaction of the drifted table;
    ``preference`` (per intent) and ``domain_preference`` name the preferred approaches before and
    after the drift, for the report.
    """

    requests: Sequence[Request]
    approaches: Sequence[Approach]
    logits: dict[str, np.ndarray]
    drifted_logits: dict[str, np.ndarray]
    drift_t: int
    drifted: tuple[str, ...] = ()
    preference: dict[str, dict[str, str]] = field(default_factory=dict)
    domain_preference: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        requests: Sequence[Request],
        domains: Mapping[str, Sequence[str]],
        *,
        seed: int,
        drift_at: float = 0.6,
        table: TableParams | None = None,
        approaches: Sequence[Approach] | None = None,
    ) -> StrategyWorld:
        """Draw the hidden table for ``domains`` (domain -> intents) from ``seed``."""
        table = table or TableParams()
        approaches = tuple(approaches or default_approaches())
        n = len(approaches)
        rng = np.random.default_rng([seed, 7])
        names = sorted(domains)
        domain_pref = {d: int(rng.integers(n)) for d in names}
        kind_pref = dict(zip(KINDS, rng.permutation(n)[: len(KINDS)].tolist(), strict=True))
        chosen = rng.choice(len(names), size=min(table.drifted_domains, len(names)), replace=False)
        drifted = tuple(names[i] for i in sorted(chosen))
        new_pref = dict(domain_pref)
        for d in drifted:
            new_pref[d] = int((domain_pref[d] + 1 + rng.integers(n - 1)) % n)
        logits, after, preference = {}, {}, {}
        for d in names:
            for intent in sorted(domains[d]):
                own = np.random.default_rng([seed, zlib.crc32(intent.encode())])
                override = own.random() < table.override_share
                pick = int((domain_pref[d] + 1 + own.integers(n - 1)) % n)
                noise = own.normal(0.0, table.noise, n)
                kind = int(kind_pref[request_kind(intent)])
                before_pref = pick if override else domain_pref[d]
                after_pref = pick if override else new_pref[d]
                logits[intent] = _logits(table, n, before_pref, kind, noise)
                after[intent] = _logits(table, n, after_pref, kind, noise)
                preference[intent] = {
                    "before": approaches[before_pref].name,
                    "after": approaches[after_pref].name,
                    "kind_favours": approaches[kind].name,
                    "override": "yes" if override else "no",
                }
        drift_t = round(drift_at * len(requests))
        by_domain = {
            d: {"before": approaches[domain_pref[d]].name, "after": approaches[new_pref[d]].name}
            for d in names
        }
        return cls(requests, approaches, logits, after, drift_t, drifted, preference, by_domain)

    def probabilities(self, request: Request, t: int) -> np.ndarray:
        """Success probability of every approach for ``request`` at interaction ``t``."""
        table = self.logits if t < self.drift_t else self.drifted_logits
        probs: np.ndarray = 1.0 / (1.0 + np.exp(-table[request.intent]))
        return probs

    def success_probability(self, request: Request, approach: int, t: int) -> float:
        """Chance that ``approaches[approach]`` satisfies ``request`` at interaction ``t``."""
        return float(self.probabilities(request, t)[approach])

    def best(self, request: Request, t: int) -> int:
        """The approach with the highest success probability (what the oracle takes)."""
        return int(np.argmax(self.probabilities(request, t)))


def _logits(table: TableParams, n: int, preferred: int, kind: int, noise: np.ndarray) -> np.ndarray:
    row = np.full(n, table.base) + noise
    row[preferred] += table.preferred
    row[kind] += table.kind
    out: np.ndarray = row
    return out
