"""The LoCoMo result as a figure (grouped bars) and as the docs section (tables).

Example:
    >>> from absmem.bench.locomo.report import headline
    >>> headline({"questions": 3, "recall@10": 0.5, "session_recall@10": 0.75})
    'recall@10 0.500, session_recall@10 0.750'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..report import describe_run, markdown_table

__all__ = ["evidence_note", "headline", "locomo_markdown", "plot_locomo"]


def headline(overall: dict[str, Any]) -> str:
    """One line of a system's ``recall@k`` figures."""
    return ", ".join(f"{name} {value:.3f}" for name, value in overall.items() if "@" in name)


def plot_locomo(systems: dict[str, Any], ks: Sequence[int], path: Path) -> Path:
    """Grouped bars of recall@10 (turns, then sessions) per category for each system; a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = 10 if 10 in ks else max(ks)
    groups = [*next(iter(systems.values()))["by_category"], "all"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    names = list(systems)
    width = 0.8 / len(names)
    for ax, metric in zip(axes, (f"recall@{k}", f"session_recall@{k}"), strict=True):
        for i, name in enumerate(names):
            cats = {**systems[name]["by_category"], "all": systems[name]["overall"]}
            values = [cats[g][metric] for g in groups]
            x = np.arange(len(groups)) + (i - (len(names) - 1) / 2) * width
            ax.bar(x, values, width, label=name)
        ax.set_xticks(np.arange(len(groups)), groups)
        ax.set_title(("evidence turns" if metric.startswith("recall") else "evidence sessions")
                     + f" recall@{k}")  # fmt: skip
        ax.set_ylim(0, 1)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(f"recall@{k}")
    axes[0].legend()
    fig.suptitle("LoCoMo: retrieving the turns that answer a question")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def locomo_markdown(result: dict[str, Any]) -> str:
    """The docs section of a LoCoMo result: run, data, tables of every system, the figure."""
    ks = result["params"]["ks"]
    k = 10 if 10 in ks else max(ks)
    systems = result["systems"]
    overall = markdown_table(
        ["system", *(f"recall@{n}" for n in ks), *(f"session recall@{n}" for n in ks),
         "ms per question"],
        [[name, *(f"{s['overall'][f'recall@{n}']:.3f}" for n in ks),
          *(f"{s['overall'][f'session_recall@{n}']:.3f}" for n in ks), _ms(s["timing"])]
         for name, s in systems.items()],
    )  # fmt: skip
    first = next(iter(systems.values()))
    cats = first["by_category"]
    header = ["system", *(f"{c} ({v['questions']})" for c, v in cats.items()), "all"]

    def per_category(metric: str) -> str:
        return markdown_table(header, [
            [name, *(f"{s['by_category'][c][metric]:.3f}" for c in cats),
             f"{s['overall'][metric]:.3f}"]
            for name, s in systems.items()
        ])  # fmt: skip

    d, ev = result["data"], result["data"]["evidence"]
    return "\n".join([
        describe_run(result), "",
        f"{len(d['conversations'])} conversations, {d['sessions']} sessions, {d['turns']:,} "
        f"turns; {first['overall']['questions']:,} questions with evidence (of "
        f"{ev.get('questions', 0):,}). Each turn is one experience: context "
        f"{result['memory']['context']}, response the fixed marker \"{result['memory']['response']}"
        f"\", session date {result['memory']['date']}; one namespace per conversation.",
        "", evidence_note(ev),
        "", f"absmem ranks with {result['memory']['ranker']} (similarity blended with feedback "
        "statistics; no feedback is given here). dense: exact cosine over the same "
        f"{result['embedder']['name']} vectors. bm25: Okapi BM25 (k1="
        f"{result['params']['bm25_k1']}, b={result['params']['bm25_b']}) over the same texts. "
        "Times exclude embedding (vectors precomputed); absmem's is the whole recall verb "
        "(candidate search, ranking, the recall logged to SQLite), the baselines' the search, "
        "a peer's its search call (the peers of `absmem bench perf`, one per conversation, "
        "embedding through the same vectors).",
        *_unavailable(result.get("unavailable", {})),
        "", overall, "", f"Evidence turns, recall@{k} per category (questions):", "",
        per_category(f"recall@{k}"), "", f"Evidence sessions, recall@{k} per category:", "",
        per_category(f"session_recall@{k}"), "",
        *(f"![LoCoMo recall@{k} per category](../results/{f})" for f in result["figures"]),
    ])  # fmt: skip


def _unavailable(reasons: dict[str, str]) -> list[str]:
    return ["", *(f"Not run: {key}: {why}." for key, why in reasons.items())] if reasons else []


def _ms(timing: dict[str, Any]) -> str:
    if "query" in timing:
        return f"{timing['query']['mean_ms']:.2f}"
    return f"{timing['mean_ms_per_question']:.2f}"


_FIXES = (
    ("split", "entries holding several ids split on ';' or spaces"),
    ("colon_fixed", 'ids "D:x:y" read as "Dx:y"'),
    ("zeros_stripped", "ids with leading zeros stripped"),
    ("dropped_unknown", "well-formed ids naming no turn dropped"),
    ("dropped_malformed", "malformed ids dropped"),
    ("duplicates", "repeated ids kept once"),
    ("questions_without_evidence", "questions left without evidence skipped"),
)


def evidence_note(counts: dict[str, int]) -> str:
    """What normalising the evidence ids did, from the counts of :func:`normalise_evidence`.

    Example:
        >>> evidence_note({"split": 1, "dropped_unknown": 2}).split("; ")[:2]
        ["Evidence ids: entries holding several ids split on ';' or spaces: 1",
         'ids "D:x:y" read as "Dx:y": 0']
    """
    parts = [f"{text}: {counts.get(key, 0)}" for key, text in _FIXES]
    return "Evidence ids: " + "; ".join(parts) + "."
