-- 0001: accounts, sessions, API tokens, setup tokens, organisation, audit log.
-- Times are TEXT in the fixed-width UTC format 2006-01-02T15:04:05.000000Z,
-- so that text comparison orders them.

CREATE TABLE organisation (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    legal_name     TEXT NOT NULL,
    postal_address TEXT NOT NULL,
    contact_email  TEXT NOT NULL,
    website        TEXT NOT NULL DEFAULT '',
    member_state   TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'security-officer', 'member', 'auditor')),
    kind          TEXT NOT NULL CHECK (kind IN ('person', 'service')),
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    disabled_at   TEXT,
    last_login_at TEXT
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    secret_hash  TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    secret_hash  TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'security-officer', 'member', 'auditor')),
    prefix       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE setup_tokens (
    id             INTEGER PRIMARY KEY,
    secret_hash    TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT,
    invalidated_at TEXT
);

CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    actor_id       INTEGER NOT NULL DEFAULT 0,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    object_type    TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    before_summary TEXT NOT NULL DEFAULT '',
    after_summary  TEXT NOT NULL DEFAULT '',
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
CREATE INDEX audit_log_action ON audit_log (action);

-- The audit log is append-only: the database itself refuses changes.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
