-- Wasel foundation schema (PostgreSQL). Keep in step with migrations/postgres: same tables, same columns.
-- Ids are UUIDv7 stored as 16-byte UUIDs; times are UTC RFC 3339 text; booleans are 0/1.

CREATE TABLE branches (
    id          UUID PRIMARY KEY NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    name_ar     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE beneficiaries (
    id          UUID PRIMARY KEY NOT NULL,
    branch_id   UUID REFERENCES branches(id),
    full_name   TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE guardians (
    id                  UUID PRIMARY KEY NOT NULL,
    beneficiary_id      UUID REFERENCES beneficiaries(id),
    full_name           TEXT NOT NULL,
    phone_e164          TEXT,
    email               TEXT,
    preferred_language  TEXT NOT NULL DEFAULT 'ar' CHECK (preferred_language IN ('ar', 'en')),
    sms_opt_out         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX guardians_phone ON guardians (phone_e164);

-- Key/value settings of the communication hub. Secrets never live here: only keychain references.
CREATE TABLE communication_settings (
    key         TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- The outbox. One row per outgoing message; written in the same transaction as its cause.
CREATE TABLE messages (
    id                   UUID PRIMARY KEY NOT NULL,
    idempotency_key      TEXT NOT NULL UNIQUE,
    channel              TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email', 'push', 'voice')),
    status               TEXT NOT NULL CHECK (status IN ('scheduled', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'cancelled', 'expired', 'unknown')),
    to_address           TEXT NOT NULL,
    guardian_id          UUID REFERENCES guardians(id),
    body                 TEXT NOT NULL,
    encoding             TEXT,
    segments             INTEGER NOT NULL DEFAULT 1,
    urgent               BOOLEAN NOT NULL DEFAULT FALSE,
    sandbox              BOOLEAN NOT NULL DEFAULT FALSE,
    provider             TEXT,
    provider_message_id  TEXT,
    attempts             INTEGER NOT NULL DEFAULT 0,
    max_attempts         INTEGER NOT NULL DEFAULT 5,
    next_attempt_at      TIMESTAMPTZ NOT NULL,
    send_at              TIMESTAMPTZ,
    expires_at           TIMESTAMPTZ,
    lease_owner          TEXT,
    lease_expires_at     TIMESTAMPTZ,
    error_code           TEXT,
    error_params         JSONB,
    created_by           TEXT,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    sent_at              TIMESTAMPTZ,
    delivered_at         TIMESTAMPTZ,
    read_at              TIMESTAMPTZ
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX messages_polling ON messages (sent_at) WHERE status = 'sent';
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX messages_provider_id ON messages (provider, provider_message_id);

CREATE TABLE message_attempts (
    id                   UUID PRIMARY KEY NOT NULL,
    message_id           UUID NOT NULL REFERENCES messages(id),
    attempt_no           INTEGER NOT NULL,
    provider             TEXT NOT NULL,
    started_at           TIMESTAMPTZ NOT NULL,
    finished_at          TIMESTAMPTZ,
    latency_ms           BIGINT,
    http_status          INTEGER,
    provider_error_code  TEXT,
    error_class          TEXT CHECK (error_class IN ('retryable', 'failover', 'permanent')),
    outcome              TEXT NOT NULL
);
CREATE INDEX message_attempts_message ON message_attempts (message_id);

CREATE TABLE message_events (
    id          UUID PRIMARY KEY NOT NULL,
    message_id  UUID NOT NULL REFERENCES messages(id),
    status      TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('dispatch', 'webhook', 'poll', 'operator')),
    at          TIMESTAMPTZ NOT NULL,
    detail      TEXT
);
CREATE INDEX message_events_message ON message_events (message_id);
