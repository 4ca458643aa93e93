"""``AbstractionMemory``: the facade that wires store, index, embedder and recall policy.

Every verb has a sync form and an async twin (``recall`` / ``arecall``, ...). Both run the same
async core (:class:`absmem.engine.Engine`): the sync forms on a private event loop thread.

Example:
    >>> import tempfile
    >>> from absmem import AbstractionMemory
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with AbstractionMemory.open(folder) as mem:
    ...         exp_id = mem.remember("how do I reset my card pin?",
    ...                               "Open the app, then Cards > Reset PIN.", user_id="u1")
    ...         r = mem.recall("I forgot my PIN", k=1, user_id="u2")
    ...         _ = mem.feedback(r.id, reward=1.0)
    ...         print(r.items[0].response)
    Open the app, then Cards > Reset PIN.
"""

from __future__ import annotations

import os
from collections.abc import Coroutine, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from ._loop import LoopThread
from .assess import Assessor
from .consolidate import ConsolidateConfig
from .embed import Embedder, MiniLMEmbedder
from .engine import Engine, check_namespace
from .errors import InvalidArgumentError, MemoryClosedError
from .index import IndexParams
from .lessons import LessonWriter
from .memory_find import FindVerbs
from .memory_runs import RunLinkVerbs
from .policy import LinearThompsonRanker, PolicyConfig, Ranker
from .policy.ope import PolicyEvaluation
from .store import STORES, GraphStore
from .types import (
    Assessment,
    ConsolidationReport,
    Experience,
    Feedback,
    ForgetReport,
    Interaction,
    Recall,
)
from .validate import (
    check_bool,
    check_id,
    check_int,
    check_k,
    check_metadata,
    check_number,
    check_reward,
    check_run_id,
    check_text,
    check_utf8,
)

__all__ = ["AbstractionMemory"]

T = TypeVar("T")


class AbstractionMemory(RunLinkVerbs, FindVerbs):
    """Interaction memory that recalls what worked.

    Build one with :meth:`open` (SQLite file + FAISS index + bundled MiniLM in one folder), or
    inject built parts. Namespaces isolate tenants: nothing recalled in one namespace ever comes
    from another. Every verb takes ``namespace=``; it defaults to the memory's own. Framework
    adapters pass the run id of a call (``run_id=``) so that feedback can name the run later.

    Args:
        store: the durable graph store.
        embedder: text embedder; the store refuses one it was not built with.
        index_dir: folder for FAISS files; ``None`` keeps indexes in memory (rebuilt at open).
        ranker: recall policy; defaults to the learned :class:`absmem.policy.LinearThompsonRanker`
            (pass ``LinearThompsonRanker(PolicyConfig(exploration=0))`` for deterministic recall).
        namespace: default namespace of the verbs.
        index_params: FAISS tuning (exact/HNSW switch, HNSW beam widths).
        k_similar: ``similar`` edges per new experience.
        pool: FAISS candidates gathered per recall before ranking.
        assessor: scoring of :meth:`assess`; defaults to :class:`absmem.assess.Assessor`.
        consolidation: what :meth:`consolidate` does (GNN, abstractions, forgetting).
        writer: writes lessons at consolidation (:mod:`absmem.lessons`); default: templates,
            no LLM. An :class:`~absmem.lessons.LLMLessonWriter` is only called there.
        lesson_pool: specific lessons gathered per recall (their broader lessons come too).
        session_weight: how much a session outcome (``feedback(session_id=...)``) counts on a
            turn's statistics against 1 for feedback on that turn, in [0, 10].
        session_discount: the factor in (0, 1] a session outcome's share shrinks by per turn
            before the session's last (see :mod:`absmem.engine_session`).
    """

    def __init__(
        self,
        store: GraphStore,
        embedder: Embedder,
        *,
        index_dir: Path | None = None,
        ranker: Ranker | None = None,
        namespace: str = "default",
        index_params: IndexParams | None = None,
        k_similar: int = 5,
        pool: int = 50,
        assessor: Assessor | None = None,
        consolidation: ConsolidateConfig | None = None,
        writer: LessonWriter | None = None,
        lesson_pool: int = 3,
        session_weight: float = 0.5,
        session_discount: float = 0.8,
    ) -> None:
        self.namespace = _check_namespace(namespace)
        check_number("session_weight", session_weight, 0.0, 10.0)
        if check_number("session_discount", session_discount, 0.0, 1.0) == 0.0:
            raise InvalidArgumentError("session_discount", "a number in (0, 1]", session_discount)
        for name, value in (("k_similar", k_similar), ("pool", pool), ("lesson_pool", lesson_pool)):
            check_int(name, value, "a non-negative integer", 0)
        _check_parts(embedder=embedder, ranker=ranker, index_params=index_params,
                     assessor=assessor, consolidation=consolidation, writer=writer)  # fmt: skip
        self._loop = LoopThread()
        try:
            self._engine = Engine(store, embedder, index_dir, ranker or LinearThompsonRanker(),
                                  index_params or IndexParams(), k_similar, pool,
                                  assessor=assessor, consolidation=consolidation, writer=writer,
                                  lesson_pool=lesson_pool, session_weight=float(session_weight),
                                  session_discount=float(session_discount))  # fmt: skip
        except BaseException:
            self._loop.stop()
            raise

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        embedder: Embedder | None = None,
        store: str = "sqlite",
        **options: Any,
    ) -> AbstractionMemory:
        """Open (or create) the memory kept in folder ``path``, or in a PostgreSQL database.

        Args:
            path: folder holding the store file and the index files; or a ``postgresql://``
                DSN, for a :class:`~absmem.store.PostgresStore` shared by many processes and
                hosts (each keeps its candidate index in memory, rebuilt from the database).
            embedder: defaults to the bundled all-MiniLM-L6-v2.
            store: store kind from :data:`absmem.store.STORES` (for a folder).
            **options: keyword arguments of the constructor (``ranker``, ``namespace``, ...).
        """
        if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
            from .store.postgres import PostgresStore

            database = PostgresStore(path)
            try:
                return cls(database, embedder or MiniLMEmbedder(), index_dir=None, **options)
            except BaseException:
                database.close()
                raise
        if not isinstance(path, str | Path) or not str(path) or "\x00" in str(path):
            raise InvalidArgumentError("path", "a folder path (str or Path)", path)
        try:
            os.fsencode(path)
        except UnicodeEncodeError as err:
            raise InvalidArgumentError(
                "path", "a folder path the file system can encode", path
            ) from err
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise InvalidArgumentError("path", "a folder, not a file", str(folder))
        folder.mkdir(parents=True, exist_ok=True)
        built = STORES.get(store)(folder)
        try:
            return cls(built, embedder or MiniLMEmbedder(), index_dir=folder / "index", **options)
        except BaseException:
            built.close()
            raise

    def _sync(self, verb: str, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a verb's coroutine on the private loop; a closed memory refuses it."""
        if self.closed:
            coroutine.close()
            raise MemoryClosedError(verb)
        return self._loop.run(coroutine)

    def _ns(self, namespace: str | None) -> str:
        return self.namespace if namespace is None else _check_namespace(namespace)

    # -- remember -----------------------------------------------------------------------------

    async def aremember(
        self,
        context: str,
        response: str,
        *,
        recall_id: str | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        namespace: str | None = None,
        run_id: object = None,
    ) -> str:
        """Store one interaction; durable when it returns. Returns the experience id.

        Args:
            context: the situation (the user's request or turn).
            response: the response or action taken.
            recall_id: the recall whose items informed the response (links them in the graph).
            user_id: the user, so that ``forget(user_id=...)`` can erase it.
            session_id: the conversation, for ``next`` edges and ``forget(session_id=...)``.
            metadata: JSON-serialisable extra fields, returned with the experience.
            namespace: tenant; defaults to the memory's.
            run_id: the framework run that produced the response (``uuid.UUID`` or a string);
                ``feedback(run_id=...)`` then reaches this experience (see :meth:`link_run`).
        """
        item = _interaction(context, response, recall_id, user_id, session_id, metadata)
        run, ns = check_run_id(run_id), self._ns(namespace)
        experience_id = (await self._engine.remember(ns, [item], chunk=1))[0]
        if run is not None:
            await self._engine.link_run(ns, run, item.recall_id, experience_id)
        return experience_id

    def remember(self, context: str, response: str, **kwargs: Any) -> str:
        """Sync twin of :meth:`aremember`."""
        return self._sync("remember", self.aremember(context, response, **kwargs))

    async def aremember_many(
        self,
        interactions: Iterable[Interaction | Mapping[str, Any]],
        *,
        namespace: str | None = None,
        chunk: int = 256,
    ) -> list[str]:
        """Store many interactions with batched embedding, ``chunk`` per transaction.

        Every interaction is validated before anything is written. Returns their ids, in order.
        """
        if isinstance(interactions, str | bytes | Mapping) or not isinstance(
            interactions, Iterable
        ):
            raise InvalidArgumentError(
                "interactions", "an iterable of Interaction or mappings", interactions
            )
        items = [_coerce(i, value) for i, value in enumerate(interactions)]
        check_int("chunk", chunk, "a positive integer", 1)
        return await self._engine.remember(self._ns(namespace), items, chunk=chunk)

    def remember_many(
        self, interactions: Iterable[Interaction | Mapping[str, Any]], **kwargs: Any
    ) -> list[str]:
        """Sync twin of :meth:`aremember_many`."""
        return self._sync("remember_many", self.aremember_many(interactions, **kwargs))

    # -- recall -------------------------------------------------------------------------------

    async def arecall(
        self,
        query: str,
        *,
        k: int = 5,
        user_id: str | None = None,
        session_id: str | None = None,
        namespace: str | None = None,
        run_id: object = None,
    ) -> Recall:
        """Recall the ``k`` memories most likely to help with ``query``; the ranking is logged.

        Args:
            query: the situation to recall for.
            k: number of items, 1 to 1000.
            user_id: who asked (recorded in the recall log, erased by ``forget``).
            session_id: the conversation (recorded in the recall log).
            namespace: tenant; defaults to the memory's.
            run_id: the framework run this recall serves (``uuid.UUID`` or a string);
                ``feedback(run_id=...)`` then reaches this recall (see :meth:`link_run`).
        """
        check_text("query", query)
        check_k(k)
        check_id("user_id", user_id)
        check_id("session_id", session_id)
        run, ns = check_run_id(run_id), self._ns(namespace)
        recall = await self._engine.recall(ns, query, k, user_id, session_id)
        if run is not None:
            await self._engine.link_run(ns, run, recall.id, None)
        return recall

    def recall(self, query: str, **kwargs: Any) -> Recall:
        """Sync twin of :meth:`arecall`."""
        return self._sync("recall", self.arecall(query, **kwargs))

    # -- assess -------------------------------------------------------------------------------

    async def aassess(
        self, context: str, response: str, *, k: int = 20, namespace: str | None = None
    ) -> Assessment:
        """Expected reward of answering ``context`` with ``response``, from past feedback.

        The ``k`` stored experiences nearest by context are weighed by how close their context
        and their response are to these; their feedback is pooled into an expected reward in
        [-1, 1], shrunk toward the namespace's mean reward when the evidence is weak (see
        :mod:`absmem.assess`). Use it to rank candidate replies before sending one. Read-only:
        no recall is logged and nothing stored changes.

        Args:
            context: the situation (the user's request or turn).
            response: the candidate response.
            k: stored experiences weighed, 1 to 1000.
            namespace: tenant; defaults to the memory's.

        Example:
            >>> import tempfile, zlib, numpy as np
            >>> from absmem import AbstractionMemory
            >>> class Words:  # a toy bag-of-words embedder; use MiniLM in practice
            ...     name, dim = "toy-words", 64
            ...     def embed(self, texts):
            ...         out = np.zeros((len(texts), 64), dtype=np.float32)
            ...         for i, text in enumerate(texts):
            ...             for word in text.lower().split():
            ...                 out[i, zlib.crc32(word.encode()) % 64] += 1.0
            ...         return out / np.linalg.norm(out, axis=1, keepdims=True)
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     with AbstractionMemory.open(folder, embedder=Words()) as mem:
            ...         good = mem.remember("my card is lost", "I blocked it and sent a new card")
            ...         bad = mem.remember("my card is lost", "please read the help pages")
            ...         _ = mem.feedback(good, reward=1.0)
            ...         _ = mem.feedback(bad, reward=-1.0)
            ...         a = mem.assess("I lost my card", "I blocked it, a new card is sent")
            ...         b = mem.assess("I lost my card", "read the help pages")
            ...         print(a.expected_reward > 0 > b.expected_reward, a.basis[0].id == good)
            True True
        """
        check_text("context", context)
        check_text("response", response)
        check_k(k)
        return await self._engine.assess(self._ns(namespace), context, response, k)

    def assess(self, context: str, response: str, **kwargs: Any) -> Assessment:
        """Sync twin of :meth:`aassess`."""
        return self._sync("assess", self.aassess(context, response, **kwargs))

    # -- feedback -----------------------------------------------------------------------------

    async def afeedback(
        self,
        target: str | None = None,
        reward: float | None = None,
        *,
        run_id: object = None,
        session_id: str | None = None,
        namespace: str | None = None,
    ) -> Feedback:
        """Rate a recall (by ``Recall.id``), an experience (by the id ``remember`` returned), a
        linked framework run (``run_id=``) or a whole session (``session_id=``).

        Feedback may come late and more than once; each one is kept in the ledger and credited:
        a recall's reward goes to the experiences it served (weighted by rank) and to the
        experience whose response it informed; an experience's reward goes to its response and
        to the items recalled for it.

        A run's feedback goes to the experience linked to it, else to its recall (the run was
        linked by ``recall(run_id=...)``, ``remember(run_id=...)`` or :meth:`link_run`).

        A session's outcome (a sale, a resolved ticket, a user who came back) is spread over
        its turns, discounted along the ``next`` chain back from the last turn, and over the
        recalls that informed them; it is kept apart in ``Experience.long_term`` and counts
        ``session_weight`` times a turn's own feedback (see :mod:`absmem.engine_session`).

        Args:
            target: a recall id or an experience id of this namespace.
            reward: a finite number in [-1, 1] (thumbs up = 1.0, thumbs down = -1.0; map other
                scales with :func:`absmem.to_reward`).
            run_id: instead of ``target``, a framework run id linked in this namespace.
            session_id: instead of ``target``, a session (conversation) of this namespace.
            namespace: tenant; defaults to the memory's.

        Raises:
            InvalidArgumentError: naming ``target/run_id/session_id`` unless exactly one is
                given.
            UnknownTargetError: when the namespace holds no such target, linked run or session.
        """
        run = check_run_id(run_id)
        session = check_id("session_id", session_id)
        if sum(x is not None for x in (target, run, session)) != 1:
            raise InvalidArgumentError(
                "target/run_id/session_id", "exactly one of target, run_id= or session_id=",
                {"target": target, "run_id": run, "session_id": session},
            )  # fmt: skip
        value = check_reward(reward)
        if run is not None:
            return await self._engine.feedback_run(self._ns(namespace), run, value)
        if session is not None:
            return await self._engine.feedback_session(self._ns(namespace), session, value)
        checked = check_id("target", target, required=True)
        assert checked is not None  # required=True never returns None
        return await self._engine.feedback(self._ns(namespace), checked, value)

    def feedback(
        self, target: str | None = None, reward: float | None = None, **kwargs: Any
    ) -> Feedback:
        """Sync twin of :meth:`afeedback`."""
        return self._sync("feedback", self.afeedback(target, reward, **kwargs))

    # -- forget, reads ------------------------------------------------------------------------

    async def aforget(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        namespace: str | None = None,
    ) -> ForgetReport:
        """Erase every experience, edge, vector, recall, feedback and run link of one user or one
        session.

        The text is removed from the database file and the vectors from the index file.
        """
        check_id("user_id", user_id)
        check_id("session_id", session_id)
        if (user_id is None) == (session_id is None):
            raise InvalidArgumentError(
                "user_id/session_id", "exactly one of user_id= or session_id=",
                {"user_id": user_id, "session_id": session_id},
            )  # fmt: skip
        return await self._engine.forget(self._ns(namespace), user_id, session_id)

    def forget(self, **kwargs: Any) -> ForgetReport:
        """Sync twin of :meth:`aforget`."""
        return self._sync("forget", self.aforget(**kwargs))

    async def aconsolidate(
        self, *, namespace: str | None = None, retrain: bool = True
    ) -> ConsolidationReport:
        """Retrain the GNN, re-learn abstractions and lessons, compact absorbed episodes.

        ``recall`` and ``remember`` keep serving the previous state while it runs (from another
        thread or task); the new state is swapped in at the end. ``retrain=False`` re-learns the
        abstractions with the current model (no training).
        """
        check_bool("retrain", retrain)
        return await self._engine.consolidate(self._ns(namespace), retrain=retrain)

    def consolidate(self, **kwargs: Any) -> ConsolidationReport:
        """Sync twin of :meth:`aconsolidate`.

        Example:
            >>> import tempfile
            >>> from absmem import AbstractionMemory
            >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
            ...     report = mem.consolidate()
            >>> report.experiences, report.abstractions
            (0, 0)
        """
        return self._sync("consolidate", self.aconsolidate(**kwargs))

    async def aget(self, experience_id: str, *, namespace: str | None = None) -> Experience | None:
        """The stored experience with this id, or ``None``."""
        check_id("experience_id", experience_id, required=True)
        return await self._engine.get(self._ns(namespace), experience_id)

    def get(self, experience_id: str, **kwargs: Any) -> Experience | None:
        """Sync twin of :meth:`aget`."""
        return self._sync("get", self.aget(experience_id, **kwargs))

    async def acount(self, *, namespace: str | None = None, episodes: bool = False) -> int:
        """Number of experiences in the namespace (``episodes=True``: only those that still
        hold their text, not compacted by forgetting)."""
        check_bool("episodes", episodes)
        return await self._engine.count(self._ns(namespace), episodes=episodes)

    def count(self, **kwargs: Any) -> int:
        """Sync twin of :meth:`acount`."""
        return self._sync("count", self.acount(**kwargs))

    async def aevaluate_policy(
        self, config: PolicyConfig | None = None, *, namespace: str | None = None
    ) -> dict[str, PolicyEvaluation]:
        """Off-policy estimates, from the recall log, of the serving policy (``"serving"``) and of
        a policy refit on the log with ``config`` (``"candidate"``; default: the serving config).

        Each :class:`~absmem.policy.ope.PolicyEvaluation` holds IPS, self-normalised IPS and
        doubly robust estimates of the mean reward in [0, 1] of the first item served, with
        bootstrap intervals, and the logged policy's own mean reward.

        Example:
            >>> import tempfile
            >>> from absmem import AbstractionMemory
            >>> from absmem.policy import PolicyConfig
            >>> with tempfile.TemporaryDirectory() as d, AbstractionMemory.open(d) as mem:
            ...     for i in range(30):
            ...         recall = mem.recall(f"How do I reset my password {i}?")
            ...         _ = mem.remember(f"reset {i}", "Use the reset link.", recall_id=recall.id)
            ...         _ = mem.feedback(recall.id, 1.0 if i % 2 else -1.0)
            ...     found = mem.evaluate_policy(PolicyConfig(discount=1.0))
            ...     sorted(found), found["candidate"].n  # the first recall had nothing to serve
            (['candidate', 'serving'], 29)
        """
        if config is not None and not isinstance(config, PolicyConfig):
            raise InvalidArgumentError("config", "a PolicyConfig or None", config)
        return await self._engine.evaluate_policy(self._ns(namespace), config)

    def evaluate_policy(self, config: PolicyConfig | None = None, **kwargs: Any
                        ) -> dict[str, PolicyEvaluation]:  # fmt: skip
        """Sync twin of :meth:`aevaluate_policy`."""
        return self._sync("evaluate_policy", self.aevaluate_policy(config, **kwargs))

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._engine.closed

    async def aflush(self) -> None:
        """Write changed vector indexes to their files (the store is durable at every write)."""
        await self._engine.flush()

    def flush(self) -> None:
        """Sync twin of :meth:`aflush`."""
        self._sync("flush", self.aflush())

    async def aclose(self) -> None:
        """Save the indexes and close the store; later verbs raise ``MemoryClosedError``."""
        await self._engine.close()

    def close(self) -> None:
        """Sync twin of :meth:`aclose`; idempotent."""
        if not self.closed:
            self._loop.run(self.aclose())
        self._loop.stop()

    def __enter__(self) -> AbstractionMemory:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> AbstractionMemory:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
        self._loop.stop()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"AbstractionMemory({self._engine.store!r}, namespace={self.namespace!r}, {state})"


_PARTS: dict[str, tuple[type, str]] = {
    "embedder": (Embedder, "an Embedder (name, dim and embed(texts))"),
    "ranker": (Ranker, "None or a Ranker (name and rank(candidates, k))"),
    "index_params": (IndexParams, "None or an IndexParams"),
    "assessor": (Assessor, "None or an Assessor"),
    "consolidation": (ConsolidateConfig, "None or a ConsolidateConfig"),
    "writer": (LessonWriter, "None or a LessonWriter (name and write(drafts))"),
}


def _check_parts(**parts: object) -> None:
    """Each injected part is of its kind (``None`` takes the default, except the embedder)."""
    for name, value in parts.items():
        kind, expected = _PARTS[name]
        if (value is not None or name == "embedder") and not isinstance(value, kind):
            raise InvalidArgumentError(name, expected, value)


def _check_namespace(namespace: object) -> str:
    """A non-empty namespace string that UTF-8 can encode (the store and index paths need it)."""
    return check_utf8("namespace", check_namespace(namespace), "a non-empty string")


def _interaction(
    context: object, response: object, recall_id: object, user_id: object, session_id: object,
    metadata: object,
) -> Interaction:  # fmt: skip
    return Interaction(
        context=check_text("context", context),
        response=check_text("response", response),
        recall_id=check_id("recall_id", recall_id),
        user_id=check_id("user_id", user_id),
        session_id=check_id("session_id", session_id),
        metadata=check_metadata(metadata),
    )


def _coerce(position: int, value: object) -> Interaction:
    """Validate one element of ``remember_many``'s input."""
    if isinstance(value, Interaction):
        value = value.model_dump()
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"interactions[{position}]", "an Interaction or a mapping", value
        )
    unknown = set(value) - set(Interaction.model_fields)
    if unknown:
        raise InvalidArgumentError(
            f"interactions[{position}]", f"only the fields {sorted(Interaction.model_fields)}",
            sorted(unknown),
        )  # fmt: skip
    try:
        return _interaction(
            value.get("context"),
            value.get("response"),
            value.get("recall_id"),
            value.get("user_id"),
            value.get("session_id"),
            value.get("metadata"),
        )
    except InvalidArgumentError as err:
        raise InvalidArgumentError(
            f"interactions[{position}].{err.argument}", err.expected,
        ) from err  # fmt: skip
