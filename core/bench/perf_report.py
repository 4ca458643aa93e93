"""The report of ``absmem bench perf``: the docs table, the targets, and the plots.

Example:
    >>> from absmem.bench.perf_report import perf_markdown
    >>> from absmem.bench.report import machine
    >>> row = {"system": "mem0", "size": 10, "status": "unavailable", "reason": "not installed"}
    >>> text = perf_markdown({"rows": [row], "targets": {}, "command": "absmem bench perf",
    ...                       "date": "2026-11-24", "machine": machine()})
    >>> "| 10 | mem0 | unavailable: not installed |" in text
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .report import describe_run, latency_cell, markdown_table

__all__ = ["perf_markdown", "perf_plot"]

_MET = {True: "met", False: "**not met**"}


def _row(r: Mapping[str, Any]) -> list[str]:
    if r.get("status") != "ok":
        return [f"{r['size']:,}", r["system"], f"{r.get('status')}: {r.get('reason', '')}",
                *["-"] * 8]  # fmt: skip
    bulk = r.get("bulk_real_embedder")
    return [
        f"{r['size']:,}",
        r["system"],
        f"{r['fill']['per_second']:,.0f}",
        latency_cell(r, "remember", "precomputed"),
        latency_cell(r, "recall", "precomputed"),
        latency_cell(r, "remember", "real_embedder"),
        latency_cell(r, "recall", "real_embedder"),
        f"{r['rss_mb']:,.0f} (+{r.get('rss_growth_mb', 0):,.0f})",
        f"{r['disk_bytes_per_experience']:,.0f}",
        "-" if bulk is None else f"{bulk['ratio']:.2f}",
        "-" if "cold_open_seconds" not in r else f"{r['cold_open_seconds']:.2f}",
    ]


def perf_markdown(result: Mapping[str, Any]) -> str:
    """The docs section of a perf result: run description, one table, the targets."""
    header = ["store size", "system", "bulk ingest /s, precomputed",
              "remember p50 / p99 ms, precomputed", "recall p50 / p99 ms, precomputed",
              "remember p50 / p99 ms, embedder", "recall p50 / p99 ms, embedder",
              "resident MB (growth)", "disk B / experience",
              "bulk with embedder / embedder alone", "cold open s"]  # fmt: skip
    lines = [describe_run(result), "", markdown_table(header, [_row(r) for r in result["rows"]])]
    consolidated = [r for r in result["rows"] if "consolidate_seconds" in r]
    if consolidated:
        times = ", ".join(
            f"{r['consolidate_seconds']:.1f} s at {r['size']:,}" for r in consolidated
        )
        lines += ["", f"absmem `consolidate`: {times}."]
    lines += _target_lines(result.get("targets", {}), result["rows"])
    lines += _profile_lines(result["rows"])
    return "\n".join(lines)


def _profile_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Where absmem's time goes, on its largest profiled store."""
    profiled = [r for r in rows if r["system"] == "absmem" and "profile" in r]
    if not profiled:
        return []
    row = max(profiled, key=lambda r: r["size"])
    lines = ["", f"Where the time goes in absmem at {row['size']:,} (cProfile on the memory's "
             "worker thread, precomputed vectors; own time per group, then the top functions):",
             ""]  # fmt: skip
    for verb in ("recall", "remember"):
        p = row["profile"][verb]
        groups = ", ".join(f"{g} {share:.0%}" for g, share in p["groups"].items() if share >= 0.01)
        top = "; ".join(f"`{t['function']}` {t['share']:.0%}" for t in p["top"][:5])
        lines.append(f"- `{verb}` ({p['ms_per_call']:.2f} ms per call under the profiler): "
                     f"{groups}. Top: {top}.")  # fmt: skip
    return lines


def _ratio_line(ratio: float | None) -> str:
    head = "- remember p50 within 1.3x of the smallest store's: "
    if ratio is None:
        return head + "not measured (one store size in this run)."
    return head + f"{_MET[ratio <= 1.3]} ({ratio:.2f}x)."


def _target_lines(t: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> list[str]:
    if not t:
        return []
    size = t["largest_size"]
    alone = next(r["embed_alone"]["p50_ms"] for r in rows
                 if r["system"] == "absmem" and r["size"] == size)  # fmt: skip
    lines = [
        "",
        f"Targets, on absmem's largest store ({size:,}); the issue defines them at 1M:",
        f"- recall p50 with the query embedding excluded under 5 ms: "
        f"{_MET[t['recall_p50_under_5ms']]} ({t['recall_p50_ms_embedding_excluded']:.2f} ms).",
        f"- whole recall under 1.5x the query embedding alone ({alone:.2f} ms): "
        f"{_MET[t['recall_real_over_embedding_alone'] < 1.5]} "
        f"({t['recall_real_over_embedding_alone']:.2f}x).",
        _ratio_line(t["remember_p50_ratio_largest_to_smallest"]),
        f"- bulk ingest with precomputed vectors at least 5,000/s: "
        f"{_MET[t['bulk_precomputed_at_least_5000']]} ({t['bulk_precomputed_per_second']:,.0f}/s).",
        f"- bulk ingest with the embedder within 10% of the embedder alone: "
        f"{_MET[t['bulk_real_within_10_percent']]} ({t['bulk_real_ratio']:.2f}x).",
        f"- resident memory under 3 GB: {_MET[t['rss_under_3_gb']]} "
        f"({t['rss_mb_largest']:,.0f} MB: the process with the model, before the benchmark's "
        "workload, plus its growth while the memory filled).",
    ]  # fmt: skip
    for peer, faster in t.get("recall_faster_than_peer", {}).items():
        lines.append(f"- recall faster than {peer.replace('@', ' at ')}: {_MET[faster]}.")
    return lines


def perf_plot(result: Mapping[str, Any], path: Path) -> Path:
    """Four panels against store size (log-log), one line per system: bulk ingest, remember
    and recall p50 (precomputed), resident memory. Written as PNG to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels: tuple[tuple[str, Callable[[Mapping[str, Any]], float]], ...] = (
              ("bulk ingest /s", lambda r: r["fill"]["per_second"]),
              ("remember p50 ms", lambda r: r["remember"]["precomputed"]["p50_ms"]),
              ("recall p50 ms (embedding excluded)",
               lambda r: r["recall"]["precomputed"]["p50_ms"]),
              ("resident MB", lambda r: r["rss_mb"]))  # fmt: skip
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    systems = dict.fromkeys(r["system"] for r in result["rows"])
    for ax, (title, value) in zip(axes.ravel(), panels, strict=True):
        for system in systems:
            ok = sorted((r for r in result["rows"] if r["system"] == system
                         and r.get("status") == "ok"), key=lambda r: r["size"])  # fmt: skip
            if ok:
                ax.plot([r["size"] for r in ok], [value(r) for r in ok], marker="o", label=system)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("experiences stored")
        ax.grid(True, which="both", alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
