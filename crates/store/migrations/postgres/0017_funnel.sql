-- Issue 6 §3, the funnel reports: the "compare" report finds the leads exposed to a campaign or
-- a channel by these indexes alone (a range scan of one campaign's or channel's touches up to
-- the period's end) instead of reading every activity. Each costs one more index entry per
-- touch with a lead (anonymous page views without a lead are left out).
CREATE INDEX activities_campaign_lead ON activities(campaign_id, occurred_at, lead_id)
  WHERE campaign_id IS NOT NULL AND lead_id IS NOT NULL;
CREATE INDEX activities_channel_lead ON activities(channel, occurred_at, lead_id)
  WHERE channel IS NOT NULL AND lead_id IS NOT NULL;

-- The funnel, sources and velocity reports count leads of a period in the database: this
-- index holds every column they read, so their scans skip the wide lead rows (custom fields,
-- search text). It costs one more index entry per lead, rewritten when a stage changes.
CREATE INDEX leads_funnel ON leads(created_at, source_channel, source_campaign_id, stage,
  lead_at, mql_at, sal_at, sql_at, opportunity_at, customer_at, disqualified_at,
  disqualified_reason, merged_into, id);
