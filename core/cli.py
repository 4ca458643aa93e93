"""The ``absmem`` command.

``absmem bench ingest`` times remember and recall as the store grows; ``absmem bench index``
measures the FAISS index's HNSW recall against exact search; ``absmem bench consolidate`` times
``consolidate()`` and its peak memory at 10k and 100k experiences. Each writes ``<out>/<name>.json``
and regenerates its table in ``docs/benchmarks.md``. Relative defaults (``results``,
``docs/benchmarks.md``, ``../shared/data``) are taken from the project root: the nearest folder at
or above the working directory that holds a ``pyproject.toml`` (else the working directory).

Example:
    >>> from absmem.cli import build_parser
    >>> args = build_parser().parse_args(["bench", "ingest", "--quick", "--sizes", "200,400"])
    >>> args.sizes
    (200, 400)
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import logging
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from . import __version__
from .bench.consolidate import ConsolidateBenchParams, consolidate_markdown, run_consolidate
from .bench.data import DATA_ENV, BenchDataError, project_root
from .bench.index import IndexBenchParams, index_markdown, run_index
from .bench.ingest import IngestParams, ingest_markdown, run_ingest
from .bench.quality import WORLDS, run_quality
from .bench.report import update_section, write_json
from .cli_load import add_load, run_load_cli
from .cli_memory import MEMORY_COMMANDS, add_memory_commands, run_memory_command
from .cli_perf import add_perf, run_perf_cli
from .cli_policy import add_eval_policy, run_eval_policy
from .cli_report import add_report, run_report_cli
from .embed import EMBEDDERS, Embedder
from .errors import AbsmemError

__all__ = ["build_parser", "main"]

DESCRIPTION = "absmem: memory for LLM agents. Benchmarks and maintenance commands."


def _positive_list(text: str) -> tuple[int, ...]:
    """``"1000,10000"`` -> ``(1000, 10000)``; every item a positive integer."""
    try:
        values = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError as err:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 1000,10000, got {text!r}"
        ) from err
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 1000,10000, got {text!r}"
        )
    return values


def _names(text: str) -> tuple[str, ...]:
    """``"strategy,locomo"`` -> a tuple of known quality benchmark names."""
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in WORLDS.names()]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated names among {','.join(WORLDS.names())}, got {text!r}"
        )
    return names


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError as err:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from err
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    return parse


def _common(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run; writes <out>/{name}-quick.json and leaves the docs "
        "alone unless --docs is given",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"folder holding clinc150/ (default: ${DATA_ENV}, else <project root>/../shared/data)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results folder; embeddings are cached in <out>/cache "
        "(default: <project root>/results)",
    )
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="markdown file whose section is regenerated "
        "(default: <project root>/docs/benchmarks.md, when it exists)",
    )
    docs.add_argument("--no-docs", action="store_true", help="do not touch the docs")
    parser.add_argument(
        "--embedder",
        choices=EMBEDDERS.names(),
        default="minilm",
        help="the real embedding model (default: minilm)",
    )
    parser.add_argument("--seed", type=_count(0), default=0, help="seed of every random choice")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")


def build_parser() -> argparse.ArgumentParser:
    """The ``absmem`` argument parser."""
    parser = argparse.ArgumentParser(prog="absmem", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"absmem {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="the main job: an agent learns from feedback (about 2 minutes, offline)"
    )
    demo.add_argument(
        "--folder",
        type=Path,
        default=None,
        help="new folder for the demo's memory and outputs (default: ./absmem-demo-<time>)",
    )
    demo.add_argument(
        "--interactions", type=_count(10), default=10000, help="requests in the stream"
    )
    demo.add_argument("--seed", type=int, default=0, help="seed of the world and the agent")
    demo.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    bench = commands.add_parser("bench", help="run a benchmark")
    kinds = bench.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")

    ingest = kinds.add_parser("ingest", help="remember/recall latency at growing store sizes")
    _common(ingest, "ingest")
    ingest.add_argument(
        "--sizes",
        type=_positive_list,
        default=None,
        help="store sizes (default 1000,10000,100000; quick: 1000,5000)",
    )
    ingest.add_argument(
        "--ops",
        type=_count(1),
        default=None,
        help="timed calls per verb and size, precomputed vectors (default 300)",
    )
    ingest.add_argument(
        "--real-ops",
        type=_count(1),
        default=None,
        help="timed calls per verb and size, real embedder (default 50)",
    )
    ingest.add_argument(
        "--chunk",
        type=_count(1),
        default=None,
        help="remember_many chunk used to fill the stores (default 256)",
    )

    quality = kinds.add_parser(
        "quality", help="the learning worlds (strategy, satisfaction, locomo) with baselines"
    )
    _common(quality, "quality")
    quality.add_argument(
        "--only",
        type=_names,
        default=None,
        help="comma-separated subset of strategy,satisfaction,locomo (default: all)",
    )

    index = kinds.add_parser("index", help="HNSW recall@10 against exact search")
    _common(index, "index")
    index.add_argument(
        "--ef",
        type=_positive_list,
        default=None,
        help="ef_search values to sweep (default 16,32,64,96,128,256)",
    )
    index.add_argument(
        "--big-size",
        type=_count(0),
        default=None,
        help="vectors in the larger jittered index, 0 to skip (default 100000)",
    )
    index.add_argument(
        "--base-limit",
        type=_count(1),
        default=None,
        help="index at most this many utterances (default: all)",
    )
    index.add_argument(
        "--queries",
        type=_count(1),
        default=None,
        help="score at most this many test queries (default: all)",
    )
    index.add_argument(
        "--latency-queries",
        type=_count(1),
        default=None,
        help="queries timed one at a time (default 1000)",
    )
    _consolidate_parser(kinds)
    add_perf(kinds, _common, _positive_list, _count)
    add_load(kinds, _count)
    add_eval_policy(commands)
    add_report(commands)
    add_memory_commands(commands)
    return parser


def _share(text: str) -> float:
    """``"0.3"`` -> ``0.3``; a number in (0, 1]."""
    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from err
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {value}")
    return value


def _consolidate_parser(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    consolidate = kinds.add_parser(
        "consolidate", help="consolidation time and peak memory at growing store sizes"
    )
    _common(consolidate, "consolidate")
    consolidate.add_argument(
        "--sizes",
        type=_positive_list,
        default=None,
        help="store sizes, each in a fresh process (default 10000,100000; quick: 2000)",
    )
    consolidate.add_argument(
        "--cores",
        type=_count(0),
        default=None,
        help="CPU cores each size's process is pinned to, 0 for all (default 2)",
    )
    consolidate.add_argument(
        "--feedback-share",
        type=_share,
        default=None,
        help="share of the experiences rated with feedback (default 0.3)",
    )
    consolidate.add_argument(
        "--time-limit",
        type=_count(1),
        default=None,
        help="seconds a size's process may run; past it the size is stopped and recorded as "
        "not measured (default: no limit)",
    )


P = TypeVar("P", IngestParams, IndexBenchParams, ConsolidateBenchParams)


def _override(params: P, **values: Any) -> P:
    """``params`` with the options the user gave (``None`` means not given)."""
    return dataclasses.replace(params, **{k: v for k, v in values.items() if v is not None})


def _ingest_params(args: argparse.Namespace) -> IngestParams:
    base = IngestParams.quick() if args.quick else IngestParams()
    return _override(
        base,
        sizes=args.sizes,
        ops=args.ops,
        real_ops=args.real_ops,
        chunk=args.chunk,
        seed=args.seed,
    )


def _index_params(args: argparse.Namespace) -> IndexBenchParams:
    base = IndexBenchParams.quick() if args.quick else IndexBenchParams()
    return _override(
        base,
        ef_values=args.ef,
        big_size=args.big_size,
        base_limit=args.base_limit,
        queries=args.queries,
        latency_queries=args.latency_queries,
        seed=args.seed,
    )


def _consolidate_params(args: argparse.Namespace) -> ConsolidateBenchParams:
    base = ConsolidateBenchParams.quick() if args.quick else ConsolidateBenchParams()
    return _override(
        base,
        sizes=args.sizes,
        cores=args.cores,
        feedback_share=args.feedback_share,
        time_limit=args.time_limit,
        seed=args.seed,
    )


def make_embedder(name: str) -> Embedder:
    """The real embedder named on the command line, from :data:`absmem.embed.EMBEDDERS`."""
    return EMBEDDERS.get(name)()


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _run_bench(args: argparse.Namespace, command: str) -> int:
    root = project_root()
    out = args.out if args.out is not None else root / "results"
    name = args.benchmark
    if name == "load":  # each worker process builds its own embedder
        return run_load_cli(args, command, root, _progress)
    if name == "perf":  # each process of the benchmark builds its own embedder
        factory = functools.partial(make_embedder, args.embedder)
        return run_perf_cli(args, command, _docs(args, root), Path(out), factory, _progress)
    embedder = make_embedder(args.embedder)
    if name == "quality":
        return _run_quality(args, command, root, out, embedder)
    if name == "ingest":
        result = run_ingest(
            args.data,
            out,
            _ingest_params(args),
            embedder=embedder,
            command=command,
            progress=_progress,
        )
        section = ingest_markdown(result)
    elif name == "consolidate":
        result = run_consolidate(
            args.data,
            out,
            _consolidate_params(args),
            embedder=embedder,
            command=command,
            progress=_progress,
        )
        section = consolidate_markdown(result)
    else:
        result = run_index(
            args.data,
            out,
            _index_params(args),
            embedder=embedder,
            command=command,
            progress=_progress,
        )
        section = index_markdown(result)
    path = write_json(Path(out) / f"{name}{'-quick' if args.quick else ''}.json", result)
    print(section)
    print(f"\nwrote {path}")
    docs = _docs(args, root)
    if docs is not None:
        update_section(docs, name, section)
        print(f"updated section {name!r} of {docs}")
    return 1 if result.get("failed") else 0


def _docs(args: argparse.Namespace, root: Path) -> Path | None:
    """The markdown file to update: ``--docs``, else the project's own unless quick/--no-docs."""
    if args.docs is not None or args.quick or args.no_docs:
        return args.docs  # type: ignore[no-any-return]
    default = root / "docs" / "benchmarks.md"
    if default.is_file():
        return default
    print(f"docs not updated: {default} not found (pass --docs PATH)")
    return None


def _run_quality(
    args: argparse.Namespace, command: str, root: Path, out: Path, embedder: Embedder
) -> int:
    docs = _docs(args, root)
    outcomes = run_quality(
        args.only or WORLDS.names(), args.data, Path(out), quick=args.quick, seed=args.seed,
        embedder=embedder, docs=docs, command=command, progress=_progress,
    )  # fmt: skip
    for outcome in outcomes:
        if outcome.skipped:
            print(f"{outcome.name}: not run: {outcome.skipped}")
            continue
        print(outcome.markdown)
        print(f"\n{outcome.name}: {outcome.seconds:.0f} s, wrote {outcome.json_path}"
              f" and {', '.join(outcome.figures) or 'no figure'}")  # fmt: skip
    if docs is not None:
        print(f"updated {docs}")
    return 1 if any(outcome.skipped for outcome in outcomes) else 0


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import DemoParams, run_demo

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = args.folder if args.folder is not None else Path(f"absmem-demo-{stamp}")
    if folder.exists():
        print(f"absmem: error: --folder: expected a new folder, {folder} exists", file=sys.stderr)
        return 2
    run_demo(folder, DemoParams(interactions=args.interactions, seed=args.seed))
    return 0


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 (a return per command family)
    """Run the ``absmem`` command; returns the exit status (2 for bad arguments).

    Example:
        >>> from absmem.cli import main
        >>> main(["--version"])  # doctest: +SKIP
        absmem 0.1.0
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(arguments)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    command = shlex.join(["absmem", *arguments])
    try:
        if args.command == "demo":
            return _run_demo(args)
        if args.command == "eval-policy":
            return run_eval_policy(args)
        if args.command == "report":
            return run_report_cli(args)
        if args.command in MEMORY_COMMANDS:
            return run_memory_command(args, make_embedder)
        return _run_bench(args, command)
    except BenchDataError as err:
        print(f"absmem: error: {err}", file=sys.stderr)
        return 1
    except AbsmemError as err:
        print(f"absmem: error: {err}", file=sys.stderr)
        return 2
