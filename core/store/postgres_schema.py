"""The PostgreSQL schema of :class:`~absmem.store.PostgresStore` and its migrations.

``MIGRATIONS[i]`` moves a database from schema version ``i`` to ``i + 1``, version by version
in step with the SQLite schema (:mod:`absmem.store.schema`): the same tables, columns and
indexes, in PostgreSQL types. The version lives in the one-row table ``schema_version``; an
empty database is at version 0. A database written by a newer absmem (a version past
``SCHEMA_VERSION``) is refused, never altered.

Differences from the SQLite schema, all invisible through the store's methods:

* keys come from the sequence ``experience_keys`` (SQLite: ``AUTOINCREMENT``); a sequence never
  hands out a value twice, so a forgotten key is never reused;
* ``feedback.arrival`` is an identity column that orders the ledger (SQLite: its ``rowid``);
* ``compacted`` is a ``BOOLEAN``; vectors and blobs are ``BYTEA``; reals are ``DOUBLE PRECISION``;
* key columns compare and sort bytewise (``COLLATE "C"``), as in SQLite, whatever the locale of
  the database.

Statements are split on ``;`` (as for SQLite), so no comment holds one.

Example:
    >>> from absmem.store.postgres_schema import MIGRATIONS, SCHEMA_VERSION
    >>> from absmem.store import schema
    >>> SCHEMA_VERSION == len(MIGRATIONS) == schema.SCHEMA_VERSION
    True
    >>> len(statements(MIGRATIONS[0])) > 10
    True
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "VERSION_TABLE", "statements"]

VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
"""The one-row table holding the schema version (created, empty, before the first migration)."""

_V1 = """
CREATE TABLE meta (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE namespaces (
    namespace TEXT COLLATE "C" PRIMARY KEY,
    vector_version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL
);
-- seq is the vector index id, drawn from a sequence so that a forgotten key is never reused.
CREATE SEQUENCE experience_keys AS BIGINT;
CREATE TABLE experiences (
    seq BIGINT PRIMARY KEY DEFAULT nextval('experience_keys'),
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    namespace TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C",
    session_id TEXT COLLATE "C",
    recall_id TEXT COLLATE "C",
    context TEXT NOT NULL,
    response TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at DOUBLE PRECISION NOT NULL,
    out_alpha DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    out_beta DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    out_n DOUBLE PRECISION NOT NULL DEFAULT 0.0,
    use_alpha DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    use_beta DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    use_n DOUBLE PRECISION NOT NULL DEFAULT 0.0
);
ALTER SEQUENCE experience_keys OWNED BY experiences.seq;
-- Vectors live apart from the rows so that reading an experience never walks their pages.
-- float32 bytes do not compress: EXTERNAL storage skips the attempt.
CREATE TABLE experience_vectors (
    seq BIGINT PRIMARY KEY,
    context_vec BYTEA NOT NULL,
    response_vec BYTEA NOT NULL
);
ALTER TABLE experience_vectors ALTER COLUMN context_vec SET STORAGE EXTERNAL;
ALTER TABLE experience_vectors ALTER COLUMN response_vec SET STORAGE EXTERNAL;
CREATE INDEX experiences_session ON experiences (namespace, session_id, seq);
CREATE INDEX experiences_user ON experiences (namespace, user_id);
CREATE INDEX experiences_recall ON experiences (recall_id) WHERE recall_id IS NOT NULL;
CREATE TABLE edges (
    src TEXT COLLATE "C" NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    dst TEXT COLLATE "C" NOT NULL,
    namespace TEXT COLLATE "C" NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (src, type, dst)
);
CREATE INDEX edges_dst ON edges (dst);
CREATE TABLE recalls (
    id TEXT COLLATE "C" PRIMARY KEY,
    namespace TEXT COLLATE "C" NOT NULL,
    query TEXT NOT NULL,
    user_id TEXT COLLATE "C",
    session_id TEXT COLLATE "C",
    policy TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX recalls_user ON recalls (namespace, user_id);
CREATE INDEX recalls_session ON recalls (namespace, session_id);
CREATE TABLE recall_items (
    recall_id TEXT COLLATE "C" NOT NULL,
    rank INTEGER NOT NULL,
    item_id TEXT COLLATE "C" NOT NULL,
    item_kind TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    propensity DOUBLE PRECISION NOT NULL,
    similarity DOUBLE PRECISION,
    PRIMARY KEY (recall_id, rank)
);
CREATE INDEX recall_items_item ON recall_items (item_id);
-- arrival orders the ledger (SQLite orders it by rowid).
CREATE TABLE feedback (
    id TEXT COLLATE "C" PRIMARY KEY,
    arrival BIGINT GENERATED ALWAYS AS IDENTITY,
    namespace TEXT COLLATE "C" NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT COLLATE "C" NOT NULL,
    reward DOUBLE PRECISION NOT NULL,
    user_id TEXT COLLATE "C",
    session_id TEXT COLLATE "C",
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX feedback_target ON feedback (target_id);
CREATE INDEX feedback_user ON feedback (namespace, user_id);
CREATE INDEX feedback_session ON feedback (namespace, session_id);
CREATE INDEX feedback_arrival ON feedback (namespace, arrival);
-- The credit ledger: statistics on experiences are sums over it (erasing a feedback
-- recomputes them exactly).
CREATE TABLE credits (
    feedback_id TEXT COLLATE "C" NOT NULL,
    item_id TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL,
    reward DOUBLE PRECISION NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (feedback_id, item_id, channel)
);
CREATE INDEX credits_item ON credits (item_id);
CREATE TABLE blobs (
    namespace TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    data BYTEA NOT NULL,
    metadata TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (namespace, name)
)
"""

_V2 = """
-- Graceful forgetting: an absorbed episode keeps its vectors and statistics, loses its text.
ALTER TABLE experiences ADD COLUMN compacted BOOLEAN NOT NULL DEFAULT FALSE;
-- Abstractions (lessons): a learned pattern over experiences, at a level (0 = specific).
-- vectors: float32 rows: situation prototype, mean response, then one centroid per approach.
CREATE TABLE abstractions (
    id TEXT COLLATE "C" PRIMARY KEY,
    namespace TEXT COLLATE "C" NOT NULL,
    level INTEGER NOT NULL,
    parent_id TEXT COLLATE "C",
    support INTEGER NOT NULL,
    situation TEXT NOT NULL,
    lesson TEXT NOT NULL,
    data TEXT NOT NULL,
    vectors BYTEA NOT NULL,
    dim INTEGER NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX abstractions_namespace ON abstractions (namespace, level);
-- member_of edges, with the approach (index into the abstraction's approaches) the member used.
CREATE TABLE memberships (
    abstraction_id TEXT COLLATE "C" NOT NULL,
    experience_id TEXT COLLATE "C" NOT NULL,
    namespace TEXT COLLATE "C" NOT NULL,
    approach INTEGER NOT NULL,
    PRIMARY KEY (abstraction_id, experience_id)
);
CREATE INDEX memberships_experience ON memberships (experience_id);
CREATE INDEX memberships_namespace ON memberships (namespace)
"""

_V3 = """
-- The recall policy's log: per recall, every candidate it ranked (ids, kinds, the approach a
-- lesson advised), their feature rows and each one's probability of being served first, which
-- off-policy evaluation and the policy's refit read.
CREATE TABLE recall_features (
    recall_id TEXT COLLATE "C" PRIMARY KEY,
    namespace TEXT COLLATE "C" NOT NULL,
    policy TEXT NOT NULL,
    candidates TEXT NOT NULL,
    features BYTEA NOT NULL,
    dim INTEGER NOT NULL,
    top BYTEA NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX recall_features_namespace ON recall_features (namespace, created_at)
"""

_V4 = """
-- Framework run ids (a LangChain or LlamaIndex run, the ids LangSmith feedback uses) linked to
-- the recall and the experience the run produced, so that feedback can name the run.
-- Erasing the recall or the experience erases the link.
CREATE TABLE run_links (
    namespace TEXT COLLATE "C" NOT NULL,
    run_id TEXT COLLATE "C" NOT NULL,
    recall_id TEXT COLLATE "C",
    experience_id TEXT COLLATE "C",
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (namespace, run_id)
);
CREATE INDEX run_links_recall ON run_links (recall_id) WHERE recall_id IS NOT NULL;
CREATE INDEX run_links_experience ON run_links (experience_id) WHERE experience_id IS NOT NULL
"""

_V5 = """
-- Session outcomes (feedback on a whole conversation, spread over its turns) kept apart from
-- the immediate feedback: the ledger's "session" credits, summed per experience.
ALTER TABLE experiences ADD COLUMN ses_alpha DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    ADD COLUMN ses_beta DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    ADD COLUMN ses_n DOUBLE PRECISION NOT NULL DEFAULT 0.0
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5]
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """The statements of a migration script, in order (split on ``;``, blank ones dropped).

    Example:
        >>> statements("CREATE TABLE a (x INTEGER);\\n-- note\\n;CREATE INDEX a_x ON a (x)")
        ['CREATE TABLE a (x INTEGER)', 'CREATE INDEX a_x ON a (x)']
    """
    out = []
    for part in script.split(";"):
        lines = [line for line in part.strip().splitlines() if not line.lstrip().startswith("--")]
        if "\n".join(lines).strip():
            out.append(part.strip())
    return out
