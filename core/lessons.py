"""Lessons: an abstraction's pooled statistics put in plain words for the assistant to read.

A :class:`LessonDraft` holds what a lesson says (the situation, the approaches seen with their
feedback, which one works and which to avoid); a :class:`LessonWriter` puts drafts in words.
:class:`TemplateLessonWriter` is the deterministic default; :class:`LLMLessonWriter` asks a
LangChain chat model or a LlamaIndex LLM and falls back to the template when the model fails.
Writers are only called while abstractions are consolidated, never on the recall path.

Example:
    >>> from absmem.lessons import ApproachSummary, LessonDraft, TemplateLessonWriter
    >>> good = ApproachSummary("Open the app, tap Cards, then Reset PIN.", 5.0, 1.0, 4)
    >>> bad = ApproachSummary(None, 1.0, 3.0, 3)
    >>> draft = LessonDraft("a1", 0, "how do I reset my pin", True, 12, (good, bad), 0, 1)
    >>> print(TemplateLessonWriter().write([draft])[0])
    In situations like "how do I reset my pin" (12 past interactions): what worked was
    responding like "Open the app, tap Cards, then Reset PIN." (5 of 6 rated good); avoid an
    approach seen 3 times (1 of 4 rated good).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from .errors import InvalidArgumentError
from .registry import Registry
from .validate import check_int

__all__ = [
    "LESSON_WRITERS",
    "ApproachSummary",
    "LLMLessonWriter",
    "LessonDraft",
    "LessonWriter",
    "TemplateLessonWriter",
]

logger = logging.getLogger(__name__)

_PROMPT = """You write lessons that an AI assistant reads before it answers a user.
Write one or two sentences of advice for the assistant, using only the facts below.
Do not invent facts, numbers or examples. Do not quote anything that is not quoted in the facts.
Reply with the advice only.

Facts:
{facts}"""


@dataclass(frozen=True)
class ApproachSummary:
    """One way of responding seen in an abstraction, with its pooled feedback.

    ``exemplar`` is an example response of this approach, or ``None`` when it may not be quoted;
    ``successes`` and ``failures`` are pooled feedback weights; ``members`` counts experiences.
    """

    exemplar: str | None
    successes: float
    failures: float
    members: int

    def __post_init__(self) -> None:
        for name in ("successes", "failures"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise InvalidArgumentError(name, "a finite number >= 0", value)
        check_int("members", self.members, "an integer >= 0", 0)

    @property
    def n(self) -> float:
        """Total feedback weight, ``successes + failures``."""
        return self.successes + self.failures

    @property
    def mean(self) -> float:
        """Posterior mean chance of a good outcome under a Beta(1, 1) prior."""
        return (1.0 + self.successes) / (2.0 + self.n)


@dataclass(frozen=True)
class LessonDraft:
    """What a lesson says, before it is put in words.

    ``level`` is 0 for a specific pattern, 1 or more for a broader one; ``situation`` quotes a
    representative request when ``situation_quoted``, else describes it with keywords;
    ``advice`` and ``avoid`` index ``approaches`` (or are ``None``).
    """

    abstraction_id: str
    level: int
    situation: str
    situation_quoted: bool
    support: int
    approaches: tuple[ApproachSummary, ...]
    advice: int | None
    avoid: int | None

    def __post_init__(self) -> None:
        check_int("level", self.level, "an integer >= 0", 0)
        check_int("support", self.support, "an integer >= 0", 0)
        for name in ("advice", "avoid"):
            index = getattr(self, name)
            if index is not None:
                expected = f"None or an index into the {len(self.approaches)} approaches"
                check_int(name, index, expected, 0, len(self.approaches) - 1)


@runtime_checkable
class LessonWriter(Protocol):
    """Puts lesson drafts in words."""

    name: str
    """Stable name of the writer."""

    def write(self, drafts: Sequence[LessonDraft]) -> list[str]:
        """One lesson text per draft, in order."""
        ...


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 3, 0)].rstrip() + "..."


def _fair_cap(lengths: list[int], budget: int) -> int:
    """The largest cap such that the pieces, each clipped to it, fit ``budget`` together."""
    remaining = budget
    for i, length in enumerate(sorted(lengths)):
        share = remaining // (len(lengths) - i)
        if length > share:
            return share
        remaining -= length
    return max(lengths, default=0)


def _count(value: float) -> int:
    return math.floor(value + 0.5)  # half up: 2.5 ratings read as 3


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _stats(approach: ApproachSummary) -> str:
    n = _count(approach.n)
    return f"({_count(approach.successes)} of {n} rated good)" if n else "(not yet rated)"


class TemplateLessonWriter:
    """The default writer: fixed sentences, no model, the same text for the same draft.

    Quoted text (the situation and the exemplars) is clipped, whitespace collapsed, so that each
    lesson is at most ``max_chars`` characters; an approach without an exemplar is described by
    its statistics only.
    """

    name = "template"

    def __init__(self, max_chars: int = 400) -> None:
        self.max_chars = check_int("max_chars", max_chars, "an integer >= 80", 80)

    def write(self, drafts: Sequence[LessonDraft]) -> list[str]:
        """One lesson text per draft, in order."""
        return [self._write_one(draft) for draft in drafts]

    def _write_one(self, draft: LessonDraft) -> str:
        # Pieces are collapsed text, a format with "{}" slots, and the texts that go in the slots.
        pieces = [" ".join(draft.situation.split())]
        where = 'like "{}"' if draft.situation_quoted else "about {}"
        head = f"{'Broadly, in' if draft.level else 'In'} situations {where} "
        head += f"({_plural(draft.support, 'past interaction')}): "
        parts = []
        for index, verb in ((draft.advice, "what worked was"), (draft.avoid, "avoid")):
            if index is None:
                continue
            approach = draft.approaches[index]
            if approach.exemplar is None:
                seen = _plural(approach.members, "time")
                parts.append(f"{verb} an approach seen {seen} {_stats(approach)}")
            else:
                pieces.append(" ".join(approach.exemplar.split()))
                parts.append(f'{verb} responding like "{{}}" {_stats(approach)}')
        if not parts:
            ratings = _count(sum(a.n for a in draft.approaches))
            seen = f"{_plural(ratings, 'rating')} so far" if ratings else "no ratings yet"
            parts.append(f"no approach has proven itself yet ({seen})")
        shape = head + "; ".join(parts) + "."
        cap = _fair_cap([len(p) for p in pieces], self.max_chars - len(shape) + 2 * len(pieces))
        text = shape.format(*(_clip(p, cap) for p in pieces))
        return _clip(text, self.max_chars)  # last resort when even the fixed words do not fit

    def __repr__(self) -> str:
        return f"TemplateLessonWriter(max_chars={self.max_chars})"


def _prompt(draft: LessonDraft, summary: str) -> str:
    situation = _clip(draft.situation, 200)
    situation = f'requests like "{situation}"' if draft.situation_quoted else f"about {situation}"
    lines = [f"- Situation ({'a broad' if draft.level else 'a specific'} pattern): {situation}"]
    lines.append(f"- Past interactions: {draft.support}")
    for i, approach in enumerate(draft.approaches, 1):
        shown = "an approach that may not be quoted"
        if approach.exemplar is not None:
            shown = f'responding like "{_clip(approach.exemplar, 200)}"'
        lines.append(
            f"- Approach {i}: {shown}, used {_plural(approach.members, 'time')} {_stats(approach)}"
        )
    works = "none yet" if draft.advice is None else f"approach {draft.advice + 1}"
    avoid = "none" if draft.avoid is None else f"approach {draft.avoid + 1}"
    lines += [f"- What works: {works}", f"- What to avoid: {avoid}", f"- Summary: {summary}"]
    return _PROMPT.format(facts="\n".join(lines))


def _text(content: object) -> str:
    """The text of a LangChain message's content (a string or a list of content blocks)."""
    if isinstance(content, list):
        content = " ".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content)
    return content if isinstance(content, str) else ""


def _is_runnable(llm: Any) -> bool:
    try:
        from langchain_core.runnables import Runnable
    except ImportError:  # without LangChain installed, nothing is a LangChain runnable
        return False
    return isinstance(llm, Runnable)


class LLMLessonWriter:
    """Lessons written by a language model from the facts of each draft.

    Takes a LangChain chat model (its ``batch`` is called once per ``batch_size`` drafts) or a
    LlamaIndex LLM (``complete`` is called once per draft). A draft whose call fails or whose
    reply is empty gets the ``fallback`` writer's text (by default the template) and a warning.
    Only called while abstractions are consolidated, so a slow model never delays a recall.
    """

    name = "llm"

    def __init__(
        self,
        llm: Any,
        *,
        batch_size: int = 8,
        max_chars: int = 400,
        fallback: LessonWriter | None = None,
    ) -> None:
        if hasattr(llm, "batch") and _is_runnable(llm):
            self._kind = "langchain"
        elif callable(getattr(llm, "complete", None)):
            self._kind = "llamaindex"
        else:
            raise InvalidArgumentError("llm", "a LangChain chat model or a LlamaIndex LLM", llm)
        if fallback is not None and not isinstance(fallback, LessonWriter):
            raise InvalidArgumentError("fallback", "a LessonWriter or None", fallback)
        self.llm = llm
        self.batch_size = check_int("batch_size", batch_size, "an integer >= 1", 1)
        self.max_chars = check_int("max_chars", max_chars, "an integer >= 80", 80)
        self.fallback = fallback

    def write(self, drafts: Sequence[LessonDraft]) -> list[str]:
        """One lesson text per draft, in order."""
        template = TemplateLessonWriter(self.max_chars)
        fallback = template if self.fallback is None else self.fallback
        prompts = list(map(_prompt, drafts, template.write(drafts)))
        replies: list[str | Exception] = []
        for start in range(0, len(prompts), self.batch_size):
            replies += self._ask(prompts[start : start + self.batch_size])
        texts: list[str | None] = []
        for draft, reply in zip(drafts, replies, strict=True):
            text = "" if isinstance(reply, Exception) else _clip(reply, self.max_chars)
            if not text:
                why = f"raised {reply!r}" if isinstance(reply, Exception) else "replied nothing"
                logger.warning(
                    "lesson for abstraction %s: the model %s; using the %s writer instead",
                    draft.abstraction_id, why, fallback.name,
                )  # fmt: skip
            texts.append(text or None)
        failed = [d for d, t in zip(drafts, texts, strict=True) if t is None]
        backup = iter(fallback.write(failed) if failed else [])
        return [t if t is not None else next(backup) for t in texts]

    def _ask(self, prompts: list[str]) -> list[str | Exception]:
        # A documented boundary: any error a third-party model raises (network, quota, parsing)
        # becomes that draft's failure, which write() logs and replaces with the fallback's text.
        if self._kind == "langchain":
            try:
                out = list(self.llm.batch(prompts, return_exceptions=True))
            except Exception as err:
                return [err] * len(prompts)
            if len(out) != len(prompts):
                return [ValueError(f"{len(out)} replies to {len(prompts)} prompts")] * len(prompts)
            return [
                r if isinstance(r, Exception) else _text(getattr(r, "content", "")) for r in out
            ]
        replies: list[str | Exception] = []
        for prompt in prompts:
            try:
                text = getattr(self.llm.complete(prompt), "text", None)
                replies.append(text if isinstance(text, str) else "")
            except Exception as err:
                replies.append(err)
        return replies


LESSON_WRITERS: Registry[Callable[..., LessonWriter]] = Registry("lesson_writer")
"""Lesson writers by name; each factory takes keyword arguments (``max_chars=...``)."""
LESSON_WRITERS.register("template", TemplateLessonWriter)
