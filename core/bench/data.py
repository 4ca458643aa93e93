"""Locate and load CLINC150, the real utterances the benchmarks run on.

The data is never copied into the project: it is read at run time from a data folder, chosen in
this order: the ``data`` argument (the CLI's ``--data``), the ``ABSMEM_DATA`` environment variable,
then ``<project root>/../shared/data``, where the project root is the nearest folder at or above
the working directory holding a ``pyproject.toml`` (the working directory itself when none does).

Example:
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from absmem.bench.data import load_clinc150
    >>> with tempfile.TemporaryDirectory() as root:
    ...     folder = Path(root) / "clinc150"
    ...     folder.mkdir()
    ...     _ = (folder / "data_full.json").write_text(json.dumps(
    ...         {"train": [["reset my pin", "pin_change"]], "test": [["new pin", "pin_change"]]}))
    ...     data = load_clinc150(root)
    ...     print(data.texts("train"), data.intent_of["new pin"])
    ['reset my pin'] pin_change
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AbsmemError

__all__ = [
    "DATA_ENV",
    "INDEXED_SPLITS",
    "QUERY_SPLITS",
    "BenchDataError",
    "Clinc150",
    "load_clinc150",
    "resolve_data_dir",
]

DATA_ENV = "ABSMEM_DATA"
"""Environment variable naming the data folder (the one holding ``clinc150/``)."""

INDEXED_SPLITS = ("train", "val", "oos_train", "oos_val")
"""Splits whose utterances are stored or indexed by the benchmarks."""

QUERY_SPLITS = ("test",)
"""Splits whose utterances are used as queries only (never stored, never indexed)."""


class BenchDataError(AbsmemError, FileNotFoundError):
    """A benchmark's data is absent or unreadable; the message names the path looked at."""


@dataclass(frozen=True)
class Clinc150:
    """The CLINC150 intent data set: ``[text, intent]`` pairs per split, and the domains.

    Attributes:
        path: the ``data_full.json`` file read.
        sha256: hex digest of that file (keys the embedding cache, recorded in results).
        splits: split name -> list of ``(text, intent)``.
        domains: domain -> its intents (empty when ``domains.json`` is absent).
        intent_of: text -> intent, over every split (the first one wins on duplicates).
    """

    path: Path
    sha256: str
    splits: dict[str, list[tuple[str, str]]]
    domains: dict[str, list[str]] = field(default_factory=dict)
    intent_of: dict[str, str] = field(default_factory=dict)

    def texts(self, *names: str) -> list[str]:
        """Distinct texts of the named splits, in file order (all splits when none is named)."""
        chosen = names or tuple(self.splits)
        seen: dict[str, None] = {}
        for name in chosen:
            for text, _ in self.splits.get(name, []):
                seen.setdefault(text, None)
        return list(seen)

    def without(self, texts: Sequence[str], exclude: Sequence[str]) -> list[str]:
        """``texts`` minus any text in ``exclude`` (order kept)."""
        banned = set(exclude)
        return [text for text in texts if text not in banned]


def project_root(start: Path | None = None) -> Path:
    """Nearest folder at or above ``start`` (the working directory) with a ``pyproject.toml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return here


def resolve_data_dir(data: str | Path | None = None) -> Path:
    """The data folder: ``data`` if given, else ``$ABSMEM_DATA``, else ``<root>/../shared/data``.

    Example:
        >>> from absmem.bench.data import resolve_data_dir
        >>> str(resolve_data_dir("/srv/data"))
        '/srv/data'
    """
    if data is not None and str(data):
        return Path(data).expanduser()
    from_env = os.environ.get(DATA_ENV, "")
    if from_env:
        return Path(from_env).expanduser()
    return (project_root() / ".." / "shared" / "data").resolve()


def load_clinc150(data: str | Path | None = None) -> Clinc150:
    """Read ``<data folder>/clinc150/data_full.json`` (and ``domains.json`` when present).

    Raises:
        BenchDataError: the file is absent or is not CLINC150's format; the message names it.
    """
    folder = resolve_data_dir(data) / "clinc150"
    path = folder / "data_full.json"
    if not path.is_file():
        raise BenchDataError(
            f"CLINC150 data not found: looked for {path} (set --data or ${DATA_ENV} to the folder "
            "that holds clinc150/data_full.json)"
        )
    raw = path.read_bytes()
    try:
        parsed = json.loads(raw)
        splits = {
            str(name): [(str(text), str(intent)) for text, intent in rows]
            for name, rows in parsed.items()
        }
    except (ValueError, TypeError, AttributeError) as err:
        raise BenchDataError(
            f"{path}: expected CLINC150's format, a JSON object of splits, each a list of "
            f"[text, intent] pairs ({err})"
        ) from err
    domains: dict[str, list[str]] = {}
    domains_path = folder / "domains.json"
    if domains_path.is_file():
        domains = {
            str(k): [str(i) for i in v] for k, v in json.loads(domains_path.read_text()).items()
        }
    intent_of: dict[str, str] = {}
    for rows in splits.values():
        for text, intent in rows:
            intent_of.setdefault(text, intent)
    return Clinc150(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        splits=splits,
        domains=domains,
        intent_of=intent_of,
    )
