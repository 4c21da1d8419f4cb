-- Issue 6, attribution and ROI reports: they read only the leads that converted in a period,
-- by the milestone the report counts, then those leads' touches by the covering
-- `activities_lead` index. Partial indexes (milestones reached) keep each one small; the
-- leads created in a period (non-converting journeys, the self-reported channel) by
-- `created_at`.
CREATE INDEX leads_lead_at ON leads(lead_at, id) WHERE lead_at IS NOT NULL;
CREATE INDEX leads_mql_at ON leads(mql_at, id) WHERE mql_at IS NOT NULL;
CREATE INDEX leads_sql_at ON leads(sql_at, id) WHERE sql_at IS NOT NULL;
CREATE INDEX leads_opportunity_at ON leads(opportunity_at, id) WHERE opportunity_at IS NOT NULL;
CREATE INDEX leads_customer_at ON leads(customer_at, id) WHERE customer_at IS NOT NULL;
CREATE INDEX leads_created_at ON leads(created_at, id);
