"""Fresh ids for nodes, recalls and feedback.

Example:
    >>> from absmem.ids import new_id
    >>> new_id("exp").startswith("exp_"), len(new_id("exp"))
    (True, 36)
"""

from __future__ import annotations

import secrets
import time

__all__ = ["new_id"]


def new_id(prefix: str) -> str:
    """A fresh id such as ``exp_187a...``: time-ordered (nanoseconds) then 64 random bits.

    Time order keeps inserts at the right edge of the store's id index, so their cost does not
    grow with random page reads as the store grows.
    """
    return f"{prefix}_{time.time_ns():016x}{secrets.token_hex(8)}"
