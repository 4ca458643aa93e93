"""``absmem bench perf``: absmem and its peers at growing store sizes (see
:mod:`absmem.bench.perf`).

Example:
    >>> from absmem.cli import main
    >>> main(["bench", "perf", "--systems", "absmem,nope"])  # refused: an unknown system
    2
"""

from __future__ import annotations

import functools
from typing import Annotated

import typer

from .bench.perf import PerfParams, run_perf
from .bench.perf_peers import PEERS
from .bench.perf_report import perf_markdown, perf_plot
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
    names_among,
    positive_list,
    section_name,
)
from .cli_bench import DataFolder, Quick, Seed, bench_options, counts, docs_target, override
from .cli_console import line_progress

__all__ = ["EPILOG", "add_perf"]

EPILOG = f"""{EXAMPLES}
  absmem bench perf                       # 10k, 100k and 1M; peers up to 100k
  absmem bench perf --sizes 10000,100000  # docs/performance.md as committed
  absmem bench perf --quick               # 1k and 3k, every system, minutes
  absmem bench perf --systems absmem,langchain-faiss

Systems: absmem, {", ".join(PEERS)}.
A peer that cannot run is reported with the reason."""
"""The examples of ``absmem bench perf --help``."""


def bench_perf(
    ctx: typer.Context, quick: Quick = False, data: DataFolder = None, out: OutFolder = None,
    docs: DocsFile = None, no_docs: NoDocs = False, embedder: EmbedderName = "minilm",
    seed: Seed = 0, verbose: Verbose = False,
    sizes: Annotated[Sizes | None, typer.Option(parser=positive_list, metavar="N,N",
        help="Store sizes (default 10000,100000,1000000; quick: 1000,3000).")] = None,
    systems: Annotated[Names | None, typer.Option(
        parser=names_among(("absmem", *PEERS)), metavar="NAMES",
        help=f"Comma-separated subset of absmem,{','.join(PEERS)} (default: all).")] = None,
    peer_max_size: Annotated[int | None, counts(
        "Largest size a peer is filled to (default 100000).", minimum=0)] = None,
    section: Annotated[str, typer.Option(parser=section_name, metavar="NAME",
        help="Name of the docs section to regenerate (e.g. perf-1m for a separate run at "
        "another size).")] = "perf",
    ops: Annotated[int | None, counts(
        "Timed calls per verb, precomputed vectors (default 200).")] = None,
) -> int:  # fmt: skip
    """absmem and the memories users would pick instead, at growing sizes.

    Fills absmem and each peer to every size and times remember and recall. Writes
    <out>/<section>.json and its plot, and the section of docs/performance.md.
    """
    options = bench_options(ctx, "perf", quick=quick, data=data, out=out, docs=docs,
                       no_docs=no_docs, embedder=embedder, seed=seed, verbose=verbose)  # fmt: skip
    target = docs_target(options)
    base = PerfParams.quick() if quick else PerfParams()
    params = override(base, sizes=sizes, systems=systems, ops=ops, peer_max_size=peer_max_size,
                      seed=seed)  # fmt: skip
    factory = functools.partial(build_embedder, embedder)  # built in each process of the run
    with line_progress("bench perf") as say:
        result = run_perf(data, options.out_folder, params, embedder=factory,
                          command=options.command, progress=say)  # fmt: skip
    name = section + ("-quick" if quick else "")
    path = write_json(options.out_folder / f"{name}.json", result)
    plot = perf_plot(result, options.out_folder / f"{name}.png")
    markdown = perf_markdown(result)
    print(markdown)
    print(f"\nwrote {path} and {plot}")
    if target is not None:
        if target.name == "benchmarks.md":
            target = target.with_name("performance.md")
        if target.is_file():
            figure = perf_plot(result, target.parent / "figures" / f"{section}.png")
            update_section(
                target, section, markdown + f"\n\n![absmem bench perf](figures/{figure.name})"
            )
            print(f"updated section {section!r} of {target}")
    return 0


def add_perf(bench: typer.Typer) -> None:
    """Add ``bench perf`` to the ``bench`` group.

    Example:
        >>> group = typer.Typer()
        >>> add_perf(group)
        >>> [c.name for c in group.registered_commands]
        ['perf']
    """
    add_command(bench, "perf", bench_perf, epilog=EPILOG)
