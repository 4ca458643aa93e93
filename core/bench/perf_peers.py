"""Peer memories for ``absmem bench perf``: what a LangChain or LlamaIndex developer would pick.

Each peer wraps one memory a developer would reach for instead of absmem, behind one small
interface (:class:`Peer`), so that a benchmark can measure all of them with the *same* embedder
and the same data:

* ``"langchain-inmemory"``: LangChain's ``InMemoryVectorStore`` (the retriever memory of the
  LangChain docs), in memory.
* ``"langchain-faiss"``: ``langchain_community.vectorstores.FAISS`` with its default flat L2
  index, in memory.
* ``"llamaindex-vector"``: a LlamaIndex ``VectorStoreIndex`` over a ``SimpleVectorStore``: what
  LlamaIndex's vector memories (``VectorMemory``, ``VectorMemoryBlock``) store into, in memory.
* ``"mem0"``: Mem0's open-source ``Memory`` with its default embedded Qdrant store on disk under
  the peer's folder, adding with ``infer=False`` (no LLM is ever called; telemetry is off).

Every peer embeds with the embedder it is given, through the framework's own embedding
interface (a LangChain ``Embeddings`` or a LlamaIndex ``BaseEmbedding`` wrapping it), so an
embedder that answers known texts from a table (:class:`~absmem.bench.vectors.PrecomputedEmbedder`)
measures a peer without the model, and unknown texts with it. :meth:`Peer.add_many` ingests
precomputed vectors through the peer's own bulk path; :meth:`Peer.add_one` and
:meth:`Peer.search` embed inside the call. The optional peers need ``pip install absmem[peers]``;
:func:`open_peer` raises :class:`PeerUnavailable`, whose message is the reason, for a peer that
cannot run here.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from absmem.bench.perf_peers import open_peer
    >>> class Colours:  # a fake embedder: three colours on three axes, anything else between
    ...     name, dim = "colours", 3
    ...     def embed(self, texts):
    ...         axes = {"red": [1, 0, 0], "green": [0, 1, 0], "blue": [0, 0, 1]}
    ...         return np.array([axes.get(t, [0.6, 0.8, 0]) for t in texts], dtype=np.float32)
    >>> embedder = Colours()
    >>> peer = open_peer("langchain-inmemory", embedder, Path(tempfile.gettempdir()))
    >>> peer.name
    'LangChain InMemoryVectorStore'
    >>> peer.add_many(["red", "green"], embedder.embed(["red", "green"]), [{"n": 1}, {"n": 2}])
    >>> peer.add_one("blue", {"n": 3})
    >>> peer.search("blue", k=1)
    ['blue']
    >>> peer.search("sky", k=2)
    ['green', 'red']
    >>> peer.search_metadata("sky", k=2)
    [{'n': 2}, {'n': 1}]
    >>> peer.close()
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..embed import Embedder, Vectors
from ..errors import InvalidArgumentError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from llama_index.core.embeddings import BaseEmbedding

__all__ = [
    "PEERS",
    "LangChainFAISSPeer",
    "LangChainInMemoryPeer",
    "LlamaIndexVectorPeer",
    "Mem0Peer",
    "Peer",
    "PeerUnavailable",
    "open_peer",
]

logger = logging.getLogger(__name__)

PEERS: tuple[str, ...] = ("langchain-inmemory", "langchain-faiss", "llamaindex-vector", "mem0")
"""The keys :func:`open_peer` accepts, in the order a report lists them."""

_INSTALL = "pip install absmem[peers]"

_MEM0_STORES = {"qdrant": "embedded Qdrant", "faiss": "FAISS"}

MEM0_USER = "absmem-bench"
"""The Mem0 ``user_id`` every item is added under and every search is filtered by."""


class PeerUnavailable(Exception):  # noqa: N818 - the name is part of the benchmark's contract
    """Raised by :func:`open_peer` when the peer cannot run here; ``str(err)`` is the reason.

    For example ``"langchain-community is not installed: pip install absmem[peers]"``.
    """


@runtime_checkable
class Peer(Protocol):
    """A memory the benchmark measures next to absmem, with absmem's embedder and data."""

    name: str
    """What a report calls it, e.g. ``"LangChain InMemoryVectorStore"``."""

    def add_many(self, texts: list[str], vectors: Vectors, metadatas: list[dict[str, Any]]) -> None:
        """Bulk ingest: ``vectors`` are the precomputed unit float32 rows of ``texts``."""
        ...

    def add_one(self, text: str, metadata: dict[str, Any]) -> None:
        """A single remember: ``text`` is embedded with the embedder inside the call."""
        ...

    def search(self, query: str, k: int) -> list[str]:
        """Embed ``query`` inside the call; return the ``k`` texts found, best first."""
        ...

    def search_metadata(self, query: str, k: int) -> list[dict[str, Any]]:
        """As :meth:`search`, but the metadata each found text was added with, best first."""
        ...

    def close(self) -> None:
        """Release what the peer holds (files, clients); it is not used afterwards."""
        ...


def _version(distribution: str) -> str:
    """``"name version"`` of an installed distribution (``"name ?"`` when unknown)."""
    try:
        return f"{distribution} {importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{distribution} ?"


def _missing(distribution: str, err: ImportError) -> PeerUnavailable:
    """The :class:`PeerUnavailable` for a package that cannot be imported."""
    return PeerUnavailable(f"{distribution} is not installed: {_INSTALL} ({err})")


def _check_batch(
    embedder: Embedder, texts: Sequence[str], vectors: Vectors, metadatas: Sequence[dict[str, Any]]
) -> Vectors:
    """Validate an ``add_many`` batch; return the vectors as a float32 ``(n, dim)`` array."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.shape != (len(texts), embedder.dim):
        raise InvalidArgumentError(
            "vectors", f"shape ({len(texts)}, {embedder.dim})", f"shape {array.shape}"
        )
    if len(metadatas) != len(texts):
        raise InvalidArgumentError(
            "metadatas", f"one dict per text ({len(texts)})", f"{len(metadatas)} dicts"
        )
    return array


class _Primed:
    """Texts whose vectors are already known for the duration of one bulk add.

    Peers whose bulk path takes texts rather than vectors (``InMemoryVectorStore``, Mem0) are
    handed the precomputed vectors this way: their own add path asks the wrapped embedder, which
    answers these texts from here without calling the benchmark's embedder.
    """

    def __init__(self) -> None:
        self.table: dict[str, list[float]] = {}

    def lookup(self, texts: Sequence[str]) -> list[list[float] | None]:
        """The primed vector of each text, ``None`` where there is none."""
        return [self.table.get(text) for text in texts]


def _embed_lists(embedder: Embedder, primed: _Primed, texts: Sequence[str]) -> list[list[float]]:
    """Vectors of ``texts`` as lists of floats: primed ones from the table, others embedded."""
    found = primed.lookup(texts)
    unknown = [i for i, row in enumerate(found) if row is None]
    if unknown:
        fresh = embedder.embed([texts[i] for i in unknown]).tolist()
        for i, row in zip(unknown, fresh, strict=True):
            found[i] = row
    return [row for row in found if row is not None]


def _langchain_embeddings(embedder: Embedder, primed: _Primed) -> Embeddings:
    """``embedder`` as a LangChain ``Embeddings`` (``ImportError`` without langchain-core)."""
    from langchain_core.embeddings import Embeddings

    class AbsmemEmbeddings(Embeddings):
        """A LangChain ``Embeddings`` that embeds with an absmem embedder."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return _embed_lists(embedder, primed, texts)

        def embed_query(self, text: str) -> list[float]:
            return _embed_lists(embedder, primed, [text])[0]

    return AbsmemEmbeddings()


def _llamaindex_embedding(embedder: Embedder) -> BaseEmbedding:
    """``embedder`` as a LlamaIndex ``BaseEmbedding`` (raises ``ImportError`` without it)."""
    from llama_index.core.embeddings import BaseEmbedding

    nothing_primed = _Primed()

    class AbsmemEmbedding(BaseEmbedding):
        """A LlamaIndex ``BaseEmbedding`` that embeds with an absmem embedder."""

        def _get_query_embedding(self, query: str) -> list[float]:
            return _embed_lists(embedder, nothing_primed, [query])[0]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return _embed_lists(embedder, nothing_primed, [text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return _embed_lists(embedder, nothing_primed, texts)

    return AbsmemEmbedding(model_name=embedder.name)


class _LangChainSearch:
    """``search`` and ``search_metadata`` of a LangChain vector store held in ``_store``."""

    _store: Any

    def search(self, query: str, k: int) -> list[str]:
        """``similarity_search(query, k)``: the texts of the ``k`` nearest documents."""
        return [doc.page_content for doc in self._store.similarity_search(query, k=k)]

    def search_metadata(self, query: str, k: int) -> list[dict[str, Any]]:
        """``similarity_search(query, k)``: the metadata of the ``k`` nearest documents."""
        return [dict(doc.metadata) for doc in self._store.similarity_search(query, k=k)]


class LangChainInMemoryPeer(_LangChainSearch):
    """LangChain's ``InMemoryVectorStore`` (``langchain_core.vectorstores``), in memory.

    ``add_many`` goes through ``add_documents`` (the store has no add-by-vector API) with the
    precomputed vectors primed in the wrapped ``Embeddings``, so they are stored as given (as
    lists of floats, as any LangChain ``Embeddings`` returns them); ``search`` is
    ``similarity_search`` (cosine over every stored vector). ``folder`` is not used.

    Raises:
        PeerUnavailable: langchain-core is not installed.
    """

    name = "LangChain InMemoryVectorStore"

    def __init__(self, embedder: Embedder, folder: Path) -> None:
        try:
            from langchain_core.documents import Document
            from langchain_core.vectorstores import InMemoryVectorStore
        except ImportError as err:
            raise _missing("langchain-core", err) from err
        self.package = _version("langchain-core")
        self._embedder = embedder
        self._primed = _Primed()
        self._document = Document
        self._store: Any = InMemoryVectorStore(_langchain_embeddings(embedder, self._primed))

    def add_many(self, texts: list[str], vectors: Vectors, metadatas: list[dict[str, Any]]) -> None:
        """``add_documents`` of ``texts`` with their precomputed ``vectors``."""
        rows = _check_batch(self._embedder, texts, vectors, metadatas).tolist()
        self._primed.table = dict(zip(texts, rows, strict=True))
        try:
            documents = [
                self._document(page_content=text, metadata=metadata)
                for text, metadata in zip(texts, metadatas, strict=True)
            ]
            self._store.add_documents(documents)
        finally:
            self._primed.table = {}

    def add_one(self, text: str, metadata: dict[str, Any]) -> None:
        """``add_documents`` of one document (embedded inside the call)."""
        self._store.add_documents([self._document(page_content=text, metadata=metadata)])

    def close(self) -> None:
        """Drop the store."""
        self._store = None


class LangChainFAISSPeer(_LangChainSearch):
    """``langchain_community.vectorstores.FAISS`` with its default index (flat L2), in memory.

    The store starts empty (``IndexFlatL2`` and an ``InMemoryDocstore``, as ``FAISS.from_texts``
    builds them); ``add_many`` is ``add_embeddings`` with the precomputed vectors, ``add_one`` is
    ``add_texts``, ``search`` is ``similarity_search``. ``folder`` is not used.

    Raises:
        PeerUnavailable: langchain-community or faiss is not installed.
    """

    name = "LangChain FAISS"

    def __init__(self, embedder: Embedder, folder: Path) -> None:
        try:
            import faiss
            from langchain_community.docstore.in_memory import InMemoryDocstore
            from langchain_community.vectorstores import FAISS
        except ImportError as err:
            raise _missing("langchain-community", err) from err
        self.package = _version("langchain-community")
        self._embedder = embedder
        self._store: Any = FAISS(
            embedding_function=_langchain_embeddings(embedder, _Primed()),
            index=faiss.IndexFlatL2(embedder.dim),
            docstore=InMemoryDocstore(),
            index_to_docstore_id={},
        )

    def add_many(self, texts: list[str], vectors: Vectors, metadatas: list[dict[str, Any]]) -> None:
        """``add_embeddings`` of ``(text, vector)`` pairs with their metadata."""
        rows = _check_batch(self._embedder, texts, vectors, metadatas).tolist()
        self._store.add_embeddings(list(zip(texts, rows, strict=True)), metadatas=metadatas)

    def add_one(self, text: str, metadata: dict[str, Any]) -> None:
        """``add_texts`` of one text (embedded inside the call)."""
        self._store.add_texts([text], metadatas=[metadata])

    def close(self) -> None:
        """Drop the store (its index and docstore)."""
        self._store = None


class LlamaIndexVectorPeer:
    """A LlamaIndex ``VectorStoreIndex`` over a ``SimpleVectorStore``, in memory.

    This is the store underneath LlamaIndex's vector memories: ``VectorMemory`` is a
    ``VectorStoreIndex`` (a ``SimpleVectorStore`` by default) and ``Memory``'s
    ``VectorMemoryBlock`` writes into a vector store such as ``SimpleVectorStore``. The memory
    classes themselves are not used: ``VectorMemoryBlock`` is only reached through ``Memory``'s
    chat-message queue (flushed by token count, one node per flushed batch, wrapped in
    ``<message role=...>`` tags, retrieved as one joined string), which cannot take
    precomputed vectors nor return ``k`` separate texts.

    Each text is one ``TextNode`` whose metadata is excluded from the embedded content (so the
    embedder sees exactly the text); ``add_many`` inserts nodes carrying their precomputed
    ``embedding`` (``insert_nodes``, which embeds only nodes without one); ``add_one`` inserts a
    node without one (embedded inside the call); ``search`` is a retriever with
    ``similarity_top_k=k``. ``folder`` is not used. Every insert re-serialises the index
    struct (the ids of all nodes) into the index store, so an ``add_one`` costs more as the store
    grows (about 40 ms at 10k items on 2 cores).

    Raises:
        PeerUnavailable: llama-index-core is not installed.
    """

    name = "LlamaIndex VectorStoreIndex (SimpleVectorStore)"

    def __init__(self, embedder: Embedder, folder: Path) -> None:
        try:
            from llama_index.core import StorageContext, VectorStoreIndex
            from llama_index.core.schema import TextNode
            from llama_index.core.vector_stores import SimpleVectorStore
        except ImportError as err:
            raise _missing("llama-index-core", err) from err
        self.package = _version("llama-index-core")
        self._embedder = embedder
        self._node = TextNode
        self._index: Any = VectorStoreIndex(
            nodes=[],
            embed_model=_llamaindex_embedding(embedder),
            storage_context=StorageContext.from_defaults(vector_store=SimpleVectorStore()),
        )
        self._retrievers: dict[int, Any] = {}

    def _text_node(self, text: str, metadata: dict[str, Any], embedding: list[float] | None) -> Any:
        keys = list(metadata)
        return self._node(
            text=text,
            metadata=metadata,
            embedding=embedding,
            excluded_embed_metadata_keys=keys,
            excluded_llm_metadata_keys=keys,
        )

    def add_many(self, texts: list[str], vectors: Vectors, metadatas: list[dict[str, Any]]) -> None:
        """``insert_nodes`` of ``TextNode``s that carry their precomputed ``embedding``."""
        rows = _check_batch(self._embedder, texts, vectors, metadatas).tolist()
        self._index.insert_nodes(
            [
                self._text_node(text, metadata, row)
                for text, row, metadata in zip(texts, rows, metadatas, strict=True)
            ]
        )

    def add_one(self, text: str, metadata: dict[str, Any]) -> None:
        """``insert_nodes`` of one ``TextNode`` (embedded inside the call)."""
        self._index.insert_nodes([self._text_node(text, metadata, None)])

    def search(self, query: str, k: int) -> list[str]:
        """``as_retriever(similarity_top_k=k).retrieve(query)``: the texts of the nodes found."""
        return [found.node.get_content() for found in self._retriever(k).retrieve(query)]

    def search_metadata(self, query: str, k: int) -> list[dict[str, Any]]:
        """The same retrieval: the metadata of the nodes found."""
        return [dict(found.node.metadata) for found in self._retriever(k).retrieve(query)]

    def _retriever(self, k: int) -> Any:
        retriever = self._retrievers.get(k)
        if retriever is None:
            retriever = self._retrievers[k] = self._index.as_retriever(similarity_top_k=k)
        return retriever

    def close(self) -> None:
        """Drop the retrievers and the index."""
        self._retrievers.clear()
        self._index = None


def _no_llm() -> Any:
    """A LangChain chat model that raises if called: the LLM Mem0's config insists on."""
    from langchain_core.language_models.chat_models import BaseChatModel

    class NoLLM(BaseChatModel):
        """Refuses every call: the Mem0 peer adds with ``infer=False`` and never needs an LLM."""

        @property
        def _llm_type(self) -> str:
            return "absmem-bench-no-llm"

        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the Mem0 peer called its LLM; it adds with infer=False only")

    return NoLLM()


def _import_mem0_offline() -> Any:
    """Import ``mem0.Memory`` with its telemetry off and no way to download spaCy models.

    ``MEM0_TELEMETRY`` is read once, when mem0 is first imported: it is set to ``False`` here
    first (for the whole process), and a mem0 already imported with telemetry on is switched off.
    Mem0 loads spaCy's ``en_core_web_sm`` for BM25 lemmas and entity boosts when spaCy is
    installed, and *downloads* the model when it is missing; that case is marked as failed, so
    Mem0 falls back to plain text as it does without spaCy.
    """
    os.environ["MEM0_TELEMETRY"] = "False"
    from mem0 import Memory  # type: ignore[import-untyped]
    from mem0.memory import main as mem0_main  # type: ignore[import-untyped]
    from mem0.memory import telemetry as mem0_telemetry

    if mem0_telemetry.MEM0_TELEMETRY or mem0_main.MEM0_TELEMETRY:
        logger.warning("mem0 was imported with telemetry on; turning it off")
        mem0_telemetry.MEM0_TELEMETRY = False
        mem0_main.MEM0_TELEMETRY = False
        mem0_telemetry.client_telemetry.close()
    if importlib.util.find_spec("spacy") and not importlib.util.find_spec("en_core_web_sm"):
        from mem0.utils import spacy_models  # type: ignore[import-untyped]

        logger.info("spaCy has no en_core_web_sm: Mem0 runs without it (no download)")
        spacy_models._load_failed_full = True
        spacy_models._load_failed_lemma = True
    return Memory


class Mem0Peer:
    """Mem0's open-source ``Memory``, local and offline, adding with ``infer=False``.

    Configuration (``Memory.from_config``):

    * embedder: provider ``"langchain"`` with a LangChain ``Embeddings`` wrapping the given
      embedder, so Mem0 embeds in process with the same embedder as every other peer;
    * vector store: ``vector_store`` (Mem0's default ``"qdrant"``: embedded Qdrant, on disk at
      ``folder / "qdrant"``, cosine; or ``"faiss"``: Mem0's FAISS store at ``folder / "faiss"``,
      which rewrites its whole index and docstore after every insert, so ingest is quadratic);
    * LLM: provider ``"langchain"`` with a chat model that raises if called (Mem0's config
      requires an LLM; with ``infer=False`` it is never used, and this proves it);
    * history: SQLite at ``folder / "history.db"``; telemetry off (``MEM0_TELEMETRY=False``).

    Every item is added under ``user_id=MEM0_USER`` (Mem0 requires a scope) and searches are
    filtered by it. ``add_many`` has no bulk path in Mem0: it is one ``add(text, infer=False)``
    per text, with the precomputed vector primed in the wrapped embedder. ``search`` is
    ``search(query, top_k=k, threshold=0.0)``: without spaCy or fastembed (not installed by
    ``absmem[peers]``) Mem0 ranks by vector similarity alone; its threshold drops results of
    negative cosine similarity, so fewer than ``k`` texts come back only when fewer than ``k``
    stored items are similar at all. Measured on 2 cores (384 dimensions, embedded Qdrant): about
    340 adds a second at any size; a search takes about 18 ms at 1k items, 160 ms at 10k (the
    embedded Qdrant scans every point). With ``"faiss"``, 2,000 adds took 28 s.

    Raises:
        PeerUnavailable: mem0ai or langchain (Mem0's LangChain providers import it) is not
            installed, or Mem0 cannot be built here (its message says why).
    """

    name = "Mem0 (OSS)"

    def __init__(self, embedder: Embedder, folder: Path, vector_store: str = "qdrant") -> None:
        if vector_store not in _MEM0_STORES:
            raise InvalidArgumentError("vector_store", "'qdrant' or 'faiss'", vector_store)
        try:
            memory_class = _import_mem0_offline()
        except ImportError as err:
            raise _missing("mem0ai", err) from err
        self.package = _version("mem0ai")
        self.name = f"Mem0 (OSS, {_MEM0_STORES[vector_store]})"
        self._embedder = embedder
        self._primed = _Primed()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            config = {
                "embedder": {
                    "provider": "langchain",
                    "config": {
                        "model": _langchain_embeddings(embedder, self._primed),
                        "embedding_dims": embedder.dim,
                    },
                },
                "llm": {"provider": "langchain", "config": {"model": _no_llm()}},
                "vector_store": {
                    "provider": vector_store,
                    "config": {
                        "collection_name": "mem0",
                        "path": str(folder / vector_store),
                        "embedding_model_dims": embedder.dim,
                    },
                },
                "history_db_path": str(folder / "history.db"),
            }
            self._memory: Any = memory_class.from_config(config)
        except ImportError as err:
            raise PeerUnavailable(
                f"Mem0's LangChain providers need langchain ({err}): {_INSTALL}"
            ) from err
        except (OSError, RuntimeError, ValueError) as err:
            raise PeerUnavailable(
                f"{self.package} cannot be built with a local {vector_store} store under "
                f"{folder}: {type(err).__name__}: {err}"
            ) from err
        if vector_store == "qdrant":
            # fastembed (not in absmem[peers]) would download its BM25 model on first use.
            self._memory.vector_store._bm25_encoder = False
        logger.info("Mem0 peer: %s, %s store in %s", self.package, vector_store, folder)

    def add_many(self, texts: list[str], vectors: Vectors, metadatas: list[dict[str, Any]]) -> None:
        """One ``add(text, infer=False)`` per text, its precomputed vector primed."""
        rows = _check_batch(self._embedder, texts, vectors, metadatas).tolist()
        self._primed.table = dict(zip(texts, rows, strict=True))
        try:
            for text, metadata in zip(texts, metadatas, strict=True):
                self._add(text, metadata)
        finally:
            self._primed.table = {}

    def add_one(self, text: str, metadata: dict[str, Any]) -> None:
        """``add(text, infer=False)`` (embedded inside the call)."""
        self._add(text, metadata)

    def _add(self, text: str, metadata: dict[str, Any]) -> None:
        result = self._memory.add(text, user_id=MEM0_USER, metadata=dict(metadata), infer=False)
        if len(result["results"]) != 1:
            raise RuntimeError(f"Mem0 added {len(result['results'])} memories for one text")

    def search(self, query: str, k: int) -> list[str]:
        """``search(query, top_k=k, filters={"user_id": MEM0_USER}, threshold=0.0)``."""
        return [item["memory"] for item in self._search(query, k)]

    def search_metadata(self, query: str, k: int) -> list[dict[str, Any]]:
        """The same search: the metadata each found memory was added with."""
        return [dict(item.get("metadata") or {}) for item in self._search(query, k)]

    def _search(self, query: str, k: int) -> list[dict[str, Any]]:
        found = self._memory.search(query, top_k=k, filters={"user_id": MEM0_USER}, threshold=0.0)
        return list(found["results"])

    def close(self) -> None:
        """Close Mem0's history database and its vector store's client."""
        memory, self._memory = self._memory, None
        if memory is None:
            return
        memory.close()
        client = getattr(memory.vector_store, "client", None)
        if client is not None:
            client.close()


_FACTORIES: dict[str, Callable[[Embedder, Path], Peer]] = {
    "langchain-inmemory": LangChainInMemoryPeer,
    "langchain-faiss": LangChainFAISSPeer,
    "llamaindex-vector": LlamaIndexVectorPeer,
    "mem0": Mem0Peer,
}


def open_peer(key: str, embedder: Embedder, folder: Path) -> Peer:
    """Open the peer named ``key`` (one of :data:`PEERS`), embedding with ``embedder``.

    Args:
        key: which peer.
        embedder: the embedder the peer uses for everything it embeds.
        folder: where a peer that keeps files keeps them (created if needed; Mem0 only).

    Raises:
        InvalidArgumentError: ``key`` is not one of :data:`PEERS`.
        PeerUnavailable: the peer cannot run here; ``str(err)`` is the reason.
    """
    factory = _FACTORIES.get(key)
    if factory is None:
        raise InvalidArgumentError("key", f"one of {', '.join(PEERS)}", key)
    return factory(embedder, Path(folder))
