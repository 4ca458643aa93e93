"""The store package's public names, and PostgresStore imported only when asked for."""

from __future__ import annotations

import subprocess
import sys

import absmem.store

EXPECTED_ALL = [
    "STORES",
    "CandidateStats",
    "CreditRow",
    "EdgeRow",
    "ExperienceRow",
    "FeedbackRow",
    "ForgetResult",
    "GraphStore",
    "PostgresStore",
    "RecallItemRow",
    "RecallRow",
    "SQLiteStore",
    "StoredExperience",
]


def test_all_names_are_pinned() -> None:
    assert sorted(absmem.store.__all__) == sorted(EXPECTED_ALL)


def test_absmem_imports_without_psycopg() -> None:
    script = (
        "import sys\n"
        "sys.modules['psycopg'] = None  # as if it were not installed\n"
        "import absmem, absmem.store\n"
        "assert 'absmem.store.postgres' not in sys.modules\n"
        "print(absmem.store.SQLiteStore.__name__)\n"
        "try:\n"
        "    absmem.store.PostgresStore\n"
        "except ImportError:\n"
        "    print('PostgresStore needs psycopg')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=300)  # fmt: skip
    assert done.stdout.split("\n")[:2] == ["SQLiteStore", "PostgresStore needs psycopg"]
