"""The memory commands of ``absmem``: ``ingest``, ``recall``, ``assess``, ``feedback``,
``consolidate``, ``forget``, ``stats``, ``lessons``, ``explain`` and ``export``.

Each takes the memory as ``PATH`` (a folder made by :meth:`AbstractionMemory.open`, or a
``postgresql://`` URL) and ``--namespace``. The commands that embed text (``ingest``,
``recall``, ``assess``) or change the memory through the library (``feedback``,
``consolidate``, ``forget``) open it with the embedder named by ``--embedder``, which must be the
one the memory was built with. ``stats``, ``lessons``, ``explain`` and ``export`` read the store
directly, as ``absmem report`` does, and load no model. Only ``ingest`` creates a memory.

Example:
    >>> import argparse
    >>> from absmem.cli_memory import add_memory_commands
    >>> parser = argparse.ArgumentParser(prog="absmem")
    >>> add_memory_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["recall", "./my-memory", "lost card", "-k", "3"])
    >>> args.path, args.query, args.k, args.namespace, args.embedder
    ('./my-memory', 'lost card', 3, 'default', 'minilm')
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .cli_memory_io import FIELDS, Row, RowError, read_interactions, shorten, table
from .cli_memory_read import READ_COMMANDS, add_read_commands
from .embed import EMBEDDERS, Embedder
from .errors import InvalidArgumentError, UnknownTargetError
from .memory import AbstractionMemory

__all__ = [
    "BASIS_SHOWN",
    "MEMORY_COMMANDS",
    "add_memory_commands",
    "reward_type",
    "run_memory_command",
]

MakeEmbedder = Callable[[str], Embedder]

BASIS_SHOWN = 5
"""Heaviest experiences ``assess`` lists as the evidence of its estimate."""

INGEST_EPILOG = f"""file format (JSONL: one object a line; CSV: a header row, then one row each):
  context     required  the situation: the user's request or turn
  response    required  the response or action taken
  user_id     optional  who it came from (forget --user-id erases it)
  session_id  optional  the conversation (forget --session-id erases it)
  metadata    optional  a JSON object (in CSV: the object as JSON text in the cell)
  reward      optional  a number in [-1, 1], given as feedback on the stored experience
Blank cells and null values count as absent; other columns ({", ".join(FIELDS)}
are the only ones) are refused. The whole file is checked before anything is stored.

examples:
  absmem ingest ./my-memory chats.jsonl
  absmem ingest ./my-memory export.csv --namespace support --progress-every 5000
  {{"context": "I lost my card", "response": "I blocked it", "user_id": "u1", "reward": 1}}"""

_EPILOGS = {
    "recall": 'examples:\n  absmem recall ./my-memory "I lost my card"\n'
    '  absmem recall ./my-memory "pin reset" -k 3 --user-id u1\n\n'
    "Each recall is logged: rate it later with `absmem feedback PATH RECALL_ID REWARD`.",
    "assess": 'examples:\n  absmem assess ./my-memory "I lost my card" "I blocked it"\n\n'
    "Read-only: nothing is logged or stored.",
    "feedback": "examples:\n  absmem feedback ./my-memory 3f1c...e2 1.0\n"
    "  absmem feedback ./my-memory <experience id> -0.5\n\n"
    "TARGET is a recall id (from recall) or an experience id (from ingest or the library).",
    "consolidate": "examples:\n  absmem consolidate ./my-memory\n"
    "  absmem consolidate ./my-memory --no-retrain",
    "forget": "examples:\n  absmem forget ./my-memory --user-id u1\n"
    "  absmem forget ./my-memory --session-id s-42",
}

_OPTION = {
    "path": "PATH", "namespace": "--namespace", "query": "QUERY", "context": "CONTEXT",
    "response": "RESPONSE", "target": "TARGET", "reward": "REWARD", "user_id": "--user-id",
    "session_id": "--session-id", "k": "-k", "file": "FILE", "lessons/graph": "--lessons/--graph",
}  # fmt: skip
"""The command-line name of each argument the library may refuse."""


def _k(text: str) -> int:
    """``"5"`` -> ``5``; an integer in [1, 1000]."""
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected an integer in [1, 1000], got {text!r}") from err
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"expected an integer in [1, 1000], got {value}")
    return value


def reward_type(text: str) -> float:
    """``"-0.5"`` -> ``-0.5``; a finite number in [-1, 1].

    Example:
        >>> reward_type("2")
        Traceback (most recent call last):
          ...
        argparse.ArgumentTypeError: expected a number in [-1, 1], got '2'
    """
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not -1.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [-1, 1], got {text!r}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _new(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str,
    epilog: str, embeds: bool = True,
) -> argparse.ArgumentParser:  # fmt: skip
    """A memory command with ``PATH``, ``--namespace`` and (when it embeds) ``--embedder``."""
    parser = commands.add_parser(name, help=help_text, description=help_text[:1].upper()
                                 + help_text[1:] + ".", epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("path", metavar="PATH", help="the memory's folder, or a postgresql:// URL")
    parser.add_argument("--namespace", default="default", help="tenant (default: default)")
    if embeds:
        parser.add_argument("--embedder", choices=EMBEDDERS.names(), default="minilm",
                            help="the memory's embedder (default: minilm)")  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    return parser


def add_memory_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the memory commands to the ``absmem`` parser.

    Example:
        >>> parser = argparse.ArgumentParser(prog="absmem")
        >>> add_memory_commands(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["forget", "./my-memory", "--user-id", "u1"]).user_id
        'u1'
    """
    ingest = _new(commands, "ingest", "store the interactions of a JSONL or CSV file",
                  INGEST_EPILOG)  # fmt: skip
    ingest.add_argument("file", metavar="FILE", type=Path, help="JSONL or CSV of interactions")
    ingest.add_argument("--format", choices=("jsonl", "csv"), default=None,
                        help="file format (default: .csv is CSV, else JSONL)")  # fmt: skip
    ingest.add_argument("--progress-every", type=_positive, default=1000,
                        help="rows between progress lines on stderr (default: 1000)")  # fmt: skip
    recall = _new(commands, "recall", "recall the memories most likely to help", _EPILOGS["recall"])
    recall.add_argument("query", metavar="QUERY", help="the situation to recall for")
    recall.add_argument("-k", type=_k, default=5, help="items to serve, 1 to 1000 (default: 5)")
    recall.add_argument("--user-id", default=None, help="who asks (kept in the recall log)")
    recall.add_argument("--session-id", default=None, help="the conversation (kept in the log)")
    assess = _new(commands, "assess", "the reward a response can expect, from past feedback",
                  _EPILOGS["assess"])  # fmt: skip
    assess.add_argument("context", metavar="CONTEXT", help="the situation")
    assess.add_argument("response", metavar="RESPONSE", help="the candidate response")
    feedback = _new(commands, "feedback", "rate a recall or an experience", _EPILOGS["feedback"])
    feedback.add_argument("target", metavar="TARGET", help="a recall id or an experience id")
    feedback.add_argument("reward", metavar="REWARD", type=reward_type,
                          help="a number in [-1, 1] (thumbs up 1, thumbs down -1)")  # fmt: skip
    consolidate = _new(commands, "consolidate", "learn lessons: train the GNN, re-learn the "
                       "abstractions, compact old episodes", _EPILOGS["consolidate"])  # fmt: skip
    consolidate.add_argument("--no-retrain", action="store_true",
                             help="re-learn abstractions with the current model")  # fmt: skip
    forget = _new(commands, "forget", "erase everything of one user or one session",
                  _EPILOGS["forget"])  # fmt: skip
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-id", default=None, help="erase this user's data")
    who.add_argument("--session-id", default=None, help="erase this session's data")
    add_read_commands(commands, _new)


@contextmanager
def _memory(args: argparse.Namespace, make_embedder: MakeEmbedder) -> Iterator[AbstractionMemory]:
    """The memory at ``args.path``: it must exist unless the command is ``ingest``."""
    path = str(args.path)
    url = path.startswith(("postgresql://", "postgres://"))
    if not url and args.command != "ingest" and not (Path(path) / "absmem.db").is_file():
        raise InvalidArgumentError("path", "a memory folder holding absmem.db", path)
    memory = AbstractionMemory.open(path, embedder=make_embedder(args.embedder),
                                    namespace=args.namespace)  # fmt: skip
    try:
        yield memory
    finally:
        memory.close()


def _read_file(args: argparse.Namespace) -> list[Row]:
    """Every row of the ingest file, checked before the memory is opened."""
    if not args.file.is_file():
        raise InvalidArgumentError("file", "an existing JSONL or CSV file", str(args.file))
    return read_interactions(args.file, args.format)


def _ingest(args: argparse.Namespace, memory: AbstractionMemory, rows: list[Row]) -> None:
    step, ids = args.progress_every, []
    for start in range(0, len(rows), step):
        ids += memory.remember_many([row.interaction for row in rows[start : start + step]])
        print(f"ingest: stored {len(ids)}/{len(rows)}", file=sys.stderr, flush=True)
    rated = [(ids[i], row.reward) for i, row in enumerate(rows) if row.reward is not None]
    for done, (experience_id, reward) in enumerate(rated, start=1):
        memory.feedback(experience_id, reward)
        if done % step == 0:
            print(f"ingest: feedback {done}/{len(rated)}", file=sys.stderr, flush=True)
    total = memory.count()
    print(f"stored {len(ids)} interactions from {args.file} in namespace {args.namespace!r}, "
          f"{len(rated)} with feedback; the namespace now holds {total} experiences")  # fmt: skip


def _recall(args: argparse.Namespace, memory: AbstractionMemory) -> None:
    recall = memory.recall(args.query, k=args.k, user_id=args.user_id, session_id=args.session_id)
    rows = [
        [item.rank + 1, item.kind, item.id, f"{item.score:.3f}",
         item.context if item.kind == "experience" else item.text,
         item.response if item.kind == "experience" else item.advice]
        for item in recall.items
    ]  # fmt: skip
    if rows:
        print(table(["rank", "kind", "id", "score", "context / lesson", "response / advice"],
                    rows, width=40))  # fmt: skip
    else:
        print("nothing recalled: the namespace holds no experiences yet")
    print(f"recall id: {recall.id}  (rate it: absmem feedback PATH {recall.id} REWARD)")


def _assess(args: argparse.Namespace, memory: AbstractionMemory) -> None:
    a = memory.assess(args.context, args.response)
    print(f"expected reward: {a.expected_reward:+.3f}  (confidence {a.confidence:.2f}, "
          f"evidence {a.evidence:.2f}, prior {a.prior:+.3f})")  # fmt: skip
    rows = [[b.id, f"{b.weight:.3f}", f"{b.context_similarity:.3f}",
             f"{b.response_similarity:.3f}", f"{b.outcome.mean:.3f}",
             f"{b.outcome.alpha + b.outcome.beta - 2:.1f}"] for b in a.basis]  # fmt: skip
    if rows:
        print(table(["evidence: experience", "weight", "context sim", "response sim", "success",
                     "feedback"], rows[:BASIS_SHOWN]))  # fmt: skip
        if len(rows) > BASIS_SHOWN:
            print(f"({len(rows) - BASIS_SHOWN} lighter experiences also weighed)")
    else:
        print("no evidence: the namespace holds no rated experiences near this context")


def _feedback(args: argparse.Namespace, memory: AbstractionMemory) -> None:
    fb = memory.feedback(args.target, args.reward)
    print(f"feedback id: {fb.id}  ({fb.target_kind} {fb.target_id}, reward {fb.reward:+.2f})")


def _consolidate(args: argparse.Namespace, memory: AbstractionMemory) -> None:
    report = memory.consolidate(retrain=not args.no_retrain)
    rows: list[list[Any]] = [
        [name, value] for name, value in report.model_dump().items()
        if name not in ("training", "seconds", "policy")
    ]  # fmt: skip
    rows.append(["seconds", ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items())])
    for name in ("training", "policy"):
        data = getattr(report, name)
        rows.append([name, ", ".join(f"{k} {_short(v)}" for k, v in data.items()) or "-"])
    print(table(["field", "value"], rows, width=100))


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else shorten(str(value), 40)


def _forget(args: argparse.Namespace, memory: AbstractionMemory) -> None:
    report = memory.forget(user_id=args.user_id, session_id=args.session_id)
    who = f"user {args.user_id!r}" if args.user_id else f"session {args.session_id!r}"
    print(f"erased {who} from namespace {report.namespace!r}: {report.experiences} experiences, "
          f"{report.recalls} recalls, {report.feedback} feedback")  # fmt: skip


_VERBS: dict[str, Callable[[argparse.Namespace, AbstractionMemory], None]] = {
    "recall": _recall, "assess": _assess, "feedback": _feedback,
    "consolidate": _consolidate, "forget": _forget,
}  # fmt: skip

MEMORY_COMMANDS = frozenset(["ingest", *_VERBS, *READ_COMMANDS])
"""The names of the memory commands."""


def run_memory_command(args: argparse.Namespace, make_embedder: MakeEmbedder) -> int:
    """Run a memory command; returns the exit status (2: bad arguments, 1: unknown id).

    Example:
        >>> import argparse
        >>> run_memory_command(argparse.Namespace(command="stats", path="/no/such/memory",
        ...                                        namespace="default"), None)
        2
    """
    name = args.command
    try:
        if name in READ_COMMANDS:
            READ_COMMANDS[name](args)
        elif name == "ingest":
            rows = _read_file(args)
            with _memory(args, make_embedder) as memory:
                _ingest(args, memory, rows)
        else:
            with _memory(args, make_embedder) as memory:
                _VERBS[name](args, memory)
    except RowError as err:
        print(f"absmem {name}: error: FILE {args.file}: {err}", file=sys.stderr)
        return 2
    except UnknownTargetError as err:
        print(f"absmem {name}: error: {_OPTION.get(err.argument, err.argument)}: "
              f"{str(err).removeprefix(f'{err.argument}: ')}", file=sys.stderr)  # fmt: skip
        return 1
    except InvalidArgumentError as err:
        option = _OPTION.get(err.argument, err.argument.upper())
        message = str(err).removeprefix(f"{err.argument}: ")
        print(f"absmem {name}: error: {option}: {message}", file=sys.stderr)
        return 2
    return 0
