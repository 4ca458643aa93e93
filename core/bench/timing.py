"""Timing helpers: latencies of single calls, and work kept off the measuring threads.

:func:`in_thread` exists because of OpenMP. torch (and FAISS) keep one team of worker threads
per thread that calls them; on a 2-core machine, once two threads have each run the model, both
teams compete and one short text takes about twice as long to embed (measured: 12 ms on the
memory's worker thread alone, 19-26 ms once the main thread has embedded too). The benchmarks
therefore do their own embedding (filling the cache, timing the model alone) on a short-lived
thread, whose team goes away when it ends, so that the memory under test runs the model as it
would in a process of its own.

Example:
    >>> from absmem.bench.timing import in_thread, time_calls
    >>> in_thread(sum, [1, 2, 3])
    6
    >>> len(time_calls(abs, [-1, -2]))
    2
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["in_thread", "load_average", "time_calls"]

T = TypeVar("T")


def time_calls(call: Callable[[Any], object], arguments: Sequence[Any]) -> list[float]:
    """Seconds taken by ``call(a)`` for each ``a``, one call at a time (garbage collected first)."""
    gc.collect()
    seconds = []
    for argument in arguments:
        start = time.perf_counter()
        call(argument)
        seconds.append(time.perf_counter() - start)
    return seconds


def in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run ``function(*args)`` on a new thread, wait for it, and return its result or raise."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as err:  # handed to the calling thread below
            outcome["error"] = err

    worker = threading.Thread(target=target, name="absmem-bench-embed")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def load_average() -> float | None:
    """The 1-minute load average (``None`` where the system has none): other work skews timings."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None
