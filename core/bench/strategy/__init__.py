"""The strategy world: does the memory learn, from feedback alone, which ways of responding work?

Requests are real CLINC150 utterances; an agent answers each with one of six approaches (ask a
clarifying question, step-by-step instructions, a short direct answer, an example, an empathetic
acknowledgement, a hand-off to a human), a hidden seeded table decides how likely each approach is
to satisfy each request, and the +1/-1 outcome goes back to the memory as feedback. The memory
only ever sees text. Baselines (no memory, a recency buffer, a vector memory of outcomes, the
oracle) run on the same stream in the same run.

Modules: :mod:`~.templates` (the approaches' wordings), :mod:`~.world` (requests and the hidden
table), :mod:`~.agent` (the memory agent and the policy protocol), :mod:`~.baselines`,
:mod:`~.loop` (the agent loop), :mod:`~.metrics`, :mod:`~.summary`, :mod:`~.plots`,
:mod:`~.report` and :mod:`~.run`.

Example:
    >>> from absmem.bench.strategy import StrategyParams
    >>> StrategyParams.quick().tag
    '-quick'
"""

from __future__ import annotations

from .report import strategy_markdown
from .run import StrategyParams, run_strategy

__all__ = ["StrategyParams", "run_strategy", "strategy_markdown"]
