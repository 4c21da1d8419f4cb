-- Issue 6, attribution and ROI reports: they read only the leads that converted in a period,
-- by the milestone the report counts, then those leads' touches by the covering
-- `activities_lead` index. Each index is partial (milestone reached, lead not merged away)
-- and covers what the report reads of the lead (its id, when it became a lead or was
-- created, when its first opportunity opened; `merged_into`, always NULL here, lets SQLite
-- see the index covers the query), so the leads table itself is not read.
-- The leads created in a period (non-converting journeys, the self-reported channel) come
-- by `created_at`.
CREATE INDEX leads_attr_lead_at ON leads(lead_at, id, created_at, opportunity_at, merged_into) WHERE lead_at IS NOT NULL AND merged_into IS NULL;
CREATE INDEX leads_attr_mql_at ON leads(mql_at, id, lead_at, created_at, opportunity_at, merged_into) WHERE mql_at IS NOT NULL AND merged_into IS NULL;
CREATE INDEX leads_attr_sql_at ON leads(sql_at, id, lead_at, created_at, opportunity_at, merged_into) WHERE sql_at IS NOT NULL AND merged_into IS NULL;
CREATE INDEX leads_attr_opportunity_at ON leads(opportunity_at, id, lead_at, created_at, merged_into) WHERE opportunity_at IS NOT NULL AND merged_into IS NULL;
CREATE INDEX leads_attr_customer_at ON leads(customer_at, id, lead_at, created_at, opportunity_at, merged_into) WHERE customer_at IS NOT NULL AND merged_into IS NULL;
CREATE INDEX leads_attr_created_at ON leads(created_at, id);
