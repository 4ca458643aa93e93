"""Timing helpers: calls off the calling thread, latencies, load average."""

from __future__ import annotations

import threading

import pytest

from absmem.bench.timing import in_thread, load_average, time_calls


def test_in_thread_returns_and_raises_on_another_thread() -> None:
    assert in_thread(lambda: threading.current_thread().name) == "absmem-bench-embed"

    def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        in_thread(fail)


def test_time_calls_one_positive_duration_per_argument() -> None:
    seen: list[int] = []
    seconds = time_calls(seen.append, [1, 2, 3])
    assert seen == [1, 2, 3]
    assert len(seconds) == 3
    assert all(s >= 0 for s in seconds)


def test_load_average_is_a_number_or_none() -> None:
    value = load_average()
    assert value is None or value >= 0
