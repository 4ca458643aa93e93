"""Records to rows and back (absmem.store.rows): the conversions both SQL stores share."""

from __future__ import annotations

import json

import numpy as np
import pytest

from absmem.errors import InvalidArgumentError, StoreCorruptError
from absmem.store.base import (
    AbstractionRow,
    CreditRow,
    ExperienceRow,
    PolicyLogRow,
    RunLinkRow,
)
from absmem.store.rows import (
    ABSTRACTION_COLUMNS,
    EXPERIENCE_COLUMNS,
    POLICY_LOG_COLUMNS,
    abstraction_params,
    batch_namespace,
    blob_metadata,
    credit_increment,
    erasure_target,
    experience_params,
    policy_log_params,
    run_link_params,
    to_abstraction,
    to_experience,
    to_policy_log,
    vector_params,
)


def _experience(namespace: str = "ns") -> ExperienceRow:
    return ExperienceRow("e1", namespace, "ctx", "resp", np.arange(3.0), np.ones(3), 4.5,
                         user_id="u", session_id="s", metadata={"turn": 2})  # fmt: skip


def test_an_experience_reads_back_as_written() -> None:
    row = _experience()
    seq, *written = experience_params(7, row)
    # The table stores the insert's columns; a read adds the statistics in EXPERIENCE_COLUMNS.
    by_column = dict(zip(("id", "namespace", "user_id", "session_id", "recall_id", "context",
                          "response", "metadata", "created_at"), written, strict=True))  # fmt: skip
    stats = {"out_alpha": 2.0, "out_beta": 1.0, "out_n": 1.0, "use_alpha": 1.0, "use_beta": 1.5,
             "use_n": 0.5, "compacted": 1, "seq": seq, "ses_alpha": 1.2, "ses_beta": 1.6,
             "ses_n": 0.8}  # fmt: skip
    fetched = tuple({**by_column, **stats}[c] for c in EXPERIENCE_COLUMNS.split(", "))
    back = to_experience(fetched)
    assert (back.seq, back.id, back.user_id, back.metadata) == (7, "e1", "u", {"turn": 2})
    assert (back.outcome.alpha, back.usage.beta, back.compacted) == (2.0, 1.5, True)
    assert (back.long_term.alpha, back.long_term.beta, back.long_term.n) == (1.2, 1.6, 0.8)


def test_vectors_are_float32_bytes() -> None:
    seq, context, response = vector_params(3, _experience())
    assert seq == 3
    assert np.frombuffer(context, dtype=np.float32).tolist() == [0.0, 1.0, 2.0]
    assert len(response) == 3 * 4


def test_an_abstraction_round_trips() -> None:
    row = AbstractionRow("a1", "ns", 1, "a0", 4, "when", "do", {"advice": 0},
                         np.arange(8, dtype=np.float32).reshape(4, 2), 1.0, 2.0)  # fmt: skip
    params = abstraction_params(row)
    assert len(params) == len(ABSTRACTION_COLUMNS.split(", "))
    back = to_abstraction(params)
    assert back.vectors.tolist() == row.vectors.tolist()
    assert back.vectors.flags.writeable  # a copy, not a view of the fetched bytes
    assert (back.level, back.parent_id, back.data) == (1, "a0", {"advice": 0})


@pytest.mark.parametrize("features", [np.ones((2, 3)), np.zeros((0, 0))])
def test_a_policy_log_round_trips(features: np.ndarray) -> None:
    n = features.shape[0]
    log = PolicyLogRow("r1", "ns", "linear", ["e1", "a1"][:n], ["experience", "lesson"][:n],
                       [-1, 0][:n], features, np.full(n, 0.5), 3.0)  # fmt: skip
    params = policy_log_params(log)
    assert len(params) == len(POLICY_LOG_COLUMNS.split(", "))
    assert json.loads(params[3]) == {"ids": log.candidates, "kinds": log.kinds,
                                     "advice": log.advice}  # fmt: skip
    back = to_policy_log(params)
    assert back.features.shape == features.shape
    assert back.top.tolist() == [0.5] * n
    assert (back.candidates, back.created_at) == (log.candidates, 3.0)


def test_a_credit_splits_its_weight_by_reward() -> None:
    assert credit_increment(CreditRow("e1", "outcome", 1.0, 2.0)) == ("out", 2.0, 0.0, 2.0)
    assert credit_increment(CreditRow("e1", "usage", -1.0, 1.0)) == ("use", 0.0, 1.0, 1.0)


def test_run_link_params_follow_the_row() -> None:
    assert run_link_params(RunLinkRow("ns", "run", None, "e1", 1.0)) == ("ns", "run", None,
                                                                         "e1", 1.0)  # fmt: skip


def test_a_batch_has_one_namespace() -> None:
    assert batch_namespace([_experience(), _experience()]) == "ns"
    with pytest.raises(InvalidArgumentError, match="^rows: expected experiences of one"):
        batch_namespace([_experience(), _experience("other")])


def test_an_erasure_names_exactly_one_target() -> None:
    assert erasure_target("u", None) == ("user_id", "u")
    assert erasure_target(None, "s") == ("session_id", "s")
    for both in (("u", "s"), (None, None)):
        with pytest.raises(InvalidArgumentError, match="^user_id/session_id"):
            erasure_target(*both)


def test_damaged_blob_metadata_names_the_blob() -> None:
    assert blob_metadata("gnn", "[]") == []
    with pytest.raises(StoreCorruptError, match="^gnn: expected JSON metadata"):
        blob_metadata("gnn", "{")
