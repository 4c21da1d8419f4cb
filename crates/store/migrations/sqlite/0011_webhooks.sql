-- Issue 5, webhooks: endpoints, the events they are sent, and one delivery per event and
-- endpoint. The PostgreSQL twin is the same SQL.
--
-- An event (its id is the `webhook-id` header) is written in the same transaction as the
-- change that causes it, with a `pending` delivery for every enabled endpoint subscribed to
-- it at that moment (an endpoint added later never receives older events). A worker claims
-- due deliveries with a lease (`locked_until`) and marks the outcome after the POST: a
-- crash in between lets the lease expire and the same event, with the same id and body, is
-- sent again (at least once). Status: pending (not yet tried or retrying), delivered, dead
-- (every attempt failed).
--
-- `event_types` is NULL for every event, else the subscribed names wrapped in commas
-- (`,lead.created,lead.assigned,`) so one LIKE matches on either engine. `secrets` is a JSON
-- list, newest first, of `{"secret":"whsec_…","expires_at":ms|null}`: deliveries are signed
-- with each unexpired one, so a rotation keeps the old secret valid for a day.
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
  event_types TEXT, secrets TEXT NOT NULL, enabled BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);

CREATE TABLE webhook_events (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  status TEXT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL,
  locked_by TEXT, locked_until BIGINT, last_status BIGINT, last_error TEXT,
  last_response_ms BIGINT, delivered_at BIGINT, created_at BIGINT NOT NULL,
  UNIQUE (endpoint_id, event_id));
-- The worker's claim: due pending deliveries, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at, id);
-- The delivery log of one endpoint, newest first.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
