//! Telling junk from a person: keyboard mashes, placeholder names and impossible phones.

/// Names people type when they do not want to give theirs.
const PLACEHOLDER_NAMES: &[&str] = &[
    "test",
    "testing",
    "tester",
    "none",
    "n/a",
    "na",
    "nil",
    "null",
    "xxx",
    "xx",
    "x",
    "asd",
    "asdf",
    "qwerty",
    "abc",
    "aaa",
    "foo",
    "bar",
    "foobar",
    "mickey mouse",
    "donald duck",
    "john doe",
    "jane doe",
    "anonymous",
    "nobody",
    "no name",
    "noname",
    "fake",
    "blah",
];

/// Rows of a QWERTY keyboard: a run of four keys along one is typed, not named.
pub(crate) const KEYBOARD_ROWS: &[&str] = &["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890"];

/// Why a name looks like junk, if it does.
pub fn junk_name(name: &str) -> Option<&'static str> {
    let n = name.trim().to_lowercase();
    if n.is_empty() {
        return None;
    }
    if PLACEHOLDER_NAMES.contains(&n.as_str()) {
        return Some("placeholder name");
    }
    let letters: Vec<char> = n.chars().filter(|c| c.is_alphanumeric()).collect();
    if letters.is_empty() {
        return Some("no letters");
    }
    if letters.iter().any(char::is_ascii_digit) && letters.iter().all(char::is_ascii_digit) {
        return Some("digits for a name");
    }
    if letters.len() >= 3 && letters.iter().all(|c| *c == letters[0]) {
        return Some("one repeated character");
    }
    if keyboard_run(&letters) {
        return Some("keyboard mash");
    }
    if letters.len() >= 5
        && !letters
            .iter()
            .any(|c| "aeiouyäöüéèáíóúàâêîôûæøå".contains(*c))
    {
        return Some("no vowels");
    }
    None
}

/// True when `s` holds [`KEYBOARD_RUN`] neighbouring keys of one keyboard row in a row,
/// either direction (`asdf`, `fdsa`, `qwer`). One pass, no hashing: it runs on the first
/// and last name of every lead a rescore assesses.
pub(crate) fn keyboard_run(s: &[char]) -> bool {
    let mut run = 1;
    let mut step = 0;
    let mut prev: Option<(usize, i64)> = None;
    for &c in s {
        let at = key_position(c);
        match (prev, at) {
            (Some((row, col)), Some((r, c))) if row == r && (c - col).abs() == 1 => {
                if run >= 2 && c - col == step {
                    run += 1;
                } else {
                    run = 2;
                    step = c - col;
                }
            }
            _ => run = 1,
        }
        if run >= KEYBOARD_RUN {
            return true;
        }
        prev = at;
    }
    false
}

/// Keys in a row that make a mash.
pub(crate) const KEYBOARD_RUN: usize = 4;

/// The row and column of a key of [`KEYBOARD_ROWS`].
fn key_position(c: char) -> Option<(usize, i64)> {
    KEYBOARD_ROWS
        .iter()
        .enumerate()
        .find_map(|(row, keys)| keys.find(c).map(|col| (row, col as i64)))
}

/// Why a phone number cannot be real, if it cannot: the digits of an E.164 number are 7 to
/// 15, not all one digit, not a run like 1234567.
pub fn impossible_phone(phone: &str) -> Option<&'static str> {
    let digits: Vec<u8> = phone
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    if phone.trim().is_empty() {
        return None;
    }
    if digits.len() < 7 {
        return Some("too few digits");
    }
    if digits.len() > 15 {
        return Some("too many digits");
    }
    if digits.iter().all(|d| *d == digits[0]) {
        return Some("one repeated digit");
    }
    let tail = &digits[digits.len() - 7..];
    let up = tail.windows(2).all(|w| (w[0] + 1) % 10 == w[1]);
    let down = tail.windows(2).all(|w| (w[1] + 1) % 10 == w[0]);
    if up || down {
        return Some("a run of digits");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_pass_and_junk_is_named() {
        for real in [
            "Ada",
            "Lovelace",
            "José",
            "Nguyễn",
            "O'Brien",
            "Li",
            "Wu",
            "Åsa",
            "Zhang Wei",
        ] {
            assert_eq!(junk_name(real), None, "{real}");
        }
        assert_eq!(junk_name("asdf"), Some("placeholder name"));
        assert_eq!(junk_name("sdfg"), Some("keyboard mash"));
        assert_eq!(junk_name("Lkjh"), Some("keyboard mash"));
        assert_eq!(junk_name("zzzz"), Some("one repeated character"));
        assert_eq!(junk_name("Mickey Mouse"), Some("placeholder name"));
        assert_eq!(junk_name("12345"), Some("digits for a name"));
        assert_eq!(junk_name("bcdmnp"), Some("no vowels"));
        assert_eq!(junk_name("---"), Some("no letters"));
    }

    #[test]
    fn real_phones_pass_and_impossible_ones_are_named() {
        for real in [
            "+44 20 7946 0958",
            "(415) 555-2671",
            "+49 30 901820",
            "+1 212 736 5000",
        ] {
            assert_eq!(impossible_phone(real), None, "{real}");
        }
        assert_eq!(impossible_phone("123"), Some("too few digits"));
        assert_eq!(impossible_phone("0000000000"), Some("one repeated digit"));
        assert_eq!(impossible_phone("+1 234 567 890"), Some("a run of digits"));
        assert_eq!(impossible_phone("9876543210"), Some("a run of digits"));
        assert_eq!(
            impossible_phone("1234567890123456"),
            Some("too many digits")
        );
        assert_eq!(impossible_phone(""), None);
    }
}
