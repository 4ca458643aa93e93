"""``absmem bench load``: sustained mixed load from several processes (see
:mod:`absmem.bench.load`).

Example:
    >>> from absmem.cli import build_parser
    >>> args = build_parser().parse_args(["bench", "load", "--quick", "--processes", "3"])
    >>> args.benchmark, args.processes, args.seconds
    ('load', 3, None)
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .bench.load import LoadParams, load_markdown, run_load
from .bench.report import update_section, write_json

__all__ = ["add_load", "run_load_cli"]

EPILOG = """examples:
  absmem bench load                                   # SQLite, 4 processes for 60 s
  absmem bench load --quick                           # 2 processes for 5 s
  absmem bench load --postgres postgresql://localhost/absmem_load

The PostgreSQL database should be empty (the run creates the schema). Results go to
<out>/load-<store>.json and the section load-<store> of docs/reliability.md."""


def add_load(
    kinds: argparse._SubParsersAction[argparse.ArgumentParser],
    count: Callable[[int], Callable[[str], int]],
) -> None:
    """Add ``bench load``."""
    load = kinds.add_parser(
        "load", help="mixed load from several processes on one store: ops/s, p99, errors",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    load.add_argument("--quick", action="store_true", help="2 processes for 5 s; docs untouched")
    load.add_argument("--processes", type=count(1), default=None, help="worker processes (4)")
    load.add_argument("--seconds", type=_seconds, default=None, help="seconds of load (60)")
    load.add_argument(
        "--postgres", default=None, metavar="DSN",
        help="run on this PostgreSQL database instead of a fresh SQLite folder",
    )  # fmt: skip
    load.add_argument(
        "--embedder", choices=("hash", "minilm"), default=None,
        help="hash: the store and memory under load, not the model (default); minilm: real model",
    )  # fmt: skip
    load.add_argument("--seed", type=count(0), default=None, help="seed of the workers")
    load.add_argument("--out", type=Path, default=None, help="results folder (<root>/results)")
    docs = load.add_mutually_exclusive_group()
    docs.add_argument(
        "--docs", type=Path, default=None,
        help="markdown file whose section is regenerated (default docs/reliability.md)",
    )  # fmt: skip
    docs.add_argument("--no-docs", action="store_true", help="do not touch the docs")
    load.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")


def run_load_cli(
    args: argparse.Namespace, command: str, root: Path, progress: Callable[[str], None]
) -> int:
    """Run the load, write ``<out>/load-<store>[-quick].json``, update the docs section.

    Returns 1 when an operation failed or the consistency check did not pass.
    """
    base = LoadParams.quick() if args.quick else LoadParams()
    values: dict[str, Any] = {"processes": args.processes, "seconds": args.seconds,
                              "embedder": args.embedder, "seed": args.seed}  # fmt: skip
    params = dataclasses.replace(base, **{k: v for k, v in values.items() if v is not None})
    result = run_load(params, target=args.postgres, progress=progress, command=command)
    name = "load-" + ("postgres" if args.postgres else "sqlite")
    out = args.out if args.out is not None else root / "results"
    path = write_json(Path(out) / f"{name}{'-quick' if args.quick else ''}.json", result)
    section = load_markdown(result)
    print(section)
    print(f"\nwrote {path}")
    docs = args.docs if args.docs is not None else root / "docs" / "reliability.md"
    if not args.no_docs and (args.docs is not None or not args.quick) and docs.is_file():
        update_section(docs, name, section)
        print(f"updated section {name!r} of {docs}")
    failed = result["errors"] or result["crashes"] or not result["consistency"]["ok"]
    return 1 if failed else 0


def _seconds(text: str) -> float:
    """``"30"`` -> 30.0; a positive number of seconds."""
    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from err
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value}")
    return value
