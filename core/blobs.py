"""Safetensors blobs that carry a digest of their tensors, so that a damaged one is refused.

Learned state (GNN weights, experience embeddings, approach centroids, policy posteriors) is
stored as safetensors, never pickle: loading one can build arrays and nothing else. safetensors
itself refuses a damaged header or a truncated buffer; a flipped byte inside the tensor data
would still load. So each blob's header metadata also holds a SHA-256 of every tensor's name,
dtype, shape and bytes (:func:`with_digest`), checked after loading (:func:`check_digest`).
Blobs written before the digest existed carry none and load unchecked.

Example:
    >>> import numpy as np
    >>> from safetensors.numpy import load, save
    >>> arrays = {"w": np.arange(3, dtype=np.float32)}
    >>> data = save(arrays, metadata=with_digest(arrays))
    >>> check_digest("demo", data, load(data))
    >>> damaged = bytearray(data)
    >>> damaged[-1] ^= 0xFF
    >>> check_digest("demo", bytes(damaged), load(bytes(damaged)))
    Traceback (most recent call last):
    ...
    absmem.errors.StoreCorruptError: demo: expected tensors that match the digest saved with...
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import numpy as np

from .errors import StoreCorruptError

__all__ = ["DIGEST_KEY", "check_digest", "digest", "header_metadata", "with_digest"]

DIGEST_KEY = "sha256"
"""Key of the digest in a safetensors header's ``__metadata__``."""


def digest(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 (hex) of the tensors' names, dtypes, shapes and bytes, in name order."""
    sha = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        sha.update(json.dumps([name, array.dtype.str, list(array.shape)]).encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


def with_digest(
    arrays: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``metadata`` (string values) plus the digest of ``arrays``, for ``safetensors.save``."""
    return {**(metadata or {}), DIGEST_KEY: digest(arrays)}


def header_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors buffer (its JSON header); ``{}`` when it has none.

    Raises:
        ValueError: when the header is truncated or is not JSON.
    """
    if len(data) < 8:
        raise ValueError("truncated header")
    size = int.from_bytes(data[:8], "little")
    if size <= 0 or 8 + size > len(data):
        raise ValueError("truncated header")
    header = json.loads(data[8 : 8 + size])
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    return {str(k): str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}


def check_digest(name: str, data: bytes, arrays: Mapping[str, np.ndarray]) -> None:
    """Refuse ``arrays`` (loaded from ``data``) unless they match the digest saved with them.

    Raises:
        StoreCorruptError: naming the blob ``name`` on a mismatch.
    """
    try:
        saved = header_metadata(data).get(DIGEST_KEY)
    except ValueError as err:
        raise StoreCorruptError(f"{name}: expected a safetensors header, {err}") from err
    if saved is not None and saved != digest(arrays):
        raise StoreCorruptError(
            f"{name}: expected tensors that match the digest saved with them; the blob was "
            "damaged or altered"
        )
