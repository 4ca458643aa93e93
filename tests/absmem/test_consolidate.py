"""Consolidation through the memory: lessons learned from a planted world, stable ids,
forgetting that keeps statistics, erasure that leaves no text, serving during consolidation."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from absmem import (
    AbstractionConfig,
    AbstractionMemory,
    ConsolidateConfig,
    ForgettingConfig,
    GNNConfig,
)
from absmem.embed import Vectors, normalise
from absmem.policy import LinearThompsonRanker, PolicyConfig

DIM = 32
_BASE = np.random.default_rng(0).standard_normal((16, DIM))


class PlantedEmbedder:
    """Texts made of ``sit<k>`` / ``app<a>`` tokens embed near planted directions.

    A context ``sit<k> ...`` lies near situation ``k``; a response ``app<a> ... sit<k>`` near
    approach ``a`` plus an echo of its situation (as real responses echo the request's topic).
    Every other word adds a little seeded noise.
    """

    name = "planted"
    dim = DIM

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = []
        for text in texts:
            v = np.zeros(DIM)
            for word in text.split():
                if word.startswith("sit") and word[3:].isdigit():
                    v += _BASE[int(word[3:])] * (0.6 if "app" in text else 1.0)
                elif word.startswith("app") and word[3:].isdigit():
                    v += _BASE[8 + int(word[3:])]
                else:
                    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
                    v += 0.15 * np.random.default_rng(seed).standard_normal(DIM)
            rows.append(v)
        return normalise(np.array(rows, dtype=np.float32))


def best(situation: int) -> int:
    """The approach that works in a situation (the planted pattern)."""
    return situation % 3


CONFIG = ConsolidateConfig(
    gnn=GNNConfig(hidden=16, epochs=15, finetune_epochs=5),
    abstraction=AbstractionConfig(fine_size=10, min_quote_users=2),
)


GREEDY = LinearThompsonRanker(PolicyConfig(exploration=0.0))
"""Recall without exploration: these tests read what the lessons say, in a fixed order."""


def teach(mem: AbstractionMemory, rounds: int, rng: np.random.Generator, start: int = 0,
          user: str | None = None) -> None:  # fmt: skip
    """Each round: every situation tried with a random approach; the planted one is rewarded."""
    for r in range(start, start + rounds):
        for situation in range(4):
            approach = int(rng.integers(3))
            exp = mem.remember(
                f"sit{situation} question {r}", f"app{approach} answer {r} sit{situation}",
                user_id=user or f"user{r % 5}",
            )  # fmt: skip
            mem.feedback(exp, reward=1.0 if approach == best(situation) else -1.0)


@pytest.fixture
def memory(tmp_path: Path) -> AbstractionMemory:
    mem = AbstractionMemory.open(tmp_path / "mem", embedder=PlantedEmbedder(),
                                 consolidation=CONFIG, ranker=GREEDY)  # fmt: skip
    yield mem
    mem.close()


def test_lessons_learn_the_planted_pattern(memory: AbstractionMemory) -> None:
    teach(memory, 15, np.random.default_rng(0))
    report = memory.consolidate()
    assert report.trained
    assert report.training["epochs"] == 15
    assert report.abstractions >= 4
    assert report.broad >= 1
    for situation in range(4):
        recall = memory.recall(f"sit{situation} question new", k=5)
        lessons = [i for i in recall.items if i.kind == "lesson" and i.advice]
        assert lessons, recall.items
        assert lessons[0].advice.startswith(f"app{best(situation)} ")
        assert lessons[0].utility > 0.6
        assert lessons[0].support > 0


def test_feedback_on_a_served_lesson_credits_its_usage(memory: AbstractionMemory) -> None:
    teach(memory, 10, np.random.default_rng(1))
    memory.consolidate()
    recall = memory.recall("sit0 question new", k=3)
    lesson = next(i for i in recall.items if i.kind == "lesson")
    memory.feedback(recall.id, reward=1.0)
    usage = memory._engine.store.item_usage("default", [lesson.id])
    assert usage[lesson.id].n > 0


def test_ids_stay_stable_over_a_reconsolidation(memory: AbstractionMemory) -> None:
    rng = np.random.default_rng(2)
    teach(memory, 15, rng)
    memory.consolidate()
    before = {a.id for a in memory._engine.store.abstractions("default") if a.level == 0}
    teach(memory, 1, rng, start=15)
    report = memory.consolidate()
    after = {a.id for a in memory._engine.store.abstractions("default") if a.level == 0}
    assert report.training["finetuned"]
    assert len(before & after) >= 0.8 * len(before)


def test_new_experiences_join_lessons_online(memory: AbstractionMemory) -> None:
    teach(memory, 10, np.random.default_rng(3))
    memory.consolidate()
    exp = memory.remember("sit2 question late", "app2 answer late sit2")
    snap = memory._engine.store.snapshot("default")
    assert exp in {m.experience_id for m in snap.memberships}


def test_forgetting_keeps_statistics(tmp_path: Path) -> None:
    config = ConsolidateConfig(gnn=CONFIG.gnn, abstraction=CONFIG.abstraction,
                               forgetting=ForgettingConfig(episode_budget=12))  # fmt: skip
    with AbstractionMemory.open(tmp_path / "m", embedder=PlantedEmbedder(),
                                consolidation=config, ranker=GREEDY) as mem:  # fmt: skip
        teach(mem, 15, np.random.default_rng(4))
        store = mem._engine.store
        report = mem.consolidate()
        assert report.compacted > 0
        assert report.full_episodes <= 12
        snap = store.snapshot("default")
        assert int((~snap.compacted).sum()) <= 12
        compacted = [i for i, c in zip(snap.ids, snap.compacted, strict=True) if c]
        episode = mem.get(compacted[0])
        assert episode is not None
        assert episode.context == ""
        assert episode.response == ""
        assert episode.outcome.n == 1.0  # its feedback stays
        ids = [a.id for a in store.abstractions("default") if a.level == 0]
        stats = store.approach_stats("default", ids)
        assert sum(s.successes + s.failures for s in stats) == pytest.approx(60.0)
        recall = mem.recall("sit1 question new", k=5)
        lesson = next(i for i in recall.items if i.kind == "lesson" and i.advice)
        assert lesson.advice.startswith("app1 ")
        assert all(i.kind == "lesson" or i.id not in compacted for i in recall.items)
        again = mem.consolidate()  # the members' text is gone; the lessons keep their exemplars
        assert again.abstractions > 0
        for situation in range(3):
            recall = mem.recall(f"sit{situation} question new", k=5)
            lesson = next(i for i in recall.items if i.kind == "lesson" and i.advice)
            assert lesson.advice.startswith(f"app{best(situation)} ")


def test_erasure_leaves_no_text_in_files_or_lessons(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    with AbstractionMemory.open(folder, embedder=PlantedEmbedder(), consolidation=CONFIG) as mem:
        rng = np.random.default_rng(5)
        teach(mem, 12, rng)
        for r in range(6):
            exp = mem.remember(
                f"sit5 zebrasecret question {r}", f"app4 zebrasecret answer sit5 {r}",
                user_id="secret-user",
            )  # fmt: skip
            mem.feedback(exp, reward=1.0)
        mem.consolidate()
        lessons = mem._engine.store.abstractions("default")
        assert any("zebrasecret" in str(a.data) or "zebrasecret" in a.lesson for a in lessons)
        mem.forget(user_id="secret-user")
        lessons = mem._engine.store.abstractions("default")
        assert lessons
        assert not any("zebrasecret" in a.lesson + str(a.data) + a.situation for a in lessons)
        recall = mem.recall("sit5 question again", k=5)
        assert "zebrasecret" not in recall.as_prompt()
        mem.flush()
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"zebrasecret" not in path.read_bytes(), path


def test_a_lesson_quotes_a_request_only_with_enough_users(tmp_path: Path) -> None:
    strict = AbstractionConfig(fine_size=10, min_quote_users=3)
    config = ConsolidateConfig(gnn=CONFIG.gnn, abstraction=strict)
    with AbstractionMemory.open(tmp_path / "m", embedder=PlantedEmbedder(),
                                consolidation=config) as mem:  # fmt: skip
        teach(mem, 12, np.random.default_rng(6), user="only-user")
        mem.consolidate()
        lessons = mem._engine.store.abstractions("default")
        assert lessons
        for a in lessons:
            assert not a.data["quoted"]
            assert "question" not in a.situation  # no request is quoted
            assert "question" not in a.lesson


def test_recall_and_remember_serve_during_consolidation(memory: AbstractionMemory) -> None:
    teach(memory, 10, np.random.default_rng(7))

    async def run() -> tuple[object, list[str], int]:
        task = asyncio.create_task(memory.aconsolidate())
        ids = [await memory.aremember(f"sit1 question during {i}", f"app1 answer {i} sit1")
               for i in range(3)]  # fmt: skip
        recall = await memory.arecall("sit1 question", k=3)
        return await task, ids, len(recall.items)

    report, ids, served = asyncio.run(run())
    assert served == 3
    assert memory.count() == 43
    members = {m.experience_id for m in memory._engine.store.snapshot("default").memberships}
    assert set(ids) <= members
    assert report is not None


def test_lessons_survive_reopen(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    with AbstractionMemory.open(folder, embedder=PlantedEmbedder(), consolidation=CONFIG) as mem:
        teach(mem, 12, np.random.default_rng(8))
        mem.consolidate()
        first = mem.recall("sit3 question new", k=5).items
    with AbstractionMemory.open(folder, embedder=PlantedEmbedder(), consolidation=CONFIG) as mem:
        again = mem.recall("sit3 question new", k=5).items
    assert [(i.id, i.kind, i.advice) for i in again] == [(i.id, i.kind, i.advice) for i in first]
    assert any(i.kind == "lesson" for i in again)


def test_an_llm_writes_lessons_at_consolidation_only(tmp_path: Path) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from absmem import LLMLessonWriter

    batches: list[int] = []

    class Counting(GenericFakeChatModel):
        def batch(self, inputs, config=None, **kwargs):  # type: ignore[no-untyped-def]
            batches.append(len(inputs))
            return super().batch(inputs, config, **kwargs)

    model = Counting(messages=iter(["Take approach one in this situation."] * 200))
    writer = LLMLessonWriter(model, batch_size=4)
    with AbstractionMemory.open(tmp_path / "m", embedder=PlantedEmbedder(), consolidation=CONFIG,
                                writer=writer) as mem:  # fmt: skip
        teach(mem, 10, np.random.default_rng(9))
        assert batches == []
        report = mem.consolidate()
        lessons = mem._engine.store.abstractions("default")
        per_level = [sum(a.level == level for a in lessons) for level in (0, 1)]
        assert len(batches) == sum(-(-n // 4) for n in per_level)  # one call per batch of 4
        assert max(batches) <= 4
        assert sum(batches) == len(lessons)
        assert report.lessons_changed == len(lessons)
        assert all(a.lesson == "Take approach one in this situation." for a in lessons)
        served = len(batches)
        for _ in range(3):
            mem.recall("sit0 question again", k=5)
        assert len(batches) == served
