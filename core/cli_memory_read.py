"""The read-only memory commands of ``absmem``: ``stats``, ``lessons``, ``explain``, ``export``.

They read the store directly (:func:`absmem.report.page.open_store`, as ``absmem report``
does): no embedder is built, no model is loaded, nothing is changed, and a folder without
``absmem.db`` is refused rather than created.

Example:
    >>> import argparse
    >>> from absmem.cli_memory import add_memory_commands
    >>> parser = argparse.ArgumentParser(prog="absmem")
    >>> add_memory_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["export", "./my-memory", "--lessons", "lessons.jsonl"])
    >>> str(args.lessons), args.graph
    ('lessons.jsonl', None)
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .cli_memory_io import table, write_graphml, write_lessons
from .engine import check_namespace
from .errors import InvalidArgumentError
from .report.data import ReportData
from .report.page import load_report, open_store
from .store.base import GraphStore

__all__ = ["FEEDBACK_SCAN", "READ_COMMANDS", "add_read_commands"]

FEEDBACK_SCAN = 10000
"""Most recently rated recalls ``explain`` searches for the feedback of a recall."""

_EPILOGS = {
    "stats": "examples:\n  absmem stats ./my-memory\n"
    "  absmem stats ./my-memory --namespace support",
    "lessons": "examples:\n  absmem lessons ./my-memory\n  absmem lessons ./my-memory --limit 5\n\n"
    "support: member experiences when learned; feedback: feedback weight behind the live\n"
    "statistics; utility: chance the lesson leads to success, as recall serves it.",
    "explain": "examples:\n  absmem explain ./my-memory 3f1c...e2\n\n"
    "RECALL_ID is the recall id printed by `absmem recall` (Recall.id in the library).",
    "export": "examples:\n  absmem export ./my-memory --lessons lessons.jsonl\n"
    "  absmem export ./my-memory --graph memory.graphml --lessons lessons.jsonl\n\n"
    "The GraphML file holds experience and lesson nodes; edges carry a `type` (the store's\n"
    "edge types, informed_by, member_of, refines) and a `weight`. Gephi and networkx read it.",
}

NewParser = Callable[..., argparse.ArgumentParser]


def add_read_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], new: NewParser
) -> None:
    """Add ``stats``, ``lessons``, ``explain`` and ``export``; ``new`` builds a command's parser
    with ``PATH`` and ``--namespace`` (see :mod:`absmem.cli_memory`).

    Example:
        >>> def new(commands, name, help_text, epilog, embeds=True):
        ...     parser = commands.add_parser(name, help=help_text, epilog=epilog)
        ...     parser.add_argument("path")
        ...     return parser
        >>> parser = argparse.ArgumentParser(prog="absmem")
        >>> add_read_commands(parser.add_subparsers(dest="command"), new)
        >>> parser.parse_args(["lessons", "./my-memory", "--limit", "0"]).limit
        0
    """
    new(commands, "stats", "how much a memory holds and how it is rated", _EPILOGS["stats"],
        embeds=False)  # fmt: skip
    lessons = new(commands, "lessons", "the lessons learned, with support, utility, advice and "
                  "avoid", _EPILOGS["lessons"], embeds=False)  # fmt: skip
    lessons.add_argument("--limit", type=_limit, default=20,
                         help="lessons to show, 0 for all (default: 20)")  # fmt: skip
    explain = new(commands, "explain", "what a recall served, why, and the feedback it got",
                  _EPILOGS["explain"], embeds=False)  # fmt: skip
    explain.add_argument("recall_id", metavar="RECALL_ID", help="the id printed by recall")
    export = new(commands, "export", "write the lessons (JSONL) or the graph (GraphML)",
                 _EPILOGS["export"], embeds=False)  # fmt: skip
    export.add_argument("--lessons", type=Path, default=None, help="JSONL file of the lessons")
    export.add_argument("--graph", type=Path, default=None, help="GraphML file of the graph")


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[GraphStore]:
    store = open_store(str(args.path))
    try:
        yield store
    finally:
        store.close()


def _data(args: argparse.Namespace, store: GraphStore) -> ReportData:
    return load_report(store, args.namespace)


def _stats(args: argparse.Namespace) -> None:
    with _store(args) as store:
        data = _data(args, store)
        held = [[ns, store.count(ns)] for ns in store.namespaces()]
    rewards = data.rewards
    live = sum(not lesson.retired for lesson in data.lessons)
    rows: list[list[Any]] = [
        ["namespace", data.namespace],
        ["experiences", data.experiences],
        ["rated experiences", data.rated_count],
        ["mean reward (rated)", f"{float(np.mean(rewards)):+.3f}" if len(rewards) else "-"],
        ["lessons", f"{len(data.lessons)} ({live} served, {len(data.lessons) - live} retired)"],
        ["first experience", _when(data.created_at.min()) if data.experiences else "-"],
        ["last experience", _when(data.created_at.max()) if data.experiences else "-"],
    ]
    print(table(["", "value"], rows, width=60))
    print()
    print(table(["namespaces", "experiences"], held or [["(none)", 0]]))


def _when(stamp: float) -> str:
    return dt.datetime.fromtimestamp(float(stamp), dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _lessons(args: argparse.Namespace) -> None:
    with _store(args) as store:
        lessons = _data(args, store).lessons
    if not lessons:
        print(f"no lessons yet in namespace {args.namespace!r}: run `absmem consolidate PATH`")
        return
    shown = lessons if args.limit == 0 else lessons[: args.limit]
    rows = [[row.number, row.id, "broad" if row.level else "specific", row.support,
             f"{row.feedback:.1f}", f"{row.utility:.2f}", row.advice or "-", row.avoid or "-"]
            for row in shown]  # fmt: skip
    print(table(["#", "id", "level", "support", "feedback", "utility", "advice", "avoid"], rows,
                width=40))  # fmt: skip
    print()
    for row in shown:
        print(f"{row.number}. {row.lesson}{' (retired)' if row.retired else ''}")
    if len(shown) < len(lessons):
        print(f"({len(lessons) - len(shown)} more: --limit 0 shows all)")


def _text(store: GraphStore, namespace: str, kind: str, item_id: str) -> tuple[str, str]:
    if kind == "experience":
        found = store.get_experience(namespace, item_id)
        return (found.context, found.response) if found else ("(erased)", "")
    lesson = next((a for a in store.abstractions(namespace) if a.id == item_id), None)
    return (lesson.lesson, "-") if lesson else ("(lesson no longer held)", "-")


def _explain(args: argparse.Namespace) -> None:
    namespace = check_namespace(args.namespace)
    with _store(args) as store:
        recall, items = store.get_recall(namespace, args.recall_id)
        log = store.get_policy_log(namespace, args.recall_id)
        rows = [
            [item.rank + 1, item.item_kind, item.item_id, f"{item.score:.3f}",
             f"{item.propensity:.3f}",
             "-" if item.similarity is None else f"{item.similarity:.3f}",
             *_text(store, namespace, item.item_kind, item.item_id)]
            for item in items
        ]  # fmt: skip
        rated = next((r for r in store.policy_history(namespace, FEEDBACK_SCAN)
                      if r.log.recall_id == recall.id), None)  # fmt: skip
        informed = [store.get_experience(namespace, i)
                    for i in store.experiences_for_recall(namespace, recall.id)]  # fmt: skip
    who = ", ".join(f"{k} {v}" for k, v in (("user", recall.user_id),
                                            ("session", recall.session_id)) if v)  # fmt: skip
    print(f"recall {recall.id} at {_when(recall.created_at)}{f' ({who})' if who else ''}")
    print(f"query: {recall.query}")
    print(f"policy: {recall.policy}" + (f", {len(log.candidates)} candidates ranked"
                                          if log else ", no policy log kept"))  # fmt: skip
    print()
    print(table(["rank", "kind", "id", "score", "propensity", "similarity", "context / lesson",
                 "response"], rows, width=36) if rows else "nothing was served")  # fmt: skip
    print()
    if rated is not None:
        print(f"feedback: {len(rated.rewards)} reward(s) came back: "
              + ", ".join(f"{r:+.2f}" for r in rated.rewards))  # fmt: skip
    else:
        print(f"feedback: none found (searched the {FEEDBACK_SCAN} most recently rated recalls)")
    for exp in (e for e in informed if e is not None):
        print(f"informed experience {exp.id}: {exp.response!r}, outcome mean "
              f"{exp.outcome.mean:.2f} over {exp.outcome.alpha + exp.outcome.beta - 2:.1f} "
              "feedback")  # fmt: skip


def _export(args: argparse.Namespace) -> None:
    if args.lessons is None and args.graph is None:
        raise InvalidArgumentError("lessons/graph", "at least one of --lessons FILE, --graph FILE")
    for out in (args.lessons, args.graph):
        if out is not None and out.is_dir():
            raise InvalidArgumentError("lessons/graph", "a file path, not a folder", str(out))
    with _store(args) as store:
        data = _data(args, store)
        if args.lessons is not None:
            count = write_lessons(data.lessons, args.lessons)
            print(f"wrote {args.lessons}: {count} lessons")
        if args.graph is not None:
            snapshot = store.snapshot(data.namespace)
            texts = {}
            for start in range(0, len(snapshot.seqs), 5000):
                seqs = [int(s) for s in snapshot.seqs[start : start + 5000]]
                for exp in store.get_experiences(data.namespace, seqs):
                    texts[exp.id] = (exp.context, exp.response)
            nodes, edges = write_graphml(snapshot, texts, args.graph)
            print(f"wrote {args.graph}: {nodes} nodes, {edges} edges")


READ_COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "stats": _stats, "lessons": _lessons, "explain": _explain, "export": _export,
}  # fmt: skip
"""Each read-only command's function, by name."""
