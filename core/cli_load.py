"""``absmem bench load``: sustained mixed load from several processes (see
:mod:`absmem.bench.load`).

Example:
    >>> from absmem.cli import main
    >>> main(["bench", "load", "--processes", "0"])  # refused: at least one process
    2
"""

from __future__ import annotations

from typing import Annotated

import typer

from .bench.data import project_root
from .bench.load import LoadParams, load_markdown, run_load
from .bench.report import update_section, write_json
from .cli_args import (
    EXAMPLES,
    DocsFile,
    NoDocs,
    OutFolder,
    Verbose,
    add_command,
    check_docs,
    choice,
    command_line,
    seconds,
    start,
)
from .cli_bench import Quick, counts, override
from .cli_console import line_progress

__all__ = ["EPILOG", "add_load"]

EPILOG = f"""{EXAMPLES}
  absmem bench load                 # SQLite, 4 processes for 60 s
  absmem bench load --quick         # 2 processes for 5 s
  absmem bench load --postgres postgresql://localhost/absmem_load

The PostgreSQL database should be empty (the run creates the schema). Results go to
<out>/load-<store>.json and the section load-<store> of docs/reliability.md."""
"""The examples of ``absmem bench load --help``."""


def bench_load(
    ctx: typer.Context, quick: Quick = False,
    processes: Annotated[int | None, counts("Worker processes (default 4).")] = None,
    duration: Annotated[float | None, typer.Option(
        "--seconds", parser=seconds, metavar="S", show_default=False,
        help="Seconds of load (default 60).")] = None,
    postgres: Annotated[str | None, typer.Option(
        metavar="DSN", show_default=False,
        help="Run on this PostgreSQL database instead of a fresh SQLite folder.")] = None,
    embedder: Annotated[str | None, typer.Option(
        parser=choice(("hash", "minilm")), metavar="NAME", show_default=False,
        help="hash: the store and memory under load, not the model (default); minilm: the "
        "real model.")] = None,
    seed: Annotated[int | None, counts("Seed of the workers.", minimum=0)] = None,
    out: OutFolder = None, docs: DocsFile = None, no_docs: NoDocs = False,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Mixed load from several processes on one store: ops/s, p99, errors.

    Runs recall, remember, feedback and consolidation from --processes worker processes, then
    checks that every acknowledged write is present. Exit status 1 when an operation failed or
    the check did not pass.
    """
    start(verbose)
    check_docs(docs, no_docs)
    base = LoadParams.quick() if quick else LoadParams()
    params = override(base, processes=processes, seconds=duration, embedder=embedder,
                      seed=seed)  # fmt: skip
    with line_progress("bench load") as say:
        result = run_load(params, target=postgres, progress=say, command=command_line(ctx.obj))
    root = project_root()
    name = "load-" + ("postgres" if postgres else "sqlite")
    folder = out if out is not None else root / "results"
    path = write_json(folder / f"{name}{'-quick' if quick else ''}.json", result)
    section = load_markdown(result)
    print(section)
    print(f"\nwrote {path}")
    target = docs if docs is not None else root / "docs" / "reliability.md"
    if not no_docs and (docs is not None or not quick) and target.is_file():
        update_section(target, name, section)
        print(f"updated section {name!r} of {target}")
    failed = result["errors"] or result["crashes"] or not result["consistency"]["ok"]
    return 1 if failed else 0


def add_load(bench: typer.Typer) -> None:
    """Add ``bench load`` to the ``bench`` group.

    Example:
        >>> group = typer.Typer()
        >>> add_load(group)
        >>> [c.name for c in group.registered_commands]
        ['load']
    """
    add_command(bench, "load", bench_load, epilog=EPILOG)
