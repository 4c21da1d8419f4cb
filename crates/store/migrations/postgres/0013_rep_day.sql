-- Issue 5, the rep's day: the next step a rep plans on a lead, the SLA steps taken when a
-- deadline passes, in-app notifications, and each rep's team lead. The PostgreSQL twin is
-- the same SQL.
--
-- `end_reason` says why an assignment closed: `rejected`, `sla_reassigned`, `disqualified`,
-- `recycled`, `merged`.
ALTER TABLE assignments ADD COLUMN next_step TEXT;
ALTER TABLE assignments ADD COLUMN next_step_at BIGINT;
ALTER TABLE assignments ADD COLUMN end_reason TEXT;

-- One row per step of the escalation ladder taken on one deadline of one assignment; the
-- unique key makes a step impossible to take twice, even by two workers or a replay.
CREATE TABLE sla_steps (
  id TEXT PRIMARY KEY, assignment_id TEXT NOT NULL REFERENCES assignments(id),
  deadline TEXT NOT NULL, step TEXT NOT NULL, at BIGINT NOT NULL,
  UNIQUE (assignment_id, deadline, step));

-- In-app notifications; the nav's bell counts a user's unread ones through the partial index.
CREATE TABLE notifications (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '', link TEXT,
  lead_id TEXT, created_at BIGINT NOT NULL, read_at BIGINT);
CREATE INDEX notifications_user ON notifications(user_id, created_at, id);
CREATE INDEX notifications_user_unread ON notifications(user_id) WHERE read_at IS NULL;

-- Who hears about a rep's missed deadlines (none: the admins).
ALTER TABLE rep_profiles ADD COLUMN team_lead_id TEXT REFERENCES users(id);
