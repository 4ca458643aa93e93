"""The text an LLM reads back from the memory tools: numbered, labelled, clipped, bounded."""

from __future__ import annotations

import pytest

from absmem import Assessment, Chain, Experience, MemoryItem, Recall
from absmem.errors import InvalidArgumentError
from absmem.tool_text import (
    MAX_CHARS,
    assessment_text,
    clip,
    error_text,
    find_text,
    recall_text,
)


def _experience(rank: int, **fields: object) -> MemoryItem:
    base: dict[str, object] = {
        **{"id": f"e{rank}", "kind": "experience", "text": "rendered", "rank": rank},
        **{"score": 1.0 - rank / 10, "propensity": 1.0},
        **{"context": f"question {rank}", "response": f"answer {rank}"},
    }
    return MemoryItem.model_validate(base | fields)


def _chain(**fields: object) -> Chain:
    experience = Experience(
        id="e1", namespace="ns", context="make the menu bigger",
        response="I moved the menu to a sidebar", created_at=86400.0,
    )  # fmt: skip
    return Chain.model_validate({"experience": experience, "score": 0.5} | fields)


def _assessment(**fields: object) -> Assessment:
    base: dict[str, object] = {"context": "c", "response": "r", "namespace": "ns",
                               "expected_reward": 0.5, "confidence": 0.6, "evidence": 3.0,
                               "prior": 0.0}  # fmt: skip
    return Assessment.model_validate(base | fields)


def test_clip_keeps_one_line_and_the_bound() -> None:
    assert clip("a\n\n b\tc") == "a b c"
    assert clip("x" * 1000) == "x" * (MAX_CHARS - 3) + "..."
    assert len(clip("word " * 100, 20)) == 20


def test_recall_text_labels_experiences_by_their_feedback() -> None:
    items = [
        _experience(0, advice="answer 0", support=2.0, utility=0.8),
        _experience(1, avoid="answer 1", support=2.0, utility=0.2),
        _experience(2, support=2.0, utility=0.5),
        _experience(3),
    ]
    text = recall_text(Recall(id="r1", query="a question", namespace="ns", items=items))
    lines = text.splitlines()
    assert lines[0] == '4 memories for "a question", most useful first:'
    assert lines[1].startswith("1. past experience (worked; utility 0.80, feedback weight 2.0)")
    assert lines[1].endswith('situation "question 0" -> response "answer 0"')
    assert lines[2].startswith("2. past experience (failed; utility 0.20")
    assert lines[3].startswith("3. past experience (mixed;")
    assert lines[4].startswith("4. past experience (unrated; utility 0.50, no feedback yet)")
    assert len(lines) == 5  # experiences carry no separate do/avoid lines


def test_recall_text_shows_a_lessons_advice_and_a_compacted_episodes_text() -> None:
    lesson = MemoryItem(id="a1", kind="lesson", text="Point users to the app.", score=0.9,
                        propensity=1.0, rank=0, advice="Use Cards > Reset PIN",
                        avoid="Visit a branch", support=5.0, utility=0.9)  # fmt: skip
    compacted = _experience(1, context="", response="", text="an absorbed episode")
    text = recall_text(Recall(id="r", query="q", namespace="ns", items=[lesson, compacted]))
    assert text.splitlines()[1:] == [
        "1. lesson (utility 0.90, feedback weight 5.0): Point users to the app.",
        "   do: Use Cards > Reset PIN",
        "   avoid: Visit a branch",
        "2. past experience (unrated; utility 0.50, no feedback yet): an absorbed episode",
    ]


def test_recall_text_is_bounded_whatever_was_stored() -> None:
    items = [_experience(i, context="c" * 5000, response="r" * 5000) for i in range(20)]
    text = recall_text(Recall(id="r", query="q" * 5000, namespace="ns", items=items))
    assert len(text) < 20 * (2 * MAX_CHARS + 120) + MAX_CHARS + 60
    assert all(len(line) < 2 * MAX_CHARS + 120 for line in text.splitlines())
    short = recall_text(Recall(id="r", query="q", namespace="ns", items=items[:1]), max_chars=10)
    assert 'situation "ccccccc..." -> response "rrrrrrr..."' in short


def test_recall_text_of_nothing() -> None:
    assert recall_text(Recall(id="r", query="q", namespace="ns")) == 'No memories found for "q".'


def test_find_text_reads_as_a_chain() -> None:
    reply = Experience(id="e2", namespace="ns", context="I cannot\nfind anything",
                       response="Sorry!", created_at=86460.0)  # fmt: skip
    text = find_text([
        _chain(led_to=reply, reward=0.5, lesson="Keep layouts stable.", lesson_id="a1",
               score=0.71),
        _chain(),
    ])  # fmt: skip
    assert text.splitlines() == [
        "2 matching interactions, best match first:",
        '1. [1970-01-02] situation "make the menu bigger" -> response "I moved the menu to a '
        'sidebar" -> led to: "I cannot find anything"; outcome +0.50; lesson: Keep layouts '
        "stable. (match 0.71)",
        '2. [1970-01-02] situation "make the menu bigger" -> response "I moved the menu to a '
        'sidebar" -> led to: (no reply recorded); outcome unrated (match 0.50)',
    ]
    assert find_text([]) == "No matching interactions found."


def test_find_text_clips_every_text() -> None:
    long = Experience(id="e2", namespace="ns", context="y" * 900, response="z", created_at=0.0)
    text = find_text([_chain(led_to=long, lesson="l" * 900)], max_chars=50)
    assert "y" * 48 not in text
    assert "l" * 48 not in text
    assert len(text) < 400


@pytest.mark.parametrize(
    ("fields", "reading"),
    [
        ({"expected_reward": 0.5}, "likely to go well (confidence 0.60;"),
        ({"expected_reward": -0.5}, "likely to go badly (confidence"),
        ({"expected_reward": 0.05}, "no clear signal (confidence"),
        ({"expected_reward": 0.5, "confidence": 0.1},
         "likely to go well, but the evidence is thin"),
        ({"evidence": 0.0, "confidence": 0.0, "expected_reward": 0.1},
         "no rated similar past interaction"),
    ],
)  # fmt: skip
def test_assessment_text_reads_the_numbers(fields: dict[str, object], reading: str) -> None:
    text = assessment_text(_assessment(**fields))
    assert text.startswith(f"Expected reward {fields['expected_reward']:+.2f} in [-1, 1]: ")
    assert reading in text
    assert "\n" not in text


def test_error_text_names_the_tool_and_the_argument() -> None:
    text = error_text("absmem_recall", InvalidArgumentError("query", "a non-empty string", ""))
    assert text == (
        "Error: absmem_recall was not run: query: expected a non-empty string, got ''. "
        "Fix the arguments and call it again."
    )
