"""``absmem find``: relational queries over a memory's experience graph from the shell.

The same query as :meth:`absmem.AbstractionMemory.find` (see :mod:`absmem.find`): a cause (text
the experience's context or response should match), an effect (text the user turn it led to
should match, and/or an outcome), filters, and a readable table of the chains found.

Example:
    >>> parse_outcome("bad"), parse_outcome("-1:-0.5")
    ('bad', (-1.0, -0.5))
    >>> parse_time("2026-11-01")
    1793491200.0
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from .cli_args import EXAMPLES, Verbose, add_command, count, number_in, start
from .cli_console import print_table
from .cli_memory import MemoryPath, Namespace, _Embedder, _memory
from .find import OutcomeFilter

__all__ = ["add_find_command", "parse_outcome", "parse_time"]

EPILOG = f"""{EXAMPLES}
  absmem find ./my-memory --cause "changed the page layout" --effect "I cannot find anything" --outcome bad
  absmem find ./my-memory --cause "offered a refund" --outcome good -k 5
  absmem find ./my-memory --effect "that is not what I asked" --since 2026-11-01
  absmem find ./my-memory --outcome -1:-0.5 --session-id chat-42

A chain is an experience (the situation and the response), the user turn it led to (the
reply it provoked), its mean reward and the lesson it belongs to. score: the mean match of
the ends given (cause and effect similarity, the outcome's strength |reward|)."""  # noqa: E501


def parse_outcome(text: object) -> OutcomeFilter:
    """``good``, ``bad`` or a range ``LOW:HIGH`` of mean rewards in [-1, 1].

    Example:
        >>> parse_outcome("0.5:1")
        (0.5, 1.0)
    """
    value = str(text).strip()
    if value in ("good", "bad"):
        return value  # type: ignore[return-value]
    parts = value.split(":")
    expected = "good, bad or a range LOW:HIGH in [-1, 1] such as -1:-0.5"
    if len(parts) != 2:
        raise typer.BadParameter(f"expected {expected}, got {value!r}")
    try:
        low, high = (number_in(-1, 1)(p) for p in parts)
    except typer.BadParameter as err:
        raise typer.BadParameter(f"expected {expected}, got {value!r}") from err
    if low > high:
        raise typer.BadParameter(f"expected LOW <= HIGH, got {value!r}")
    return (low, high)


def parse_time(text: object) -> float:
    """An ISO date or date-time (UTC when it names no zone) or Unix seconds, as Unix seconds.

    Example:
        >>> parse_time("1700000000"), parse_time("2026-11-01T12:00:00+01:00")
        (1700000000.0, 1793530800.0)
    """
    value = str(text).strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(
            f"expected an ISO date such as 2026-11-01 (or a date-time, or Unix seconds), "
            f"got {value!r}"
        ) from err
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.timestamp()


def find(
    path: MemoryPath,
    cause: Annotated[str | None, typer.Option(
        metavar="TEXT", show_default=False,
        help="Text the experience's context or response should match.")] = None,
    effect: Annotated[str | None, typer.Option(
        metavar="TEXT", show_default=False,
        help="Text the user turn it led to (the reply it provoked) should match.")] = None,
    outcome: Annotated[str | None, typer.Option(
        metavar="OUTCOME", show_default=False,
        help="good, bad, or a range LOW:HIGH of its mean reward in [-1, 1].")] = None,
    k: Annotated[int, typer.Option("-k", parser=count(1, 1000), metavar="K",
                                   help="Most chains shown, 1 to 1000.")] = 10,
    since: Annotated[float | None, typer.Option(
        parser=parse_time, metavar="WHEN", show_default=False,
        help="Only experiences stored at or after (ISO date, UTC, or Unix seconds).")] = None,
    until: Annotated[float | None, typer.Option(
        parser=parse_time, metavar="WHEN", show_default=False,
        help="Only experiences stored before.")] = None,
    session_id: Annotated[str | None, typer.Option(
        metavar="ID", show_default=False, help="Only this session's turns.")] = None,
    user_id: Annotated[str | None, typer.Option(
        metavar="ID", show_default=False, help="Only this user's interactions.")] = None,
    abstraction_id: Annotated[str | None, typer.Option(
        metavar="ID", show_default=False,
        help="Only members of this abstraction (ids: absmem lessons).")] = None,
    min_similarity: Annotated[float, typer.Option(
        parser=number_in(-1, 1), metavar="X",
        help="Least cosine similarity each text end needs.")] = 0.3,
    namespace: Namespace = "default", embedder: _Embedder = "minilm", verbose: Verbose = False,
) -> int:  # fmt: skip
    """Find chains: experiences whose response led to a turn or an outcome.

    Give at least one of --cause, --effect and --outcome. Read-only: nothing is logged or
    stored.
    """
    start(verbose)
    try:
        wanted = None if outcome is None else parse_outcome(outcome)
    except typer.BadParameter as err:
        err.param_hint = "--outcome"
        raise
    if cause is None and effect is None and outcome is None:
        raise typer.BadParameter(
            "give at least one of --cause TEXT, --effect TEXT, --outcome OUTCOME",
            param_hint="--cause/--effect/--outcome",
        )
    with _memory(path, namespace, embedder) as memory:
        chains = memory.find(
            cause,
            effect,
            outcome=wanted,
            k=k,
            since=since,
            until=until,
            session_id=session_id,
            user_id=user_id,
            abstraction_id=abstraction_id,
            min_similarity=min_similarity,
        )
    if not chains:
        print("no chain matches (lower --min-similarity, or widen the filters)")
        return 0
    rows = [
        [i, f"{c.score:.2f}", c.experience.id, c.experience.context, c.experience.response,
         c.led_to.context if c.led_to is not None else "-",
         "-" if c.reward is None else f"{c.reward:+.2f}", c.lesson or "-"]
        for i, c in enumerate(chains, 1)
    ]  # fmt: skip
    print_table(["#", "score", "experience", "situation", "response", "led to", "reward",
                 "lesson"], rows, width=34)  # fmt: skip
    return 0


def add_find_command(app: typer.Typer, panel: str) -> None:
    """Add ``find`` to the app.

    Example:
        >>> app = typer.Typer()
        >>> add_find_command(app, "Memory")
        >>> [c.name for c in app.registered_commands]
        ['find']
    """
    add_command(app, "find", find, epilog=EPILOG, panel=panel)
