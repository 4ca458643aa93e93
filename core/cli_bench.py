"""``absmem bench ingest | quality | index | consolidate``: the benchmarks on CLINC150.

``bench ingest`` times remember and recall as the store grows; ``bench index`` measures the
FAISS index's HNSW recall against exact search; ``bench quality`` runs the learning worlds;
``bench consolidate`` times ``consolidate()`` and its peak memory at 10k and 100k experiences.
Each writes ``<out>/<name>.json`` and regenerates its table in ``docs/benchmarks.md``. Relative
defaults (``results``, ``docs/benchmarks.md``, ``../shared/data``) are taken from the project
root: the nearest folder at or above the working directory that holds a ``pyproject.toml``
(else the working directory). ``bench perf`` and ``bench load`` live in :mod:`absmem.cli_perf`
and :mod:`absmem.cli_load`.

Example:
    >>> from absmem.cli import main
    >>> main(["bench", "ingest", "--sizes", "0,10"])  # refused before anything runs
    2
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from .bench.consolidate import ConsolidateBenchParams, consolidate_markdown, run_consolidate
from .bench.data import DATA_ENV, project_root
from .bench.index import IndexBenchParams, index_markdown, run_index
from .bench.ingest import IngestParams, ingest_markdown, run_ingest
from .bench.quality import WORLDS, run_quality
from .bench.report import update_section, write_json
from .cli_args import (
    EXAMPLES,
    DocsFile,
    EmbedderName,
    Names,
    NoDocs,
    OutFolder,
    Sizes,
    Verbose,
    add_command,
    build_embedder,
    check_docs,
    command_line,
    count,
    names_among,
    number_in,
    positive_list,
    start,
)
from .cli_console import line_progress, spinner
from .embed import Embedder

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "BenchOptions", "DataFolder", "Quick", "Seed", "bench_app", "bench_options", "counts",
    "docs_target", "override",
]  # fmt: skip

bench_app = typer.Typer(
    name="bench", rich_markup_mode="rich",
    help="Run a benchmark: results as JSON in <out>, its table regenerated in the docs.",
    epilog=f"{EXAMPLES}\n  absmem bench ingest --quick\n  absmem bench perf --sizes 10000,100000\n"
    "  absmem bench load --processes 4 --seconds 60",
)  # fmt: skip
"""The ``bench`` command group."""

Quick = Annotated[bool, typer.Option(
    "--quick", help="A smoke run; writes <out>/<name>-quick.json and leaves the docs alone "
    "unless --docs is given.")]  # fmt: skip
"""``--quick``."""
DataFolder = Annotated[Path | None, typer.Option(
    "--data", metavar="FOLDER", show_default=False,
    help=f"Folder holding clinc150/ (default: ${DATA_ENV}, else "
    "<project root>/../shared/data).")]  # fmt: skip
"""``--data FOLDER``."""
Seed = Annotated[int, typer.Option(parser=count(0), metavar="N",
                                   help="Seed of every random choice.")]  # fmt: skip
"""``--seed N``."""


def counts(help_text: str, minimum: int = 1) -> Any:
    """A ``typer.Option`` of an optional integer ``>= minimum`` with ``help_text``.

    Example:
        >>> counts("Timed calls per verb.").metavar
        'N'
    """
    return typer.Option(parser=count(minimum), metavar="N", show_default=False, help=help_text)


@dataclass(frozen=True)
class BenchOptions:
    """The options every benchmark of this module takes, and the command as typed.

    Example:
        >>> BenchOptions("ingest", quick=True).results_name
        'ingest-quick'
    """

    name: str
    quick: bool = False
    data: Path | None = None
    out: Path | None = None
    docs: Path | None = None
    no_docs: bool = False
    embedder: str = "minilm"
    seed: int = 0
    command: str = ""

    @property
    def results_name(self) -> str:
        """``<name>`` or ``<name>-quick``: the stem of the JSON file written."""
        return f"{self.name}{'-quick' if self.quick else ''}"

    @property
    def out_folder(self) -> Path:
        """``--out``, else ``<project root>/results``."""
        return self.out if self.out is not None else project_root() / "results"


P = TypeVar("P", bound="DataclassInstance")


def override(params: P, **values: Any) -> P:
    """``params`` with the options the user gave (``None`` means not given).

    Example:
        >>> override(IngestParams(), sizes=Sizes((5,)), ops=None).sizes
        (5,)
    """
    plain = {k: tuple(v) if isinstance(v, tuple) else v for k, v in values.items()}
    return dataclasses.replace(params, **{k: v for k, v in plain.items() if v is not None})


def docs_target(options: BenchOptions) -> Path | None:
    """The markdown file to update: ``--docs``, else the project's own unless quick/--no-docs.

    Example:
        >>> docs_target(BenchOptions("ingest", quick=True)) is None
        True
    """
    if options.docs is not None or options.quick or options.no_docs:
        return options.docs
    default = project_root() / "docs" / "benchmarks.md"
    if default.is_file():
        return default
    print(f"docs not updated: {default} not found (pass --docs PATH)")
    return None


def bench_options(ctx: typer.Context, name: str, **values: Any) -> BenchOptions:
    """Start a benchmark command: set up logging, check ``--docs``/``--no-docs``, keep the
    options and the command as typed (see :func:`absmem.cli_args.command_line`).

    Example:
        >>> from types import SimpleNamespace
        >>> ctx = SimpleNamespace(obj=None)
        >>> bench_options(ctx, "ingest", verbose=False, docs=None, no_docs=True).no_docs
        True
    """
    start(values.pop("verbose"))
    check_docs(values["docs"], values["no_docs"])
    return BenchOptions(name, command=command_line(ctx.obj), **values)


def _embedder(options: BenchOptions) -> Embedder:
    with spinner(f"loading the {options.embedder} embedder"):
        return build_embedder(options.embedder)


def _finish(options: BenchOptions, result: dict[str, Any], section: str) -> int:
    path = write_json(options.out_folder / f"{options.results_name}.json", result)
    print(section)
    print(f"\nwrote {path}")
    docs = docs_target(options)
    if docs is not None:
        update_section(docs, options.name, section)
        print(f"updated section {options.name!r} of {docs}")
    return 1 if result.get("failed") else 0


def bench_ingest(
    ctx: typer.Context, quick: Quick = False, data: DataFolder = None, out: OutFolder = None,
    docs: DocsFile = None, no_docs: NoDocs = False, embedder: EmbedderName = "minilm",
    seed: Seed = 0, verbose: Verbose = False,
    sizes: Annotated[Sizes | None, typer.Option(parser=positive_list, metavar="N,N",
        help="Store sizes (default 1000,10000,100000; quick: 1000,5000).")] = None,
    ops: Annotated[int | None, counts(
        "Timed calls per verb and size, precomputed vectors (default 300).")] = None,
    real_ops: Annotated[int | None, counts(
        "Timed calls per verb and size, real embedder (default 50).")] = None,
    chunk: Annotated[int | None, counts(
        "remember_many chunk used to fill the stores (default 256).")] = None,
) -> int:  # fmt: skip
    """Remember/recall latency at growing store sizes.

    Fills a store to each size (precomputed vectors), then times remember and recall with
    precomputed vectors and with the real embedder. Writes <out>/ingest.json and the section
    "ingest" of docs/benchmarks.md.
    """
    options = bench_options(ctx, "ingest", quick=quick, data=data, out=out, docs=docs,
                       no_docs=no_docs, embedder=embedder, seed=seed, verbose=verbose)  # fmt: skip
    base = IngestParams.quick() if quick else IngestParams()
    params = override(base, sizes=sizes, ops=ops, real_ops=real_ops, chunk=chunk, seed=seed)
    model = _embedder(options)
    with line_progress("bench ingest") as say:
        result = run_ingest(data, options.out_folder, params, embedder=model,
                            command=options.command, progress=say)  # fmt: skip
    return _finish(options, result, ingest_markdown(result))


def bench_index(
    ctx: typer.Context, quick: Quick = False, data: DataFolder = None, out: OutFolder = None,
    docs: DocsFile = None, no_docs: NoDocs = False, embedder: EmbedderName = "minilm",
    seed: Seed = 0, verbose: Verbose = False,
    ef: Annotated[Sizes | None, typer.Option(parser=positive_list, metavar="N,N",
        help="ef_search values to sweep (default 16,32,64,96,128,256).")] = None,
    big_size: Annotated[int | None, typer.Option(parser=count(0), metavar="N",
        help="Vectors in the larger jittered index, 0 to skip (default 100000).")] = None,
    base_limit: Annotated[int | None, counts(
        "Index at most this many utterances (default: all).")] = None,
    queries: Annotated[int | None, counts(
        "Score at most this many test queries (default: all).")] = None,
    latency_queries: Annotated[int | None, counts(
        "Queries timed one at a time (default 1000).")] = None,
) -> int:  # fmt: skip
    """HNSW recall@10 against exact search, and query latency.

    Sweeps ef_search on the CLINC150 utterances and on a larger jittered index. Writes
    <out>/index.json and the section "index" of docs/benchmarks.md.
    """
    options = bench_options(ctx, "index", quick=quick, data=data, out=out, docs=docs,
                       no_docs=no_docs, embedder=embedder, seed=seed, verbose=verbose)  # fmt: skip
    base = IndexBenchParams.quick() if quick else IndexBenchParams()
    params = override(base, ef_values=ef, big_size=big_size, base_limit=base_limit,
                      queries=queries, latency_queries=latency_queries, seed=seed)  # fmt: skip
    model = _embedder(options)
    with line_progress("bench index") as say:
        result = run_index(data, options.out_folder, params, embedder=model,
                           command=options.command, progress=say)  # fmt: skip
    return _finish(options, result, index_markdown(result))


def bench_consolidate(
    ctx: typer.Context, quick: Quick = False, data: DataFolder = None, out: OutFolder = None,
    docs: DocsFile = None, no_docs: NoDocs = False, embedder: EmbedderName = "minilm",
    seed: Seed = 0, verbose: Verbose = False,
    sizes: Annotated[Sizes | None, typer.Option(parser=positive_list, metavar="N,N",
        help="Store sizes, each in a fresh process (default 10000,100000; quick: 2000).")] = None,
    cores: Annotated[int | None, typer.Option(parser=count(0), metavar="N",
        help="CPU cores each size's process is pinned to, 0 for all (default 2).")] = None,
    feedback_share: Annotated[float | None, typer.Option(
        parser=number_in(0, 1, open_low=True), metavar="SHARE",
        help="Share of the experiences rated with feedback (default 0.3).")] = None,
    time_limit: Annotated[int | None, counts(
        "Seconds a size's process may run; past it the size is stopped and recorded as "
        "not measured (default: no limit).")] = None,
) -> int:  # fmt: skip
    """Consolidation time and peak memory at growing store sizes.

    Each size is measured in a fresh process, pinned to --cores. Writes <out>/consolidate.json
    and the section "consolidate" of docs/benchmarks.md.
    """
    options = bench_options(ctx, "consolidate", quick=quick, data=data, out=out, docs=docs,
                       no_docs=no_docs, embedder=embedder, seed=seed, verbose=verbose)  # fmt: skip
    base = ConsolidateBenchParams.quick() if quick else ConsolidateBenchParams()
    params = override(base, sizes=sizes, cores=cores, feedback_share=feedback_share,
                      time_limit=time_limit, seed=seed)  # fmt: skip
    model = _embedder(options)
    with line_progress("bench consolidate") as say:
        result = run_consolidate(data, options.out_folder, params, embedder=model,
                                 command=options.command, progress=say)  # fmt: skip
    return _finish(options, result, consolidate_markdown(result))


def bench_quality(
    ctx: typer.Context, quick: Quick = False, data: DataFolder = None, out: OutFolder = None,
    docs: DocsFile = None, no_docs: NoDocs = False, embedder: EmbedderName = "minilm",
    seed: Seed = 0, verbose: Verbose = False,
    only: Annotated[Names | None, typer.Option(
        parser=names_among(WORLDS.names()), metavar="NAMES",
        help=f"Comma-separated subset of {','.join(WORLDS.names())} (default: all).")] = None,
) -> int:  # fmt: skip
    """The learning worlds (strategy, satisfaction, locomo) with baselines.

    Writes <out>/<world>.json, its figures and the worlds' sections of docs/benchmarks.md.
    """
    options = bench_options(ctx, "quality", quick=quick, data=data, out=out, docs=docs,
                       no_docs=no_docs, embedder=embedder, seed=seed, verbose=verbose)  # fmt: skip
    model = _embedder(options)
    target = docs_target(options)
    with line_progress("bench quality") as say:
        outcomes = run_quality(
            tuple(only or WORLDS.names()), data, options.out_folder, quick=quick, seed=seed,
            embedder=model, docs=target, command=options.command, progress=say,
        )  # fmt: skip
    for outcome in outcomes:
        if outcome.skipped:
            print(f"{outcome.name}: not run: {outcome.skipped}")
            continue
        print(outcome.markdown)
        print(f"\n{outcome.name}: {outcome.seconds:.0f} s, wrote {outcome.json_path}"
              f" and {', '.join(outcome.figures) or 'no figure'}")  # fmt: skip
    if target is not None:
        print(f"updated {target}")
    return 1 if any(outcome.skipped for outcome in outcomes) else 0


_EPILOGS = {
    "ingest": f"{EXAMPLES}\n  absmem bench ingest\n  absmem bench ingest --quick\n"
    "  absmem bench ingest --sizes 1000,10000 --ops 100 --no-docs",
    "index": f"{EXAMPLES}\n  absmem bench index\n  absmem bench index --quick\n"
    "  absmem bench index --ef 32,64,128 --big-size 0 --no-docs",
    "consolidate": f"{EXAMPLES}\n  absmem bench consolidate\n  absmem bench consolidate --quick\n"
    "  absmem bench consolidate --sizes 10000 --cores 0 --time-limit 3600",
    "quality": f"{EXAMPLES}\n  absmem bench quality\n  absmem bench quality --quick\n"
    "  absmem bench quality --only strategy,locomo",
}

for _name, _function in (("ingest", bench_ingest), ("quality", bench_quality),
                         ("index", bench_index), ("consolidate", bench_consolidate)):  # fmt: skip
    add_command(bench_app, _name, _function, epilog=_EPILOGS[_name])
