"""``find`` on a hand-built graph whose answer is known: a bag-of-words embedder (one axis per
word) makes every cosine similarity exact, so the planted chains and their order are known."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from absmem import AbstractionMemory, Chain
from absmem.errors import InvalidArgumentError, UnknownTargetError
from absmem.store import SQLiteStore
from absmem.store.base import AbstractionRow, MembershipRow

VOCAB = ["redesigned", "menu", "layout", "color", "theme", "confusing", "cannot", "find",
         "settings", "colors", "thanks", "great", "sorry", "refund", "card", "bigger", "change",
         "make"]  # fmt: skip


class WordsEmbedder:
    """One axis per vocabulary word (unknown words are ignored; a text with none gets the
    spare last axis), so cos(a, b) = shared words / sqrt(|a| |b|)."""

    name = "words-test"
    dim = len(VOCAB) + 1

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in set(re.findall(r"[a-z]+", text.lower())):
                if word in VOCAB:
                    rows[i, VOCAB.index(word)] = 1.0
            if not rows[i].any():
                rows[i, -1] = 1.0
        return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


# (session, [(context, response), ...], feedback on the first turn)
SESSIONS = [
    ("s1", [("make the menu bigger", "redesigned the menu layout"),
            ("confusing, cannot find settings", "sorry")], [-1.0, 0.5]),
    ("s2", [("change colors", "redesigned the color layout theme"),
            ("confusing colors", "sorry")], [-1.0, -1.0]),
    ("s3", [("make the menu bigger", "redesigned the menu layout"),
            ("thanks, great", "sorry")], [1.0]),
    ("s4", [("make the menu bigger", "redesigned the menu layout")], []),
]  # fmt: skip


Graph = tuple[AbstractionMemory, dict[str, list[str]], SQLiteStore]


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[Graph]:
    """The planted sessions in namespace ``ns`` (users u1, u2 alternating), the same texts in
    namespace ``other``; turn ids by session; the open store."""
    store = SQLiteStore(tmp_path / "absmem.db")
    mem = AbstractionMemory(store, WordsEmbedder(), namespace="ns")
    ids: dict[str, list[str]] = {}
    for n, (session, turns, rewards) in enumerate(SESSIONS):
        ids[session] = [mem.remember(c, r, session_id=session, user_id=f"u{n % 2 + 1}")
                        for c, r in turns]  # fmt: skip
        for reward in rewards:
            mem.feedback(ids[session][0], reward)
        for c, r in turns:
            copy = mem.remember(c, r, session_id=session, namespace="other")
            for reward in rewards:
                mem.feedback(copy, reward, namespace="other")
    dim = WordsEmbedder.dim
    store.put_abstraction(AbstractionRow("a1", "ns", 1, None, 2, "menu", "Broad: layout changes",
                                         {}, np.zeros((2, dim), np.float32), 0.0, 0.0))  # fmt: skip
    store.put_abstraction(AbstractionRow("a2", "ns", 0, "a1", 2, "menu", "Layout changes confuse",
                                         {}, np.zeros((2, dim), np.float32), 0.0, 0.0))  # fmt: skip
    store.add_memberships("ns", [MembershipRow("a1", ids["s1"][0], 0),
                                 MembershipRow("a2", ids["s1"][0], 0),
                                 MembershipRow("a1", ids["s2"][0], 0)])  # fmt: skip
    yield mem, ids, store
    mem.close()


def _ids(chains: list[Chain]) -> list[str]:
    return [c.experience.id for c in chains]


def test_the_seed_question_returns_exactly_the_planted_chains_in_order(graph: Graph) -> None:
    mem, ids, _ = graph
    chains = mem.find(cause="redesigned layout", effect="confusing", outcome="bad")
    assert _ids(chains) == [ids["s2"][0], ids["s1"][0]]
    s2, s1 = chains
    # s2: cause 2/sqrt(2*4), effect 1/sqrt(2), reward -1; s1: 2/sqrt(2*3), 1/2, -0.25
    assert s2.cause_similarity == pytest.approx(2 / np.sqrt(8), abs=1e-6)
    assert s2.effect_similarity == pytest.approx(1 / np.sqrt(2), abs=1e-6)
    assert (s2.reward, s1.reward) == pytest.approx((-1.0, -0.25))
    assert s2.score == pytest.approx((2 / np.sqrt(8) + 1 / np.sqrt(2) + 1.0) / 3, abs=1e-6)
    assert s1.score == pytest.approx((2 / np.sqrt(6) + 0.5 + 0.25) / 3, abs=1e-6)
    assert s1.led_to is not None
    assert s1.led_to.id == ids["s1"][1]
    assert (s1.lesson_id, s1.lesson) == ("a2", "Layout changes confuse")  # the specific one
    assert (s2.lesson_id, s2.lesson) == ("a1", "Broad: layout changes")


def test_nothing_comes_from_another_namespace(graph: Graph) -> None:
    mem, ids, _ = graph
    mine = {i for turns in ids.values() for i in turns}
    theirs = mem.find(cause="redesigned layout", effect="confusing", namespace="other")
    assert len(theirs) == 2
    assert not {c.experience.id for c in theirs} & mine
    assert all(c.experience.namespace == "other" for c in theirs)
    assert all(c.lesson is None for c in theirs)  # the lessons live in ns only
    ours = mem.find(cause="redesigned layout", outcome=(-1.0, 1.0), k=50)
    assert {c.experience.id for c in ours} <= mine


def test_ends_alone(graph: Graph) -> None:
    mem, ids, _ = graph
    # an outcome alone: every rated experience in range, strongest first
    assert _ids(mem.find(outcome="bad")) == [ids["s2"][0], ids["s1"][0]]
    assert _ids(mem.find(outcome=(0.2, 1.0))) == [ids["s3"][0]]
    assert _ids(mem.find(outcome=(-0.5, 0.0))) == [ids["s1"][0]]
    # an effect alone: the turns whose reply matches, wherever the cause
    assert _ids(mem.find(effect="thanks")) == [ids["s3"][0]]
    # a cause alone: ranked by similarity, the unrated s4 included, replies excluded
    found = mem.find(cause="redesigned menu layout")
    assert found[0].cause_similarity == pytest.approx(1.0)
    assert {ids["s1"][0], ids["s3"][0], ids["s4"][0]} == set(_ids(found[:3]))
    assert _ids(found[3:]) == [ids["s2"][0]]  # 2 of 3 words shared with 4: 0.577
    assert mem.find(cause="redesigned menu layout", min_similarity=0.9, k=2) == found[:2]


def test_filters(graph: Graph) -> None:
    mem, ids, _ = graph
    query = {"cause": "redesigned layout"}
    assert _ids(mem.find(**query, session_id="s3")) == [ids["s3"][0]]
    assert set(_ids(mem.find(**query, user_id="u2"))) == {ids["s2"][0], ids["s4"][0]}
    first = mem.get(ids["s2"][0])
    assert first is not None
    before = mem.find(**query, until=first.created_at)
    assert set(_ids(before)) == {ids["s1"][0]}
    after = mem.find(**query, since=first.created_at)
    assert set(_ids(after)) == {ids["s2"][0], ids["s3"][0], ids["s4"][0]}
    assert set(_ids(mem.find(**query, abstraction_id="a1"))) == {ids["s1"][0], ids["s2"][0]}
    assert _ids(mem.find(**query, abstraction_id="a2")) == [ids["s1"][0]]
    assert mem.find(effect="confusing", session_id="s4") == []  # s4 led to nothing


def test_a_filter_never_hides_a_match_beyond_the_first_pools(tmp_path: Path) -> None:
    with AbstractionMemory.open(tmp_path, embedder=WordsEmbedder()) as mem:
        mem.remember_many([{"context": "make the menu bigger", "response": "redesigned menu",
                            "user_id": "a"} for _ in range(500)])  # fmt: skip
        wanted = mem.remember("make the menu bigger", "redesigned menu", user_id="b")
        found = mem.find(cause="redesigned menu", user_id="b")
        assert [c.experience.id for c in found] == [wanted]
        assert len(mem.find(cause="redesigned menu", k=3)) == 3


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({}, "cause/effect/outcome"), ({"cause": ""}, "cause"), ({"cause": "x", "k": 0}, "k"),
     ({"outcome": "meh"}, "outcome"), ({"outcome": (0.5, -0.5)}, "outcome"),
     ({"cause": "x", "since": 5.0, "until": 1.0}, "since/until"),
     ({"cause": "x", "since": float("nan")}, "since"), ({"cause": "x", "user_id": " "}, "user_id"),
     ({"cause": "x", "min_similarity": 2}, "min_similarity"), ({"cause": 7}, "cause"),
     ({"cause": "x", "colour": 1}, "colour"), ({"cause": "x", "k": True}, "k"),
     ({"cause": "x", "k": "5"}, "k"), ({"cause": "x", "min_similarity": True}, "min_similarity"),
     ({"outcome": (True, True)}, "outcome"), ({"outcome": ("-1", "0")}, "outcome"),
     ({"cause": "x", "since": "yesterday"}, "since"), ({"outcome": [0.5]}, "outcome")],
)  # fmt: skip
def test_bad_queries_are_refused_by_name(
    graph: Graph, kwargs: dict[str, Any], argument: str
) -> None:
    mem, _, store = graph
    before = store.count("ns")
    with pytest.raises((InvalidArgumentError, TypeError)) as err:
        mem.find(**kwargs)
    if isinstance(err.value, InvalidArgumentError):
        assert err.value.argument == argument
    else:
        assert argument in str(err.value)
    assert store.count("ns") == before


def test_an_unknown_abstraction_is_named(graph: Graph) -> None:
    mem, _, _ = graph
    with pytest.raises(UnknownTargetError, match="abstraction_id"):
        mem.find(cause="layout", abstraction_id="a9")
    with pytest.raises(UnknownTargetError, match="abstraction_id"):
        mem.find(cause="layout", abstraction_id="a1", namespace="other")
