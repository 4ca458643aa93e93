"""State and output keys the adapter's pieces share (the middleware writes, the handler reads)."""

from __future__ import annotations

__all__ = ["EXPERIENCE_KEY", "PROMPT_KEY", "QUERY_KEY", "RECALL_KEY"]

RECALL_KEY = "absmem_recall_id"
"""The id of the recall made for the current turn."""
EXPERIENCE_KEY = "absmem_experience_id"
"""The id of the experience the turn was remembered as."""
QUERY_KEY = "absmem_query"
"""The user message the recall was made for."""
PROMPT_KEY = "absmem_prompt"
"""The rendered recall added to the system prompt."""
