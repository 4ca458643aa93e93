"""The SQLite schema and its migrations.

``MIGRATIONS[i]`` moves a store from schema version ``i`` to ``i + 1``; a new file starts at 0.
A store written by a newer absmem (a version past ``SCHEMA_VERSION``) is refused, never altered.

Example:
    >>> from absmem.store.schema import SCHEMA_VERSION, MIGRATIONS
    >>> SCHEMA_VERSION == len(MIGRATIONS)
    True
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE namespaces (
    namespace TEXT PRIMARY KEY,
    vector_version INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
-- seq is the vector index id, AUTOINCREMENT so that a forgotten key is never reused.
CREATE TABLE experiences (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    user_id TEXT,
    session_id TEXT,
    recall_id TEXT,
    context TEXT NOT NULL,
    response TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    out_alpha REAL NOT NULL DEFAULT 1.0,
    out_beta REAL NOT NULL DEFAULT 1.0,
    out_n REAL NOT NULL DEFAULT 0.0,
    use_alpha REAL NOT NULL DEFAULT 1.0,
    use_beta REAL NOT NULL DEFAULT 1.0,
    use_n REAL NOT NULL DEFAULT 0.0
);
-- Vectors live apart from the rows so that reading an experience never walks their pages.
CREATE TABLE experience_vectors (
    seq INTEGER PRIMARY KEY,
    context_vec BLOB NOT NULL,
    response_vec BLOB NOT NULL
);
CREATE INDEX experiences_session ON experiences (namespace, session_id, seq);
CREATE INDEX experiences_user ON experiences (namespace, user_id);
CREATE INDEX experiences_recall ON experiences (recall_id) WHERE recall_id IS NOT NULL;
CREATE TABLE edges (
    src TEXT NOT NULL,
    type TEXT NOT NULL,
    dst TEXT NOT NULL,
    namespace TEXT NOT NULL,
    weight REAL NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (src, type, dst)
) WITHOUT ROWID;
CREATE INDEX edges_dst ON edges (dst);
CREATE TABLE recalls (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    query TEXT NOT NULL,
    user_id TEXT,
    session_id TEXT,
    policy TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX recalls_user ON recalls (namespace, user_id);
CREATE INDEX recalls_session ON recalls (namespace, session_id);
CREATE TABLE recall_items (
    recall_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    score REAL NOT NULL,
    propensity REAL NOT NULL,
    similarity REAL,
    PRIMARY KEY (recall_id, rank)
) WITHOUT ROWID;
CREATE INDEX recall_items_item ON recall_items (item_id);
CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reward REAL NOT NULL,
    user_id TEXT,
    session_id TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX feedback_target ON feedback (target_id);
CREATE INDEX feedback_user ON feedback (namespace, user_id);
CREATE INDEX feedback_session ON feedback (namespace, session_id);
-- The credit ledger: statistics on experiences are sums over it (erasing a feedback
-- recomputes them exactly).
CREATE TABLE credits (
    feedback_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    reward REAL NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (feedback_id, item_id, channel)
) WITHOUT ROWID;
CREATE INDEX credits_item ON credits (item_id);
CREATE TABLE blobs (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    metadata TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (namespace, name)
);
"""

_V2 = """
-- Graceful forgetting: an absorbed episode keeps its vectors and statistics, loses its text.
ALTER TABLE experiences ADD COLUMN compacted INTEGER NOT NULL DEFAULT 0;
-- Abstractions (lessons): a learned pattern over experiences, at a level (0 = specific).
-- vectors: float32 rows: situation prototype, mean response, then one centroid per approach.
CREATE TABLE abstractions (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    level INTEGER NOT NULL,
    parent_id TEXT,
    support INTEGER NOT NULL,
    situation TEXT NOT NULL,
    lesson TEXT NOT NULL,
    data TEXT NOT NULL,
    vectors BLOB NOT NULL,
    dim INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX abstractions_namespace ON abstractions (namespace, level);
-- member_of edges, with the approach (index into the abstraction's approaches) the member used.
CREATE TABLE memberships (
    abstraction_id TEXT NOT NULL,
    experience_id TEXT NOT NULL,
    namespace TEXT NOT NULL,
    approach INTEGER NOT NULL,
    PRIMARY KEY (abstraction_id, experience_id)
) WITHOUT ROWID;
CREATE INDEX memberships_experience ON memberships (experience_id);
"""

_V3 = """
-- The recall policy's log: per recall, every candidate it ranked (ids, kinds, the approach a
-- lesson advised), their feature rows and each one's probability of being served first, which
-- off-policy evaluation and the policy's refit read.
CREATE TABLE recall_features (
    recall_id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    policy TEXT NOT NULL,
    candidates TEXT NOT NULL,
    features BLOB NOT NULL,
    dim INTEGER NOT NULL,
    top BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX recall_features_namespace ON recall_features (namespace, created_at);
"""

_V4 = """
-- Framework run ids (a LangChain or LlamaIndex run, the ids LangSmith feedback uses) linked to
-- the recall and the experience the run produced, so that feedback can name the run.
-- Erasing the recall or the experience erases the link.
CREATE TABLE run_links (
    namespace TEXT NOT NULL,
    run_id TEXT NOT NULL,
    recall_id TEXT,
    experience_id TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (namespace, run_id)
) WITHOUT ROWID;
CREATE INDEX run_links_recall ON run_links (recall_id) WHERE recall_id IS NOT NULL;
CREATE INDEX run_links_experience ON run_links (experience_id) WHERE experience_id IS NOT NULL;
"""

_V5 = """
-- Session outcomes (feedback on a whole conversation, spread over its turns) kept apart from
-- the immediate feedback: the ledger's "session" credits, summed per experience.
ALTER TABLE experiences ADD COLUMN ses_alpha REAL NOT NULL DEFAULT 1.0;
ALTER TABLE experiences ADD COLUMN ses_beta REAL NOT NULL DEFAULT 1.0;
ALTER TABLE experiences ADD COLUMN ses_n REAL NOT NULL DEFAULT 0.0;
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5]
SCHEMA_VERSION = len(MIGRATIONS)
