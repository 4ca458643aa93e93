"""``absmem report``: one self-contained HTML page of what a memory has learned.

Example:
    >>> import argparse
    >>> from absmem.cli_report import add_report
    >>> parser = argparse.ArgumentParser(prog="absmem")
    >>> add_report(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["report", "./my-memory", "-o", "out.html"])
    >>> args.path, str(args.output), args.namespace
    ('./my-memory', 'out.html', 'default')
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import InvalidArgumentError
from .report import load_report, write_report

__all__ = ["add_report", "run_report_cli"]

EPILOG = """examples:
  absmem report ./my-memory -o report.html
  absmem report ./my-memory -o support.html --namespace support
  absmem report postgresql://me@db-host/absmem -o report.html

The page holds the learning curve of reward over time, the lessons table (support, utility,
advice, avoid), a picture of the abstraction graph, feedback per week and memory size over time.
It opens with no network (inline CSS and SVG, no script). Nothing in the memory is changed."""

_OPTION = {"path": "PATH", "namespace": "--namespace", "out_path": "--output"}
"""The command-line name of each argument the library may refuse."""


def add_report(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command to the ``absmem`` parser."""
    parser = commands.add_parser(
        "report", help="write an HTML report of what a memory has learned",
        description="Write one self-contained HTML report of a memory's namespace.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("path", metavar="PATH", help="the memory's folder (as given to open), "
                        "or a postgresql:// URL")  # fmt: skip
    parser.add_argument("-o", "--output", type=Path, default=Path("report.html"),
                        help="HTML file to write (default: report.html)")  # fmt: skip
    parser.add_argument("--namespace", default="default",
                        help="tenant to report on (default: default)")  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")


def run_report_cli(args: argparse.Namespace) -> int:
    """Write the report and print what it holds; returns the exit status (2: bad arguments).

    Example:
        >>> import argparse
        >>> run_report_cli(argparse.Namespace(path="/no/such/memory", output=Path("r.html"),
        ...                                   namespace="default"))
        2
    """
    try:
        data = load_report(args.path, args.namespace)
        out = write_report(data, args.output)
    except InvalidArgumentError as err:
        option = _OPTION.get(err.argument, err.argument)
        message = str(err).removeprefix(f"{err.argument}: ")
        print(f"absmem report: error: {option}: {message}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB): namespace {data.namespace!r}, "
          f"{data.experiences} experiences, {data.rated_count} rated, "
          f"{len(data.lessons)} lessons")  # fmt: skip
    return 0
