-- Issue 6, measurement: costs per campaign or channel, dated indirect touches (markers), the
-- self-reported "how did you hear about us" channel, and the milestones the funnel reports
-- read. The SQLite twin differs only in the trigger's syntax.

-- Costs replace `campaign_costs`: a cost belongs to a campaign, or only to a channel (an SEO
-- agency's retainer, a booth). `import_key` makes re-importing an ad platform's export
-- replace the rows it wrote before instead of counting them twice.
CREATE TABLE costs (
  id TEXT PRIMARY KEY, campaign_id TEXT REFERENCES campaigns(id), channel TEXT NOT NULL,
  day BIGINT NOT NULL, amount_minor BIGINT NOT NULL, currency TEXT NOT NULL DEFAULT 'USD',
  note TEXT, source TEXT NOT NULL DEFAULT 'manual', import_key TEXT, created_by TEXT,
  created_at BIGINT NOT NULL);
CREATE INDEX costs_day ON costs(day);
CREATE INDEX costs_campaign ON costs(campaign_id, day) WHERE campaign_id IS NOT NULL;
CREATE UNIQUE INDEX costs_import_key ON costs(import_key) WHERE import_key IS NOT NULL;
INSERT INTO costs (id, campaign_id, channel, day, amount_minor, currency, note, source, created_at)
  SELECT k.id, k.campaign_id, c.channel, k.day, k.amount_minor, c.currency, k.note, 'manual', k.day
  FROM campaign_costs k JOIN campaigns c ON c.id = k.campaign_id;
DROP TABLE campaign_costs;

-- Indirect touches: dated, without a person (an analyst report, a press release, a blog
-- post, a keynote); trend charts show them as markers.
CREATE TABLE markers (
  id TEXT PRIMARY KEY, at BIGINT NOT NULL, channel TEXT NOT NULL,
  campaign_id TEXT REFERENCES campaigns(id), title TEXT NOT NULL, url TEXT, note TEXT,
  created_by TEXT, created_at BIGINT NOT NULL);
CREATE INDEX markers_at ON markers(at);

-- What the person said when asked how they heard of us (the channel's name, normalised);
-- the raw answer stays in `custom`.
ALTER TABLE leads ADD COLUMN heard_about TEXT;

-- When a lead first reached each stage, kept by a trigger on the lifecycle's history so that
-- no writer can forget it; funnel and quality reports read these instead of the history.
ALTER TABLE leads ADD COLUMN lead_at BIGINT;
ALTER TABLE leads ADD COLUMN mql_at BIGINT;
ALTER TABLE leads ADD COLUMN sal_at BIGINT;
ALTER TABLE leads ADD COLUMN sql_at BIGINT;
ALTER TABLE leads ADD COLUMN opportunity_at BIGINT;
ALTER TABLE leads ADD COLUMN customer_at BIGINT;
ALTER TABLE leads ADD COLUMN disqualified_at BIGINT;
ALTER TABLE leads ADD COLUMN disqualified_reason TEXT;
ALTER TABLE leads ADD COLUMN recycled_at BIGINT;
UPDATE leads SET
  lead_at = (SELECT MIN(s.at) FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'lead'),
  mql_at = (SELECT MIN(s.at) FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'mql'),
  sal_at = (SELECT MIN(s.at) FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'sal'),
  sql_at = (SELECT MIN(s.at) FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'sql'),
  opportunity_at = (SELECT MIN(s.at) FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'opportunity'),
  customer_at = (SELECT MIN(s.at) FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'customer'),
  disqualified_at = (SELECT MAX(s.at) FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'disqualified'),
  disqualified_reason = (SELECT s.reason FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'disqualified' ORDER BY s.at DESC LIMIT 1),
  recycled_at = (SELECT MAX(s.at) FROM stage_changes s WHERE s.lead_id = leads.id AND s.to_stage = 'recycled');
-- Funnel stages keep the first time reached; disqualified and recycled keep the latest.
CREATE FUNCTION stage_changes_milestones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE leads SET
    lead_at = CASE WHEN NEW.to_stage = 'lead' THEN LEAST(COALESCE(lead_at, NEW.at), NEW.at) ELSE lead_at END,
    mql_at = CASE WHEN NEW.to_stage = 'mql' THEN LEAST(COALESCE(mql_at, NEW.at), NEW.at) ELSE mql_at END,
    sal_at = CASE WHEN NEW.to_stage = 'sal' THEN LEAST(COALESCE(sal_at, NEW.at), NEW.at) ELSE sal_at END,
    sql_at = CASE WHEN NEW.to_stage = 'sql' THEN LEAST(COALESCE(sql_at, NEW.at), NEW.at) ELSE sql_at END,
    opportunity_at = CASE WHEN NEW.to_stage = 'opportunity' THEN LEAST(COALESCE(opportunity_at, NEW.at), NEW.at) ELSE opportunity_at END,
    customer_at = CASE WHEN NEW.to_stage = 'customer' THEN LEAST(COALESCE(customer_at, NEW.at), NEW.at) ELSE customer_at END,
    disqualified_at = CASE WHEN NEW.to_stage = 'disqualified' THEN GREATEST(COALESCE(disqualified_at, NEW.at), NEW.at) ELSE disqualified_at END,
    disqualified_reason = CASE WHEN NEW.to_stage = 'disqualified' AND NEW.at >= COALESCE(disqualified_at, NEW.at) THEN NEW.reason ELSE disqualified_reason END,
    recycled_at = CASE WHEN NEW.to_stage = 'recycled' THEN GREATEST(COALESCE(recycled_at, NEW.at), NEW.at) ELSE recycled_at END
  WHERE id = NEW.lead_id;
  RETURN NULL;
END $$;
CREATE TRIGGER stage_changes_milestones AFTER INSERT ON stage_changes
  FOR EACH ROW EXECUTE FUNCTION stage_changes_milestones();

-- A lead's touches (channel, campaign, kind in time order) are read from the index alone by
-- attribution: the lead index grows to cover them.
DROP INDEX activities_lead;
CREATE INDEX activities_lead ON activities(lead_id, occurred_at, channel, campaign_id, type) WHERE lead_id IS NOT NULL;
