//! The lead list's text search: words that match the starts of words.
//!
//! `q = "smi acme"` finds the leads with a word starting with `smi` and a word starting with
//! `acme` in `leads.search` (names, email, company; accents folded, so `jose` finds José),
//! newest first like the rest of the list. The user's text never reaches a query language:
//! it is cut into runs of letters and digits, and each run is quoted into the engine's
//! prefix syntax, so `"`, `*`, `OR`, `NEAR(`, `-` or `:` are just separators or words.
//!
//! SQLite answers from the FTS5 table `leads_fts` (see [`sqlite`]), PostgreSQL from the GIN
//! index over `leadline_search_vector(search)` (see [`postgres`]); both tables come from
//! migration 0002.

pub(super) mod postgres;
pub(super) mod sqlite;

/// Terms beyond this many are ignored (each one only narrows the result further), and so
/// are the words of a term beyond this many.
const MAX_WORDS: usize = 8;

/// The terms of a search. A term is what the user typed between spaces, cut into words
/// (lowercase runs of letters and digits): `smith` is one word, `acme.com` or `o'brien` a
/// phrase of two, whose words must follow each other, the last one as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Words(Vec<Vec<String>>);

impl Words {
    /// Cuts `q` into terms. A one-word term that starts a word of another term is dropped
    /// (`smi smith` is `smith`, `acme acme.com` is `acme.com`): every lead the other term
    /// finds, it finds too. So is a repeated term.
    pub(super) fn parse(q: &str) -> Words {
        let q = q.to_lowercase();
        let terms: Vec<Vec<&str>> = q
            .split_whitespace()
            .map(|t| {
                t.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .take(MAX_WORDS)
                    .collect::<Vec<_>>()
            })
            .filter(|t| !t.is_empty())
            .collect();
        let implied = |i: usize| {
            let term = &terms[i];
            terms.iter().enumerate().any(|(j, other)| {
                (other == term && j < i)
                    || (term.len() == 1
                        && other != term
                        && other.iter().any(|w| w.starts_with(term[0])))
            })
        };
        let kept = (0..terms.len()).filter(|&i| !implied(i)).take(MAX_WORDS);
        Words(
            kept.map(|i| terms[i].iter().map(|w| (*w).to_owned()).collect())
                .collect(),
        )
    }

    /// True when `q` held no letter or digit at all.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every word of every term, once.
    pub(super) fn each(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.0.iter().flatten().map(String::as_str).collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The FTS5 query: every term a quoted string (a phrase when it has several words) with
    /// a prefix star, all required (`"smi"* "acme com"*`). Inside FTS5 quotes only `"` is
    /// special, and it is doubled (words have none anyway).
    pub(super) fn fts5(&self) -> String {
        self.0
            .iter()
            .map(|t| format!("\"{}\"*", t.join(" ").replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The PostgreSQL tsquery text: every word a quoted lexeme, the last of a term a prefix,
    /// the words of a term in sequence, all terms required (`'smi':* & ('acme' <-> 'com':*)`).
    /// Inside tsquery quotes `'` and `\` are special; both are escaped (words have none).
    pub(super) fn tsquery(&self) -> String {
        let lexeme = |w: &str| format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''"));
        self.0
            .iter()
            .map(|t| {
                let (last, init) = t.split_last().expect("terms are not empty");
                let mut words: Vec<String> = init.iter().map(|w| lexeme(w)).collect();
                words.push(format!("{}:*", lexeme(last)));
                if words.len() == 1 {
                    words.remove(0)
                } else {
                    format!("({})", words.join(" <-> "))
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::Words;

    fn terms(q: &str) -> Vec<Vec<String>> {
        Words::parse(q).0
    }

    #[test]
    fn terms_are_what_is_between_spaces_cut_into_lowercase_words() {
        assert_eq!(terms("  Ada LOVELACE "), [["ada"], ["lovelace"]]);
        assert_eq!(
            terms("ada.lovelace@acme.com"),
            [["ada", "lovelace", "acme", "com"]]
        );
        assert_eq!(terms("O'Brien-Smith"), [["o", "brien", "smith"]]);
        assert_eq!(terms("José Ñúñez 4321"), [["josé"], ["ñúñez"], ["4321"]]);
    }

    #[test]
    fn a_word_that_starts_another_term_is_dropped_and_repeats_count_once() {
        assert_eq!(terms("smi smith"), [["smith"]]);
        assert_eq!(terms("smith smi"), [["smith"]]);
        assert_eq!(terms("acme acme corp"), [["acme"], ["corp"]]);
        assert_eq!(terms("acme acme.com"), [["acme", "com"]]);
        assert_eq!(terms("acme.com acme.com"), [["acme", "com"]]);
    }

    #[test]
    fn query_syntax_in_the_text_is_only_separators_and_words() {
        for q in [
            "\"",
            "*",
            "-",
            ":",
            "(",
            ")",
            "^",
            "+",
            "\"*\"",
            "-:*",
            "' \\ &|!<->",
        ] {
            assert!(Words::parse(q).is_empty(), "{q:?}");
        }
        let w = Words::parse("ada OR NEAR(bob -carl) col:x \"quoted\"*");
        assert_eq!(
            w.fts5(),
            r#""ada"* "or"* "near bob"* "carl"* "col x"* "quoted"*"#
        );
        assert_eq!(
            Words::parse("ada o'brien").tsquery(),
            "'ada':* & ('o' <-> 'brien':*)"
        );
    }

    #[test]
    fn at_most_eight_terms_of_eight_words_are_kept() {
        assert_eq!(terms("a1 b2 c3 d4 e5 f6 g7 h8 i9 j10").len(), 8);
        assert_eq!(terms("a.b.c.d.e.f.g.h.i.j")[0].len(), 8);
    }
}
