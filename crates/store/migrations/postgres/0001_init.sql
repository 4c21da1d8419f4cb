-- Leadline schema, PostgreSQL flavour. Ids are UUIDv7 text, times are epoch milliseconds,
-- JSON is text: the PostgreSQL twin differs only where the engines do (BLOB/BYTEA).
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL, password_hash TEXT, created_at BIGINT NOT NULL, disabled_at BIGINT);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, prefix TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL, last_used_at BIGINT, revoked_at BIGINT);
CREATE TABLE sources (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, write_key TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL,
  disabled_at BIGINT);

CREATE TABLE accounts (id TEXT PRIMARY KEY, domain TEXT NOT NULL UNIQUE, name TEXT, created_at BIGINT NOT NULL);
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, channel TEXT NOT NULL,
  starts_at BIGINT, ends_at BIGINT, budget_minor BIGINT, currency TEXT NOT NULL DEFAULT 'USD',
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, created_at BIGINT NOT NULL);
CREATE TABLE campaign_costs (
  id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL REFERENCES campaigns(id), day BIGINT NOT NULL,
  amount_minor BIGINT NOT NULL, note TEXT);
CREATE INDEX campaign_costs_campaign ON campaign_costs(campaign_id, day);

CREATE TABLE leads (
  id TEXT PRIMARY KEY, email TEXT, email_key TEXT, user_id TEXT, external_key TEXT,
  first_name TEXT, last_name TEXT, title TEXT, phone TEXT, company TEXT, country TEXT, website TEXT,
  account_id TEXT REFERENCES accounts(id), source_channel TEXT, source_campaign_id TEXT REFERENCES campaigns(id),
  first_touch_at BIGINT, stage TEXT NOT NULL, owner_id TEXT REFERENCES users(id), consent BIGINT,
  custom TEXT NOT NULL DEFAULT '{}', search TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, merged_into TEXT);
-- Identifiers and optional links are indexed only where present (partial indexes): an
-- imported list has no user ids, a new lead no owner, and indexing NULLs costs every insert.
CREATE UNIQUE INDEX leads_email_key ON leads(email_key) WHERE email_key IS NOT NULL;
-- Email prefix search (`q` containing @) in byte order, whatever the database's collation.
CREATE INDEX leads_email_prefix ON leads(email_key text_pattern_ops) WHERE email_key IS NOT NULL;
CREATE UNIQUE INDEX leads_user_id ON leads(user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX leads_external_key ON leads(external_key) WHERE external_key IS NOT NULL;
CREATE INDEX leads_stage ON leads(stage, id);
CREATE INDEX leads_owner ON leads(owner_id, id) WHERE owner_id IS NOT NULL;
CREATE INDEX leads_source ON leads(source_channel, id);
CREATE INDEX leads_campaign ON leads(source_campaign_id, id) WHERE source_campaign_id IS NOT NULL;
CREATE INDEX leads_account ON leads(account_id) WHERE account_id IS NOT NULL;

CREATE TABLE visitors (
  id TEXT PRIMARY KEY, anonymous_id TEXT NOT NULL UNIQUE, lead_id TEXT,
  first_seen_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, first_channel TEXT, first_campaign_id TEXT);
CREATE INDEX visitors_lead ON visitors(lead_id) WHERE lead_id IS NOT NULL;

CREATE TABLE activities (
  id TEXT PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, lead_id TEXT, visitor_id TEXT,
  type TEXT NOT NULL, name TEXT, channel TEXT, campaign_id TEXT,
  occurred_at BIGINT NOT NULL, received_at BIGINT NOT NULL, origin TEXT NOT NULL,
  properties TEXT, context TEXT);
CREATE INDEX activities_lead ON activities(lead_id, occurred_at) WHERE lead_id IS NOT NULL;
CREATE INDEX activities_visitor ON activities(visitor_id) WHERE visitor_id IS NOT NULL;

CREATE TABLE stage_changes (
  id TEXT PRIMARY KEY, lead_id TEXT NOT NULL, from_stage TEXT, to_stage TEXT NOT NULL,
  at BIGINT NOT NULL, by_user TEXT, reason TEXT NOT NULL);
CREATE INDEX stage_changes_lead ON stage_changes(lead_id, at);
CREATE TABLE merges (
  id TEXT PRIMARY KEY, survivor_id TEXT NOT NULL, merged_id TEXT NOT NULL, at BIGINT NOT NULL,
  reason TEXT NOT NULL, snapshot TEXT NOT NULL);
CREATE INDEX merges_survivor ON merges(survivor_id);

CREATE TABLE forms (
  id TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, definition TEXT NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, archived_at BIGINT);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
  run_at BIGINT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0, locked_by TEXT, locked_until BIGINT,
  last_error TEXT, created_at BIGINT NOT NULL, finished_at BIGINT);
CREATE INDEX jobs_due ON jobs(status, run_at);

CREATE TABLE imports (
  id TEXT PRIMARY KEY, filename TEXT NOT NULL, options TEXT NOT NULL, status TEXT NOT NULL,
  total_bytes BIGINT NOT NULL, processed_bytes BIGINT NOT NULL DEFAULT 0,
  created BIGINT NOT NULL DEFAULT 0, updated BIGINT NOT NULL DEFAULT 0, unchanged BIGINT NOT NULL DEFAULT 0,
  skipped BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0, errors TEXT NOT NULL DEFAULT '[]',
  data BYTEA, created_by TEXT, created_at BIGINT NOT NULL, finished_at BIGINT);
