"""``absmem report``: one self-contained HTML page of what a memory has learned.

Example:
    >>> from absmem.cli import main
    >>> main(["report", "/no/such/memory", "-o", "out.html"])  # refused: no memory there
    2
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli_args import EXAMPLES, Verbose, add_command, start
from .cli_console import spinner
from .report import load_report, write_report

__all__ = ["EPILOG", "add_report"]

EPILOG = f"""{EXAMPLES}
  absmem report ./my-memory -o report.html
  absmem report ./my-memory -o support.html --namespace support
  absmem report postgresql://me@db-host/absmem -o report.html"""
"""The examples of ``absmem report --help``."""


def report(
    path: Annotated[str, typer.Argument(
        help="The memory's folder (as given to open), or a postgresql:// URL.",
        show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE",
        help="HTML file to write.")] = Path("report.html"),
    namespace: Annotated[str, typer.Option(metavar="NAME",
        help="Tenant to report on.")] = "default",
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Write an HTML report of what a memory has learned.

    The page holds the learning curve of reward over time, the lessons table (support,
    utility, advice, avoid), a picture of the abstraction graph, feedback per week and memory
    size over time. It opens with no network (inline CSS and SVG, no script). Nothing in the
    memory is changed.
    """
    start(verbose)
    with spinner("reading the memory and drawing the report"):
        data = load_report(path, namespace)
        out = write_report(data, output)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB): namespace {data.namespace!r}, "
          f"{data.experiences} experiences, {data.rated_count} rated, "
          f"{len(data.lessons)} lessons")  # fmt: skip
    return 0


def add_report(app: typer.Typer) -> None:
    """Add the ``report`` command to the ``absmem`` app.

    Example:
        >>> app = typer.Typer()
        >>> add_report(app)
        >>> [c.name for c in app.registered_commands]
        ['report']
    """
    add_command(app, "report", report, epilog=EPILOG, panel="Reports")
