"""The ``absmem`` command (a Typer app with Rich output).

``absmem demo`` runs the learning demo; the memory commands (``ingest``, ``recall``, ``assess``,
``feedback``, ``consolidate``, ``forget``, ``stats``, ``lessons``, ``explain``, ``export``) work
on a memory without code (:mod:`absmem.cli_memory`, :mod:`absmem.cli_memory_read`); ``report``
and ``eval-policy`` describe one; ``bench ...`` runs the benchmarks (:mod:`absmem.cli_bench`).
Every command has ``--help`` with examples.

Exit status: 0 done; 1 an id the memory does not hold, missing benchmark data, or a benchmark
or load run that failed; 2 a bad argument (the message names it and what was expected).

Example:
    >>> from absmem.cli import main
    >>> main(["--version"])
    absmem ...
    0
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from . import __version__
from .bench.data import BenchDataError
from .cli_args import EXAMPLES, Invocation, Verbose, add_command, count, start
from .cli_bench import bench_app
from .cli_console import bar_stream, print_error
from .cli_find import add_find_command
from .cli_load import add_load
from .cli_memory import add_memory_commands
from .cli_perf import add_perf
from .cli_policy import add_eval_policy
from .cli_report import add_report
from .embed import EMBEDDERS, Embedder
from .errors import (
    AbsmemError,
    EmbedderMismatchError,
    InvalidArgumentError,
    StoreBusyError,
    StoreUnavailableError,
    UnknownTargetError,
)

__all__ = ["app", "main", "make_embedder"]

_UNKNOWN_HINTS = {
    "abstraction_id": "use an id printed by `absmem lessons`",
    "session_id": "use a session id the memory holds (`session_id` of the ingested rows)",
    "run_id": "use a run id an adapter linked (LangChain or LlamaIndex run ids)",
}
"""The fix shown for an unknown id, by the argument the library names."""

DESCRIPTION = "absmem: memory for LLM agents that learns from feedback."

_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
"""The base class of Typer's argument errors (vendored or Click's, by Typer version)."""

_ALIASES = {"out_path": "output"}
"""Library argument names that a command's option spells differently."""

_NAMES = {"lessons/graph": "--lessons/--graph"}
"""Library argument names that stand for several options."""

app = typer.Typer(
    name="absmem",
    epilog=f"{EXAMPLES}\n  absmem demo\n  absmem ingest ./my-memory chats.jsonl\n"
    '  absmem recall ./my-memory "I lost my card"\n  absmem stats ./my-memory\n'
    "  absmem bench ingest --quick",
    rich_markup_mode="rich", add_completion=False, pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)  # fmt: skip
"""The ``absmem`` Typer app; :func:`main` runs it."""


def make_embedder(name: str) -> Embedder:
    """The real embedder named on the command line, from :data:`absmem.embed.EMBEDDERS`.

    Example:
        >>> make_embedder("minilm").dim  # doctest: +SKIP
        384
    """
    return EMBEDDERS.get(name)()


def _version(shown: bool) -> None:
    if shown:
        print(f"absmem {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:  # fmt: skip
    """absmem: memory for LLM agents that learns from feedback.

    Every command has --help with examples.
    """


def demo(
    folder: Annotated[Path | None, typer.Option(
        metavar="FOLDER", show_default=False,
        help="New folder for the demo's memory and outputs (default: ./absmem-demo-<time>).")
    ] = None,
    interactions: Annotated[int, typer.Option(parser=count(10), metavar="N",
                                              help="Requests in the stream.")] = 10000,
    seed: Annotated[int, typer.Option(parser=count(0), metavar="N",
                                      help="Seed of the world and the agent.")] = 0,
    verbose: Verbose = False,
) -> int:  # fmt: skip
    """The main job: an agent learns from feedback (about 2 minutes, offline).

    A support agent answers a stream of requests; absmem remembers what worked and what did
    not, and learns lessons. Writes the memory, a learning curve and a summary to the folder.
    """
    from .demo import DemoParams, run_demo

    start(verbose)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = folder if folder is not None else Path(f"absmem-demo-{stamp}")
    if folder.exists():
        print_error(
            f"--folder: expected a new folder, {folder} exists",
            prog="absmem demo",
            hint="pick a folder that does not exist yet, or leave out --folder",
        )
        return 2
    with bar_stream("absmem demo: interactions") as stream:
        run_demo(folder, DemoParams(interactions=interactions, seed=seed), bar_stream=stream)
    return 0


add_command(
    app,
    "demo",
    demo,
    panel="Start here",
    epilog=f"{EXAMPLES}\n  absmem demo\n"
    "  absmem demo --interactions 2000 --seed 1\n  absmem demo --folder ./demo-run",
)
add_memory_commands(app)
add_find_command(app, "Memory")
add_report(app)
add_eval_policy(app)
add_perf(bench_app)
add_load(bench_app)
app.add_typer(bench_app, name="bench", rich_help_panel="Benchmarks")


def _leaf(root: Any, arguments: Sequence[str]) -> tuple[str, Any]:
    """The command that ``arguments`` name (``absmem bench ingest``) and its Click object."""
    path, command = ["absmem"], root
    for token in arguments:
        commands = getattr(command, "commands", None)
        if not commands or token not in commands:
            break
        path.append(token)
        command = commands[token]
    return " ".join(path), command


def _param_name(param: Any) -> str:
    """How the command line spells a parameter: ``--user-id``, ``-k``, ``QUERY``."""
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.metavar or param.name.upper())
    opts = list(getattr(param, "opts", []))
    return next((o for o in opts if o.startswith("--")), opts[0] if opts else str(param.name))


def _argument(command: Any, argument: str) -> str:
    """The command-line name of a library argument the command passed on."""
    if argument in _NAMES:
        return _NAMES[argument]
    wanted = _ALIASES.get(argument, argument)
    for param in getattr(command, "params", []):
        if param.name == wanted:
            return _param_name(param)
    return argument


def _usage_error(err: Exception, prog: str) -> int:
    """Print a Typer/Click usage error as ``<prog>: error: <option>: <message>``; returns 2."""
    param, hint = getattr(err, "param", None), getattr(err, "param_hint", None)
    message = str(getattr(err, "message", "") or "")
    if type(err).__name__ == "MissingParameter":
        name = hint if isinstance(hint, str) else _param_name(param) if param else "argument"
        help_text = str(getattr(param, "help", "") or "").rstrip(".")
        help_text = help_text[:1].lower() + help_text[1:]
        message = f"{name}: required, not given" + (f" ({help_text})" if help_text else "")
    elif isinstance(err, typer.BadParameter):
        name = hint if isinstance(hint, str) else _param_name(param) if param else ""
        message = f"{name}: {message}" if name else message
    else:
        text = getattr(err, "format_message", lambda: message)()
        message = (text[:1].lower() + text[1:]).rstrip(".")
        commands = getattr(getattr(getattr(err, "ctx", None), "command", None), "commands", {})
        if message == "missing command" and commands:
            message = f"missing COMMAND: one of {', '.join(commands)}"
    print_error(message, prog=prog, hint=f"see `{prog} --help` for the arguments and examples")
    return int(getattr(err, "exit_code", 2))


def _library_error(err: AbsmemError, prog: str, command: Any) -> int:
    """Print an error absmem raised on purpose; returns its exit status (1 or 2)."""
    message, hint = str(err), None
    argument = getattr(err, "argument", None)
    if isinstance(argument, str):
        message = f"{_argument(command, argument)}: {message.removeprefix(f'{argument}: ')}"
    if isinstance(err, InvalidArgumentError) and "absmem.db" in err.expected:
        hint = "create a memory with `absmem ingest PATH FILE`, or check PATH"
    elif isinstance(err, UnknownTargetError):
        hint = _UNKNOWN_HINTS.get(
            str(argument), "use an id printed by `absmem recall` (or returned by the library)"
        )
    elif isinstance(err, EmbedderMismatchError):
        hint = "pass the memory's own --embedder"
    elif isinstance(err, StoreBusyError):
        hint = "another process holds the store; run the command again"
    elif isinstance(err, StoreUnavailableError):
        hint = "check the postgresql:// URL and that the server is running"
    print_error(message, prog=prog, hint=hint)
    return 1 if isinstance(err, BenchDataError | UnknownTargetError) else 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``absmem`` command; returns the exit status (2 for bad arguments).

    Example:
        >>> main(["stats", "--limit", "3"])  # stats has no --limit: an error on stderr
        2
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    prog, leaf = _leaf(command, arguments)
    try:
        status = command.main(args=arguments, prog_name="absmem", standalone_mode=False,
                              obj=Invocation(arguments))  # fmt: skip
    except _CLICK_ERROR as err:
        return _usage_error(err, prog)
    except typer.Abort:
        print_error("aborted", prog=prog)
        return 1
    except AbsmemError as err:
        return _library_error(err, prog, leaf)
    return status if isinstance(status, int) else 0
