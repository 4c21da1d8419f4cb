-- Issue 5, routing: who got each sales-ready lead, by which rule, with which deadlines; the
-- reps' calendars and absences; accounts' owners. The PostgreSQL twin is the same SQL.
--
-- An assignment is open until `ended_at` (accepted-and-worked, rejected, or reassigned); a
-- lead has at most one open assignment (a partial unique index), and a routing job makes at
-- most one assignment (`job_id` UNIQUE), so replaying a job can never assign twice.
-- `explanation` is the routing decision as JSON, for the "why this rep?" view.
CREATE TABLE assignments (
  id TEXT PRIMARY KEY, lead_id TEXT NOT NULL REFERENCES leads(id),
  owner_id TEXT NOT NULL REFERENCES users(id), rule TEXT NOT NULL, via TEXT NOT NULL,
  explanation TEXT NOT NULL, job_id TEXT UNIQUE, assigned_at BIGINT NOT NULL,
  accept_due_at BIGINT, touch_due_at BIGINT, accepted_at BIGINT, rejected_at BIGINT,
  rejection_reason TEXT, first_touch_at BIGINT, ended_at BIGINT);
CREATE UNIQUE INDEX assignments_one_open ON assignments(lead_id) WHERE ended_at IS NULL;
CREATE INDEX assignments_lead ON assignments(lead_id, assigned_at);
CREATE INDEX assignments_owner_open ON assignments(owner_id) WHERE ended_at IS NULL;

-- A sales rep's working hours (a business_hours::Calendar as JSON; NULL: the team's, kept in
-- settings under 'team_calendar') and absence (either end may be open).
CREATE TABLE rep_profiles (
  user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE, calendar TEXT,
  out_of_office_from BIGINT, out_of_office_until BIGINT, updated_at BIGINT NOT NULL);

-- Rules may prefer the owner of the lead's account.
ALTER TABLE accounts ADD COLUMN owner_id TEXT REFERENCES users(id);

-- Every team's rotation (routing::RoutingState as JSON), in one row that routing batches
-- lock in turn, so two processes never both advance a rotation from the same point.
INSERT INTO settings (key, value) VALUES ('routing_state', '{}');

-- Routing claims its own jobs, by kind, oldest first (the index gives the order: a sort of
-- every due job per batch would make draining a big queue quadratic).
CREATE INDEX jobs_kind_due ON jobs(kind, status, run_at, id);
