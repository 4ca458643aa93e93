"""LangChain adapter for absmem.

Not built yet: the adapter (a classic ``BaseMemory`` and an ``AgentMiddleware`` for
``langchain.agents.create_agent``) arrives with its own issue. Until then this package only
reserves the name and exports nothing.

Example:
    >>> import langchain_absmem
    >>> langchain_absmem.__all__
    []
"""

from __future__ import annotations

__all__: list[str] = []
