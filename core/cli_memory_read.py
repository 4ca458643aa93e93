"""The read-only memory commands of ``absmem``: ``stats``, ``lessons``, ``explain``, ``export``.

They read the store directly (:func:`absmem.report.page.open_store`, as ``absmem report``
does): no embedder is built, no model is loaded, nothing is changed, and a folder without
``absmem.db`` is refused rather than created.

Example:
    >>> from absmem.cli import main
    >>> main(["lessons", "./my-memory", "--limit", "-1"])  # refused: a negative limit
    2
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from .cli_args import EXAMPLES, Verbose, add_command, count, start
from .cli_console import print_table, show, spinner, table
from .cli_memory import MemoryPath, Namespace
from .cli_memory_io import write_graphml, write_lessons
from .engine import check_namespace
from .errors import InvalidArgumentError
from .report.page import load_report, open_store
from .store.base import GraphStore

__all__ = ["add_read_commands"]

_EPILOGS = {
    "stats": f"{EXAMPLES}\n  absmem stats ./my-memory\n"
    "  absmem stats ./my-memory --namespace support",
    "lessons": f"{EXAMPLES}\n  absmem lessons ./my-memory\n"
    "  absmem lessons ./my-memory --limit 5\n\n"
    "support: member experiences when learned; feedback: feedback weight behind the\n"
    "live statistics; utility: chance the lesson leads to success, as recall serves it.",
    "explain": f"{EXAMPLES}\n  absmem explain ./my-memory rec_18eafb219efa8866db286f771faa391d\n\n"
    "RECALL_ID is the recall id printed by `absmem recall` (Recall.id in the library).",
    "export": f"{EXAMPLES}\n  absmem export ./my-memory --lessons lessons.jsonl\n"
    "  absmem export ./my-memory --graph memory.graphml --lessons lessons.jsonl\n\n"
    "The GraphML file holds experience and lesson nodes; edges carry a `type` (the\n"
    "store's edge types, informed_by, member_of, refines) and a `weight`. Gephi and\n"
    "networkx read it.",
}


@contextmanager
def _store(path: str) -> Iterator[GraphStore]:
    store = open_store(path)
    try:
        yield store
    finally:
        store.close()


def _when(stamp: float) -> str:
    return dt.datetime.fromtimestamp(float(stamp), dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def stats(path: MemoryPath, namespace: Namespace = "default", verbose: Verbose = False) -> int:
    """How much a memory holds and how it is rated."""
    start(verbose)
    with _store(path) as store:
        data = load_report(store, namespace)
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
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for name, value in rows:
        grid.add_row(name, str(value))
    show(grid)
    print()
    print_table(["namespace", "experiences"], held or [["(none)", 0]])
    return 0


def lessons(
    path: MemoryPath, namespace: Namespace = "default",
    limit: Annotated[int, typer.Option(parser=count(0), metavar="N",
                                       help="Lessons to show, 0 for all.")] = 20,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """The lessons learned, with support, utility, advice and avoid.

    Broad lessons each followed by their specific ones, as recall serves them; then each
    lesson's full text.
    """
    start(verbose)
    with _store(path) as store:
        found = load_report(store, namespace).lessons
    if not found:
        print(f"no lessons yet in namespace {namespace!r}: run `absmem consolidate PATH`")
        return 0
    shown = found if limit == 0 else found[:limit]
    rows = [[row.number, row.id, "broad" if row.level else "specific", row.support,
             f"{row.feedback:.1f}", f"{row.utility:.2f}", row.advice or "-", row.avoid or "-"]
            for row in shown]  # fmt: skip
    print_table(["#", "id", "level", "support", "feedback", "utility", "advice", "avoid"], rows,
                width=40)  # fmt: skip
    print()
    for row in shown:
        print(f"{row.number}. {row.lesson}{' (retired)' if row.retired else ''}")
    if len(shown) < len(found):
        print(f"({len(found) - len(shown)} more: --limit 0 shows all)")
    return 0


def _text(store: GraphStore, namespace: str, kind: str, item_id: str) -> tuple[str, str]:
    if kind == "experience":
        found = store.get_experience(namespace, item_id)
        return (found.context, found.response) if found else ("(erased)", "")
    lesson = next((a for a in store.abstractions(namespace) if a.id == item_id), None)
    return (lesson.lesson, "-") if lesson else ("(lesson no longer held)", "-")


def explain(
    path: MemoryPath,
    recall_id: Annotated[str, typer.Argument(metavar="RECALL_ID", show_default=False,
                                              help="The id printed by recall.")],
    namespace: Namespace = "default", verbose: Verbose = False,
) -> int:  # fmt: skip
    """What a recall served, why, and the feedback it got.

    The query, who asked, the policy and how many candidates it ranked; each served item with
    its score, propensity and similarity; then the rewards that came back.
    """
    start(verbose)
    namespace = check_namespace(namespace)
    with _store(path) as store:
        found, items = store.get_recall(namespace, recall_id)
        log = store.get_policy_log(namespace, recall_id)
        rows = [
            [item.rank + 1, item.item_kind, item.item_id, f"{item.score:.3f}",
             f"{item.propensity:.3f}",
             "-" if item.similarity is None else f"{item.similarity:.3f}",
             *_text(store, namespace, item.item_kind, item.item_id)]
            for item in items
        ]  # fmt: skip
        informed = [e for e in (store.get_experience(namespace, i)
                                for i in store.experiences_for_recall(namespace, found.id))
                    if e is not None]  # fmt: skip
        sessions = {e.session_id for e in informed if e.session_id is not None}
        targets = [found.id, *(e.id for e in informed), *sorted(sessions)]
        came_back = [f for f in store.feedback_log(namespace, targets=targets)
                     if f.target_kind != "session" or f.target_id in sessions]  # fmt: skip
    who = ", ".join(f"{k} {v}" for k, v in (("user", found.user_id),
                                            ("session", found.session_id)) if v)  # fmt: skip
    print(f"recall {found.id} at {_when(found.created_at)}{f' ({who})' if who else ''}")
    print(f"query: {found.query}")
    print(f"policy: {found.policy}" + (f", {len(log.candidates)} candidates ranked"
                                         if log else ", no policy log kept"))  # fmt: skip
    print()
    if rows:
        show(table(["rank", "kind", "id", "score", "propensity", "similarity",
                    "context / lesson", "response"], rows, width=36))  # fmt: skip
    else:
        print("nothing was served")
    print()
    if came_back:
        print(f"feedback: {len(came_back)} came back")
        show(table(["when", "on", "id", "reward"],
                   [[_when(f.created_at), f.target_kind, f.target_id, f"{f.reward:+.2f}"]
                    for f in came_back], width=40))  # fmt: skip
    else:
        print("feedback: none yet (on the recall, the experience it informed or its session)")
    for exp in informed:
        print(f"informed experience {exp.id}: {exp.response!r}, outcome mean "
              f"{exp.outcome.mean:.2f} over {exp.outcome.alpha + exp.outcome.beta - 2:.1f} "
              "feedback")  # fmt: skip
    return 0


def export(
    path: MemoryPath, namespace: Namespace = "default",
    lessons_file: Annotated[Path | None, typer.Option(
        "--lessons", metavar="FILE", show_default=False,
        help="JSONL file of the lessons.")] = None,
    graph_file: Annotated[Path | None, typer.Option(
        "--graph", metavar="FILE", show_default=False,
        help="GraphML file of the graph.")] = None,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """Write the lessons (JSONL) or the graph (GraphML).

    Give --lessons FILE, --graph FILE or both. The files are written; nothing goes to stdout
    but a line per file.
    """
    start(verbose)
    if lessons_file is None and graph_file is None:
        raise InvalidArgumentError("lessons/graph", "at least one of --lessons FILE, --graph FILE")
    for out in (lessons_file, graph_file):
        if out is not None and out.is_dir():
            raise InvalidArgumentError("lessons/graph", "a file path, not a folder", str(out))
    with _store(path) as store:
        data = load_report(store, namespace)
        if lessons_file is not None:
            written = write_lessons(data.lessons, lessons_file)
            print(f"wrote {lessons_file}: {written} lessons")
        if graph_file is not None:
            with spinner("reading the graph and writing GraphML"):
                snapshot = store.snapshot(data.namespace)
                texts = {}
                for first in range(0, len(snapshot.seqs), 5000):
                    seqs = [int(s) for s in snapshot.seqs[first : first + 5000]]
                    for exp in store.get_experiences(data.namespace, seqs):
                        texts[exp.id] = (exp.context, exp.response)
                nodes, edges = write_graphml(snapshot, texts, graph_file)
            print(f"wrote {graph_file}: {nodes} nodes, {edges} edges")
    return 0


def add_read_commands(app: typer.Typer, panel: str = "Memory") -> None:
    """Add ``stats``, ``lessons``, ``explain`` and ``export`` to the app, in help panel
    ``panel``.

    Example:
        >>> app = typer.Typer()
        >>> add_read_commands(app)
        >>> [c.name for c in app.registered_commands]
        ['stats', 'lessons', 'explain', 'export']
    """
    for name, function in (("stats", stats), ("lessons", lessons), ("explain", explain),
                           ("export", export)):  # fmt: skip
        add_command(app, name, function, epilog=_EPILOGS[name], panel=panel)
