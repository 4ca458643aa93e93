"""``absmem eval-policy``: off-policy estimates of recall policies from a memory's recall log.

Example:
    >>> from absmem.cli import main
    >>> main(["eval-policy", "--help"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .memory import AbstractionMemory
from .policy import PolicyConfig
from .policy.ope import PolicyEvaluation

__all__ = ["add_eval_policy", "run_eval_policy"]

EPILOG = """examples:
  absmem eval-policy ./my-memory
  absmem eval-policy ./my-memory --namespace support --discount 1.0 --exploration 0.5
  absmem eval-policy ./my-memory --json

Estimates the mean reward in [0, 1] of the first item served, for the serving policy and for a
policy refit on the log with the given settings: IPS, self-normalised IPS and doubly robust,
each with a 95% bootstrap interval, beside what the logged recalls actually earned."""


def add_eval_policy(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``eval-policy`` command to the ``absmem`` parser."""
    parser = commands.add_parser(
        "eval-policy", help="off-policy estimates of recall policies from the recall log",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("path", type=Path, help="the memory's folder (as given to open)")
    parser.add_argument("--namespace", default="default", help="tenant to evaluate")
    defaults = PolicyConfig()
    parser.add_argument("--exploration", type=float, default=defaults.exploration,
                        help="candidate's exploration scale (0: greedy)")  # fmt: skip
    parser.add_argument("--discount", type=float, default=defaults.discount,
                        help="candidate's evidence discount per feedback (1: none)")  # fmt: skip
    parser.add_argument("--prior-precision", type=float, default=defaults.prior_precision,
                        help="candidate's prior precision of the weights")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")


def _as_dict(found: dict[str, PolicyEvaluation]) -> dict[str, Any]:
    return {
        name: {
            "n": ev.n, "effective_sample_size": round(ev.effective_sample_size, 1),
            "logged": [ev.logged.value, ev.logged.low, ev.logged.high],
            **{k: [e.value, e.low, e.high] for k, e in ev.estimates.items()},
        }
        for name, ev in found.items()
    }  # fmt: skip


def run_eval_policy(args: argparse.Namespace) -> int:
    """Open the memory read-mostly, estimate, print; returns the exit status."""
    if not (args.path / "absmem.db").exists():
        print(f"absmem: error: path: expected a memory folder holding absmem.db, got {args.path}",
              file=sys.stderr)  # fmt: skip
        return 2
    config = PolicyConfig(exploration=args.exploration, discount=args.discount,
                          prior_precision=args.prior_precision)  # fmt: skip
    with AbstractionMemory.open(args.path, namespace=args.namespace) as mem:
        found = mem.evaluate_policy(config)
    if args.json:
        print(json.dumps(_as_dict(found), indent=2))
        return 0
    first = next(iter(found.values()))
    logged = first.logged
    print(f"namespace {args.namespace!r}: {first.n} rated recalls; logged reward "
          f"{logged.value:.3f} [{logged.low:.3f}, {logged.high:.3f}]")  # fmt: skip
    print(f"{'policy':<10} {'estimator':<9} {'value':>7}  {'95% interval':<17} {'ESS':>7}")
    for name, ev in found.items():
        for key, e in ev.estimates.items():
            print(f"{name:<10} {key:<9} {e.value:7.3f}  [{e.low:.3f}, {e.high:.3f}]   "
                  f"{ev.effective_sample_size:7.1f}")  # fmt: skip
    return 0
