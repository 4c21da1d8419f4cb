-- The ingest inbox: acknowledged tracking requests waiting to be applied (see
-- crates/store/src/capture/inbox.rs). On SQLite it lives in a file beside the database.
CREATE TABLE inbox (
  seq BIGSERIAL PRIMARY KEY, received_at BIGINT NOT NULL, events BIGINT NOT NULL,
  payload TEXT NOT NULL, last_error TEXT);
