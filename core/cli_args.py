"""Argument types and options shared by the ``absmem`` commands.

Each parser turns the text of one argument into its value, or raises :class:`typer.BadParameter`
saying what was expected; the command line reports it as ``<option>: <message>`` with exit
status 2.

Example:
    >>> positive_list("1000,10_000")
    (1000, 10000)
    >>> count(1)("0")
    Traceback (most recent call last):
      ...
    typer._click.exceptions.BadParameter: expected an integer >= 1, got 0
"""

from __future__ import annotations

import inspect
import logging
import math
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from .embed import EMBEDDERS, Embedder

__all__ = [
    "EXAMPLES",
    "DocsFile",
    "EmbedderName",
    "Invocation",
    "Names",
    "NoDocs",
    "OutFolder",
    "Sizes",
    "Verbose",
    "add_command",
    "build_embedder",
    "check_docs",
    "choice",
    "command_line",
    "count",
    "names_among",
    "number",
    "number_in",
    "positive_list",
    "seconds",
    "section_name",
    "start",
]

EXAMPLES = "\n[bold]Examples:[/bold]"
"""The heading of the examples in every command's ``--help`` (Rich markup; the blank line
before it keeps the examples' indentation when Typer dedents the text)."""


class Sizes(tuple[int, ...]):
    """Positive integers given as ``1000,10000`` (see :func:`positive_list`).

    Example:
        >>> Sizes((1, 2)) == (1, 2)
        True
    """


class Names(tuple[str, ...]):
    """Names given as ``absmem,mem0`` (see :func:`names_among`).

    Example:
        >>> Names(("a", "b")) == ("a", "b")
        True
    """


@dataclass(frozen=True)
class Invocation:
    """What the command was run with; the command-line object of every command's context.

    Example:
        >>> Invocation(["stats", "m"]).argv
        ['stats', 'm']
    """

    argv: list[str] = field(default_factory=list)


def command_line(obj: object) -> str:
    """The command as typed (``absmem bench ingest --quick``), for the results it writes;
    ``obj`` is the command's context object (``ctx.obj``), an :class:`Invocation` when the
    command runs through :func:`absmem.cli.main`.

    Example:
        >>> command_line(Invocation(["demo", "--seed", "1"]))
        'absmem demo --seed 1'
    """
    argv = obj.argv if isinstance(obj, Invocation) else sys.argv[1:]
    return shlex.join(["absmem", *argv])


def add_command(
    app: typer.Typer, name: str, function: Callable[..., Any], *, epilog: str,
    panel: str | None = None, **settings: Any,
) -> None:  # fmt: skip
    """Add ``function`` to ``app`` as command ``name``: its docstring is the help (each paragraph
    reflowed to one line, so Rich wraps it to the terminal), ``epilog`` the examples.

    Example:
        >>> def hello() -> None:
        ...     pass
        >>> hello.__doc__ = "Say hello.\\n\\n    To the person\\n    running it."
        >>> app = typer.Typer()
        >>> add_command(app, "hello", hello, epilog=EXAMPLES + "\\n  absmem hello")
        >>> app.registered_commands[0].help
        'Say hello.\\n\\nTo the person running it.'
    """
    paragraphs = inspect.cleandoc(function.__doc__ or "").split("\n\n")
    text = "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)
    app.command(name, help=text, epilog=epilog, rich_help_panel=panel, **settings)(function)


def start(verbose: bool) -> None:
    """Set up logging for a command (INFO with ``-v``, else WARNING) on stderr.

    Example:
        >>> start(False)
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip


def build_embedder(name: str) -> Embedder:
    """The embedder named on the command line, built by ``absmem.cli.make_embedder`` (looked up
    when called, so it can be replaced).

    Example:
        >>> build_embedder("minilm").dim  # doctest: +SKIP
        384
    """
    from . import cli

    return cli.make_embedder(name)


def _int(text: object, expected: str) -> int:
    try:
        return int(str(text).replace("_", ""))
    except ValueError as err:
        raise typer.BadParameter(f"expected {expected}, got {str(text)!r}") from err


def positive_list(text: object) -> Sizes:
    """``"1000,10000"`` -> ``(1000, 10000)``; every item a positive integer.

    Example:
        >>> positive_list("0,5")
        Traceback (most recent call last):
          ...
        typer._click.exceptions.BadParameter: expected comma-separated positive integers such as 1000,10000, got '0,5'
    """  # noqa: E501
    message = f"expected comma-separated positive integers such as 1000,10000, got {str(text)!r}"
    try:
        values = Sizes(int(p.replace("_", "")) for p in str(text).split(",") if p.strip())
    except ValueError as err:
        raise typer.BadParameter(message) from err
    if not values or any(v <= 0 for v in values):
        raise typer.BadParameter(message)
    return values


def names_among(known: Sequence[str]) -> Callable[[object], Names]:
    """A parser of comma-separated names, each one of ``known``.

    Example:
        >>> names_among(["a", "b"])("b, a")
        ('b', 'a')
    """

    def parse(text: object) -> Names:
        names = Names(part.strip() for part in str(text).split(",") if part.strip())
        if not names or any(name not in known for name in names):
            raise typer.BadParameter(
                f"expected comma-separated names among {','.join(known)}, got {str(text)!r}"
            )
        return names

    return parse


def count(minimum: int, maximum: int | None = None) -> Callable[[object], int]:
    """A parser of an integer ``>= minimum`` (and ``<= maximum`` when given).

    Example:
        >>> count(1, 1000)("1001")
        Traceback (most recent call last):
          ...
        typer._click.exceptions.BadParameter: expected an integer in [1, 1000], got 1001
    """
    expected = f"an integer >= {minimum}" if maximum is None else (
        f"an integer in [{minimum}, {maximum}]")  # fmt: skip

    def parse(text: object) -> int:
        value = _int(text, expected)
        if value < minimum or (maximum is not None and value > maximum):
            raise typer.BadParameter(f"expected {expected}, got {value}")
        return value

    return parse


def number(text: object) -> float:
    """A finite number.

    Example:
        >>> number("0.5")
        0.5
    """
    try:
        value = float(str(text))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise typer.BadParameter(f"expected a number, got {str(text)!r}")
    return value


def number_in(low: float, high: float, *, open_low: bool = False,
              what: str = "a number") -> Callable[[object], float]:  # fmt: skip
    """A parser of a number in ``[low, high]`` (``(low, high]`` with ``open_low``).

    Example:
        >>> number_in(-1, 1)("2")
        Traceback (most recent call last):
          ...
        typer._click.exceptions.BadParameter: expected a number in [-1, 1], got '2'
    """
    expected = f"{what} in {'(' if open_low else '['}{low:g}, {high:g}]"

    def parse(text: object) -> float:
        try:
            value = float(str(text))
        except ValueError:
            value = math.nan
        above = value > low if open_low else value >= low
        if not (above and value <= high):
            raise typer.BadParameter(f"expected {expected}, got {str(text)!r}")
        return value

    return parse


def choice(names: Sequence[str]) -> Callable[[object], str]:
    """A parser of one of ``names``.

    Example:
        >>> choice(["jsonl", "csv"])("xml")
        Traceback (most recent call last):
          ...
        typer._click.exceptions.BadParameter: invalid choice 'xml': expected one of jsonl, csv
    """

    def parse(text: object) -> str:
        if str(text) not in names:
            raise typer.BadParameter(
                f"invalid choice {str(text)!r}: expected one of {', '.join(names)}"
            )
        return str(text)

    return parse


def section_name(text: object) -> str:
    """A docs section name: lower-case letters, digits and dashes.

    Example:
        >>> section_name("perf-1m")
        'perf-1m'
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(text)):
        raise typer.BadParameter(
            f"expected lower-case letters, digits and dashes, got {str(text)!r}"
        )
    return str(text)


def seconds(text: object) -> float:
    """``"30"`` -> 30.0; a positive number of seconds.

    Example:
        >>> seconds("-1")
        Traceback (most recent call last):
          ...
        typer._click.exceptions.BadParameter: expected a positive number of seconds, got '-1'
    """
    try:
        value = float(str(text))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"expected a positive number of seconds, got {str(text)!r}")
    return value


Verbose = Annotated[bool, typer.Option("-v", "--verbose", help="Log at INFO level on stderr.")]
"""``-v/--verbose``, on every command."""

EmbedderName = Annotated[
    str,
    typer.Option(parser=choice(EMBEDDERS.names()), metavar="NAME",
                 help=f"The embedding model: one of {', '.join(EMBEDDERS.names())}."),
]  # fmt: skip
"""``--embedder NAME``, one of :data:`absmem.embed.EMBEDDERS`."""

OutFolder = Annotated[
    Path | None,
    typer.Option("--out", metavar="FOLDER", show_default=False,
                 help="Results folder (default: <project root>/results)."),
]  # fmt: skip
"""``--out FOLDER``."""

DocsFile = Annotated[
    Path | None,
    typer.Option("--docs", metavar="FILE", show_default=False,
                 help="Markdown file whose section is regenerated."),
]  # fmt: skip
"""``--docs FILE``."""

NoDocs = Annotated[bool, typer.Option("--no-docs", help="Do not touch the docs.")]
"""``--no-docs``."""


def check_docs(docs: Path | None, no_docs: bool) -> None:
    """Refuse ``--docs FILE`` together with ``--no-docs`` (exit status 2).

    Example:
        >>> check_docs(Path("a.md"), no_docs=False)
    """
    if docs is not None and no_docs:
        raise typer.BadParameter("not allowed with --docs", param_hint="--no-docs")
