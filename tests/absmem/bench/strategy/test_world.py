"""The world: request kinds, templates, the seeded hidden table and its drift."""

from __future__ import annotations

import numpy as np

from absmem.bench.strategy.templates import APPROACH_TEMPLATES
from absmem.bench.strategy.world import (
    KINDS,
    StrategyWorld,
    World,
    default_approaches,
    request_kind,
    topic_of,
)

from .fakes import INTENTS, requests


def test_templates_are_many_distinct_and_fill_the_topic() -> None:
    assert len(APPROACH_TEMPLATES) >= 6
    every = [t for group in APPROACH_TEMPLATES.values() for t in group]
    assert len(set(every)) == len(every)
    for group in APPROACH_TEMPLATES.values():
        assert len(group) >= 12
        for template in group:
            assert template.count("{topic}") == 1
            assert "{" not in template.format(topic="x")


def test_request_kinds_and_topics() -> None:
    assert request_kind("report_lost_card") == "problem"
    assert request_kind("book_hotel") == "transaction"
    assert request_kind("oil_change_how") == "how-to"
    assert request_kind("exchange_rate") == "lookup"
    assert set(KINDS) == {"how-to", "lookup", "transaction", "problem"}
    assert topic_of("pin_change") == "your pin change request"


def test_respond_is_seeded_and_fills_the_request() -> None:
    approach = default_approaches()[0]
    request = requests(1)[0]
    first = approach.respond(request, np.random.default_rng(3))
    assert first == approach.respond(request, np.random.default_rng(3))
    assert request.topic in first


def test_same_seed_same_table_other_seed_other(world: StrategyWorld) -> None:
    again = StrategyWorld.build(requests(8), INTENTS, seed=0, drift_at=0.5)
    other = StrategyWorld.build(requests(8), INTENTS, seed=1, drift_at=0.5)
    assert isinstance(world, World)
    for intent in world.logits:
        np.testing.assert_array_equal(world.logits[intent], again.logits[intent])
    assert any(not np.array_equal(world.logits[i], other.logits[i]) for i in world.logits)


def test_probabilities_and_drift(world: StrategyWorld) -> None:
    request = world.requests[0]
    p = world.probabilities(request, 0)
    assert p.shape == (6,)
    assert ((p > 0) & (p < 1)).all()
    assert world.best(request, 0) == int(np.argmax(p))
    assert world.drift_t == 4
    assert set(world.drifted) == {"banking", "misc"}  # at most 3, here every domain
    for intent, pref in world.preference.items():
        moved = not np.array_equal(world.logits[intent], world.drifted_logits[intent])
        assert moved == (pref["before"] != pref["after"])
        assert (pref["override"] == "yes") == (pref["before"] == pref["after"])
    for domain, pref in world.domain_preference.items():
        assert pref["before"] != pref["after"], domain


def test_preferred_approach_is_the_likeliest_without_kind_conflict(world: StrategyWorld) -> None:
    names = [a.name for a in world.approaches]
    for request in world.requests:
        pref = world.preference[request.intent]
        p = world.probabilities(request, 0)
        favoured = {names.index(pref["before"]), names.index(pref["kind_favours"])}
        assert int(np.argmax(p)) in favoured
