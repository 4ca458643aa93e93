"""Lessons put in words: the template writer, the LLM writer over LangChain and LlamaIndex."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from llama_index.core.llms import MockLLM
from pydantic import Field

from absmem.errors import InvalidArgumentError
from absmem.lessons import (
    LESSON_WRITERS,
    ApproachSummary,
    LessonDraft,
    LessonWriter,
    LLMLessonWriter,
    TemplateLessonWriter,
)

GOOD = ApproachSummary("Open the app, tap Cards...", successes=5.0, failures=1.0, members=4)
BAD = ApproachSummary("Please call  the\nbranch.", successes=1.0, failures=3.0, members=3)
UNQUOTABLE = ApproachSummary(None, successes=4.0, failures=0.0, members=2)


def _draft(
    id_: str = "a1",
    *,
    level: int = 0,
    situation: str = "how do I reset my pin",
    quoted: bool = True,
    approaches: tuple[ApproachSummary, ...] = (GOOD, BAD),
    advice: int | None = 0,
    avoid: int | None = 1,
) -> LessonDraft:
    return LessonDraft(id_, level, situation, quoted, 12, approaches, advice, avoid)


class CountingChatModel(GenericFakeChatModel):
    """The fake chat model, recording the prompts of each ``batch`` call."""

    calls: list[list[str]] = Field(default_factory=list)

    def batch(self, inputs: list[Any], config: Any = None, **kwargs: Any) -> list[Any]:
        self.calls.append(list(inputs))
        return super().batch(inputs, config, **kwargs)


class FailingChatModel(GenericFakeChatModel):
    """A chat model whose every call raises."""

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        raise RuntimeError("quota exceeded")


class PickyLLM:
    """A LlamaIndex-like LLM that fails on prompts mentioning ``boom``."""

    class Reply:
        def __init__(self, text: str) -> None:
            self.text = text

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def complete(self, prompt: str) -> PickyLLM.Reply:
        self.prompts.append(prompt)
        if "boom" in prompt:
            raise ConnectionError("model unreachable")
        return PickyLLM.Reply(f"  Lesson\n number {len(self.prompts)}.  ")


# Template writer


def test_quoted_situation_reads_as_a_lesson() -> None:
    (text,) = TemplateLessonWriter().write([_draft()])
    assert text == (
        'In situations like "how do I reset my pin" (12 past interactions): what worked was '
        'responding like "Open the app, tap Cards..." (5 of 6 rated good); avoid responding like '
        '"Please call the branch." (1 of 4 rated good).'
    )


def test_keyword_situation_and_broader_level() -> None:
    writer = TemplateLessonWriter()
    keyword = _draft(situation="pin, card, reset", quoted=False, advice=None)
    broad = _draft(situation="pin, card, reset", quoted=False, level=1)
    assert writer.write([keyword]) == [
        "In situations about pin, card, reset (12 past interactions): avoid responding like "
        '"Please call the branch." (1 of 4 rated good).'
    ]
    assert writer.write([broad])[0].startswith(
        "Broadly, in situations about pin, card, reset (12 past interactions): what worked was"
    )


def test_without_advice_or_avoid_no_approach_has_proven_itself() -> None:
    writer = TemplateLessonWriter()
    rated, unrated = writer.write(
        [
            _draft(advice=None, avoid=None),
            _draft(approaches=(ApproachSummary("hi", 0.0, 0.0, 1),), advice=None, avoid=None),
        ]
    )
    assert rated.endswith(": no approach has proven itself yet (10 ratings so far).")
    assert "responding like" not in rated
    assert unrated.endswith(": no approach has proven itself yet (no ratings yet).")


def test_counts_are_rounded() -> None:
    approach = ApproachSummary("Try X.", successes=4.6, failures=1.2, members=3)
    (text,) = TemplateLessonWriter().write([_draft(approaches=(approach,), avoid=None)])
    assert '"Try X." (5 of 6 rated good).' in text
    assert approach.n == pytest.approx(5.8)
    assert approach.mean == pytest.approx(5.6 / 7.8)


def test_an_exemplar_that_may_not_be_quoted_is_described_by_its_stats() -> None:
    draft = _draft(approaches=(UNQUOTABLE, BAD), avoid=None)
    (text,) = TemplateLessonWriter().write([draft])
    assert text.endswith("what worked was an approach seen 2 times (4 of 4 rated good).")
    assert text.count('"') == 2  # only the situation is quoted
    (text,) = TemplateLessonWriter().write([_draft(approaches=(GOOD, UNQUOTABLE))])
    assert text.endswith("; avoid an approach seen 2 times (4 of 4 rated good).")


@pytest.mark.parametrize("max_chars", [80, 120, 250, 400])
def test_long_exemplars_are_clipped_to_the_length_limit(max_chars: int) -> None:
    long_good = ApproachSummary("Open the app and " * 100, 5.0, 1.0, 4)
    long_bad = ApproachSummary("x" * 2000, 1.0, 3.0, 3)
    draft = _draft(situation="reset\n\n my pin " * 50, approaches=(long_good, long_bad))
    (text,) = TemplateLessonWriter(max_chars).write([draft])
    assert len(text) <= max_chars
    assert "\n" not in text
    assert "  " not in text
    if max_chars >= 250:  # room for the whole sentence: only the quotes are clipped
        assert text.startswith('In situations like "reset my pin reset my pin')
        assert '..." (12 past interactions): what worked was responding like "Open the app' in text
        assert text.endswith('..." (1 of 4 rated good).')
        assert len(text) > max_chars - 10  # the budget is used, not wasted


def test_validation_names_the_argument() -> None:
    with pytest.raises(InvalidArgumentError, match=r"^max_chars: expected an integer >= 80"):
        TemplateLessonWriter(79)
    with pytest.raises(InvalidArgumentError, match=r"^avoid: expected None or an index"):
        _draft(avoid=2)
    with pytest.raises(InvalidArgumentError, match=r"^failures: expected a finite number >= 0"):
        ApproachSummary("x", 1.0, -1.0, 1)


def test_registry_builds_the_template_writer() -> None:
    assert LESSON_WRITERS.names() == ["template"]
    writer = LESSON_WRITERS.get("template")(max_chars=100)
    assert isinstance(writer, TemplateLessonWriter)
    assert isinstance(writer, LessonWriter)
    assert writer.max_chars == 100
    with pytest.raises(InvalidArgumentError, match=r"^lesson_writer: expected one of"):
        LESSON_WRITERS.get("gpt")


# LLM writer


def test_langchain_model_text_is_returned_in_order() -> None:
    model = GenericFakeChatModel(messages=iter(["First  lesson.\n", "Second lesson.", "Third."]))
    writer = LLMLessonWriter(model, batch_size=1)
    assert writer.name == "llm"
    assert isinstance(writer, LessonWriter)
    drafts = [_draft("a"), _draft("b"), _draft("c")]
    assert writer.write(drafts) == ["First lesson.", "Second lesson.", "Third."]


def test_langchain_model_is_called_once_per_batch() -> None:
    replies = [f"Lesson {i}." for i in range(5)]
    model = CountingChatModel(messages=iter(replies))
    drafts = [_draft(f"a{i}", situation=f"question {i}") for i in range(5)]
    texts = LLMLessonWriter(model, batch_size=2).write(drafts)
    assert len(model.calls) == math.ceil(5 / 2)
    assert [len(call) for call in model.calls] == [2, 2, 1]
    assert sorted(texts) == replies  # inside a batch LangChain may answer in any order
    prompts = [prompt for call in model.calls for prompt in call]
    assert [f'"question {i}"' in prompt for i, prompt in enumerate(prompts)] == [True] * 5


def test_the_prompt_holds_the_drafts_facts() -> None:
    model = CountingChatModel(messages=iter(["ok"]))
    draft = _draft(approaches=(GOOD, UNQUOTABLE))
    LLMLessonWriter(model).write([draft])
    (prompt,) = model.calls[0]
    assert "one or two sentences of advice for the assistant" in prompt
    assert "using only the facts below" in prompt
    assert "Do not invent facts" in prompt
    assert "Do not quote anything that is not quoted in the facts" in prompt
    assert 'Situation (a specific pattern): requests like "how do I reset my pin"' in prompt
    assert "Past interactions: 12" in prompt
    assert 'Approach 1: responding like "Open the app, tap Cards...", used 4 times' in prompt
    assert "(5 of 6 rated good)" in prompt
    assert "Approach 2: an approach that may not be quoted, used 2 times (4 of 4" in prompt
    assert "What works: approach 1" in prompt
    assert "What to avoid: approach 2" in prompt
    assert f"Summary: {TemplateLessonWriter().write([draft])[0]}" in prompt


def test_llamaindex_mock_llm_reply_is_clipped() -> None:
    echo = LLMLessonWriter(MockLLM(), max_chars=120)  # MockLLM echoes the prompt
    (text,) = echo.write([_draft()])
    assert len(text) == 120
    assert text.startswith("You write lessons that an AI assistant reads")
    assert text.endswith("...")
    fixed = LLMLessonWriter(MockLLM(max_tokens=3))  # replies "text" max_tokens times
    assert fixed.write([_draft(), _draft("b")]) == ["text text text", "text text text"]


def test_a_failing_llm_falls_back_to_the_template(caplog: pytest.LogCaptureFixture) -> None:
    drafts = [_draft("ok1"), _draft("bad", situation="boom"), _draft("ok2")]
    llm = PickyLLM()
    with caplog.at_level(logging.WARNING, logger="absmem.lessons"):
        texts = LLMLessonWriter(llm, batch_size=2).write(drafts)
    assert len(llm.prompts) == 3
    assert texts[0] == "Lesson number 1."
    assert texts[1] == TemplateLessonWriter().write([drafts[1]])[0]
    assert texts[2] == "Lesson number 3."
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "abstraction bad" in record.getMessage()
    assert "model unreachable" in record.getMessage()


def test_a_raising_or_empty_chat_model_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    drafts = [_draft("x"), _draft("y", level=1)]
    with caplog.at_level(logging.WARNING, logger="absmem.lessons"):
        raised = LLMLessonWriter(FailingChatModel(messages=iter([]))).write(drafts)
        empty = LLMLessonWriter(GenericFakeChatModel(messages=iter([" \n "]))).write(drafts[:1])
    assert raised == TemplateLessonWriter().write(drafts)
    assert empty == TemplateLessonWriter().write(drafts[:1])
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert "abstraction x" in messages[0]
    assert "quota exceeded" in messages[0]
    assert "abstraction y" in messages[1]
    assert "abstraction x: the model replied nothing" in messages[2]


def test_a_custom_fallback_is_used() -> None:
    class Fixed:
        name = "fixed"

        def write(self, drafts: Sequence[LessonDraft]) -> list[str]:
            return [f"fixed {d.abstraction_id}" for d in drafts]

    model = GenericFakeChatModel(messages=iter(["", "Real lesson."]))
    writer = LLMLessonWriter(model, batch_size=1, fallback=Fixed())
    assert writer.write([_draft("a"), _draft("b")]) == ["fixed a", "Real lesson."]


def test_bad_arguments_are_refused() -> None:
    class NotRunnable:
        def batch(self, prompts: list[str]) -> list[str]:
            return prompts

    for bad in (object(), "gpt-4", NotRunnable()):
        with pytest.raises(
            InvalidArgumentError, match=r"^llm: expected a LangChain chat model or a LlamaIndex"
        ):
            LLMLessonWriter(bad)
    with pytest.raises(InvalidArgumentError, match=r"^batch_size: expected an integer >= 1"):
        LLMLessonWriter(MockLLM(), batch_size=0)
    with pytest.raises(InvalidArgumentError, match=r"^max_chars: expected an integer >= 80"):
        LLMLessonWriter(MockLLM(), max_chars=10)
    with pytest.raises(InvalidArgumentError, match=r"^fallback: expected a LessonWriter"):
        LLMLessonWriter(MockLLM(), fallback=object())  # type: ignore[arg-type]
