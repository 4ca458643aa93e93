"""The satisfaction world: can ``assess`` tell a response users disliked from one they liked?

Data: the USS dialogues of MultiWOZ and SGD (see :mod:`absmem.bench.uss`), every system turn
rated 1-5 by several annotators. The dialogues of each corpus are split (seeded) 80/20. Every
rated turn of the training dialogues is remembered in one memory (``remember_many``; context =
the user turn before the system response, response = the system turn, session = the dialogue)
and given feedback by experience id: the mean rating as a reward ``(mean - 3) / 2``. Each
held-out turn is then scored by ``AbstractionMemory.assess(context, response)``.

The figure is the AUC of separating dissatisfied held-out turns (mean rating <= 2) from
satisfied ones (mean >= 4), per corpus and overall, for ``assess`` and three baselines measured
in the same run on the same split:

* **global prior**: the mean training reward, a constant (AUC 0.5 by construction);
* **dialogue-act prior**: the mean training reward of the system turn's dialogue act (the
  action column, per corpus; unseen acts get the global mean);
* **kNN vector memory**: the mean training reward of the ``knn_k`` training turns most similar
  by embedding (mean of the context and the response cosine similarities).

Example:
    >>> from absmem.bench.satisfaction import SatisfactionParams
    >>> SatisfactionParams.quick().dialogues, SatisfactionParams.quick().tag
    (100, '-quick')
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..assess import Assessor
from ..embed import Embedder, MiniLMEmbedder, Vectors
from ..memory import AbstractionMemory
from ..store import SQLiteStore
from .report import describe_run, machine, markdown_table, now
from .roc import auc, correlation, plot_roc
from .timing import in_thread
from .uss import Turn, load_uss, reward_of, split_dialogues
from .vectors import PrecomputedEmbedder, VectorCache

__all__ = ["SYSTEMS", "SatisfactionParams", "run_satisfaction", "satisfaction_markdown"]

Progress = Callable[[str], None]

SYSTEMS = {
    "assess": "absmem assess: kernel-weighted feedback of the k nearest experiences, shrunk "
    "toward the namespace prior",
    "knn": "kNN vector memory: mean reward of the knn_k most similar training (context, "
    "response) pairs",
    "act_prior": "dialogue-act prior: mean training reward of the system turn's dialogue act",
    "global_prior": "global prior: mean training reward (a constant)",
}
"""The systems compared, in the report's order, with what each one is."""


@dataclass(frozen=True)
class SatisfactionParams:
    """What the satisfaction world runs; the defaults are the full run.

    Attributes:
        dialogues: dialogues drawn per corpus (seeded); ``None`` takes them all.
        test_fraction: share of each corpus's dialogues held out.
        k: experiences ``assess`` weighs.
        knn_k: neighbours of the kNN baseline.
        temperature: kernel width of :class:`absmem.assess.Assessor`.
        prior_strength: prior weight of :class:`absmem.assess.Assessor`.
        satisfied: mean rating at or above which a held-out turn counts as satisfied.
        dissatisfied: mean rating at or below which it counts as dissatisfied.
        chunk: interactions per ``remember_many`` transaction.
        seed: seeds the draw of dialogues and the split.
        tag: suffix of the figure's file name (``"-quick"`` for the smoke run).
    """

    dialogues: int | None = None
    test_fraction: float = 0.2
    k: int = 50
    knn_k: int = 20
    temperature: float = 0.3
    prior_strength: float = 2.0
    satisfied: float = 4.0
    dissatisfied: float = 2.0
    chunk: int = 512
    seed: int = 0
    tag: str = ""

    @classmethod
    def quick(cls) -> SatisfactionParams:
        """The smoke run: 100 dialogues per corpus."""
        return cls(dialogues=100, tag="-quick")


@dataclass(frozen=True)
class _Split:
    train: list[Turn]
    test: list[Turn]


def _split(dialogues: dict[str, list[list[Turn]]], params: SatisfactionParams) -> _Split:
    train: list[Turn] = []
    test: list[Turn] = []
    for number, rows in enumerate(dialogues.values()):
        rng = np.random.default_rng([params.seed, number])  # one stream per corpus
        chosen = rng.permutation(len(rows))[: params.dialogues or len(rows)]
        train_idx, test_idx = split_dialogues(len(chosen), params.test_fraction, rng)
        train += [turn for i in train_idx for turn in rows[int(chosen[i])]]
        test += [turn for i in test_idx for turn in rows[int(chosen[i])]]
    return _Split(train, test)


def run_satisfaction(
    data: str | Path | None,
    out: Path,
    params: SatisfactionParams,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    command: str = "",
) -> dict[str, Any]:
    """Run the satisfaction world and its baselines; write the ROC figure into ``out``.

    Args:
        data: folder holding ``uss/`` (see :func:`absmem.bench.data.resolve_data_dir`).
        out: results folder: the figure goes there, embeddings are cached in ``<out>/cache/``.
        params: what to run; :meth:`SatisfactionParams.quick` for the smoke run.
        embedder: the model; all-MiniLM-L6-v2 by default.
        progress: called with a line of progress, when given.
        command: the command line recorded with the result.

    Raises:
        absmem.bench.data.BenchDataError: the USS files are absent (the message names them).
    """
    say = progress or (lambda line: None)
    started = time.perf_counter()
    uss = load_uss(data)
    split = _split(uss.dialogues, params)
    say(f"satisfaction: {len(split.train):,} training turns, {len(split.test):,} held out")
    model = embedder or MiniLMEmbedder()
    texts = list(
        dict.fromkeys(t for turn in split.train + split.test for t in (turn.context, turn.response))
    )
    cache = VectorCache(Path(out) / "cache", model, uss.sha256, prefix="uss")
    clock = time.perf_counter()
    vectors = in_thread(cache.vectors, texts, say)
    timings = {"embed_s": time.perf_counter() - clock}
    table = PrecomputedEmbedder(model)
    table.add(texts, vectors)
    scores = {"assess": _assess_scores(split, table, params, timings, say)}
    scores["knn"] = _knn_scores(split, table, params.knn_k)
    scores["act_prior"] = _act_scores(split)
    scores["global_prior"] = np.full(len(split.test), _mean_reward(split.train))
    timings["total_s"] = time.perf_counter() - started
    by_corpus = _evaluate(split, scores, params)
    figure = f"satisfaction-roc{params.tag}.png"
    plot_roc(
        out / figure,
        _curves(split, scores, params),
        "USS held-out turns: dissatisfied "
        f"(mean <= {params.dissatisfied:g}) vs satisfied (mean >= {params.satisfied:g})",
    )
    return {
        "benchmark": "satisfaction",
        "command": command,
        "date": now(),
        "machine": machine(),
        "params": asdict(params),
        "data": {"folder": str(uss.folder), "sha256": uss.sha256, "corpora": list(uss.dialogues)},
        "embedder": model.name,
        "systems": SYSTEMS,
        "results": by_corpus,
        "figures": [figure],
        "timings": {name: round(value, 2) for name, value in timings.items()},
    }


def _assess_scores(
    split: _Split,
    table: PrecomputedEmbedder,
    params: SatisfactionParams,
    timings: dict[str, float],
    say: Progress,
) -> np.ndarray:
    """Fill a fresh memory with the training turns and their ratings; assess every held-out turn."""
    interactions = [
        {
            "context": t.context,
            "response": t.response,
            "session_id": f"{t.corpus}-{t.dialogue}",
            "metadata": {"corpus": t.corpus, "action": t.action, "rating": t.rating},
        }
        for t in split.train
    ]
    with tempfile.TemporaryDirectory(prefix="absmem-satisfaction-") as folder:
        mem = AbstractionMemory(
            SQLiteStore(Path(folder) / "absmem.db"),
            table,
            assessor=Assessor(params.temperature, params.prior_strength),
        )
        try:
            clock = time.perf_counter()
            ids = mem.remember_many(interactions, chunk=params.chunk)
            timings["remember_s"] = time.perf_counter() - clock
            clock = time.perf_counter()
            for exp_id, turn in zip(ids, split.train, strict=True):
                mem.feedback(exp_id, reward=reward_of(turn.rating))
            timings["feedback_s"] = time.perf_counter() - clock
            say(f"  remembered and rated {len(ids):,} turns; assessing {len(split.test):,}")
            clock = time.perf_counter()
            found = [
                mem.assess(t.context, t.response, k=params.k).expected_reward for t in split.test
            ]
            timings["assess_s"] = time.perf_counter() - clock
            timings["assess_ms_per_call"] = 1000 * timings["assess_s"] / max(len(split.test), 1)
        finally:
            mem.close()
    return np.asarray(found, dtype=np.float64)


def _pair_vectors(turns: Sequence[Turn], table: PrecomputedEmbedder) -> tuple[Vectors, Vectors]:
    return (table.embed([t.context for t in turns]), table.embed([t.response for t in turns]))


def _knn_scores(split: _Split, table: PrecomputedEmbedder, k: int) -> np.ndarray:
    """Mean training reward of the ``k`` training turns most similar to each held-out turn."""
    train_c, train_r = _pair_vectors(split.train, table)
    test_c, test_r = _pair_vectors(split.test, table)
    rewards = np.array([reward_of(t.rating) for t in split.train], dtype=np.float64)
    k = min(k, len(split.train))
    out = np.empty(len(split.test), dtype=np.float64)
    for start in range(0, len(split.test), 512):
        stop = start + 512
        sim = (test_c[start:stop] @ train_c.T + test_r[start:stop] @ train_r.T) / 2.0
        nearest = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        out[start:stop] = rewards[nearest].mean(axis=1)
    return out


def _mean_reward(turns: Sequence[Turn]) -> float:
    return float(np.mean([reward_of(t.rating) for t in turns])) if turns else 0.0


def _act_scores(split: _Split) -> np.ndarray:
    """Mean training reward of the held-out turn's (corpus, dialogue act); else the global mean."""
    groups: dict[tuple[str, str], list[Turn]] = {}
    for turn in split.train:
        groups.setdefault((turn.corpus, turn.action), []).append(turn)
    prior = _mean_reward(split.train)
    means = {key: _mean_reward(turns) for key, turns in groups.items()}
    return np.array([means.get((t.corpus, t.action), prior) for t in split.test])


def _groups(split: _Split) -> dict[str, np.ndarray]:
    corpora = list(dict.fromkeys(t.corpus for t in split.train + split.test))
    masks = {c: np.array([t.corpus == c for t in split.test], dtype=bool) for c in corpora}
    return {**masks, "overall": np.ones(len(split.test), dtype=bool)}


def _labels(split: _Split, params: SatisfactionParams) -> tuple[np.ndarray, np.ndarray]:
    """Per held-out turn: whether it is labelled, and whether it is satisfied."""
    ratings = np.array([t.rating for t in split.test], dtype=np.float64)
    satisfied = ratings >= params.satisfied
    return satisfied | (ratings <= params.dissatisfied), satisfied


def _evaluate(
    split: _Split, scores: dict[str, np.ndarray], params: SatisfactionParams
) -> dict[str, Any]:
    labelled, satisfied = _labels(split, params)
    ratings = np.array([t.rating for t in split.test], dtype=np.float64)
    results = {}
    for group, mask in _groups(split).items():
        chosen = mask & labelled
        results[group] = {
            "train_turns": sum(1 for t in split.train if group in ("overall", t.corpus)),
            "test_turns": int(mask.sum()),
            "test_satisfied": int((chosen & satisfied).sum()),
            "test_dissatisfied": int((chosen & ~satisfied).sum()),
            "auc": {name: auc(s[chosen], satisfied[chosen]) for name, s in scores.items()},
            "correlation": {
                name: correlation(s[mask], ratings[mask]) for name, s in scores.items()
            },
        }
    return results


def _curves(
    split: _Split, scores: dict[str, np.ndarray], params: SatisfactionParams
) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    labelled, satisfied = _labels(split, params)
    return {
        group: {
            name: (s[mask & labelled], satisfied[mask & labelled]) for name, s in scores.items()
        }
        for group, mask in _groups(split).items()
    }


def satisfaction_markdown(result: dict[str, Any]) -> str:
    """The docs section of a satisfaction result: run, AUC table, counts, figure."""
    groups = list(result["results"])
    p, t = result["params"], result["timings"]

    def cell(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    auc_rows = [
        [name, *(cell(result["results"][g]["auc"][name]) for g in groups)] for name in SYSTEMS
    ]
    cor_rows = [
        [name, *(cell(result["results"][g]["correlation"][name]) for g in groups)]
        for name in SYSTEMS
    ]
    counts = [
        [
            g,
            f"{r['train_turns']:,}",
            f"{r['test_turns']:,}",
            f"{r['test_satisfied']:,}",
            f"{r['test_dissatisfied']:,}",
        ]
        for g, r in result["results"].items()
    ]
    figure = result["figures"][0]
    return "\n".join(
        [
            describe_run(result),
            "",
            f"AUC, dissatisfied (mean rating <= {p['dissatisfied']:g}) vs satisfied "
            f"(>= {p['satisfied']:g}) held-out turns:",
            "",
            markdown_table(["system", *groups], auc_rows),
            "",
            "Pearson correlation of the score with the mean rating, all held-out turns:",
            "",
            markdown_table(["system", *groups], cor_rows),
            "",
            markdown_table(
                [
                    "corpus",
                    "training turns",
                    "held-out turns",
                    "held-out satisfied",
                    "held-out dissatisfied",
                ],
                counts,
            ),
            "",
            *(f"- **{name}**: {text}." for name, text in result["systems"].items()),
            f"- Split by dialogue, seed {p['seed']}, {p['test_fraction']:.0%} held out"
            + (f", {p['dialogues']} dialogues drawn per corpus" if p["dialogues"] else "")
            + f"; assess k={p['k']}, temperature {p['temperature']:g}, prior strength "
            f"{p['prior_strength']:g}; kNN k={p['knn_k']}; embedder {result['embedder']}.",
            "- assess's k and temperature were chosen on an inner split of the training dialogues "
            "of a quick run (correlation with the rating), never on held-out turns.",
            f"- Time: embedding {t['embed_s']:.1f} s (cached after the first run), remember_many "
            f"{t['remember_s']:.1f} s, feedback {t['feedback_s']:.1f} s, assess "
            f"{t['assess_ms_per_call']:.2f} ms per call; {t['total_s']:.1f} s in all.",
            "",
            f"![ROC curves of every system]({'../results/' + figure})",
        ]
    )
