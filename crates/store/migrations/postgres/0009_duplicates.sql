-- Duplicate management: the review queue of likely duplicate people and accounts, the scans
-- that fill it, and what a reviewed merge records. The SQLite twin is the same SQL.
--
-- A candidate is a pair (a_id < b_id) of one kind, proposed by a scan with a score (per
-- mille) and its reasons (JSON array). A reviewer merges or dismisses it; a dismissed pair
-- keeps its row, so a later scan never proposes it again. `seen_at` is the last scan that
-- proposed it: open pairs a scan no longer finds are dropped.
CREATE TABLE duplicate_candidates (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, a_id TEXT NOT NULL, b_id TEXT NOT NULL,
  score BIGINT NOT NULL, reasons TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open',
  found_at BIGINT NOT NULL, seen_at BIGINT NOT NULL,
  resolved_by TEXT, resolved_via TEXT, resolved_at BIGINT, note TEXT,
  UNIQUE (kind, a_id, b_id));
CREATE INDEX duplicate_candidates_queue ON duplicate_candidates(status, kind, score, id);
CREATE INDEX duplicate_candidates_b ON duplicate_candidates(b_id);

CREATE TABLE duplicate_scans (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT,
  by_user TEXT, via TEXT NOT NULL, summary TEXT, error TEXT);

-- Who merged two leads (a user, or NULL for an automatic identity merge), through what
-- (ui, api, cli, capture), and where each differing field's value came from (JSON).
ALTER TABLE merges ADD COLUMN by_user TEXT;
ALTER TABLE merges ADD COLUMN via TEXT;
ALTER TABLE merges ADD COLUMN fields TEXT;

-- A merged account stays as a tombstone pointing at its survivor: its domain keeps
-- leading new leads to the surviving account.
ALTER TABLE accounts ADD COLUMN merged_into TEXT;
CREATE TABLE account_merges (
  id TEXT PRIMARY KEY, survivor_id TEXT NOT NULL, merged_id TEXT NOT NULL, at BIGINT NOT NULL,
  by_user TEXT, via TEXT NOT NULL, reason TEXT NOT NULL, snapshot TEXT NOT NULL,
  leads_moved BIGINT NOT NULL);
CREATE INDEX account_merges_survivor ON account_merges(survivor_id);
