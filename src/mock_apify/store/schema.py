"""The database schema: every table and index, and the version a file must carry."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    dispatch_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS actors (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    doc BLOB NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX IF NOT EXISTS actors_by_user ON actors (user_id, seq);
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    doc BLOB NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX IF NOT EXISTS tasks_by_user ON tasks (user_id, seq);
-- Every B-tree is a page written on each create's commit, so a webhook has four beside its table:
-- `target` is the one thing its condition names, as `actorId=…`, `actorTaskId=…` or `actorRunId=…`.
-- `short_head` is its list item, pre-rendered (model.shapes.short_head).
CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    idempotency_key TEXT,
    target TEXT NOT NULL,
    doc BLOB NOT NULL,
    short_head BLOB NOT NULL,
    last_dispatch BLOB,
    total_dispatches INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS webhooks_by_key ON webhooks (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS webhooks_by_user ON webhooks (user_id, seq);
CREATE INDEX IF NOT EXISTS webhooks_by_target ON webhooks (user_id, target, seq);
-- user_n and webhook_n number a user's and a webhook's dispatches 1, 2, 3...: dispatches are never
-- deleted one by one, so a page at any offset is an index seek, and totals are counters.
CREATE TABLE IF NOT EXISTS dispatches (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    user_n INTEGER NOT NULL,
    webhook_n INTEGER NOT NULL,
    status TEXT NOT NULL,
    doc BLOB NOT NULL,
    calls BLOB NOT NULL,
    delivery BLOB NOT NULL,
    next_attempt_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS dispatches_by_user ON dispatches (user_id, user_n);
CREATE UNIQUE INDEX IF NOT EXISTS dispatches_by_webhook ON dispatches (webhook_id, webhook_n);
CREATE INDEX IF NOT EXISTS dispatches_due ON dispatches (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
-- Actor runs and builds ("jobs"): `plan` lists the status changes still to come, the first due
-- at `next_at`; `log` is the job's log text.
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL,
    act_id TEXT NOT NULL,
    task_id TEXT,
    doc BLOB NOT NULL,
    log TEXT NOT NULL,
    plan BLOB NOT NULL,
    next_at REAL,
    input BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_user ON jobs (user_id, kind, seq);
CREATE INDEX IF NOT EXISTS jobs_by_actor ON jobs (act_id, kind, seq);
CREATE INDEX IF NOT EXISTS jobs_by_task ON jobs (task_id, seq);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (next_at) WHERE next_at IS NOT NULL;
-- Datasets: a run's default one (`act_run_id` set) or one made through the API; `name` is NULL
-- for unnamed ones. `fields` is the JSON list of top-level item fields in first-seen order.
CREATE TABLE IF NOT EXISTS datasets (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT,
    title TEXT,
    general_access TEXT NOT NULL DEFAULT 'FOLLOW_USER_SETTING',
    act_id TEXT,
    act_run_id TEXT,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    accessed_at TEXT NOT NULL,
    item_count INTEGER NOT NULL DEFAULT 0,
    clean_item_count INTEGER NOT NULL DEFAULT 0,
    fields BLOB NOT NULL DEFAULT '[]',
    UNIQUE (user_id, name)
);
CREATE INDEX IF NOT EXISTS datasets_by_user ON datasets (user_id, seq);
CREATE TABLE IF NOT EXISTS dataset_items (
    dataset_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    item BLOB NOT NULL,
    PRIMARY KEY (dataset_id, n)
) WITHOUT ROWID;  -- one B-tree, not a table and its key index: half the pages per push
-- Key-value stores: `doc` holds what a write of a record leaves alone; `modified_at` and the
-- counters change with each record written or deleted. Keys are listed in key order (the
-- primary key's), so a page after `exclusiveStartKey` is an index seek.
CREATE TABLE IF NOT EXISTS kv_stores (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT,
    doc BLOB NOT NULL,
    modified_at TEXT NOT NULL,
    write_count INTEGER NOT NULL DEFAULT 0,
    delete_count INTEGER NOT NULL DEFAULT 0,
    storage_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS kv_stores_by_name ON kv_stores (user_id, name) WHERE name IS NOT NULL;
CREATE INDEX IF NOT EXISTS kv_stores_by_user ON kv_stores (user_id, seq);
CREATE TABLE IF NOT EXISTS kv_records (
    store_id TEXT NOT NULL,
    key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (store_id, key)
);
CREATE TABLE IF NOT EXISTS behaviours (
    actor_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    behaviour BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS behaviours_by_user ON behaviours (user_id);
CREATE TABLE IF NOT EXISTS inboxes (
    name TEXT PRIMARY KEY,
    behaviour BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS inbox_messages (
    seq INTEGER PRIMARY KEY,
    inbox TEXT NOT NULL,
    message BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_messages_by_inbox ON inbox_messages (inbox, seq);
"""

# Bumped whenever _SCHEMA changes in a way an existing file cannot follow. An index added is not
# such a change: a file made before it works as it did (behaviours_by_user).
SCHEMA_VERSION = 5

# Tables holding per-user documents, in the order a user's records are wiped.
USER_TABLES = ("dispatches", "webhooks", "jobs", "behaviours", "tasks", "actors", "kv_stores")
