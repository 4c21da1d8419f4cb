//! Tokens of the filter language, each with the column it starts at (1-based, in characters).

use super::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    /// A duration such as `30d`, in milliseconds.
    Dur(i64),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
}

const OPS: [&str; 6] = ["<=", ">=", "!=", "=", "<", ">"];

/// Splits `text` into tokens.
pub fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            '+' => Some(Tok::Plus),
            '-' => Some(Tok::Minus),
            _ => None,
        };
        if let Some(t) = single {
            out.push((t, col));
            i += 1;
            continue;
        }
        if let Some(op) = OPS.iter().find(|op| {
            let n = op.chars().count();
            chars[i..].iter().take(n).collect::<String>() == **op
        }) {
            out.push((Tok::Op(op), col));
            i += op.len();
            continue;
        }
        if c == '"' || c == '\'' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(ParseError::at(col, "this string is never closed")),
                    Some(q) if *q == c => break,
                    Some('\\') if chars.get(j + 1).is_some() => {
                        s.push(chars[j + 1]);
                        j += 2;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        j += 1;
                    }
                }
            }
            out.push((Tok::Str(s), col));
            i = j + 1;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let n: f64 = digits
                .parse()
                .map_err(|_| ParseError::at(col, format!("{digits:?} is not a number")))?;
            let unit = chars.get(i).copied().filter(char::is_ascii_alphabetic);
            let after_unit = chars
                .get(i + 1)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_');
            match unit {
                Some(u) if !after_unit => {
                    let ms = match u {
                        'm' => 60_000.0,
                        'h' => 3_600_000.0,
                        'd' => 86_400_000.0,
                        'w' => 604_800_000.0,
                        _ => {
                            return Err(ParseError::at(
                                i + 1,
                                format!("unknown duration unit {u:?}; expected m, h, d or w"),
                            ));
                        }
                    };
                    out.push((Tok::Dur((n * ms) as i64), col));
                    i += 1;
                }
                Some(_) => {
                    return Err(ParseError::at(
                        i + 1,
                        "expected a number or a duration like 30d",
                    ));
                }
                None => out.push((Tok::Num(n), col)),
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), col));
            continue;
        }
        return Err(ParseError::at(col, format!("unexpected {c:?}")));
    }
    Ok(out)
}
