"""Terminal output of the ``absmem`` command: Rich tables, progress and errors.

Reports go to stdout, progress and errors to stderr. On a terminal, tables fit the window,
progress is a Rich bar (or a spinner when the total is not known) and errors are coloured; when
a stream is piped or redirected, output is plain text with no colour and no wrapping (tables
are as wide as their content, progress is one line per step) so it can be read by a program or
kept in a log. Rich honours ``NO_COLOR``.

Example:
    >>> print_table(["rank", "id"], [[1, "e-1"], [2, "e-22"]])
    rank  id
    ──────────
    1     e-1
    2     e-22
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from rich import box
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from .cli_memory_io import shorten

__all__ = [
    "PIPED_WIDTH",
    "bar_stream",
    "console",
    "line_progress",
    "print_error",
    "print_table",
    "show",
    "spinner",
    "step_progress",
    "table",
]

PIPED_WIDTH = 240
"""Columns of a console whose stream is not a terminal: wider than any table the commands print,
so piped output is never wrapped or cut."""

_FRACTION = re.compile(r"(?<![\d.,])(\d[\d,_]*)\s*/\s*(\d[\d,_]*)(?![\d.])")
"""``done/total`` in a progress line (``200/1000 embedded``), not a ratio of decimals."""


def console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr), looked up when called, so redirected streams are used.

    Example:
        >>> out = console()  # stdout is not a terminal under doctest
        >>> out.is_terminal, out.width >= PIPED_WIDTH
        (False, True)
    """
    out = Console(stderr=stderr, markup=False, highlight=False, emoji=False)
    if not out.is_terminal:
        out.width = max(PIPED_WIDTH, out.width)
    return out


def show(renderable: RenderableType, *, stderr: bool = False) -> None:
    """Print a Rich renderable; when piped, as plain lines with no trailing blanks.

    Example:
        >>> show(Text("plain when piped"))
        plain when piped
    """
    out = console(stderr=stderr)
    if out.is_terminal:
        out.print(renderable)
        return
    with out.capture() as captured:
        out.print(renderable)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    stream = sys.stderr if stderr else sys.stdout
    stream.write("".join(line + "\n" for line in lines))
    stream.flush()


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], width: int = 48,
    *, title: str | None = None,
) -> Table:  # fmt: skip
    """A Rich table: a header, a rule, then the rows; each cell cut to ``width`` characters.

    Columns of words (texts) wrap when a terminal is too narrow for the table; the others (ids,
    numbers) are never cut.

    Example:
        >>> t = table(["id", "text"], [["e-1", "a long sentence"]], width=8)
        >>> t.row_count, [c.header for c in t.columns]
        (1, ['id', 'text'])
    """
    out = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0),
                header_style="bold", title=title, title_justify="left")  # fmt: skip
    cells = [[shorten("" if cell is None else str(cell), width) for cell in row] for row in rows]
    for i, header in enumerate(headers):
        column = [row[i] for row in cells]
        words = any(" " in cell for cell in column) and max(map(len, column), default=0) > 12
        out.add_column(header, no_wrap=not words, overflow="fold")
    for row in cells:
        out.add_row(*row)
    return out


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]], width: int = 48) -> None:
    """Print :func:`table` on stdout.

    Example:
        >>> print_table(["id", "text"], [["e-1", "a long sentence"]], width=8)
        id   text
        ─────────────
        e-1  a long …
    """
    show(table(headers, rows, width))


def print_error(message: str, *, hint: str | None = None, prog: str = "absmem") -> None:
    """``<prog>: error: <message>`` on stderr, then the fix when one is known.

    Example:
        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err:
        ...     print_error("PATH: expected a memory folder", hint="create it with `absmem ingest`")
        >>> print(err.getvalue(), end="")
        absmem: error: PATH: expected a memory folder
          fix: create it with `absmem ingest`
    """
    text = Text()
    text.append(f"{prog}: ")
    text.append("error:", style="bold red")
    text.append(f" {message}")
    if hint:
        text.append("\n  fix: ", style="bold")
        text.append(hint)
    console(stderr=True).print(text, soft_wrap=True)


def _bar(out: Console, *, counts: bool) -> Progress:
    columns: list[ProgressColumn] = [SpinnerColumn(), TextColumn("{task.description}"),
                                     BarColumn()]  # fmt: skip
    columns.append(MofNCompleteColumn() if counts else TaskProgressColumn())
    return Progress(*columns, TimeElapsedColumn(), console=out,
                    redirect_stdout=sys.stdout.isatty(), redirect_stderr=False)  # fmt: skip


@contextmanager
def step_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar of ``total`` steps on stderr; yields ``update(done)``.

    When stderr is not a terminal, each update is a plain line ``<label> <done>/<total>``.

    Example:
        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err:
        ...     with step_progress("ingest: stored", 10) as update:
        ...         update(4)
        ...         update(10)
        >>> print(err.getvalue(), end="")
        ingest: stored 4/10
        ingest: stored 10/10
    """
    out = console(stderr=True)
    if not out.is_terminal:

        def line(done: int) -> None:
            print(f"{label} {done}/{total}", file=sys.stderr, flush=True)

        yield line
        return
    with _bar(out, counts=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


@contextmanager
def line_progress(label: str) -> Iterator[Callable[[str], None]]:
    """Relay a long run's progress lines on stderr; yields ``say(line)``.

    On a terminal each line is printed above a live bar: a spinner with the latest line and the
    time spent, which turns into a bar while lines read ``done/total`` (``  200/1000
    embedded``). Otherwise each line is printed as it comes.

    Example:
        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err:
        ...     with line_progress("bench ingest") as say:
        ...         say("embedding 10 texts")
        >>> err.getvalue()
        'embedding 10 texts\\n'
    """
    out = console(stderr=True)
    if not out.is_terminal:
        yield lambda line: print(line, file=sys.stderr, flush=True)
        return
    with _bar(out, counts=False) as bar:
        task = bar.add_task(label, total=None)

        def say(line: str) -> None:
            bar.console.print(Text(line), soft_wrap=True)
            found = _FRACTION.search(line)
            total = int(found[2].replace(",", "").replace("_", "")) if found else 0
            if found and total > 0:
                done = int(found[1].replace(",", "").replace("_", ""))
                bar.update(task, total=total, completed=min(done, total), description=label)
            else:  # back to a spinner: no total (update() cannot unset one)
                for shown in bar.tasks:
                    shown.total = None
                bar.update(task, completed=0, description=f"{label}: {shorten(line, 60)}")

        yield say


class _BarStream(io.StringIO):
    """A text stream that moves a Rich bar to the last ``done/total`` written to it."""

    def __init__(self, bar: Progress, task: TaskID) -> None:
        super().__init__()
        self.bar, self.task = bar, task

    def write(self, text: str) -> int:
        found = list(_FRACTION.finditer(text))
        if found:
            done, total = (int(found[-1][i].replace(",", "").replace("_", "")) for i in (1, 2))
            self.bar.update(self.task, completed=done, total=max(total, 1))
        return len(text)


@contextmanager
def bar_stream(label: str) -> Iterator[TextIO | None]:
    """A stream for code that draws its own text progress bar (``[###  ] 42%  420/1000``):
    on a terminal, what it writes moves a Rich bar on stderr instead; otherwise ``None`` (the
    code's own bar goes to stderr).

    Example:
        >>> with bar_stream("demo") as stream:
        ...     stream is None  # stderr is not a terminal here
        True
    """
    out = console(stderr=True)
    if not out.is_terminal:
        yield None
        return
    with _bar(out, counts=True) as bar:
        yield _BarStream(bar, bar.add_task(label, total=None))


@contextmanager
def spinner(message: str) -> Iterator[None]:
    """A spinner with ``message`` on stderr while a step with no progress of its own runs (on a
    terminal; nothing otherwise).

    Example:
        >>> with spinner("loading the embedder"):
        ...     pass
    """
    out = console(stderr=True)
    if not out.is_terminal:
        yield
        return
    with out.status(message):
        yield
