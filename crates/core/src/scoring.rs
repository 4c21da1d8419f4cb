//! Fit and engagement scores, kept apart and explained: fit is who someone is (seniority,
//! company size, industry, country, business address), engagement is what they did
//! (weighted activities, capped per kind, decaying with a half-life). Grades combine them
//! into a label such as `B2`: fit A (best) to D, engagement 1 (most) to 4.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// One line of a score's explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub what: String,
    pub points: f64,
}

/// A score and the contributions that made it, largest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub points: f64,
    pub contributions: Vec<Contribution>,
}

/// An activity as engagement scoring reads it.
#[derive(Debug, Clone, Copy)]
pub struct Touch<'a> {
    /// `page`, `form_submitted`, `track`, …
    pub kind: &'a str,
    /// Page or event name (`Pricing`, `Webinar Attended`).
    pub name: Option<&'a str>,
    /// Epoch milliseconds.
    pub at: i64,
}

/// What fit scoring reads of a person.
#[derive(Debug, Clone, Copy, Default)]
pub struct Profile<'a> {
    pub title: Option<&'a str>,
    pub employees: Option<u64>,
    pub industry: Option<&'a str>,
    pub country: Option<&'a str>,
    pub business_email: bool,
}

/// A team's scoring model; the defaults are a sensible start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Model {
    /// Points per activity: `kind` or `kind:word` (the word found in the name wins).
    pub weights: BTreeMap<String, f64>,
    /// Most points one rule can give in total.
    pub caps: BTreeMap<String, f64>,
    /// Days after which an activity counts half.
    pub half_life_days: f64,
    /// Title words and their points; the highest matching one counts.
    pub seniority: BTreeMap<String, f64>,
    /// `(at least this many employees, points)`; the largest band reached counts.
    pub company_size: Vec<(u64, f64)>,
    pub industries: BTreeMap<String, f64>,
    pub countries: BTreeMap<String, f64>,
    pub business_email: f64,
    /// Fit points for grades A, B and C (below the last: D).
    pub fit_grades: [f64; 3],
    /// Engagement points for grades 1, 2 and 3 (below the last: 4).
    pub engagement_grades: [f64; 3],
}

impl Default for Model {
    fn default() -> Model {
        let map = |xs: &[(&str, f64)]| xs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        Model {
            weights: map(&[
                ("form_submitted", 50.0),
                ("page", 1.0),
                ("page:pricing", 10.0),
                ("page:demo", 10.0),
                ("track:email clicked", 3.0),
                ("track:email opened", 1.0),
                ("track:webinar attended", 20.0),
                ("track:content downloaded", 15.0),
                ("list_imported", 5.0),
                ("referral_logged", 30.0),
            ]),
            caps: map(&[
                ("page", 20.0),
                ("track:email opened", 5.0),
                ("track:email clicked", 15.0),
            ]),
            half_life_days: 30.0,
            seniority: map(&[
                ("chief", 30.0),
                ("ceo", 30.0),
                ("cto", 30.0),
                ("cfo", 30.0),
                ("founder", 30.0),
                ("vp", 25.0),
                ("vice president", 25.0),
                ("head", 20.0),
                ("director", 20.0),
                ("manager", 10.0),
                ("lead", 8.0),
            ]),
            company_size: vec![(10, 5.0), (50, 15.0), (200, 25.0), (1000, 30.0)],
            industries: BTreeMap::new(),
            countries: BTreeMap::new(),
            business_email: 10.0,
            fit_grades: [60.0, 40.0, 20.0],
            engagement_grades: [60.0, 30.0, 10.0],
        }
    }
}

const DAY_MS: f64 = 86_400_000.0;

fn sorted(mut contributions: Vec<Contribution>) -> Score {
    contributions.retain(|c| c.points.abs() > 1e-9);
    contributions.sort_by(|a, b| b.points.total_cmp(&a.points).then(a.what.cmp(&b.what)));
    Score {
        points: contributions.iter().map(|c| c.points).sum(),
        contributions,
    }
}

impl Model {
    /// Engagement at `now`: each activity's weight, halved every `half_life_days`, summed
    /// per rule and capped.
    pub fn engagement(&self, touches: &[Touch<'_>], now: i64) -> Score {
        let rules = EngagementRules::new(self);
        let mut tally = Tally::default();
        for t in touches {
            rules.add(&mut tally, t, now);
        }
        rules.score(&tally)
    }

    /// Fit of a profile.
    pub fn fit(&self, p: &Profile<'_>) -> Score {
        let mut out = Vec::new();
        if let Some(title) = p.title.map(str::to_lowercase) {
            let words: Vec<&str> = title.split(|c: char| !c.is_alphanumeric()).collect();
            let best = self
                .seniority
                .iter()
                .filter(|(word, _)| {
                    words.contains(&word.as_str())
                        || (word.contains(' ') && title.contains(word.as_str()))
                })
                .max_by(|a, b| a.1.total_cmp(b.1));
            if let Some((word, points)) = best {
                out.push(Contribution {
                    what: format!("title: {word}"),
                    points: *points,
                });
            }
        }
        if let Some(n) = p.employees
            && let Some((min, points)) = self
                .company_size
                .iter()
                .filter(|(min, _)| n >= *min)
                .max_by_key(|(min, _)| *min)
        {
            out.push(Contribution {
                what: format!("company of {min}+ people"),
                points: *points,
            });
        }
        let lookup = |map: &BTreeMap<String, f64>, v: Option<&str>, label: &str| {
            let v = v?.trim();
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(v))
                .map(|(k, p)| Contribution {
                    what: format!("{label}: {k}"),
                    points: *p,
                })
        };
        out.extend(lookup(&self.industries, p.industry, "industry"));
        out.extend(lookup(&self.countries, p.country, "country"));
        if p.business_email {
            out.push(Contribution {
                what: "business email".into(),
                points: self.business_email,
            });
        }
        sorted(out)
    }

    /// `A`–`D` for fit points.
    pub fn fit_grade(&self, points: f64) -> char {
        let [a, b, c] = self.fit_grades;
        if points >= a {
            'A'
        } else if points >= b {
            'B'
        } else if points >= c {
            'C'
        } else {
            'D'
        }
    }

    /// `1`–`4` for engagement points.
    pub fn engagement_grade(&self, points: f64) -> u8 {
        let [one, two, three] = self.engagement_grades;
        if points >= one {
            1
        } else if points >= two {
            2
        } else if points >= three {
            3
        } else {
            4
        }
    }

    /// The combined label, e.g. `B2`.
    pub fn grade(&self, fit: f64, engagement: f64) -> String {
        format!(
            "{}{}",
            self.fit_grade(fit),
            self.engagement_grade(engagement)
        )
    }
}

#[cfg(test)]
mod tests;

/// The engagement rules of a model, compiled for scoring many activities: which rule an
/// activity falls under is a lookup by kind, and names are lowercased only for kinds that
/// have `kind:word` rules.
pub struct EngagementRules<'m> {
    model: &'m Model,
    keys: Vec<&'m str>,
    /// Each rule's points, by rule index.
    weights: Vec<f64>,
    kinds: HashMap<&'m str, KindRules>,
}

#[derive(Default)]
struct KindRules {
    general: Option<usize>,
    /// `(lowercased word, rule index)`, longest word first.
    words: Vec<(String, usize)>,
}

/// Engagement points gathered so far for one lead, per rule: `(rule, points, activities)`.
#[derive(Debug, Clone, Default)]
pub struct Tally(Vec<(usize, f64, u32)>);

impl<'m> EngagementRules<'m> {
    pub fn new(model: &'m Model) -> EngagementRules<'m> {
        let keys: Vec<&str> = model.weights.keys().map(String::as_str).collect();
        let mut kinds: HashMap<&str, KindRules> = HashMap::new();
        for (i, key) in keys.iter().enumerate() {
            match key.split_once(':') {
                Some((kind, word)) if !word.is_empty() => kinds
                    .entry(kind)
                    .or_default()
                    .words
                    .push((word.to_lowercase(), i)),
                _ => kinds.entry(key).or_default().general = Some(i),
            }
        }
        for k in kinds.values_mut() {
            k.words.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        }
        EngagementRules {
            model,
            keys,
            weights: model.weights.values().copied().collect(),
            kinds,
        }
    }

    /// The rule an activity falls under: `kind:word` when the name holds the word (the
    /// longest such word wins), else `kind`.
    pub fn rule(&self, kind: &str, name: Option<&str>) -> Option<usize> {
        let k = self.kinds.get(kind)?;
        if !k.words.is_empty()
            && let Some(name) = name.filter(|n| !n.is_empty())
        {
            let found = if name.is_ascii() {
                // The common case, without allocating: ASCII names compared ignoring case.
                k.words
                    .iter()
                    .find(|(w, _)| contains_ascii_ignoring_case(name, w))
            } else {
                let name = name.to_lowercase();
                k.words.iter().find(|(w, _)| name.contains(w.as_str()))
            };
            if let Some((_, i)) = found {
                return Some(*i);
            }
        }
        k.general
    }

    /// Adds one activity's decayed points to a lead's tally.
    pub fn add(&self, tally: &mut Tally, t: &Touch<'_>, now: i64) {
        if let Some(rule) = self.rule(t.kind, t.name) {
            self.add_to_rule(tally, rule, t.at, now);
        }
    }

    /// Adds the decayed points of an activity at `at` that falls under `rule` (from
    /// [`rule`](Self::rule)): for passes that resolve each activity's rule once and keep
    /// only the index.
    pub fn add_to_rule(&self, tally: &mut Tally, rule: usize, at: i64, now: i64) {
        let age_days = ((now - at).max(0) as f64) / DAY_MS;
        let decay = if self.model.half_life_days > 0.0 {
            0.5f64.powf(age_days / self.model.half_life_days)
        } else {
            1.0
        };
        let points = self.weights[rule] * decay;
        match tally.0.iter_mut().find(|(r, _, _)| *r == rule) {
            Some(e) => {
                e.1 += points;
                e.2 += 1;
            }
            None => tally.0.push((rule, points, 1)),
        }
    }

    /// The engagement score of a tally: each rule's points, capped, explained.
    pub fn score(&self, tally: &Tally) -> Score {
        sorted(
            tally
                .0
                .iter()
                .map(|&(rule, points, n)| {
                    let key = self.keys[rule];
                    let cap = self.model.caps.get(key).copied().unwrap_or(f64::INFINITY);
                    let capped = points.min(cap);
                    let note = if capped < points { ", capped" } else { "" };
                    Contribution {
                        what: format!("{key} ×{n}{note}"),
                        points: capped,
                    }
                })
                .collect(),
        )
    }
}

/// Whether ASCII `haystack` holds lowercase `needle`, ignoring ASCII case.
fn contains_ascii_ignoring_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty()
        || h.windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}
