"""One process of ``absmem bench load``: mixed verbs on a shared store until a deadline.

Run as ``python -m absmem.bench.load_worker CONFIG_JSON`` (the load benchmark and the crash tests
start it that way, so that it can be killed like any process). It opens the memory named in the
config, then loops over seeded random verbs (remember, recall, feedback, consolidate) until the
deadline. After each call *returns*, it appends one JSON line to the acknowledgement file and
flushes it: what the memory acknowledged, which the consistency check later demands is stored.
At the end it writes a summary (latencies per verb, errors) and exits 0.

Example:
    >>> from absmem.bench.load_worker import WorkerConfig, verb_of
    >>> import random
    >>> config = WorkerConfig(index=0, target="/tmp/x", seconds=1.0, acks="a", summary="s")
    >>> sorted(config.mix)
    ['consolidate', 'feedback', 'recall', 'remember']
    >>> verb_of(random.Random(0), {"remember": 1.0, "recall": 0.0})
    'remember'
"""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from ..embed import Embedder, HashEmbedder, MiniLMEmbedder
from ..memory import AbstractionMemory
from ..store import SQLiteStore

__all__ = [
    "MIX",
    "TOPICS",
    "WorkerConfig",
    "WorkerLoop",
    "main",
    "open_target",
    "run_worker",
    "verb_of",
]

logger = logging.getLogger(__name__)

TOPICS = (
    "reset my password", "refund a late order", "book a table for two", "cancel a subscription",
    "update the shipping address", "report a broken screen", "change the billing plan",
    "find a vegetarian recipe", "plan a weekend trip", "fix a failing build",
    "explain a tax form", "move a meeting", "track a parcel", "learn a new language",
    "choose a laptop", "write a cover letter",
)  # fmt: skip
"""Situations the workers remember and recall about."""

APPROACHES = ("step by step", "a short answer", "ask a question first", "a checklist")

MIX = {"remember": 0.45, "recall": 0.35, "feedback": 0.198, "consolidate": 0.002}
"""The default weights of the verbs: a consolidation (seconds, with GNN training) per 500 calls."""


@dataclass(frozen=True)
class WorkerConfig:
    """What one worker process does.

    Attributes:
        index: the worker's number (its seed stream and its users).
        target: the store: a folder for SQLite, a ``postgresql://`` DSN for PostgreSQL.
        seconds: how long to run.
        acks: the acknowledgement file (JSON lines).
        summary: where the end-of-run summary goes (JSON).
        seed: the run's seed.
        mix: relative weights of the verbs.
        namespaces: tenants the verbs spread over.
        users: users per worker.
        embedder: ``"hash"`` (:class:`~absmem.embed.HashEmbedder`, 64 dimensions) or ``"minilm"``.
    """

    index: int
    target: str
    seconds: float
    acks: str
    summary: str
    seed: int = 0
    mix: dict[str, float] = field(default_factory=lambda: dict(MIX))
    namespaces: int = 2
    users: int = 5
    embedder: str = "hash"


def verb_of(rng: random.Random, mix: dict[str, float]) -> str:
    """Draw a verb with probability proportional to its weight in ``mix``."""
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def make_embedder(name: str) -> Embedder:
    """``"hash"`` or ``"minilm"``."""
    if name == "minilm":
        return MiniLMEmbedder()
    return HashEmbedder(dim=64)


def open_target(target: str, embedder: Embedder) -> AbstractionMemory:
    """Open the memory on ``target``: a SQLite folder, or a PostgreSQL DSN (no index files)."""
    if target.startswith(("postgresql://", "postgres://")):
        from ..store import postgres

        return AbstractionMemory(postgres.PostgresStore(target), embedder, index_dir=None)
    folder = Path(target)
    return AbstractionMemory(
        SQLiteStore(folder / "absmem.db"), embedder, index_dir=folder / "index"
    )


class WorkerLoop:
    """One worker's loop state: the memory, its seeded stream, acknowledgements and timings.

    :meth:`step` makes one seeded random call and, once it returned, writes its acknowledgement
    to ``acks``; a failure goes to :attr:`errors` instead. Threads may each run a loop on one
    shared memory (the thread-safety tests do).
    """

    def __init__(self, config: WorkerConfig, mem: AbstractionMemory, acks: IO[str]) -> None:
        self.config = config
        self.mem = mem
        self.acks = acks
        self.rng = random.Random(f"{config.seed}-{config.index}")
        self.recalls: dict[str, list[str]] = {}
        self.latencies: dict[str, list[float]] = {verb: [] for verb in config.mix}
        self.errors: list[dict[str, str]] = []

    def _ack(self, record: dict[str, Any]) -> None:
        self.acks.write(json.dumps(record) + "\n")
        self.acks.flush()

    def step(self) -> None:
        """One call: draw a verb, a namespace, a user and a topic; call; acknowledge or record."""
        verb = verb_of(self.rng, self.config.mix)
        namespace = f"tenant-{self.rng.randrange(self.config.namespaces)}"
        user = f"w{self.config.index}-u{self.rng.randrange(self.config.users)}"
        topic = self.rng.choice(TOPICS)
        if verb == "feedback" and not self.recalls.get(namespace):
            verb = "recall"
        start = time.perf_counter()
        try:
            record = self._call(verb, namespace, user, topic)
        except Exception as err:  # every failure is a finding of the run
            self.errors.append({"verb": verb, "type": type(err).__name__, "message": str(err)})
            logger.warning("%s failed: %s: %s", verb, type(err).__name__, err)
            return
        self.latencies[verb].append(time.perf_counter() - start)
        self._ack({"verb": verb, "namespace": namespace, **record})

    def _call(self, verb: str, namespace: str, user: str, topic: str) -> dict[str, Any]:
        mem, rng = self.mem, self.rng
        if verb == "remember":
            session = f"{user}-s{rng.randrange(3)}"
            context = f"{user} asks to {topic} (#{rng.randrange(10**9)})"
            response = f"{rng.choice(APPROACHES)}: how to {topic}"
            eid = mem.remember(context, response, user_id=user, session_id=session,
                               namespace=namespace)  # fmt: skip
            return {"id": eid}
        if verb == "recall":
            recall = mem.recall(f"how do I {topic}", k=5, user_id=user, namespace=namespace)
            kept = self.recalls.setdefault(namespace, [])
            kept.append(recall.id)
            del kept[:-50]
            return {"id": recall.id}
        if verb == "feedback":
            target = rng.choice(self.recalls[namespace])
            given = mem.feedback(target, rng.choice((1.0, -1.0, 0.5)), namespace=namespace)
            return {"id": given.id, "target": target}
        report = mem.consolidate(namespace=namespace)
        return {"experiences": report.experiences, "abstractions": report.abstractions}


def run_worker(config: WorkerConfig) -> dict[str, Any]:
    """Run the loop until the deadline; return (and write) the summary."""
    mem = open_target(config.target, make_embedder(config.embedder))
    deadline = time.monotonic() + config.seconds
    with open(config.acks, "a", encoding="utf-8") as acks:
        run = WorkerLoop(config, mem, acks)
        try:
            while time.monotonic() < deadline:
                run.step()
        finally:
            mem.close()
    summary = {"config": asdict(config), "latencies": run.latencies, "errors": run.errors}
    Path(config.summary).write_text(json.dumps(summary), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m absmem.bench.load_worker CONFIG_JSON``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m absmem.bench.load_worker CONFIG_JSON\n")
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    run_worker(WorkerConfig(**json.loads(args[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
