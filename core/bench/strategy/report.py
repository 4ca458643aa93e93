"""``strategy_markdown``: the docs section of a strategy result.

Example:
    >>> from absmem.bench.strategy.report import fmt
    >>> fmt(0.12345), fmt(None), fmt(7)
    ('0.123', 'n/a', '7')
"""

from __future__ import annotations

from typing import Any

from ..report import describe_run, markdown_table

__all__ = ["fmt", "strategy_markdown"]


def fmt(value: object, digits: int = 3) -> str:
    """A table cell: floats to ``digits`` decimals, ``None`` as ``n/a``."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _reached(value: int | None) -> str:
    return "not reached" if value is None else f"{value:,}"


def _system_rows(result: dict[str, Any]) -> list[list[str]]:
    rows = []
    for name, s in result["systems"].items():
        held = s["held_out_vs_oracle"]
        rows.append([
            name,
            fmt(s["success_rate"]),
            fmt(s["expected_reward"]),
            fmt(s["normalised_gain"]),
            fmt(s["normalised_gain_before_drift"]),
            fmt(s["normalised_gain_end"]),
            fmt(held[-1] if held else None),
            fmt(s["drifted_domains_vs_oracle_before_drift"]),
            _reached(s["recovery_interactions"]),
            _reached(s["recovery_to_own_level"]),
            fmt(s.get("regret"), 1),
            fmt(s["nodes_per_interaction"]),
            fmt(s["ms_per_interaction"], 2),
        ])  # fmt: skip
    return rows


def strategy_markdown(result: dict[str, Any]) -> str:
    """The docs section: run description, the systems' table, held-out checkpoints, figures."""
    p, w = result["params"], result["world"]
    header = [
        "system", "success rate", "expected reward", "normalised gain", "gain before drift",
        "gain at end", "held-out / oracle (end)", "drifted domains / oracle before drift",
        "interactions to 90% of oracle after drift",
        "interactions back to own pre-drift level", "regret", "nodes per interaction",
        "ms per interaction",
    ]  # fmt: skip
    names = list(result["systems"])
    marks = [[str(c["t"])] + [fmt(c["vs_oracle"][n]) for n in names]
             for c in result["checkpoints"]]  # fmt: skip
    lines = [
        describe_run(result),
        "",
        f"{p['interactions']:,} CLINC150 train utterances as requests ({w['intents']} intents, "
        f"10 domains), {len(w['approaches'])} approaches with "
        f"{min(w['approaches'].values())} templates each; three domains "
        f"({', '.join(w['drifted_domains'])}) change their preferred approach at interaction "
        f"{w['drift_t']:,}. Held-out: {w['held_out_requests']} test utterances never stored. "
        f"Seed {p['seed']}; exploration epsilon {p['epsilon']} for every learning system. "
        f"Embedder: {result['embedder']}; advice-to-approach decoding accuracy "
        f"{w['advice_decoding_accuracy']:.3f}. Consolidation: {result['absmem']['consolidation']}.",
        *_forgetting_line(result),
        "",
        markdown_table(header, _system_rows(result)),
        "",
        "Gains are `(R - R_none) / (R_oracle - R_none)` on expected rewards (the hidden success "
        "probability of each choice); 'before drift' and 'at end' are the last 20% of the stream "
        f"before the drift and of the whole stream. Recovery: interactions after the drift until "
        f"the last {p['recovery_window']} drifted-domain requests reach 90% of the oracle's "
        "expected reward (the oracle's own figure is the shortest possible); 'own pre-drift "
        "level': until they are back at the system's own ratio to the oracle on those domains "
        "just before the drift. Regret: the oracle's expected reward minus the system's, summed "
        "over the stream (lower is better; its curve is the third figure).",
        "",
        "Held-out expected reward relative to the oracle, by interactions seen:",
        "",
        markdown_table(["interactions", *names], marks),
        "",
    ]
    lines += [f"![strategy: {f}](../results/{f})" for f in result["figures"]]
    return "\n".join(lines)


def _forgetting_line(result: dict[str, Any]) -> list[str]:
    """What the forgetting variant kept, when the run had one."""
    lean = result["absmem"].get("forgetting")
    if not lean:
        return []
    return [
        f"'absmem + forgetting' compacts absorbed episodes past a budget of "
        f"{lean['episode_budget']:,} full episodes: at the end it kept {lean['full_episodes']:,} "
        f"of {lean['experiences']:,} interactions as full episodes "
        f"({100 * lean['full_share']:.1f}%); its 'nodes per interaction' counts those."
    ]
