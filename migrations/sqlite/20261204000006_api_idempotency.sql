-- The HTTP API's saved answers: a POST repeated with the same Idempotency-Key and the same body
-- gets the first answer again instead of acting twice. Keep in step with migrations/postgres.
CREATE TABLE api_idempotency (
    user_id       BLOB NOT NULL REFERENCES users(id),
    key           TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    -- SHA-256 of the request body: the same key with another body is refused.
    body_hash     TEXT NOT NULL,
    -- NULL while the first request is still being answered.
    status        INTEGER,
    response      TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
