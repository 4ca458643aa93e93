"""``absmem bench perf``: absmem and its peers at growing store sizes (see
:mod:`absmem.bench.perf`).

Example:
    >>> from absmem.cli import build_parser
    >>> args = build_parser().parse_args(["bench", "perf", "--quick", "--sizes", "500"])
    >>> args.benchmark, args.sizes
    ('perf', (500,))
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .bench.perf import PerfParams, run_perf
from .bench.perf_peers import PEERS
from .bench.perf_report import perf_markdown, perf_plot
from .bench.report import update_section, write_json
from .embed import Embedder

__all__ = ["add_perf", "run_perf_cli"]

EPILOG = f"""examples:
  absmem bench perf                          # 10k, 100k and 1M; peers up to 100k (hours on 2 cores)
  absmem bench perf --sizes 10000,100000     # docs/performance.md as committed
  absmem bench perf --quick                  # smoke run: 1k and 3k, every system, minutes
  absmem bench perf --systems absmem,langchain-faiss

Systems: absmem, {", ".join(PEERS)}. A peer that cannot run is reported with the reason."""


def add_perf(
    kinds: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser, str], None],
    sizes: Callable[[str], tuple[int, ...]],
    count: Callable[[int], Callable[[str], int]],
) -> None:
    """Add ``bench perf`` with the options every benchmark shares (``common``)."""
    perf = kinds.add_parser(
        "perf", help="absmem and the memories users would pick instead, at growing sizes",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    common(perf, "perf")
    perf.add_argument(
        "--sizes",
        type=sizes,
        default=None,
        help="store sizes (default 10000,100000,1000000; quick: 1000,3000)",
    )
    perf.add_argument(
        "--systems",
        type=_systems,
        default=None,
        help=f"comma-separated subset of absmem,{','.join(PEERS)} (default: all)",
    )
    perf.add_argument(
        "--peer-max-size",
        type=count(0),
        default=None,
        help="largest size a peer is filled to (default 100000)",
    )
    perf.add_argument(
        "--section",
        type=_section,
        default="perf",
        help="name of the docs section to regenerate (default perf; e.g. perf-1m "
        "for a separate run at another size)",
    )
    perf.add_argument("--ops", type=count(1), default=None,
                      help="timed calls per verb, precomputed vectors (default 200)")  # fmt: skip


def run_perf_cli(
    args: argparse.Namespace, command: str, docs: Path | None, out: Path,
    factory: Callable[[], Embedder], progress: Callable[[str], None],
) -> int:  # fmt: skip
    """Run the benchmark, write ``<out>/<section>[-quick].json`` and its plot, update ``docs``.

    ``factory`` builds the embedder (in each fresh process when the run isolates sizes);
    ``progress`` is called with each line of progress.
    """
    base = PerfParams.quick() if args.quick else PerfParams()
    values: dict[str, Any] = {"sizes": args.sizes, "systems": args.systems, "ops": args.ops,
                              "peer_max_size": args.peer_max_size, "seed": args.seed}  # fmt: skip
    params = dataclasses.replace(base, **{k: v for k, v in values.items() if v is not None})
    result = run_perf(args.data, out, params, embedder=factory, command=command,
                      progress=progress)  # fmt: skip
    name = args.section + ("-quick" if args.quick else "")
    path = write_json(out / f"{name}.json", result)
    plot = perf_plot(result, out / f"{name}.png")
    section = perf_markdown(result)
    print(section)
    print(f"\nwrote {path} and {plot}")
    if docs is not None:
        if docs.name == "benchmarks.md":
            docs = docs.with_name("performance.md")
        if docs.is_file():
            figure = perf_plot(result, docs.parent / "figures" / f"{args.section}.png")
            update_section(
                docs, args.section, section + f"\n\n![absmem bench perf](figures/{figure.name})"
            )
            print(f"updated section {args.section!r} of {docs}")
    return 0


def _section(text: str) -> str:
    """A docs section name: lower-case letters, digits and dashes."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", text):
        raise argparse.ArgumentTypeError(
            f"expected lower-case letters, digits and dashes, got {text!r}"
        )
    return text


def _systems(text: str) -> tuple[str, ...]:
    """``"absmem,mem0"`` -> a tuple of known system names."""
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    known = ("absmem", *PEERS)
    if not names or any(name not in known for name in names):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated names among {','.join(known)}, got {text!r}"
        )
    return names
