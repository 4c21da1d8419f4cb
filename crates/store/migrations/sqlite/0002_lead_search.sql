-- Lead search: word-prefix matching over `leads.search` (the lowercase names, email and
-- company the capture pipeline writes), so that `q` in the lead list is an index lookup
-- instead of a `LIKE '%q%'` scan of every lead.
--
-- An external-content FTS5 index: it stores only the terms, keyed by the lead's rowid, and
-- triggers keep it in step with every INSERT, UPDATE of `search` and DELETE on `leads`, so
-- the writers need not know it exists. Two rules keep it exact:
--   * never write `leads` with `INSERT OR REPLACE` / `REPLACE` (the implicit delete fires no
--     trigger while recursive_triggers is off, and the index would keep the old terms);
--   * the rowid of a lead must not change (leads has no INTEGER PRIMARY KEY; SQLite's VACUUM
--     keeps rowids in practice, but should one ever change, repair the index with
--     `INSERT INTO leads_fts(leads_fts) VALUES ('rebuild')`).
-- unicode61 with remove_diacritics 2 makes `jose` find `José`; prefix='2 3' keeps the short
-- prefixes a user types first ("sm", "smi") as direct lookups; columnsize=0 drops the
-- per-row sizes only ranking (bm25) would use, one write less per lead.
CREATE VIRTUAL TABLE leads_fts USING fts5(
  search,
  content = 'leads', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3',
  columnsize = 0);

-- Merge segments 16 at a time instead of 4: each term is rewritten fewer times as leads
-- arrive (the trigger's cost on a 200k-row import: 6 -> 4 us a row), for a few more
-- segments to read per query.
INSERT INTO leads_fts(leads_fts, rank) VALUES ('automerge', 16);

-- Backfill from the leads already stored.
INSERT INTO leads_fts(leads_fts) VALUES ('rebuild');

CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads BEGIN
  INSERT INTO leads_fts(rowid, search) VALUES (new.rowid, new.search);
END;

CREATE TRIGGER leads_fts_delete AFTER DELETE ON leads BEGIN
  INSERT INTO leads_fts(leads_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
END;

-- Only when the text changed: most updates of a lead (stage, score, traits that are not
-- searched) leave `search` as it was and cost nothing here.
CREATE TRIGGER leads_fts_update AFTER UPDATE OF search ON leads
WHEN old.search IS NOT new.search BEGIN
  INSERT INTO leads_fts(leads_fts, rowid, search) VALUES ('delete', old.rowid, old.search);
  INSERT INTO leads_fts(rowid, search) VALUES (new.rowid, new.search);
END;
