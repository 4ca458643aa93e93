"""LlamaIndex adapter for absmem.

Not built yet: the adapter (a LlamaIndex memory block) arrives with its own issue. Until then
this package only reserves the name and exports nothing.

Example:
    >>> import llamaindex_absmem
    >>> llamaindex_absmem.__all__
    []
"""

from __future__ import annotations

__all__: list[str] = []
