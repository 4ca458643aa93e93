"""``run_strategy``: the strategy world on CLINC150, the memory agent against its baselines.

The stream is drawn from CLINC150's train split (``params.interactions`` distinct utterances of
the 150 in-scope intents); held-out evaluation uses test-split utterances the memory never stored.
Every utterance is embedded once (cached under ``<out>/cache/``) and served to the memory, the
vector-memory baseline and the agent from the same table; responses are embedded by the memory's
embedder once each and remembered for the agent's advice matching.

Example:
    >>> from absmem.bench.strategy.run import StrategyParams
    >>> StrategyParams.quick().interactions, StrategyParams().interactions
    (500, 4000)
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...consolidate import ConsolidateConfig
from ...embed import Embedder, MiniLMEmbedder
from ...forgetting import ForgettingConfig
from ...memory import AbstractionMemory
from ...policy import BetaBlendRanker, LinearThompsonRanker, PolicyConfig
from ..data import BenchDataError, Clinc150, load_clinc150
from ..report import machine, now
from ..timing import in_thread, load_average
from ..vectors import VectorCache
from .agent import ApproachDecoder, MemoEmbedder, MemoryAgent, Policy
from .baselines import NoMemory, Oracle, RecencyBuffer, VectorMemory
from .loop import Trace, run_stream
from .params import StrategyParams
from .plots import plot_strategy
from .summary import summarise_run
from .world import KINDS, Request, StrategyWorld, TableParams, request_kind, topic_of

FORGETTING = "absmem + forgetting"
"""Name of the memory agent whose absorbed episodes are compacted (a 20% episode budget)."""
NO_POLICY = "absmem, no policy"
"""The memory agent on the fixed blend (GNN-scored recall, no learned policy)."""
GREEDY = "absmem, epsilon-greedy"
"""The memory agent on the learned policy with its own exploration off (the agent's epsilon
still explores): an epsilon-greedy policy over the same learned scores."""

__all__ = ["FORGETTING", "GREEDY", "NO_POLICY", "StrategyParams", "run_strategy"]

Progress = Callable[[str], None]


def _requests(pairs: list[tuple[str, str]], domain_of: dict[str, str]) -> list[Request]:
    seen: dict[str, Request] = {}
    for text, intent in pairs:
        if intent in domain_of and text not in seen:
            kind = request_kind(intent)
            seen[text] = Request(text, topic_of(intent), intent, domain_of[intent], kind)
    return list(seen.values())


def build_requests(clinc: Clinc150, params: StrategyParams) -> tuple[list[Request], list[Request]]:
    """The stream (train split) and the held-out requests (test split), seeded."""
    if not clinc.domains:
        raise BenchDataError(
            f"CLINC150 domains not found: looked for {clinc.path.parent / 'domains.json'}"
        )
    domain_of = {i: d for d, intents in clinc.domains.items() for i in intents}
    pool = _requests(clinc.splits.get("train", []), domain_of)
    held = _requests(clinc.splits.get("test", []), domain_of)
    rng = np.random.default_rng([params.seed, 1])
    if len(pool) < params.interactions:
        raise BenchDataError(
            f"{clinc.path}: {len(pool)} train utterances, {params.interactions} needed"
        )
    stream = [pool[i] for i in rng.choice(len(pool), params.interactions, replace=False)]
    chosen = rng.choice(len(held), min(params.eval_size, len(held)), replace=False)
    return stream, [held[i] for i in sorted(chosen)]


def _responses(
    clinc: Clinc150, world: StrategyWorld, out: Path, model: Embedder, say: Progress
) -> tuple[list[str], list[str], np.ndarray]:
    """Every response the world can give (each template filled for each intent), embedded once.

    Embedded in batches and cached like the utterances (under a digest of the data and the
    templates), so the memory never runs the model inside the stream.
    """
    topics = sorted({r.topic for r in world.requests} | {topic_of(i) for i in world.preference})
    texts = [
        t.format(topic=topic) for a in world.approaches for t in a.templates for topic in topics
    ]
    wordings = json.dumps([[a.name, list(a.templates)] for a in world.approaches])
    digest = hashlib.sha256((clinc.sha256 + wordings).encode()).hexdigest()
    cache = VectorCache(out / "cache", model, digest, prefix="strategy-responses")
    return topics, texts, in_thread(cache.vectors, texts, say)


@dataclass
class _Setup:
    """Everything a run needs before the stream starts."""

    clinc: Clinc150
    model: Embedder
    world: StrategyWorld
    held_out: list[Request]
    vectors: np.ndarray
    memo: MemoEmbedder
    decoder: ApproachDecoder
    accuracy: float


def _prepare(
    data: str | Path | None, out: Path, params: StrategyParams, embedder: Embedder | None,
    say: Progress,
) -> _Setup:  # fmt: skip
    clinc = load_clinc150(data)
    stream, held_out = build_requests(clinc, params)
    model = embedder or MiniLMEmbedder()
    cache = VectorCache(Path(out) / "cache", model, clinc.sha256)
    texts = [r.text for r in stream] + [r.text for r in held_out]
    # The bench's own embedding runs on short-lived threads: see absmem.bench.timing.
    vectors = in_thread(cache.vectors, texts, say)
    memo = MemoEmbedder(model)
    memo.add(texts, vectors)
    world = StrategyWorld.build(stream, clinc.domains, seed=params.seed, drift_at=params.drift_at)
    topics, responses, response_vectors = _responses(clinc, world, out, model, say)
    memo.add(responses, response_vectors)
    decoder = ApproachDecoder(memo, world.approaches).fit(topics)
    accuracy = decoder.accuracy(topics)
    return _Setup(clinc, model, world, held_out, vectors, memo, decoder, accuracy)


def _play(
    setup: _Setup, params: StrategyParams, say: Progress
) -> tuple[dict[str, Trace], list[dict[str, Any]], dict[str, Any]]:
    """Run the memory agent and the baselines over the stream, with a memory in a temp folder."""
    world = setup.world
    names = [a.name for a in world.approaches]
    default, n, stream = names.index(params.default_approach), len(names), len(world.requests)
    marks = np.linspace(0, stream, params.checkpoints + 1).round().astype(int).tolist()
    budget = int(params.forgetting_budget * stream)
    forgetting = ConsolidateConfig(forgetting=ForgettingConfig(episode_budget=budget))
    variants: dict[str, dict[str, Any]] = {
        "absmem": {"ranker": LinearThompsonRanker(PolicyConfig(seed=params.seed))},
        NO_POLICY: {"ranker": BetaBlendRanker(seed=params.seed)},
        GREEDY: {"ranker": LinearThompsonRanker(PolicyConfig(exploration=0.0))},
        FORGETTING: {"ranker": LinearThompsonRanker(PolicyConfig(seed=params.seed)),
                     "consolidation": forgetting},
    }  # fmt: skip
    with ExitStack() as stack:
        agents: dict[str, MemoryAgent] = {}
        for name in variants if params.variants else ["absmem"]:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="absmem-strategy-"))
            mem = stack.enter_context(
                AbstractionMemory.open(folder, embedder=setup.memo, **variants[name])
            )
            agents[name] = MemoryAgent(
                mem, setup.decoder, default=default, epsilon=params.epsilon, k=params.k,
                seed=params.seed, consolidate_every=params.consolidate_every, name=name,
            )  # fmt: skip
        agent, memory = agents["absmem"], agents["absmem"].memory
        policies: list[Policy] = [
            *agents.values(),
            VectorMemory(n, default, params.epsilon, params.vector_k, params.seed),
            RecencyBuffer(
                n,
                default,
                params.epsilon,
                params.recency_size,
                params.recency_threshold,
                params.seed,
            ),
            NoMemory(default),
            Oracle(world),
        ]
        traces, checkpoints = run_stream(
            world, policies, setup.vectors[:stream], seed=params.seed, checkpoints=marks,
            eval_requests=setup.held_out, eval_vectors=setup.vectors[stream:], progress=say,
        )  # fmt: skip
        info = {
            "consolidation": f"ran {agent.consolidations_} times"
            if agent.can_consolidate
            else "not available",
            "followed_advice": agent.followed_advice_,
            "responses_embedded": setup.memo.computed,
            "memory_count": memory.count(),
            "policies": {name: repr(variants[name]["ranker"]) for name in agents},
        }
        if FORGETTING in agents:
            lean = agents[FORGETTING].memory
            info["forgetting"] = {
                "episode_budget": budget,
                "experiences": lean.count(),
                "full_episodes": lean.count(episodes=True),
                "full_share": round(lean.count(episodes=True) / max(stream, 1), 4),
            }
    return traces, checkpoints, info


def run_strategy(
    data: str | Path | None,
    out: Path,
    params: StrategyParams,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    command: str = "",
) -> dict[str, Any]:
    """Run the strategy world and its baselines; write the figures into ``out``; return the result.

    Raises:
        BenchDataError: CLINC150 (or its ``domains.json``) is not in the data folder.
    """
    say = progress or (lambda line: None)
    load_before = load_average()
    started = time.perf_counter()
    setup = _prepare(data, Path(out), params, embedder, say)
    world = setup.world
    prepared = time.perf_counter() - started
    say(f"strategy: {len(world.requests)} interactions, drift at {world.drift_t} in "
        f"{', '.join(world.drifted)}; advice decoding accuracy {setup.accuracy:.3f}")  # fmt: skip
    traces, checkpoints, info = _play(setup, params, say)
    summary = summarise_run(world, traces, checkpoints, params)
    figures = plot_strategy(world, traces, checkpoints, params, Path(out))
    return {
        "benchmark": "strategy",
        "command": command,
        "date": now(),
        "machine": machine(),
        "load_average": {"start": load_before, "end": load_average()},
        "params": asdict(params),
        "data": {"path": str(setup.clinc.path), "sha256": setup.clinc.sha256},
        "embedder": setup.model.name,
        "world": _describe(world, setup.held_out, setup.accuracy),
        "absmem": info,
        "figures": figures,
        "seconds_preparing": round(prepared, 1),
        **summary,
    }


def _describe(world: StrategyWorld, held_out: list[Request], accuracy: float) -> dict[str, Any]:
    kinds = {k: sum(1 for p in world.preference if request_kind(p) == k) for k in KINDS}
    overrides = sum(1 for p in world.preference.values() if p["override"] == "yes")
    return {
        "approaches": {a.name: len(a.templates) for a in world.approaches},
        "intents": len(world.preference),
        "intents_per_kind": kinds,
        "overriding_intents": overrides,
        "table": asdict(TableParams()),
        "drift_t": world.drift_t,
        "drifted_domains": list(world.drifted),
        "domain_preference": world.domain_preference,
        "held_out_requests": len(held_out),
        "advice_decoding_accuracy": round(accuracy, 4),
    }
