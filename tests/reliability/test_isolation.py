"""Adversarial tenant isolation and byte-level erasure.

Two namespaces learn from overlapping and identical texts (with opposite outcomes); nothing of
one may reach the other through ``recall`` items, lessons, ``assess`` evidence, the policy log or
a consolidation, and one namespace's ids are unknown to the other. Namespace names crafted like
SQL or ``LIKE`` patterns stay apart. ``forget(user_id=...)`` leaves no byte of the user's text,
ids or vectors in any file of the memory folder, lessons and recall logs included
(``tests/absmem`` covers an erased context and one lesson exemplar; this covers the rest).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from safetensors.numpy import load as load_arrays

from absmem import AbstractionMemory, InvalidArgumentError, UnknownTargetError

from .conftest import CONSOLIDATION, Open, TopicEmbedder, files_holding, integrity, teach

SHARED = ("sit3 the very same question", "app1 the very same answer sit3")
"""Remembered in both namespaces, rated +1 in A and -1 in B."""


@dataclass
class Tenant:
    name: str
    marker: str
    ids: list[str]
    recalls: list[str]


def _world(mem: AbstractionMemory) -> dict[str, Tenant]:
    """Namespaces A and B taught the same situations with their own marker word; the same
    ``SHARED`` pair in both with opposite ratings; rated recalls; both consolidated."""
    tenants = {}
    for name, marker, good, sign in (("A", "alphaonly", 1, 1.0), ("B", "betaonly", 2, -1.0)):
        ids = teach(mem, name, 6, marker, [f"{name}-u{i}" for i in range(3)], good=good)
        for _ in range(3):
            shared = mem.remember(*SHARED, user_id=f"{name}-u0", namespace=name)
            mem.feedback(shared, reward=sign, namespace=name)
            ids.append(shared)
        recalls = []
        for situation in range(4):
            recall = mem.recall(f"sit{situation} question {marker}", k=3, namespace=name)
            mem.feedback(recall.id, reward=sign, namespace=name)
            mem.link_run(f"run-{name}-{situation}", recall_id=recall.id, namespace=name)
            recalls.append(recall.id)
        report = mem.consolidate(namespace=name)
        assert report.experiences == len(ids)
        assert report.trained
        assert report.abstractions > 0
        tenants[name] = Tenant(name, marker, ids, recalls)
    return tenants


def _rows(folder: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Rows read straight from the memory's SQLite file (read-only)."""
    db = sqlite3.connect(f"file:{folder / 'absmem.db'}?mode=ro", uri=True)
    try:
        return list(db.execute(sql, params))
    finally:
        db.close()


def _lessons(folder: Path, namespace: str) -> dict[str, str]:
    """Lesson id -> everything a lesson row says (text, situation, approaches, exemplars)."""
    rows = _rows(folder, "SELECT id, lesson || situation || data FROM abstractions "
                 "WHERE namespace = ?", namespace)  # fmt: skip
    return {str(i): str(text) for i, text in rows}


@pytest.fixture
def world(open_tiny: Open, tmp_path: Path) -> tuple[AbstractionMemory, Path, dict[str, Tenant]]:
    mem = open_tiny(embedder=TopicEmbedder(), consolidation=CONSOLIDATION)
    return mem, tmp_path / "mem", _world(mem)


def test_nothing_of_one_namespace_reaches_another(
    world: tuple[AbstractionMemory, Path, dict[str, Tenant]],
) -> None:
    mem, folder, tenants = world
    queries = [SHARED[0], "sit0 question 0", "sit1 question alphaonly betaonly"]
    queries += [f"sit{s} question {t.marker}" for t in tenants.values() for s in range(4)]
    for me, other in (("A", "B"), ("B", "A")):
        mine, theirs = tenants[me], tenants[other]
        lessons = _lessons(folder, me)
        assert lessons
        assert any(mine.marker in text for text in lessons.values())  # lessons quote answers
        assert not any(theirs.marker in text for text in lessons.values())
        assert not set(lessons) & set(_lessons(folder, other))
        served_lessons = 0
        for query in queries:
            recall = mem.recall(query, k=10, namespace=me)
            assert recall.items
            for item in recall.items:
                assert item.id in (set(mine.ids) | set(lessons)), item.id
                served_lessons += item.kind == "lesson"
            assert theirs.marker not in recall.as_prompt()
            assert not any(theirs.marker in item.model_dump_json() for item in recall.items)
            assessment = mem.assess(query, f"app1 answer {theirs.marker}", namespace=me)
            assert {b.id for b in assessment.basis} <= set(mine.ids)
        assert served_lessons > 0
    # the same text, rated +1 in A and -1 in B, is judged by each namespace's own feedback
    assert mem.assess(*SHARED, namespace="A").expected_reward > 0.3
    assert mem.assess(*SHARED, namespace="B").expected_reward < -0.3
    # each policy log holds its own rated recalls only
    for name in "AB":
        assert mem.evaluate_policy(namespace=name)["candidate"].n == 4
    # an empty namespace sees nothing, before and after its own consolidation
    for _ in range(2):
        assert mem.recall(SHARED[0], k=10, namespace="C").items == []
        assert mem.assess(*SHARED, namespace="C").basis == []
        report = mem.consolidate(namespace="C")
        assert (report.experiences, report.abstractions) == (0, 0)
    assert _lessons(folder, "C") == {}
    assert [mem.count(namespace=n) for n in "ABC"] == [len(tenants["A"].ids)] * 2 + [0]


def _state(mem: AbstractionMemory, folder: Path, tenant: Tenant) -> object:
    """Everything of a namespace that an outside call could change."""
    stats = []
    for exp_id in tenant.ids:
        stored = mem.get(exp_id, namespace=tenant.name)
        assert stored is not None
        stats.append((stored.outcome, stored.usage))
    tables = {
        table: _rows(folder, f"SELECT * FROM {table} WHERE namespace = ? ORDER BY 1", tenant.name)
        for table in ("blobs", "abstractions", "feedback", "recalls", "run_links")
    }
    return mem.count(namespace=tenant.name), stats, tables


def test_ids_of_one_namespace_are_unknown_in_another(
    world: tuple[AbstractionMemory, Path, dict[str, Tenant]],
) -> None:
    mem, folder, tenants = world
    a = tenants["A"]
    before = _state(mem, folder, a)
    lessons = list(_lessons(folder, "A"))
    for target in [*a.ids[:5], *a.recalls, *lessons]:
        with pytest.raises(UnknownTargetError) as err:
            mem.feedback(target, reward=-1.0, namespace="B")
        assert (err.value.argument, err.value.namespace) == ("target", "B")
    for run in ("run-A-0", "run-A-3"):
        with pytest.raises(UnknownTargetError, match="^run_id: expected"):
            mem.feedback(run_id=run, reward=-1.0, namespace="B")
    for recall_id in a.recalls:
        with pytest.raises(UnknownTargetError, match="^recall_id: expected"):
            mem.link_run("run-B-x", recall_id=recall_id, namespace="B")
        with pytest.raises(UnknownTargetError, match="^recall_id: expected"):
            mem.remember("sit0 question", "app0 answer", recall_id=recall_id, namespace="B")
    for exp_id in a.ids[:5]:
        assert mem.get(exp_id, namespace="B") is None
        with pytest.raises(UnknownTargetError, match="^experience_id: expected"):
            mem.link_run("run-B-x", experience_id=exp_id, namespace="B")
    report = mem.forget(user_id="A-u0", namespace="B")  # A's user, asked of B
    assert (report.experiences, report.recalls, report.feedback) == (0, 0, 0)
    mem.consolidate(namespace="B")
    assert _state(mem, folder, a) == before
    assert mem.feedback(run_id="run-A-0", reward=1.0, namespace="A").target_kind == "recall"
    assert _state(mem, folder, a) != before  # (the state does see a change in A itself)


CRAFTED = [
    "x' OR '1'='1", "%", "_", "*", "a%", "default'--", "'; DROP TABLE experiences; --", "\\",
    "ns", "ns ", "NS", "ns\x00tail", "e\u0301", "\u00e9", "default",
]  # fmt: skip
"""Namespace names that a query built by string formatting or LIKE would confuse."""


def test_crafted_namespace_names_stay_isolated(open_tiny: Open, tmp_path: Path) -> None:
    mem = open_tiny()
    ids = {}
    for i, name in enumerate(CRAFTED):
        ids[name] = mem.remember(f"question of tenant {i}", f"answer of tenant {i}",
                                 user_id="same-user", namespace=name)  # fmt: skip
    for name in CRAFTED:
        assert mem.count(namespace=name) == 1, name
        for j in range(len(CRAFTED)):
            served = mem.recall(f"question of tenant {j}", k=50, namespace=name).items
            assert [item.id for item in served] == [ids[name]], (name, j)
        for other, exp_id in ids.items():
            assert (mem.get(exp_id, namespace=name) is None) == (other != name)
    report = mem.forget(user_id="same-user", namespace="%")
    assert report.experiences == 1
    assert [mem.count(namespace=n) for n in CRAFTED] == [int(n != "%") for n in CRAFTED]
    mem.close()
    assert len(list((tmp_path / "mem" / "index").glob("*.faiss"))) == len(CRAFTED)
    assert integrity(tmp_path / "mem") == "ok"
    names = [str(r[0]) for r in _rows(tmp_path / "mem", "SELECT namespace FROM experiences")]
    assert sorted(names) == sorted(n for n in CRAFTED if n != "%")


@pytest.mark.parametrize("verb", ["remember", "recall", "assess", "feedback", "forget", "count",
                                  "consolidate", "get", "link_run", "open"])  # fmt: skip
def test_an_empty_namespace_name_is_refused(open_tiny: Open, verb: str) -> None:
    mem = open_tiny()
    kept = mem.remember("question", "answer", user_id="u")
    calls = {
        "remember": lambda: mem.remember("q", "r", namespace=""),
        "recall": lambda: mem.recall("q", namespace=""),
        "assess": lambda: mem.assess("q", "r", namespace=""),
        "feedback": lambda: mem.feedback(kept, 1.0, namespace=""),
        "forget": lambda: mem.forget(user_id="u", namespace=""),
        "count": lambda: mem.count(namespace=""),
        "consolidate": lambda: mem.consolidate(namespace=""),
        "get": lambda: mem.get(kept, namespace=""),
        "link_run": lambda: mem.link_run("r", experience_id=kept, namespace=""),
        "open": lambda: open_tiny("other", namespace=""),
    }
    with pytest.raises(InvalidArgumentError, match="^namespace: expected a non-empty string"):
        calls[verb]()
    assert mem.count() == 1
    stored = mem.get(kept)
    assert stored is not None
    assert stored.outcome.n == 0


def test_two_users_with_identical_texts_in_one_namespace(open_tiny: Open) -> None:
    mem = open_tiny()
    pair = ("how do I close my account?", "Settings > Account > Close.")
    mine = [mem.remember(*pair, user_id="u1", session_id="s") for _ in range(2)]
    yours = [mem.remember(*pair, user_id="u2", session_id="t") for _ in range(2)]
    for exp_id in mine + yours:
        mem.feedback(exp_id, reward=1.0)
    my_recall = mem.recall(pair[0], k=10, user_id="u1")
    your_recall = mem.recall(pair[0], k=10, user_id="u2")
    assert {i.id for i in your_recall.items} == set(mine + yours)  # users share a namespace
    mem.feedback(my_recall.id, reward=-1.0)

    report = mem.forget(user_id="u1")
    assert (report.experiences, report.recalls, report.feedback) == (2, 1, 3)
    assert mem.count() == 2
    assert {i.id for i in mem.recall(pair[0], k=10).items} == set(yours)
    for exp_id in yours:  # their own feedback stays; the erased user's recall credit is gone
        stored = mem.get(exp_id)
        assert stored is not None
        assert (stored.outcome.n, stored.usage.n) == (1.0, 0.0)
    assert mem.feedback(your_recall.id, reward=1.0).target_kind == "recall"
    with pytest.raises(UnknownTargetError):
        mem.feedback(my_recall.id, reward=1.0)
    assert mem.forget(user_id="u1").experiences == 0


def test_erasure_leaves_no_byte_of_the_user(open_tiny: Open, tmp_path: Path) -> None:
    folder = tmp_path / "mem"
    embedder = TopicEmbedder()
    mem = open_tiny(embedder=embedder, consolidation=CONSOLIDATION)
    teach(mem, "tenant", 6, "plain", ["u1", "u2", "u3"])
    secret = "secret-Qz9user@example.org"
    contexts = [f"sit1 question Qz9ctx{i}" for i in range(5)]
    for i, context in enumerate(contexts):
        recall = mem.recall(f"sit1 Qz9query {i}", k=3, user_id=secret, namespace="tenant",
                            run_id=f"run-Qz9-{i}")  # fmt: skip
        exp = mem.remember(context, "app4 answer Qz9resp sit1", recall_id=recall.id,
                           user_id=secret, session_id="session-Qz9", namespace="tenant",
                           metadata={"note": "Qz9meta"}, run_id=f"run-Qz9-{i}")  # fmt: skip
        mem.feedback(run_id=f"run-Qz9-{i}", reward=1.0, namespace="tenant")
        mem.feedback(recall.id, reward=1.0, namespace="tenant")
        assert mem.get(exp, namespace="tenant") is not None
    # the same user elsewhere: a namespace is erased on its own
    kept = mem.remember("sit2 question Wk4ctx", "app2 answer Wk4resp", user_id=secret,
                        namespace="other")  # fmt: skip
    # others' recalls that served the user's experiences, rated
    for _ in range(3):
        recall = mem.recall("sit1 question", k=5, user_id="u1", namespace="tenant")
        mem.feedback(recall.id, reward=1.0, namespace="tenant")
    assert mem.consolidate(namespace="tenant").trained
    assert any("Qz9resp" in text for text in _lessons(folder, "tenant").values())
    mem.flush()
    assert files_holding(folder, b"Qz9")  # the scenario did write the marker
    vectors = [embedder.embed([c])[0].tobytes() for c in contexts]
    assert all(files_holding(folder, v) for v in vectors)

    count = mem.count(namespace="tenant")
    report = mem.forget(user_id=secret, namespace="tenant")
    assert (report.experiences, report.recalls) == (5, 5)
    assert mem.count(namespace="tenant") == count - 5
    assert not any("Qz9" in text for text in _lessons(folder, "tenant").values())
    recall = mem.recall("sit1 question", k=10, namespace="tenant")
    assert recall.items
    assert "Qz9" not in recall.model_dump_json()
    covered, live = _embedded_seqs(folder, "tenant")  # (retrained: enough rated are left)
    assert covered == live
    mem.flush()
    needles = [b"Qz9ctx", b"Qz9resp", b"Qz9query", b"Qz9meta", b"run-Qz9", b"session-Qz9"]
    for stage in ("open", "closed"):  # the WAL and the index files too, while still open
        for needle in needles + vectors:
            assert files_holding(folder, needle) == [], (stage, needle[:12])
        mem.close()
    assert files_holding(folder, b"Wk4ctx") == ["absmem.db"]  # the other namespace keeps it
    who = "SELECT namespace FROM {} WHERE user_id = ?"
    assert _rows(folder, who.format("experiences"), secret) == [("other",)]
    assert _rows(folder, who.format("recalls"), secret) == []
    assert integrity(folder) == "ok"
    again = open_tiny(embedder=embedder)
    assert again.count(namespace="tenant") == count - 5
    assert [i.id for i in again.recall("sit2 question", namespace="other").items] == [kept]
    assert again.forget(user_id=secret, namespace="other").experiences == 1
    again.close()
    for needle in [b"Wk4", secret.encode()]:  # erased in both namespaces: not even the id
        assert files_holding(folder, needle) == [], needle


def _embedded_seqs(folder: Path, namespace: str) -> tuple[set[int], set[int]]:
    """Experiences the stored GNN embeddings cover, and those the namespace still holds."""
    (blob,) = _rows(folder, "SELECT data FROM blobs WHERE namespace = ? AND name = "
                    "'gnn_embeddings'", namespace)[0]  # fmt: skip
    assert isinstance(blob, bytes)
    covered = set(load_arrays(blob)["seqs"].tolist())
    rows = _rows(folder, "SELECT seq FROM experiences WHERE namespace = ?", namespace)
    live = {int(str(r[0])) for r in rows}
    return covered, live


def test_erasure_leaves_no_gnn_embedding_of_the_user(open_tiny: Open, tmp_path: Path) -> None:
    mem = open_tiny(embedder=TopicEmbedder(), consolidation=CONSOLIDATION)
    teach(mem, "t", 2, "plain", ["u1"])  # 8 rated experiences
    for i in range(6):
        exp = mem.remember(f"sit1 question secret{i}", "app4 answer sit1", user_id="secret",
                           namespace="t")  # fmt: skip
        mem.feedback(exp, reward=1.0, namespace="t")
    assert mem.consolidate(namespace="t").trained  # 14 rated >= min_train
    covered, live = _embedded_seqs(tmp_path / "mem", "t")
    assert covered == live
    assert mem.forget(user_id="secret", namespace="t").experiences == 6  # 8 rated are left
    covered, live = _embedded_seqs(tmp_path / "mem", "t")
    assert covered <= live
