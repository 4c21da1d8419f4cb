//! The synthetic people of `leadline bench duplicates` and their planted twins.

use super::super::events::Rng;

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "ne", "to", "sa", "vi", "de", "jo", "an", "el", "ri", "ma", "no", "li",
    "be", "ta", "go", "ha", "ze", "fu", "pe", "ru", "si", "da", "mo", "ki", "la", "ve",
];
const WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
];
const FREE: &[&str] = &["gmail.com", "yahoo.com", "outlook.com"];

/// One synthetic person (lead `k`); the same `k` and seed always give the same person.
#[derive(Clone)]
pub(super) struct Person {
    pub first: String,
    pub last: String,
    pub email: String,
    pub company: Option<String>,
    /// The company index when the email is a company address (then the lead has its account).
    pub account: Option<u64>,
    pub phone: Option<String>,
}

fn name(rng: &mut Rng, syllables: u32, n: u64) -> String {
    // Squaring a uniform number skews towards small indices: a few very common names.
    let u = rng.below(1 << 20) as f64 / f64::from(1u32 << 20);
    let mut i = (u * u * n as f64) as u64;
    let mut s = String::new();
    for _ in 0..syllables {
        s.push_str(SYLLABLES[(i % SYLLABLES.len() as u64) as usize]);
        i /= SYLLABLES.len() as u64;
    }
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

pub(super) fn company_name(c: u64) -> String {
    format!("{} {c}", WORDS[(c % WORDS.len() as u64) as usize])
}

pub(super) fn person(seed: u64, k: u64, companies: u64) -> Person {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(k));
    let first = name(&mut rng, 2, 900);
    let last = name(&mut rng, 3, 27_000);
    let u = rng.below(1 << 20) as f64 / f64::from(1u32 << 20);
    let c = (u * u * companies as f64) as u64;
    let free = rng.below(5) == 0;
    let email = if free {
        format!(
            "{}{}{k}@{}",
            first.to_lowercase(),
            last.to_lowercase(),
            rng.pick(FREE)
        )
    } else {
        format!(
            "{}.{}{k}@co{c}.example",
            first.to_lowercase(),
            last.to_lowercase()
        )
    };
    let phone = (rng.below(2) == 0).then(|| {
        format!(
            "+1 {:03} {:03} {:04}",
            200 + rng.below(800),
            rng.below(1000),
            rng.below(10_000)
        )
    });
    Person {
        first,
        last,
        email,
        company: (!free || rng.below(10) < 7).then(|| company_name(c)),
        account: (!free).then_some(c),
        phone,
    }
}

/// A second record of `p` (lead `k` of the planted ones), of one of three kinds; `None`
/// when `p` has nothing a twin could share but a name (free mail, no company, no phone).
pub(super) fn twin(p: &Person, k: u64, kind: u64) -> Option<Person> {
    Some(match kind {
        // A typo in the first name (two letters swapped), another address at the same company.
        0 if p.account.is_some() => {
            let mut f: Vec<char> = p.first.chars().collect();
            let n = f.len();
            f.swap(n - 2, n - 1);
            let first: String = f.into_iter().collect();
            let c = p.account.unwrap_or_default();
            Person {
                email: format!("{}{k}@co{c}.example", first.to_lowercase()),
                first,
                ..p.clone()
            }
        }
        // The same phone on a free-mail address.
        1 if p.phone.is_some() => Person {
            email: format!(
                "{}.{}.{k}@gmail.com",
                p.first.to_lowercase(),
                p.last.to_lowercase()
            ),
            account: None,
            ..p.clone()
        },
        // The company typed with its legal form, on a free-mail address.
        _ => Person {
            email: format!("{}{k}@yahoo.com", p.last.to_lowercase()),
            company: Some(format!("{}, Inc.", p.company.clone()?)),
            account: None,
            phone: None,
            ..p.clone()
        },
    })
}
