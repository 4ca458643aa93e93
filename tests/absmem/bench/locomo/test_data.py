"""Reading LoCoMo and normalising its evidence ids."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from absmem.bench.data import BenchDataError
from absmem.bench.locomo import load_locomo, normalise_evidence


def test_reads_turns_sessions_and_questions(tiny_locomo: Path) -> None:
    locomo = load_locomo(tiny_locomo)
    assert [c.sample_id for c in locomo.conversations] == ["conv-0", "conv-1", "conv-2"]
    assert len(locomo.sha256) == 64
    conv = locomo.conversations[0]
    assert [t.dia_id for t in conv.turns] == ["D1:1", "D1:2", "D1:3", "D1:4", "D2:1", "D2:2",
                                              "D2:3"]  # fmt: skip
    first = conv.turns[0]
    assert (first.session, first.date, first.context) == (
        1, "1:00 pm on 1 May, 2023", "Ann0: I adopted a cat named Tom."
    )  # fmt: skip
    assert [q.evidence for q in conv.questions] == [
        ("D1:1", "D1:3"), ("D2:1",), ("D1:2", "D2:2"), ("D1:1",), ("D1:4",),
    ]  # fmt: skip
    assert conv.fixes == {
        "questions": 6, "questions_without_evidence": 1, "zeros_stripped": 1, "split": 1,
        "colon_fixed": 1, "dropped_malformed": 1, "dropped_unknown": 1,
    }  # fmt: skip


def test_normalise_evidence_kinds() -> None:
    counts: Counter[str] = Counter()
    known = {"D1:1", "D2:3", "D10:2"}
    got = normalise_evidence(["D1:1 D2:3", "D10:02", "D1:1", "d1:1", "D1:", "D:2:3"], known, counts)
    assert got == ("D1:1", "D2:3", "D10:2")
    assert counts == Counter(split=1, zeros_stripped=1, duplicates=2, dropped_malformed=2,
                             colon_fixed=1)  # fmt: skip
    assert normalise_evidence([], known) == ()


def test_missing_or_bad_data_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(BenchDataError, match=r"locomo/locomo10\.json"):
        load_locomo(tmp_path)
    (tmp_path / "locomo").mkdir()
    (tmp_path / "locomo" / "locomo10.json").write_text('[{"qa": []}]')
    with pytest.raises(BenchDataError, match="expected LoCoMo's format"):
        load_locomo(tmp_path)


def test_real_data_counts(real_locomo: Path) -> None:
    locomo = load_locomo(real_locomo)
    conversations = locomo.conversations
    assert len(conversations) == 10
    assert sum(len(c.turns) for c in conversations) == 5_882
    assert sum(len({t.session for t in c.turns}) for c in conversations) == 272
    fixes: Counter[str] = Counter()
    for conv in conversations:
        fixes.update(conv.fixes)
    assert fixes["questions"] == 1_986
    assert fixes["questions"] - fixes["questions_without_evidence"] == sum(
        len(c.questions) for c in conversations
    )
    assert {"split", "colon_fixed", "zeros_stripped", "dropped_unknown"} <= set(fixes)
