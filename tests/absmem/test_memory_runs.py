"""turn_run_id: a session's turn named as a run id, for feedback by session and turn."""

from __future__ import annotations

import pytest

from absmem import AbstractionMemory, InvalidArgumentError, turn_run_id


def test_turn_run_ids_are_stable_text() -> None:
    assert turn_run_id("s1", 2) == "session:s1:turn:2"
    assert turn_run_id("s1") == "session:s1:turn:latest"
    assert turn_run_id("s1", 1) != turn_run_id("s2", 1)


def test_bad_session_or_turn_names_itself() -> None:
    with pytest.raises(InvalidArgumentError, match="^session_id:"):
        turn_run_id("")
    with pytest.raises(InvalidArgumentError, match="^turn:"):
        turn_run_id("s1", 0)


def test_a_turn_run_id_links_like_any_run_id(hash_embedder: object, tmp_path: object) -> None:
    with AbstractionMemory.open(tmp_path, embedder=hash_embedder) as mem:  # type: ignore[arg-type]
        r = mem.recall("where is my parcel?", session_id="s1", run_id=turn_run_id("s1"))
        given = mem.feedback(run_id=turn_run_id("s1"), reward=1.0)
    assert (given.target_id, given.run_id) == (r.id, "session:s1:turn:latest")
