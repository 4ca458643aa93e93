"""The memory commands of ``absmem``: ``ingest``, ``recall``, ``assess``, ``feedback``,
``consolidate`` and ``forget`` (``stats``, ``lessons``, ``explain`` and ``export`` are in
:mod:`absmem.cli_memory_read`).

Each takes the memory as ``PATH`` (a folder made by :meth:`AbstractionMemory.open`, or a
``postgresql://`` URL) and ``--namespace``. These commands embed text or change the memory
through the library, so they open it with the embedder named by ``--embedder``, which must be
the one the memory was built with. Only ``ingest`` creates a memory.

Example:
    >>> from absmem.cli import main
    >>> main(["recall", "./my-memory", "lost card", "-k", "0"])  # refused: k is at least 1
    2
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_args import (
    EXAMPLES,
    Verbose,
    add_command,
    build_embedder,
    choice,
    count,
    number_in,
    start,
)
from .cli_console import print_error, print_table, spinner, step_progress
from .cli_memory_io import Row, RowError, read_interactions, shorten
from .embed import EMBEDDERS
from .errors import InvalidArgumentError
from .memory import AbstractionMemory

__all__ = [
    "BASIS_SHOWN",
    "INGEST_EPILOG",
    "MemoryPath",
    "Namespace",
    "add_memory_commands",
    "memory_exists",
]

BASIS_SHOWN = 5
"""Heaviest experiences ``assess`` lists as the evidence of its estimate."""

INGEST_EPILOG = f"""File format (JSONL: one object a line; CSV: a header row, then a row each):
  context     required  the situation: the user's request or turn
  response    required  the response or action taken
  user_id     optional  who it came from (forget --user-id erases it)
  session_id  optional  the conversation (forget --session-id erases it)
  metadata    optional  a JSON object (in CSV: as JSON text in the cell)
  reward      optional  a number in [-1, 1], given as feedback on it
Blank cells and null values count as absent; any other column is refused.
The whole file is checked before anything is stored.
{EXAMPLES}
  absmem ingest ./my-memory chats.jsonl
  absmem ingest ./my-memory export.csv --namespace support
A line of chats.jsonl:
  {{"context": "I lost my card", "response": "I blocked it", "reward": 1}}"""
"""The file schema and examples of ``absmem ingest --help``."""

_EPILOGS = {
    "recall": f'{EXAMPLES}\n  absmem recall ./my-memory "I lost my card"\n'
    '  absmem recall ./my-memory "pin reset" -k 3 --user-id u1\n\n'
    "Each recall is logged: rate it later with\n  absmem feedback PATH RECALL_ID REWARD",
    "assess": f'{EXAMPLES}\n  absmem assess ./my-memory "I lost my card" "I blocked it"\n\n'
    "Read-only: nothing is logged or stored.",
    "feedback": f"{EXAMPLES}\n  absmem feedback ./my-memory rec_3f1c...e2 1.0\n"
    "  absmem feedback ./my-memory exp_18ea...c0 -0.5\n"
    "  absmem feedback ./my-memory chat-0042 1 --session\n"
    "  absmem feedback ./my-memory 3f6c2a1e-... -1 --run\n\n"
    "TARGET is a recall id (from recall) or an experience id (from the library); with\n"
    "--session a session id (the conversation's outcome, spread over its turns); with --run a\n"
    "framework run id linked by an adapter.",
    "consolidate": f"{EXAMPLES}\n  absmem consolidate ./my-memory\n"
    "  absmem consolidate ./my-memory --no-retrain",
    "forget": f"{EXAMPLES}\n  absmem forget ./my-memory --user-id u1\n"
    "  absmem forget ./my-memory --session-id s-42",
}

MemoryPath = Annotated[str, typer.Argument(
    metavar="PATH", show_default=False,
    help="The memory's folder, or a postgresql:// URL.")]  # fmt: skip
"""``PATH``: the memory, on every memory command."""

Namespace = Annotated[str, typer.Option(metavar="NAME", help="Tenant.")]
"""``--namespace NAME``, on every memory command."""

_Embedder = Annotated[str, typer.Option(
    parser=choice(EMBEDDERS.names()), metavar="NAME",
    help=f"The memory's embedder: one of {', '.join(EMBEDDERS.names())}.")]  # fmt: skip


def memory_exists(path: str) -> None:
    """Refuse a ``PATH`` that is neither a URL nor a folder holding ``absmem.db``.

    Example:
        >>> memory_exists("/no/such/memory")
        Traceback (most recent call last):
          ...
        absmem.errors.InvalidArgumentError: path: expected a memory folder holding absmem.db, got '/no/such/memory'
    """  # noqa: E501
    url = path.startswith(("postgresql://", "postgres://"))
    if not url and not (Path(path) / "absmem.db").is_file():
        raise InvalidArgumentError("path", "a memory folder holding absmem.db", path)


@contextmanager
def _memory(path: str, namespace: str, embedder: str, *,
            create: bool = False) -> Iterator[AbstractionMemory]:  # fmt: skip
    """The memory at ``path``: it must exist unless ``create``."""
    if not create:
        memory_exists(path)
    with spinner(f"loading the {embedder} embedder and opening the memory"):
        memory = AbstractionMemory.open(path, embedder=build_embedder(embedder),
                                        namespace=namespace)  # fmt: skip
    try:
        yield memory
    finally:
        memory.close()


def ingest(
    path: MemoryPath,
    file: Annotated[Path, typer.Argument(metavar="FILE", show_default=False,
                                         help="JSONL or CSV file of interactions.")],
    namespace: Namespace = "default", embedder: _Embedder = "minilm",
    file_format: Annotated[str | None, typer.Option(
        "--format", parser=choice(("jsonl", "csv")), metavar="jsonl|csv", show_default=False,
        help="File format (default: .csv is CSV, else JSONL).")] = None,
    progress_every: Annotated[int, typer.Option(
        parser=count(1), metavar="N",
        help="Rows stored per batch and between progress updates on stderr.")] = 1000,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Store the interactions of a JSONL or CSV file.

    The memory is created when PATH does not hold one. The whole file is checked first: a bad
    row stops the command with its line and field, and nothing is stored.
    """
    start(verbose)
    if not file.is_file():
        raise InvalidArgumentError("file", "an existing JSONL or CSV file", str(file))
    try:
        rows = read_interactions(file, file_format)
    except RowError as err:
        print_error(f"FILE {file}: {err}", prog="absmem ingest",
                    hint="correct or remove that row, then run the command again")  # fmt: skip
        return 2
    with _memory(path, namespace, embedder, create=True) as memory:
        _store(memory, rows, progress_every)
        total = memory.count()
    rated = sum(row.reward is not None for row in rows)
    print(f"stored {len(rows)} interactions from {file} in namespace {namespace!r}, "
          f"{rated} with feedback; the namespace now holds {total} experiences")  # fmt: skip
    return 0


def _store(memory: AbstractionMemory, rows: list[Row], step: int) -> None:
    ids: list[str] = []
    with step_progress("ingest: stored", len(rows)) as stored:
        for first in range(0, len(rows), step):
            ids += memory.remember_many([row.interaction for row in rows[first : first + step]])
            stored(len(ids))
    rated = [(ids[i], row.reward) for i, row in enumerate(rows) if row.reward is not None]
    if not rated:
        return
    with step_progress("ingest: feedback", len(rated)) as given:
        for done, (experience_id, reward) in enumerate(rated, start=1):
            memory.feedback(experience_id, reward)
            if done % step == 0 or done == len(rated):
                given(done)


def recall(
    path: MemoryPath,
    query: Annotated[str, typer.Argument(metavar="QUERY", show_default=False,
                                          help="The situation to recall for.")],
    namespace: Namespace = "default", embedder: _Embedder = "minilm",
    k: Annotated[int, typer.Option("-k", parser=count(1, 1000), metavar="K",
                                   help="Items to serve, 1 to 1000.")] = 5,
    user_id: Annotated[str | None, typer.Option(metavar="ID", show_default=False,
        help="Who asks (kept in the recall log).")] = None,
    session_id: Annotated[str | None, typer.Option(metavar="ID", show_default=False,
        help="The conversation (kept in the recall log).")] = None,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Recall the memories most likely to help.

    Serves lessons and experiences ranked by the recall policy, and logs the recall so that it
    can be rated (feedback) and explained (explain).
    """
    start(verbose)
    with _memory(path, namespace, embedder) as memory:
        found = memory.recall(query, k=k, user_id=user_id, session_id=session_id)
    rows = [
        [item.rank + 1, item.kind, item.id, f"{item.score:.3f}",
         item.context if item.kind == "experience" else item.text,
         item.response if item.kind == "experience" else item.advice]
        for item in found.items
    ]  # fmt: skip
    if rows:
        print_table(["rank", "kind", "id", "score", "context / lesson", "response / advice"],
                    rows, width=40)  # fmt: skip
    else:
        print("nothing recalled: the namespace holds no experiences yet")
    print(f"recall id: {found.id}  (rate it: absmem feedback PATH {found.id} REWARD)")
    return 0


def assess(
    path: MemoryPath,
    context: Annotated[str, typer.Argument(metavar="CONTEXT", show_default=False,
                                            help="The situation.")],
    response: Annotated[str, typer.Argument(metavar="RESPONSE", show_default=False,
                                             help="The candidate response.")],
    namespace: Namespace = "default", embedder: _Embedder = "minilm", verbose: Verbose = False,
) -> int:  # fmt: skip
    """The reward a response can expect, from past feedback.

    The expected reward in [-1, 1], shrunk toward the namespace's mean reward when the evidence
    is weak, and the heaviest stored experiences it rests on.
    """
    start(verbose)
    with _memory(path, namespace, embedder) as memory:
        a = memory.assess(context, response)
    print(f"expected reward: {a.expected_reward:+.3f}  (confidence {a.confidence:.2f}, "
          f"evidence {a.evidence:.2f}, prior {a.prior:+.3f})")  # fmt: skip
    rows = [[b.id, f"{b.weight:.3f}", f"{b.context_similarity:.3f}",
             f"{b.response_similarity:.3f}", f"{b.outcome.mean:.3f}",
             f"{b.outcome.alpha + b.outcome.beta - 2:.1f}"] for b in a.basis]  # fmt: skip
    if not rows:
        print("no evidence: the namespace holds no rated experiences near this context")
        return 0
    print_table(["evidence: experience", "weight", "context sim", "response sim", "success",
                 "feedback"], rows[:BASIS_SHOWN])  # fmt: skip
    if len(rows) > BASIS_SHOWN:
        print(f"({len(rows) - BASIS_SHOWN} lighter experiences also weighed)")
    return 0


def feedback(
    path: MemoryPath,
    target: Annotated[str, typer.Argument(metavar="TARGET", show_default=False,
        help="A recall id or an experience id (a session id with --session, a run id with "
             "--run).")],
    reward: Annotated[float, typer.Argument(
        metavar="REWARD", parser=number_in(-1, 1), show_default=False,
        help="A number in [-1, 1] (thumbs up 1, thumbs down -1).")],
    namespace: Namespace = "default", embedder: _Embedder = "minilm",
    session: Annotated[bool, typer.Option(
        "--session", help="TARGET is a session id: rate the whole conversation.")] = False,
    run: Annotated[bool, typer.Option(
        "--run", help="TARGET is a framework run id linked by an adapter.")] = False,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Rate a recall, an experience, a whole session or a linked run."""
    start(verbose)
    if session and run:
        raise typer.BadParameter("give at most one of --session, --run",
                                 param_hint="--session/--run")  # fmt: skip
    with _memory(path, namespace, embedder) as memory:
        if session:
            fb = memory.feedback(session_id=target, reward=reward)
        elif run:
            fb = memory.feedback(run_id=target, reward=reward)
        else:
            fb = memory.feedback(target, reward)
    print(f"feedback id: {fb.id}  ({fb.target_kind} {fb.target_id}, reward {fb.reward:+.2f})")
    return 0


def consolidate(
    path: MemoryPath, namespace: Namespace = "default", embedder: _Embedder = "minilm",
    no_retrain: Annotated[bool, typer.Option(
        "--no-retrain", help="Re-learn the abstractions with the current model.")] = False,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Learn lessons: train the GNN, re-learn the abstractions, compact old episodes.

    Also refits the recall policy; prints the consolidation report.
    """
    start(verbose)
    working = spinner("consolidating: training the graph network, learning the lessons")
    with _memory(path, namespace, embedder) as memory, working:
        report = memory.consolidate(retrain=not no_retrain)
    rows: list[list[Any]] = [
        [name, value] for name, value in report.model_dump().items()
        if name not in ("training", "seconds", "policy")
    ]  # fmt: skip
    rows.append(["seconds", ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items())])
    for name in ("training", "policy"):
        data = getattr(report, name)
        rows.append([name, ", ".join(f"{k} {_short(v)}" for k, v in data.items()) or "-"])
    print_table(["field", "value"], rows, width=100)
    return 0


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else shorten(str(value), 40)


def forget(
    path: MemoryPath, namespace: Namespace = "default", embedder: _Embedder = "minilm",
    user_id: Annotated[str | None, typer.Option(metavar="ID", show_default=False,
                                                help="Erase this user's data.")] = None,
    session_id: Annotated[str | None, typer.Option(metavar="ID", show_default=False,
                                                   help="Erase this session's data.")] = None,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Erase everything of one user or one session.

    Give exactly one of --user-id and --session-id.
    """
    start(verbose)
    if (user_id is None) == (session_id is None):
        raise typer.BadParameter("give exactly one of --user-id ID, --session-id ID",
                                 param_hint="--user-id/--session-id")  # fmt: skip
    with _memory(path, namespace, embedder) as memory:
        report = memory.forget(user_id=user_id, session_id=session_id)
    who = f"user {user_id!r}" if user_id else f"session {session_id!r}"
    print(f"erased {who} from namespace {report.namespace!r}: {report.experiences} experiences, "
          f"{report.recalls} recalls, {report.feedback} feedback")  # fmt: skip
    return 0


def add_memory_commands(app: typer.Typer) -> None:
    """Add the memory commands (these and :mod:`absmem.cli_memory_read`'s) to the app.

    Example:
        >>> app = typer.Typer()
        >>> add_memory_commands(app)
        >>> [c.name for c in app.registered_commands][:3]
        ['ingest', 'recall', 'assess']
    """
    from .cli_memory_read import add_read_commands

    panel = "Memory"
    add_command(app, "ingest", ingest, epilog=INGEST_EPILOG, panel=panel)
    for name, function in (("recall", recall), ("assess", assess), ("feedback", feedback),
                           ("consolidate", consolidate), ("forget", forget)):  # fmt: skip
        # feedback: a negative REWARD (-1) is a value, not an unknown option
        settings = {"ignore_unknown_options": True} if name == "feedback" else None
        add_command(app, name, function, epilog=_EPILOGS[name], panel=panel,
                    context_settings=settings)  # fmt: skip
    add_read_commands(app, panel)
