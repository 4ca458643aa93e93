"""``absmem eval-policy``: off-policy estimates of recall policies from a memory's recall log.

Example:
    >>> from absmem.cli import main
    >>> main(["eval-policy", "/no/such/memory"])  # refused: no memory there
    2
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_args import EXAMPLES, Verbose, add_command, number, start
from .cli_console import print_table, spinner
from .errors import InvalidArgumentError
from .memory import AbstractionMemory
from .policy import PolicyConfig
from .policy.ope import PolicyEvaluation

__all__ = ["EPILOG", "add_eval_policy"]

EPILOG = f"""{EXAMPLES}
  absmem eval-policy ./my-memory
  absmem eval-policy ./my-memory --namespace support --discount 1.0
  absmem eval-policy ./my-memory --exploration 0.5 --json"""
"""The examples of ``absmem eval-policy --help``."""

_DEFAULTS = PolicyConfig()


def _as_dict(found: dict[str, PolicyEvaluation]) -> dict[str, Any]:
    return {
        name: {
            "n": ev.n, "effective_sample_size": round(ev.effective_sample_size, 1),
            "logged": [ev.logged.value, ev.logged.low, ev.logged.high],
            **{k: [e.value, e.low, e.high] for k, e in ev.estimates.items()},
        }
        for name, ev in found.items()
    }  # fmt: skip


def eval_policy(
    path: Annotated[Path, typer.Argument(
        help="The memory's folder (as given to open).", show_default=False)],
    namespace: Annotated[str, typer.Option(metavar="NAME", help="Tenant to evaluate.")] = "default",
    exploration: Annotated[float, typer.Option(parser=number, metavar="X",
        help="Candidate's exploration scale (0: greedy).")] = _DEFAULTS.exploration,
    discount: Annotated[float, typer.Option(parser=number, metavar="X",
        help="Candidate's evidence discount per feedback (1: none).")] = _DEFAULTS.discount,
    prior_precision: Annotated[float, typer.Option(parser=number, metavar="X",
        help="Candidate's prior precision of the weights.")] = _DEFAULTS.prior_precision,
    as_json: Annotated[bool, typer.Option("--json",
        help="Print JSON (plain, for programs) instead of a table.")] = False,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Off-policy estimates of recall policies from the recall log.

    Estimates the mean reward in [0, 1] of the first item served, for the serving policy and
    for a policy refit on the log with the given settings: IPS, self-normalised IPS and doubly
    robust, each with a 95% bootstrap interval, beside what the logged recalls actually earned.
    """
    start(verbose)
    if not (path / "absmem.db").exists():
        raise InvalidArgumentError("path", "a memory folder holding absmem.db", str(path))
    config = PolicyConfig(exploration=exploration, discount=discount,
                          prior_precision=prior_precision)  # fmt: skip
    working = spinner("opening the memory, refitting and evaluating the policies")
    with working, AbstractionMemory.open(path, namespace=namespace) as mem:
        found = mem.evaluate_policy(config)
    if as_json:
        print(json.dumps(_as_dict(found), indent=2))
        return 0
    first = next(iter(found.values()))
    logged = first.logged
    print(f"namespace {namespace!r}: {first.n} rated recalls; logged reward "
          f"{logged.value:.3f} [{logged.low:.3f}, {logged.high:.3f}]")  # fmt: skip
    rows = [[name, key, f"{e.value:.3f}", f"[{e.low:.3f}, {e.high:.3f}]",
             f"{ev.effective_sample_size:.1f}"]
            for name, ev in found.items() for key, e in ev.estimates.items()]  # fmt: skip
    print_table(["policy", "estimator", "value", "95% interval", "ESS"], rows)
    return 0


def add_eval_policy(app: typer.Typer) -> None:
    """Add the ``eval-policy`` command to the ``absmem`` app.

    Example:
        >>> app = typer.Typer()
        >>> add_eval_policy(app)
        >>> [c.name for c in app.registered_commands]
        ['eval-policy']
    """
    add_command(app, "eval-policy", eval_policy, epilog=EPILOG, panel="Reports")
