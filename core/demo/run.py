"""``absmem demo``: an agent learns from feedback, on the project's own demo world.

A simulated support agent answers a stream of requests in six domains (written for the demo, see
:mod:`absmem.demo.requests`). A hidden table, drawn from the seed, says how likely each way of
responding is to satisfy each request; past 60% of the stream three domains change their taste.
The agent on absmem recalls, follows the advice that memory gives, remembers its answer and
passes the simulated user's thumbs up or down back as feedback. Two systems answer the same
stream in lockstep: no memory (always the default approach) and the oracle (knows the table).

No LLM, no network, no third-party data: the bundled MiniLM, one SQLite file and FAISS.

Example:
    >>> from absmem.demo.run import DemoParams, demo_requests
    >>> stream, held_out = demo_requests(DemoParams(interactions=10))
    >>> len(stream), len(held_out)
    (10, 24)
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..bench.strategy.agent import ApproachDecoder, MemoEmbedder, MemoryAgent, Policy
from ..bench.strategy.baselines import NoMemory, Oracle
from ..bench.strategy.loop import Trace, run_stream
from ..bench.strategy.world import Request, StrategyWorld, request_kind
from ..embed import Embedder, MiniLMEmbedder
from ..memory import AbstractionMemory
from .report import lessons, plot_curves, sparkline_table
from .requests import DOMAINS

__all__ = ["DemoParams", "demo_requests", "run_demo"]


@dataclass(frozen=True)
class DemoParams:
    """Size and seed of a demo run.

    Attributes:
        interactions: requests in the stream (10,000 take about 90 s on 2 idle cores).
        epsilon: the agent's exploration rate.
        seed: seed of the stream, the hidden table and every random choice.
    """

    interactions: int = 10000
    epsilon: float = 0.1
    seed: int = 0


def _request(domain: str, intent: str, text: str) -> Request:
    return Request(text, intent.replace("_", " "), intent, domain, request_kind(intent))


def demo_requests(params: DemoParams) -> tuple[list[Request], list[Request]]:
    """The stream (drawn from all but the last phrasing of each intent) and the held-out ones."""
    train, held_out = [], []
    for domain, intents in DOMAINS.items():
        for intent, texts in intents.items():
            train += [_request(domain, intent, text) for text in texts[:-1]]
            held_out.append(_request(domain, intent, texts[-1]))
    rng = np.random.default_rng([params.seed, 1])
    stream = [train[i] for i in rng.integers(len(train), size=params.interactions)]
    return stream, held_out


class _Bar:
    """A progress bar on a terminal stream, counting the agent's interactions."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.done, self.shown = total, stream, 0, -1

    def step(self) -> None:
        self.done += 1
        percent = 100 * self.done // self.total
        if percent != self.shown:
            self.shown = percent
            filled = "#" * (percent // 4)
            self.stream.write(f"\r  [{filled:<25}] {percent:3d}%  {self.done}/{self.total}")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


class _Counted(MemoryAgent):
    """The memory agent, ticking a progress bar at every interaction it learns from."""

    bar: _Bar | None = None

    def learn(self, request: Request, vector: np.ndarray, choice: Any, response: str,
              reward: float) -> None:  # fmt: skip
        super().learn(request, vector, choice, response, reward)
        if self.bar is not None:
            self.bar.step()


def run_demo(
    folder: Path,
    params: DemoParams | None = None,
    *,
    embedder: Embedder | None = None,
    out: Callable[[str], None] = print,
    bar_stream: TextIO | None = None,
) -> dict[str, Any]:
    """Run the demo with its memory in ``folder`` (created); returns the summary it wrote."""
    params = params or DemoParams()
    folder.mkdir(parents=True, exist_ok=False)
    stream, held_out = demo_requests(params)
    domains = {d: sorted(intents) for d, intents in DOMAINS.items()}
    world = StrategyWorld.build(stream, domains, seed=params.seed)
    memo = MemoEmbedder(embedder or MiniLMEmbedder())
    texts = sorted({r.text for r in stream + held_out})
    memo.add(texts, memo.model.embed(texts))
    decoder = ApproachDecoder(memo, world.approaches).fit(sorted({r.topic for r in stream}))
    vectors = memo.embed([r.text for r in stream])
    out(f"absmem demo: {params.interactions} requests in {len(DOMAINS)} domains; "
        f"memory in {folder}/")  # fmt: skip
    with AbstractionMemory.open(folder / "memory", embedder=memo) as memory:
        agent = _Counted(memory, decoder, default=0, epsilon=params.epsilon, seed=params.seed)
        agent.bar = _Bar(len(stream), bar_stream or sys.stderr)
        policies: list[Policy] = [NoMemory(0), agent, Oracle(world)]
        traces, _ = run_stream(world, policies, vectors, seed=params.seed)
        found = lessons(memory, decoder, world, held_out, len(stream))
        stored = memory.count()
    return _finish(folder, params, world, traces, found, stored, out)


def _finish(
    folder: Path, params: DemoParams, world: StrategyWorld, traces: dict[str, Trace],
    found: list[dict[str, Any]], stored: int, out: Callable[[str], None],
) -> dict[str, Any]:  # fmt: skip
    figure = plot_curves(folder / "learning_curve.png", traces, world.drift_t)
    summary: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "params": asdict(params),
        "mean_success": {name: float(t.success.mean()) for name, t in traces.items()},
        "drift_at": world.drift_t,
        "drifted_domains": list(world.drifted),
        "stored_experiences": stored,
        "lessons": found,
        "figure": figure.name,
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    out("\nSuccess rate over the stream (each column a tenth of it; | marks the drift):")
    out(sparkline_table(traces, world.drift_t))
    out("\nWhat the memory now advises, for a request of each domain it never stored:")
    for lesson in found:
        if lesson["advice"] is None:
            out(f"  {lesson['domain']:<13} \"{lesson['request']}\" -> no advice yet (nothing "
                "similar has clearly worked)")  # fmt: skip
            continue
        mark = "matches" if lesson["matches_hidden_preference"] else "differs from"
        out(f"  {lesson['domain']:<13} \"{lesson['request']}\" -> {lesson['advice']}"
            f" ({mark} what these users prefer now)")  # fmt: skip
    share = {k: f"{v:.0%}" for k, v in summary["mean_success"].items()}
    out(f"\nMean success: {share}; {stored} experiences stored.")
    out(f"Written: {folder / 'memory'}/ (the memory), {figure}, {folder / 'summary.json'}")
    return summary
