"""``python -m absmem ...``: the same as the ``absmem`` command (see :mod:`absmem.cli`).

Example:
    >>> import subprocess, sys
    >>> subprocess.run([sys.executable, "-m", "absmem", "--version"], capture_output=True,
    ...                text=True).stdout.strip()  # doctest: +SKIP
    'absmem 0.1.0'
"""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
