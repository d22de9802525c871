-- Users, their sessions and access tokens, and where each audited action came from.
-- Keep in step with migrations/postgres: same tables, same columns.

CREATE TABLE users (
    id                   BLOB PRIMARY KEY NOT NULL,
    username             TEXT NOT NULL,
    -- The name folded for comparison (lower case, trimmed): one account per name however typed.
    username_key         TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    -- PHC string (argon2id, salt and parameters inside); never the password.
    password_hash        TEXT NOT NULL,
    -- Comma-separated roles: reception, clinician, admin, auditor.
    roles                TEXT NOT NULL,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    disabled_at          TEXT,
    password_changed_at  TEXT NOT NULL,
    last_login_at        TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

-- A signed-in console or CLI, or a long-lived CLI token. Only a hash of the token is kept.
CREATE TABLE user_sessions (
    id              BLOB PRIMARY KEY NOT NULL,
    user_id         BLOB NOT NULL REFERENCES users(id),
    kind            TEXT NOT NULL CHECK (kind IN ('session', 'token')),
    token_hash      TEXT NOT NULL UNIQUE,
    origin          TEXT NOT NULL,
    label           TEXT,
    created_at      TEXT NOT NULL,
    -- The last time a person did something (not background refreshes): the idle lock reads it.
    last_active_at  TEXT NOT NULL,
    locked_at       TEXT,
    expires_at      TEXT NOT NULL,
    ended_at        TEXT,
    end_reason      TEXT
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

ALTER TABLE audit_log ADD COLUMN origin TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);
