-- Inbound messages say whether a simulator sent them, so a simulated reply opens only the
-- sandbox's WhatsApp window, never a real number's (rows from before this say live).
-- Webhook receipts are kept only as long as a provider may deliver the same callback again
-- (Meta retries for up to 7 days); dispatchers prune older ones by this index.
-- Keep in step with migrations/sqlite.
ALTER TABLE inbound_messages ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX inbound_messages_from;
CREATE INDEX inbound_messages_from ON inbound_messages (channel, from_address, sandbox, received_at);
CREATE INDEX webhook_receipts_received ON webhook_receipts (received_at);
