"""What every benchmark report shares: latency summaries, the machine, JSON and the docs table.

A benchmark writes its numbers to ``<out>/<name>.json`` and regenerates its section of
``docs/benchmarks.md``: the text between ``<!-- name:begin -->`` and ``<!-- name:end -->``.
Everything outside the markers is left as it is.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from absmem.bench.report import latency_cell, summarise, update_section
    >>> summarise([0.001, 0.002, 0.003])["p50_ms"]
    2.0
    >>> latency_cell({"recall": {"timed": summarise([0.001, 0.003])}}, "recall", "timed")
    '2.00 / 2.98'
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     doc = Path(folder) / "benchmarks.md"
    ...     _ = doc.write_text("# Benchmarks\\n<!-- demo:begin -->\\nold\\n<!-- demo:end -->\\n")
    ...     update_section(doc, "demo", "new")
    ...     print(doc.read_text())
    # Benchmarks
    <!-- demo:begin -->
    new
    <!-- demo:end -->
    <BLANKLINE>
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "describe_run",
    "latency_cell",
    "machine",
    "markdown_table",
    "now",
    "summarise",
    "update_section",
    "write_json",
]


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p99, mean and max of latencies given in seconds, in milliseconds (3 decimals)."""
    if not seconds:
        return {
            "n": 0,
            "p50_ms": float("nan"),
            "p99_ms": float("nan"),
            "mean_ms": float("nan"),
            "max_ms": float("nan"),
        }
    ms = np.asarray(seconds, dtype=np.float64) * 1000.0
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def latency_cell(row: Mapping[str, Any], verb: str, mode: str) -> str:
    """``"p50 / p99"`` in ms of ``row[verb][mode]`` (a :func:`summarise` result), for a table."""
    s = row[verb][mode]
    return f"{s['p50_ms']:.2f} / {s['p99_ms']:.2f}"


def machine() -> dict[str, Any]:
    """The machine and software the numbers were measured on.

    Example:
        >>> from absmem.bench.report import machine
        >>> machine()["cores"] >= 1
        True
    """
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 1,
        "usable_cores": usable,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "packages": {
            name: _version(name)
            for name in ("absmem", "numpy", "faiss-cpu", "torch", "sentence-transformers")
        },
    }


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def write_json(path: Path, payload: Mapping[str, Any]) -> Path:
    """Write ``payload`` as indented JSON (creating the folder); return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    os.replace(partial, path)
    return path


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table; numbers are right-aligned.

    Example:
        >>> from absmem.bench.report import markdown_table
        >>> print(markdown_table(["size", "p50"], [["1,000", "2.1"]]))
        | size | p50 |
        |---:|---:|
        | 1,000 | 2.1 |
    """
    align = ["---:" if _numeric(rows, i) else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _numeric(rows: Sequence[Sequence[object]], column: int) -> bool:
    cells = [str(row[column]) for row in rows if column < len(row)]
    return bool(cells) and all(c[:1].isdigit() or c[:1] in "-." for c in cells)


def describe_run(result: Mapping[str, Any]) -> str:
    """The lines that head a docs section: command, date, machine."""
    info = result["machine"]
    cores = info["cores"]
    text = (
        f"Command: `{result['command']}`  \n"
        f"Date: {result['date']}  \n"
        f"Machine: {info['cpu']}, {cores} core{'s' if cores != 1 else ''} "
        f"({info['system']}, Python {info['python']})"
    )
    load = result.get("load_average") or {}
    if load.get("start") is not None:
        text += (
            f"  \nLoad average (1 min) before the run: {load['start']}, at its end (the run "
            f"included): {load['end']}"
        )
    return text


def update_section(doc: Path, name: str, body: str) -> None:
    """Replace the text between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in ``doc``.

    A missing file is created; a file without the markers gets the section appended.
    """
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{body.strip()}\n{end}"
    text = doc.read_text() if doc.is_file() else "# Benchmarks\n"
    start, stop = text.find(begin), text.find(end)
    if start >= 0 and stop > start:
        text = text[:start] + section + text[stop + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    partial = doc.with_name(doc.name + ".tmp")
    partial.write_text(text)
    os.replace(partial, doc)
