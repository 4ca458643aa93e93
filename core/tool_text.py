"""Compact text renderings of ``recall``, ``find`` and ``assess`` for an LLM that called them.

When an agent calls the memory as a tool (:mod:`absmem.tools`, the adapters'
``absmem_tools``), what comes back is read by a language model: short, numbered, every text
clipped to ``max_chars`` so that the answer stays bounded whatever was stored, and the numbers
given with what they mean (utility in [0, 1], reward in [-1, 1]). Both adapters render with
these functions, so a LangChain agent and a LlamaIndex agent read the same text.

Example:
    >>> from absmem import MemoryItem, Recall
    >>> from absmem.tool_text import recall_text
    >>> item = MemoryItem(id="e1", kind="experience", text="...", score=0.9, propensity=1.0,
    ...                   rank=0, context="reset my pin", response="Cards > Reset PIN",
    ...                   advice="Cards > Reset PIN", support=2.0, utility=0.75)
    >>> print(recall_text(Recall(id="r1", query="pin?", namespace="default", items=[item])))
    1 memory for "pin?", most useful first:
    1. past experience (worked; utility 0.75, feedback weight 2.0): situation "reset my pin"
    -> response "Cards > Reset PIN"
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .find import Chain
from .types import Assessment, MemoryItem, Recall

__all__ = ["MAX_CHARS", "assessment_text", "clip", "error_text", "find_text", "recall_text"]

MAX_CHARS = 240
"""Longest text (a situation, a response, a lesson) shown in a tool's answer."""
CLEAR_REWARD = 0.2
"""Expected reward from which an assessment reads as likely good (or, negated, bad)."""
LOW_CONFIDENCE = 0.25
"""Confidence under which an assessment says its evidence is thin."""


def clip(text: str, max_chars: int = MAX_CHARS) -> str:
    """``text`` on one line (runs of whitespace made one space), cut to ``max_chars``.

    Example:
        >>> clip("a  long\\n text", 9)
        'a long...'
        >>> clip("short")
        'short'
    """
    text = " ".join(text.split())
    return text if len(text) <= max_chars else text[: max(0, max_chars - 3)] + "..."


def _feedback(item: MemoryItem) -> str:
    weight = f"feedback weight {item.support:.1f}" if item.support > 0 else "no feedback yet"
    return f"utility {item.utility:.2f}, {weight}"


def _item(i: int, item: MemoryItem, max_chars: int) -> list[str]:
    if item.kind == "lesson":
        lines = [f"{i}. lesson ({_feedback(item)}): {clip(item.text, max_chars)}"]
        if item.advice:
            lines.append(f"   do: {clip(item.advice, max_chars)}")
        if item.avoid:
            lines.append(f"   avoid: {clip(item.avoid, max_chars)}")
        return lines
    if item.advice:
        label = "worked"
    elif item.avoid:
        label = "failed"
    else:
        label = "mixed" if item.support > 0 else "unrated"
    if item.context or item.response:
        body = (
            f'situation "{clip(item.context or "", max_chars)}" -> '
            f'response "{clip(item.response or "", max_chars)}"'
        )
    else:  # a compacted episode keeps only its rendered text
        body = clip(item.text, max_chars)
    return [f"{i}. past experience ({label}; {_feedback(item)}): {body}"]


def recall_text(recall: Recall, *, max_chars: int = MAX_CHARS) -> str:
    """A recall as numbered memories, most useful first, for an LLM to read.

    A lesson shows its text, the approach to follow (``do:``) and the one to avoid when known;
    a past experience shows its situation, its response and whether it worked. Each item gives
    its utility (the learned chance, in [0, 1], that it leads to a good outcome) and the feedback
    weight behind it.

    Example:
        >>> from absmem import MemoryItem, Recall
        >>> lesson = MemoryItem(id="a1", kind="lesson", text="For PIN resets, point to the app.",
        ...                     score=0.8, propensity=1.0, rank=0, advice="Cards > Reset PIN",
        ...                     avoid="Visit a branch", support=6.0, utility=0.83)
        >>> print(recall_text(Recall(id="r1", query="pin", namespace="ns", items=[lesson])))
        1 memory for "pin", most useful first:
        1. lesson (utility 0.83, feedback weight 6.0): For PIN resets, point to the app.
           do: Cards > Reset PIN
           avoid: Visit a branch
        >>> recall_text(Recall(id="r2", query="pin", namespace="ns"))
        'No memories found for "pin".'
    """
    query = clip(recall.query, max_chars)
    if not recall.items:
        return f'No memories found for "{query}".'
    count = len(recall.items)
    lines = [f'{count} {"memory" if count == 1 else "memories"} for "{query}", most useful first:']
    for i, item in enumerate(recall.items, start=1):
        lines += _item(i, item, max_chars)
    return "\n".join(lines)


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).strftime("%Y-%m-%d")


def find_text(chains: Sequence[Chain], *, max_chars: int = MAX_CHARS) -> str:
    """Chains of :meth:`~absmem.AbstractionMemory.find` as numbered lines, best match first.

    Each line reads ``[day] situation "..." -> response "..." -> led to: "..."; outcome +0.50;
    lesson: ... (match 0.71)``: the day it was stored (UTC), what the user asked, what was
    answered, the user's next message it provoked, its mean reward in [-1, 1] (``unrated``
    without feedback), the lesson it belongs to when there is one, and how well it matched.

    Example:
        >>> from absmem import Chain, Experience
        >>> e = Experience(id="e1", namespace="ns", context="make the menu bigger",
        ...                response="I moved the menu to a sidebar", created_at=1714560000)
        >>> reply = Experience(id="e2", namespace="ns", context="I cannot find anything",
        ...                    response="Sorry!", created_at=1714560060)
        >>> print(find_text([Chain(experience=e, led_to=reply, reward=-0.5, score=0.71)]))
        1 matching interaction, best match first:
        1. [2024-05-01] situation "make the menu bigger" -> response "I moved the menu to a
        sidebar" -> led to: "I cannot find anything"; outcome -0.50 (match 0.71)
        >>> find_text([])
        'No matching interactions found.'
    """
    if not chains:
        return "No matching interactions found."
    count = len(chains)
    noun = "interaction" if count == 1 else "interactions"
    lines = [f"{count} matching {noun}, best match first:"]
    for i, chain in enumerate(chains, start=1):
        e = chain.experience
        led = (
            f'"{clip(chain.led_to.context, max_chars)}"' if chain.led_to else "(no reply recorded)"
        )
        outcome = "unrated" if chain.reward is None else f"{chain.reward:+.2f}"
        line = (
            f'{i}. [{_day(e.created_at)}] situation "{clip(e.context, max_chars)}" -> '
            f'response "{clip(e.response, max_chars)}" -> led to: {led}; outcome {outcome}'
        )
        if chain.lesson:
            line += f"; lesson: {clip(chain.lesson, max_chars)}"
        lines.append(f"{line} (match {chain.score:.2f})")
    return "\n".join(lines)


def assessment_text(assessment: Assessment) -> str:
    """An assessment as one short paragraph: the expected reward, how sure, and a reading.

    The reading is "likely to go well" from an expected reward of +0.2, "likely to go badly" to
    -0.2, else "no clear signal"; below a confidence of 0.25 it adds that the evidence is thin.
    With no weighted feedback at all, the estimate is the namespace's average outcome and the
    text says so.

    Example:
        >>> from absmem import Assessment
        >>> a = Assessment(context="pin?", response="Cards > Reset PIN", namespace="ns",
        ...                expected_reward=0.42, confidence=0.55, evidence=3.2, prior=0.1)
        >>> print(assessment_text(a))
        Expected reward +0.42 in [-1, 1]: likely to go well (confidence 0.55; feedback worth
        3.2 ratings on similar past interactions; average outcome so far +0.10).
        >>> print(assessment_text(a.model_copy(update={"evidence": 0.0, "confidence": 0.0})))
        Expected reward +0.42 in [-1, 1]: no rated similar past interaction, so this is only
        the average outcome so far (confidence 0.00).
    """
    reward = f"Expected reward {assessment.expected_reward:+.2f} in [-1, 1]"
    if assessment.evidence <= 0.0:
        return (
            f"{reward}: no rated similar past interaction, so this is only the average "
            f"outcome so far (confidence {assessment.confidence:.2f})."
        )
    if assessment.expected_reward >= CLEAR_REWARD:
        reading = "likely to go well"
    elif assessment.expected_reward <= -CLEAR_REWARD:
        reading = "likely to go badly"
    else:
        reading = "no clear signal"
    if assessment.confidence < LOW_CONFIDENCE:
        reading += ", but the evidence is thin"
    return (
        f"{reward}: {reading} (confidence {assessment.confidence:.2f}; feedback worth "
        f"{assessment.evidence:.1f} ratings on similar past interactions; average outcome so "
        f"far {assessment.prior:+.2f})."
    )


def error_text(tool: str, error: Exception) -> str:
    """What a tool answers an LLM whose arguments were refused: the tool, the argument named
    by ``error`` (an :class:`~absmem.errors.InvalidArgumentError` message) and a way forward.

    Example:
        >>> from absmem.errors import InvalidArgumentError
        >>> print(error_text("absmem_find", InvalidArgumentError("k", "an integer <= 20", 50)))
        Error: absmem_find was not run: k: expected an integer <= 20, got 50. Fix the arguments
        and call it again.
    """
    return f"Error: {tool} was not run: {error}. Fix the arguments and call it again."
