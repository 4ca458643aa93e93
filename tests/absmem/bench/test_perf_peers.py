"""The peer memories of ``absmem bench perf``: each stores and finds with its given embedder."""

from __future__ import annotations

import socket
import sys
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from absmem.bench.perf_peers import PEERS, Mem0Peer, Peer, PeerUnavailable, open_peer
from absmem.embed import Vectors, normalise
from absmem.errors import InvalidArgumentError

REQUIRED = ("langchain-inmemory", "llamaindex-vector")
"""Peers on the frameworks every test run installs: they must run, never skip."""

TEXTS = [f"stored experience number {i}" for i in range(200)]
ONE_MORE = "one more experience, remembered alone"


class CrcEmbedder:
    """A fixed random unit vector per text (seeded by its CRC-32); records every text it embeds."""

    name = "test-crc"
    dim = 32

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.seen += texts
        rows = [
            np.random.default_rng(zlib.crc32(t.encode())).standard_normal(self.dim) for t in texts
        ]
        return normalise(np.array(rows, dtype=np.float32).reshape(len(texts), self.dim))


def _open(key: str, embedder: CrcEmbedder, folder: Path) -> Peer:
    """Open a peer; skip the test when an optional one cannot run here."""
    try:
        return open_peer(key, embedder, folder)
    except PeerUnavailable as err:
        if key in REQUIRED:
            raise
        pytest.skip(str(err))


@pytest.fixture(params=PEERS)
def peer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Peer, CrcEmbedder]]:
    """Each peer in turn, opened in ``tmp_path / "peer"`` with a fresh :class:`CrcEmbedder`."""
    embedder = CrcEmbedder()
    opened = _open(request.param, embedder, tmp_path / "peer")
    yield opened, embedder
    opened.close()


def _fill(peer: Peer, embedder: CrcEmbedder) -> None:
    """``add_many`` the 200 texts with their vectors, then ``add_one`` one more."""
    vectors = embedder.embed(TEXTS)
    embedder.seen.clear()
    peer.add_many(TEXTS, vectors, [{"i": i, "kind": "bulk"} for i in range(len(TEXTS))])
    assert embedder.seen == [], "add_many must use the precomputed vectors"
    peer.add_one(ONE_MORE, {"i": len(TEXTS), "kind": "single"})
    assert embedder.seen == [ONE_MORE], "add_one embeds exactly its text, inside the call"
    embedder.seen.clear()


def test_a_peer_finds_each_stored_text_first(peer: tuple[Peer, CrcEmbedder]) -> None:
    memory, embedder = peer
    assert isinstance(memory, Peer)
    assert memory.name
    _fill(memory, embedder)
    queries = [TEXTS[0], TEXTS[123], TEXTS[-1], ONE_MORE]
    for query in queries:
        found = memory.search(query, k=5)
        assert found[0] == query
        assert len(found) == 5
        assert len(set(found)) == 5
        assert set(found) <= {*TEXTS, ONE_MORE}
    assert embedder.seen == queries, "search embeds exactly its query, inside the call"


def test_a_peer_returns_k_texts(peer: tuple[Peer, CrcEmbedder]) -> None:
    memory, embedder = peer
    _fill(memory, embedder)
    assert memory.search("a text that was never stored", k=1) != []
    assert len(memory.search("a text that was never stored", k=1)) == 1
    assert len(memory.search(TEXTS[7], k=10)) == 10


def test_a_peer_refuses_a_batch_of_the_wrong_shape(peer: tuple[Peer, CrcEmbedder]) -> None:
    memory, embedder = peer
    with pytest.raises(InvalidArgumentError, match="vectors: expected shape"):
        memory.add_many(TEXTS[:3], embedder.embed(TEXTS[:2]), [{}, {}, {}])
    with pytest.raises(InvalidArgumentError, match="metadatas"):
        memory.add_many(TEXTS[:3], embedder.embed(TEXTS[:3]), [{}])


def test_an_unknown_peer_is_an_invalid_argument(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="key: expected one of langchain-inmemory"):
        open_peer("nope", CrcEmbedder(), tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("key", "module", "package"),
    [
        ("langchain-faiss", "langchain_community.vectorstores", "langchain-community"),
        ("mem0", "mem0", "mem0ai"),
        ("langchain-inmemory", "langchain_core.vectorstores", "langchain-core"),
        ("llamaindex-vector", "llama_index.core", "llama-index-core"),
    ],
)
def test_a_missing_package_makes_the_peer_unavailable_with_the_reason(
    key: str, module: str, package: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(
        PeerUnavailable, match=rf"^{package} is not installed: pip install absmem\[peers\]"
    ):
        open_peer(key, CrcEmbedder(), tmp_path)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to open a connection or resolve a name fails, and is recorded."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network is off in this test")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.mark.parametrize("store", ["qdrant", "faiss"])
def test_mem0_runs_offline_without_its_llm(
    store: str, tmp_path: Path, no_network: list[str]
) -> None:
    embedder = CrcEmbedder()
    try:
        memory = Mem0Peer(embedder, tmp_path / "mem0", vector_store=store)
    except PeerUnavailable as err:
        pytest.skip(str(err))
    try:
        from mem0.memory import telemetry  # type: ignore[import-untyped]

        assert telemetry.MEM0_TELEMETRY is False
        _fill(memory, embedder)
        assert memory.search(TEXTS[42], k=3)[0] == TEXTS[42]
        # the only LLM Mem0 holds refuses every call: had add or search used it, they had failed
        with pytest.raises(RuntimeError, match="called its LLM"):
            memory._memory.llm.generate_response(messages=[{"role": "user", "content": "hi"}])
    finally:
        memory.close()
    assert no_network == []
    assert (tmp_path / "mem0" / "history.db").is_file()
    assert (tmp_path / "mem0" / store).is_dir()


def test_mem0_knows_two_stores(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="vector_store"):
        Mem0Peer(CrcEmbedder(), tmp_path, vector_store="chroma")


def test_a_peer_returns_the_metadata_of_what_it_found(peer: tuple[Peer, CrcEmbedder]) -> None:
    memory, embedder = peer
    _fill(memory, embedder)
    for query in (TEXTS[5], TEXTS[150], ONE_MORE):
        texts = memory.search(query, k=4)
        found = memory.search_metadata(query, k=4)
        index = {text: i for i, text in enumerate(TEXTS)} | {ONE_MORE: len(TEXTS)}
        assert [m["i"] for m in found] == [index[t] for t in texts]
        assert found[0]["kind"] == ("single" if query == ONE_MORE else "bulk")
