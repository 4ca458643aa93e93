"""Learning abstractions on hand-built snapshots; advice from live statistics."""

from __future__ import annotations

import numpy as np
import pytest

from absmem.abstraction import (
    AbstractionConfig,
    advise,
    approach_directions,
    approach_map,
    contributors,
    learn,
)
from absmem.embed import normalise
from absmem.lessons import TemplateLessonWriter
from absmem.store.base import GraphSnapshot, MembershipRow

DIM = 24


def snapshot(per: int = 12, seed: int = 0, users: int = 4) -> GraphSnapshot:
    """Two situations x two approaches; approach (situation) succeeds, the other fails."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((4, DIM))
    rows = []
    for s in range(2):
        for i in range(per):
            a = i % 2
            ctx = base[s] + 0.1 * rng.standard_normal(DIM)
            resp = 0.5 * base[s] + base[2 + a] + 0.1 * rng.standard_normal(DIM)
            win = a == s
            rows.append(
                (ctx, resp, win, f"sit{s} request {i}", f"app{a} reply {i}", f"u{i % users}")
            )
    n = len(rows)
    return GraphSnapshot(
        namespace="ns", seqs=np.arange(1, n + 1), ids=[f"e{i}" for i in range(n)],
        contexts=normalise(np.array([r[0] for r in rows], np.float32)),
        responses=normalise(np.array([r[1] for r in rows], np.float32)),
        outcome=np.array([[1.0 + r[2], 2.0 - r[2], 1.0] for r in rows]),
        usage=np.tile([1.0, 1.0, 0.0], (n, 1)), created_at=np.zeros(n),
        users=[r[5] for r in rows], sessions=[None] * n, compacted=np.zeros(n, bool), edges={},
        informed_by_lessons=[], abstractions=[], memberships=[],
        contexts_text=[r[3] for r in rows], responses_text=[r[4] for r in rows],
    )  # fmt: skip


CONFIG = AbstractionConfig(fine_size=12, branch=2, min_quote_users=3)


def test_learns_one_pattern_per_situation_with_the_right_advice() -> None:
    snap = snapshot()
    learned = learn(snap, None, TemplateLessonWriter(), CONFIG)
    fine = [r for r in learned.rows if r.level == 0]
    broad = [r for r in learned.rows if r.level == 1]
    assert len(fine) == 2
    assert len(broad) == 1
    assert all(r.parent_id == broad[0].id for r in fine)
    members = {r.id: set() for r in fine}
    for m in learned.memberships:
        if m.abstraction_id in members:
            members[m.abstraction_id].add(int(m.experience_id[1:]))
    for row in fine:
        situation = int(row.situation.split()[0][3:]) if row.data["quoted"] else None
        rows = members[row.id]
        assert rows in ({*range(12)}, {*range(12, 24)})
        s = 0 if rows == {*range(12)} else 1
        assert situation in (None, s)
        advised = row.data["approaches"][row.data["advice"]]["exemplar"]
        assert advised.startswith(f"app{s} ")
        assert row.data["approaches"][row.data["avoid"]]["exemplar"].startswith(f"app{1 - s} ")
        assert "worked" in row.lesson


def test_approaches_are_shared_across_situations() -> None:
    learned = learn(snapshot(), None, TemplateLessonWriter(), CONFIG)
    globals_by_exemplar = {
        spec["exemplar"].split()[0]: spec["global"]
        for row in learned.rows if row.level == 0 for spec in row.data["approaches"]
    }  # fmt: skip
    assert set(globals_by_exemplar) == {"app0", "app1"}
    assert globals_by_exemplar["app0"] != globals_by_exemplar["app1"]


def test_ids_carry_over_when_members_stay() -> None:
    snap = snapshot()
    first = learn(snap, None, TemplateLessonWriter(), CONFIG)
    snap.abstractions = first.rows
    snap.memberships = first.memberships
    second = learn(snap, None, TemplateLessonWriter(), CONFIG)
    assert {r.id for r in second.rows} == {r.id for r in first.rows}
    assert second.kept == len(first.rows)
    assert second.new == 0
    assert second.retired == []


def test_a_request_is_quoted_only_with_enough_contributors() -> None:
    few = learn(snapshot(users=2), None, TemplateLessonWriter(), CONFIG)
    assert not any(r.data["quoted"] for r in few.rows)
    assert not any("request" in r.lesson and '"sit' in r.lesson for r in few.rows)
    many = learn(snapshot(users=4), None, TemplateLessonWriter(), CONFIG)
    assert all(r.data["quoted"] for r in many.rows)


def test_too_few_experiences_learn_nothing_and_retire_the_old() -> None:
    snap = snapshot(per=1)
    snap.abstractions = learn(snapshot(), None, TemplateLessonWriter(), CONFIG).rows
    learned = learn(snap, None, TemplateLessonWriter(), AbstractionConfig(min_support=5))
    assert learned.rows == []
    assert len(learned.retired) == len(snap.abstractions)


def test_advice_shrinks_toward_the_broader_rate_and_needs_evidence() -> None:
    assert advise({0: (1.0, 0.0), 1: (3.0, 3.0)}).advice == 0
    assert advise({0: (1.0, 0.0), 1: (5.0, 1.0)}, min_evidence=2).advice == 1
    shrunk = advise({0: (1.0, 0.0)}, prior={0: 0.2}, strength=4.0)
    assert shrunk.means[0] == pytest.approx((1.0 + 0.8) / 5.0)
    assert shrunk.advice is None  # the broad pattern says it rarely works
    transfer = advise({}, prior={2: 0.9})
    assert transfer.advice == 2  # nothing here yet: the broad pattern's approach is advised
    assert advise({0: (0.0, 4.0), 1: (3.0, 0.0)}).avoid == 0


def test_residuals_remove_what_the_context_predicts() -> None:
    rng = np.random.default_rng(1)
    contexts = normalise(rng.standard_normal((200, 8)).astype(np.float32))
    approaches = rng.standard_normal((2, 8))
    labels = rng.integers(2, size=200)
    responses = contexts @ rng.standard_normal((8, 8)) + approaches[labels]
    mapping = approach_map(contexts, responses, ridge=0.1)
    res = approach_directions(contexts, responses, mapping)
    same = (res[labels == 0] @ res[labels == 0].T).mean()
    other = (res[labels == 0] @ res[labels == 1].T).mean()
    assert same > 0.5 > other


def test_contributors_fall_back_to_session_then_experience() -> None:
    assert contributors(["u1", None, None], [None, "s1", None], ["a", "b", "c"]) == [
        "u1", "s:s1", "e:c",
    ]  # fmt: skip


def test_memberships_name_real_experiences() -> None:
    snap = snapshot()
    learned = learn(snap, None, TemplateLessonWriter(), CONFIG)
    assert all(isinstance(m, MembershipRow) and m.experience_id in snap.ids
               for m in learned.memberships)  # fmt: skip
    fine_ids = {r.id for r in learned.rows if r.level == 0}
    assert sum(m.abstraction_id in fine_ids for m in learned.memberships) == len(snap)


def test_only_changed_lessons_are_written_again() -> None:
    written: list[int] = []

    class Counting(TemplateLessonWriter):
        def write(self, drafts):  # type: ignore[no-untyped-def]
            written.append(len(drafts))
            return super().write(drafts)

    snap = snapshot()
    first = learn(snap, None, Counting(), CONFIG)
    assert sum(written) == len(first.rows)
    snap.abstractions, snap.memberships = first.rows, first.memberships
    written.clear()
    second = learn(snap, None, Counting(), CONFIG)
    assert sum(written) == 0
    assert [r.lesson for r in second.rows] == [r.lesson for r in first.rows]
    snap.outcome[0] = [1.0, 2.0, 1.0]  # one rating flips: its lessons change
    snap.abstractions, snap.memberships = second.rows, second.memberships
    third = learn(snap, None, Counting(), CONFIG)
    assert 0 < sum(written) < len(third.rows)


def test_a_pattern_that_mixes_outcomes_is_split() -> None:
    """One k-means cluster holds both situations (fine_size = all); as the same approach wins in
    one half and fails in the other, it is split; with split_gap 1 it stays whole."""
    snap = snapshot()
    whole = AbstractionConfig(fine_size=24, branch=2, min_quote_users=3, split_gap=1.0)
    split = AbstractionConfig(fine_size=24, branch=2, min_quote_users=3, split_gap=0.4)
    assert sum(r.level == 0 for r in learn(snap, None, TemplateLessonWriter(), whole).rows) == 1
    fine = [r for r in learn(snap, None, TemplateLessonWriter(), split).rows if r.level == 0]
    assert len(fine) == 2
    assert sorted(r.support for r in fine) == [12, 12]


def test_a_pattern_with_one_outcome_everywhere_is_not_split() -> None:
    snap = snapshot()
    snap.outcome[:] = [2.0, 1.0, 1.0]  # everything works: nothing to tell the halves apart by
    config = AbstractionConfig(fine_size=24, branch=2, min_quote_users=3, split_gap=0.4)
    assert sum(r.level == 0 for r in learn(snap, None, TemplateLessonWriter(), config).rows) == 1
