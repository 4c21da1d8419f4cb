-- Lead search: word-prefix matching over `leads.search` (the lowercase names, email and
-- company the capture pipeline writes), the twin of SQLite's FTS5 index: a GIN index over a
-- tsvector of the text, queried with a prefix tsquery (`'smi':* & 'acme':*`).
--
-- The text is folded the way SQLite's unicode61 tokenizer with remove_diacritics folds it,
-- so both engines answer a query alike:
--   * accents off (`josé` -> `jose`) with translate() over the lowercase Latin letters whose
--     canonical decomposition is a base letter plus combining marks (Latin-1, Latin
--     Extended-A/B, Latin Extended Additional): no `unaccent` extension to install. An
--     ASCII text (as many bytes as characters) skips it: translate() with this long a list
--     costs ~45 us a row, and the list query computes the vector of rows it walks;
--   * `@ . _ - /` made spaces, so an address is its words (`ada.lovelace@acme.com` -> ada,
--     lovelace, acme, com) instead of one `email` token of PostgreSQL's parser.
-- The 'simple' configuration: no stemming and no stop words, as in a name nothing is one.
-- Both functions are IMMUTABLE (translate and to_tsvector(regconfig, text) are), which an
-- index expression requires; queries must use exactly `leadline_search_vector(search)`.
-- The search (crates/store/src/leads/search/postgres.rs) also tests
-- `strpos(leadline_fold(search), word) > 0` first, a cheap necessary condition: every
-- lexeme is a piece of the folded text.
CREATE FUNCTION leadline_fold(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN octet_length(t) = length(t) THEN t ELSE translate(t,
    'àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕẖẗẘẙạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ',
    'aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzouaiouuuuuaagkoojgnaaaeeiioorruusthaeooooyabbbcdddddeeeeefghhhhhiikkkllllmmmnnnnoooopprrrrsssssttttuuuuuvvwwwwwxxyzzzhtwyaaaaaaaaaaaaeeeeeeeeiioooooooooooouuuuuuuyyyy') END $$;

CREATE FUNCTION leadline_search_vector(search text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_tsvector('simple'::regconfig, translate(leadline_fold(search), '@._-/', '     ')) $$;

CREATE INDEX leads_search ON leads USING gin (leadline_search_vector(search));

-- Statistics of the new expression now, not at autovacuum's next visit.
ANALYZE leads;
