-- Issue 5, opportunities: a deal per account with its primary lead, the people who play a
-- part in it, its stage history, the needs-analysis notes, proposal checklist and ROI
-- estimate inputs. The PostgreSQL twin is the same SQL.
--
-- `account_id` may be NULL: a deal with a prospect whose address named no company (a
-- free-mail lead) is still a deal; it gets its account when the lead does. `probability` is
-- the rep's override (NULL: the stage's). `expected_close` is a calendar day ('2026-03-31').
-- `checklist` is JSON ([{"item","done"}]), `roi_inputs` JSON (core::roi::RoiInputs).
-- `share_token` opens the public, read-only ROI page; NULL until a rep shares it.
-- Closed deals are final: `closed_at` and `won_amount_minor` (revenue) are set once.
CREATE TABLE opportunities (
  id TEXT PRIMARY KEY, account_id TEXT REFERENCES accounts(id),
  primary_lead_id TEXT NOT NULL REFERENCES leads(id), owner_id TEXT REFERENCES users(id),
  name TEXT NOT NULL, stage TEXT NOT NULL, probability BIGINT,
  amount_minor BIGINT NOT NULL DEFAULT 0, currency TEXT NOT NULL DEFAULT 'USD',
  expected_close TEXT, next_step TEXT, next_step_at BIGINT, lost_reason TEXT, competitor TEXT,
  needs_analysis TEXT NOT NULL DEFAULT '', checklist TEXT NOT NULL DEFAULT '[]', roi_inputs TEXT,
  share_token TEXT UNIQUE, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  closed_at BIGINT, won_amount_minor BIGINT);
CREATE INDEX opportunities_stage ON opportunities(stage, id);
CREATE INDEX opportunities_owner ON opportunities(owner_id, id);
CREATE INDEX opportunities_account ON opportunities(account_id, id);
CREATE INDEX opportunities_lead ON opportunities(primary_lead_id);

-- The people in a deal and the part each plays; one person may play several parts.
CREATE TABLE opportunity_contacts (
  opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
  lead_id TEXT NOT NULL REFERENCES leads(id), role TEXT NOT NULL, added_at BIGINT NOT NULL,
  PRIMARY KEY (opportunity_id, lead_id, role));
CREATE INDEX opportunity_contacts_lead ON opportunity_contacts(lead_id);

-- Every stage move of a deal: who, when, from, to and why (`from_stage` NULL: opened).
CREATE TABLE opportunity_stage_changes (
  id TEXT PRIMARY KEY, opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
  from_stage TEXT, to_stage TEXT NOT NULL, at BIGINT NOT NULL, by_user TEXT, reason TEXT NOT NULL);
CREATE INDEX opportunity_stage_changes_opp ON opportunity_stage_changes(opportunity_id, at);

-- An account becomes a customer when its first deal is won.
ALTER TABLE accounts ADD COLUMN customer_since BIGINT;
