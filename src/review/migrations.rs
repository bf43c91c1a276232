//! The review store's schema, as numbered migrations.
//!
//! Migration `i` (1-based) moves the schema from version `i - 1` to `i`. The applied versions are
//! rows of `schema_version` (one row per migration, never updated), so the current version is
//! the largest. A migration is only ever appended: once released, its SQL never changes.

/// The migrations, in order. `MIGRATIONS[0]` creates version 1.
pub const MIGRATIONS: &[&str] = &[V1];

/// The schema version this build of titlematch writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Created before anything else, outside the numbered migrations.
pub const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
)";

// Version 1: candidates, the append-only decision log, and approved aliases.
//
// NOTE: `decisions` is an audit log: triggers refuse UPDATE and DELETE. `aliases` rows are
// written once and may only be retired (`retired_by` set once, from NULL to the id of the
// decision that retired it); bringing an alias back inserts a new row. Candidates change status
// only in the same transaction as the decision row that records the change.
const V1: &str = "
CREATE TABLE candidates (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL UNIQUE,
    core            TEXT,
    examples        TEXT NOT NULL DEFAULT '[]',
    count           INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    suggested_role  TEXT,
    suggested_level TEXT,
    suggested_soc   TEXT,
    confidence      REAL,
    band            TEXT,
    match_type      TEXT,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected', 'remapped')),
    note            TEXT
);
CREATE INDEX candidates_by_status ON candidates (status, count DESC);
CREATE INDEX candidates_by_core ON candidates (core);

CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY,
    candidate_id  INTEGER NOT NULL REFERENCES candidates (id),
    action        TEXT NOT NULL CHECK (action IN
                  ('approve', 'remap', 'reject', 'undo', 'rename', 'orphan', 'supersede', 'refuse')),
    reviewer      TEXT NOT NULL CHECK (length(reviewer) > 0),
    at            TEXT NOT NULL,
    prev_status   TEXT NOT NULL,
    new_status    TEXT NOT NULL,
    role          TEXT,
    level         TEXT,
    alias         TEXT,
    whole_title   INTEGER NOT NULL DEFAULT 0,
    forced        INTEGER NOT NULL DEFAULT 0,
    conflict_role TEXT,
    conflict_with TEXT,
    reverses      INTEGER REFERENCES decisions (id),
    note          TEXT
);
CREATE INDEX decisions_by_candidate ON decisions (candidate_id, id);

CREATE TABLE aliases (
    id           INTEGER PRIMARY KEY,
    alias        TEXT NOT NULL CHECK (length(alias) > 0),
    role         TEXT NOT NULL,
    level        TEXT,
    whole_title  INTEGER NOT NULL DEFAULT 0,
    candidate_id INTEGER NOT NULL REFERENCES candidates (id),
    reviewer     TEXT NOT NULL,
    added_by     INTEGER NOT NULL REFERENCES decisions (id),
    retired_by   INTEGER REFERENCES decisions (id)
);
CREATE INDEX aliases_active ON aliases (alias) WHERE retired_by IS NULL;
CREATE INDEX aliases_by_candidate ON aliases (candidate_id);

CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only');
END;
CREATE TRIGGER aliases_no_delete BEFORE DELETE ON aliases
BEGIN
    SELECT RAISE(ABORT, 'approved aliases are retired, never deleted');
END;
CREATE TRIGGER aliases_retire_only BEFORE UPDATE ON aliases
WHEN OLD.retired_by IS NOT NULL OR NEW.retired_by IS NULL
  OR NEW.alias IS NOT OLD.alias OR NEW.role IS NOT OLD.role OR NEW.level IS NOT OLD.level
  OR NEW.whole_title IS NOT OLD.whole_title OR NEW.candidate_id IS NOT OLD.candidate_id
  OR NEW.reviewer IS NOT OLD.reviewer OR NEW.added_by IS NOT OLD.added_by
BEGIN
    SELECT RAISE(ABORT, 'an approved alias can only be retired, once');
END;
";
