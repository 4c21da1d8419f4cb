-- Issue 4: qualification findings, scores and grades on the lead; score history; saved
-- segments; predictive models. Scores are whole points (BIGINT) so both engines compare
-- them alike. No indexes on score columns: a segment scans leads anyway (≤ 1 s at 1M),
-- and a rescore rewrites them all.
ALTER TABLE leads ADD COLUMN flags TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN fit_score BIGINT;
ALTER TABLE leads ADD COLUMN engagement_score BIGINT;
ALTER TABLE leads ADD COLUMN grade TEXT;
ALTER TABLE leads ADD COLUMN probability BIGINT;
ALTER TABLE leads ADD COLUMN scored_at BIGINT;
ALTER TABLE leads ADD COLUMN requalified_at BIGINT;
ALTER TABLE leads ADD COLUMN auto_disqualified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN field_times TEXT NOT NULL DEFAULT '{}';

CREATE TABLE score_history (
  id TEXT PRIMARY KEY, lead_id TEXT NOT NULL, at BIGINT NOT NULL, fit BIGINT NOT NULL,
  engagement BIGINT NOT NULL, grade TEXT NOT NULL, probability BIGINT, cause TEXT NOT NULL);
CREATE INDEX score_history_lead ON score_history(lead_id, at);

CREATE TABLE segments (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, expression TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '', created_by TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);

CREATE TABLE scoring_models (
  id TEXT PRIMARY KEY, version BIGINT NOT NULL UNIQUE, created_at BIGINT NOT NULL, created_by TEXT,
  model TEXT NOT NULL, metrics TEXT NOT NULL, active BIGINT NOT NULL DEFAULT 0);
