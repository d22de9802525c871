-- Every channel: what a message carries besides its text, push devices, WhatsApp templates and
-- inbound messages (the 24-hour window), and webhook receipts (forged or replayed callbacks are
-- refused). Keep in step with migrations/sqlite.

-- JSON (domain::Content); NULL for SMS.
ALTER TABLE messages ADD COLUMN content TEXT;
CREATE INDEX messages_channel ON messages (channel, created_at);

CREATE TABLE push_devices (
    id               UUID PRIMARY KEY NOT NULL,
    guardian_id      UUID NOT NULL REFERENCES guardians(id),
    service          TEXT NOT NULL CHECK (service IN ('fcm', 'onesignal')),
    token            TEXT NOT NULL,
    language         TEXT NOT NULL DEFAULT 'ar' CHECK (language IN ('ar', 'en')),
    label            TEXT,
    disabled_at      TIMESTAMPTZ,
    disabled_reason  TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (service, token)
);
CREATE INDEX push_devices_guardian ON push_devices (guardian_id);

CREATE TABLE whatsapp_templates (
    provider      TEXT NOT NULL,
    name          TEXT NOT NULL,
    language      TEXT NOT NULL,
    status        TEXT NOT NULL,
    category      TEXT,
    body          TEXT NOT NULL,
    provider_ref  TEXT,
    fetched_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, name, language)
);

CREATE TABLE inbound_messages (
    id                   UUID PRIMARY KEY NOT NULL,
    channel              TEXT NOT NULL,
    provider             TEXT NOT NULL,
    provider_message_id  TEXT,
    from_address         TEXT NOT NULL,
    body                 TEXT NOT NULL,
    received_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (provider, provider_message_id)
);
CREATE INDEX inbound_messages_from ON inbound_messages (channel, from_address, received_at);

CREATE TABLE webhook_receipts (
    digest       TEXT PRIMARY KEY NOT NULL,
    provider     TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL
);
