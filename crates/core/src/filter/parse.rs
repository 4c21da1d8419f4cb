//! A recursive-descent parser: `or` binds loosest, then `and`, then `not`.

use super::lex::{Tok, lex};
use super::{Cmp, Expr, Literal, ParseError};

/// Parses a filter expression.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let toks = lex(text)?;
    let end = text.chars().count() + 1;
    let mut p = Parser { toks, at: 0, end };
    if p.toks.is_empty() {
        return Err(ParseError::at(1, "the expression is empty"));
    }
    let e = p.or()?;
    match p.peek() {
        None => Ok(e),
        Some((t, col)) => Err(ParseError::at(col, format!("unexpected {}", describe(&t)))),
    }
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    end: usize,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("{s:?}"),
        Tok::Str(s) => format!("the string {s:?}"),
        Tok::Num(n) => format!("the number {n}"),
        Tok::Dur(_) => "a duration".into(),
        Tok::Op(op) => format!("{op:?}"),
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Plus => "\"+\"".into(),
        Tok::Minus => "\"-\"".into(),
    }
}

fn keyword(t: &Tok, word: &str) -> bool {
    matches!(t, Tok::Ident(s) if s.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> Option<(Tok, usize)> {
        self.toks.get(self.at).cloned()
    }

    fn next(&mut self, expected: &str) -> Result<(Tok, usize), ParseError> {
        let t = self.toks.get(self.at).cloned().ok_or_else(|| {
            ParseError::at(
                self.end,
                format!("the expression ends too early: expected {expected}"),
            )
        })?;
        self.at += 1;
        Ok(t)
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.peek().is_some_and(|(t, _)| keyword(&t, word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ParseError> {
        let (t, col) = self.next(what)?;
        if t == want {
            Ok(())
        } else {
            Err(ParseError::at(
                col,
                format!("expected {what}, found {}", describe(&t)),
            ))
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut xs = vec![self.and()?];
        while self.eat_keyword("or") {
            xs.push(self.and()?);
        }
        Ok(if xs.len() == 1 {
            xs.remove(0)
        } else {
            Expr::Or(xs)
        })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut xs = vec![self.unary()?];
        while self.eat_keyword("and") {
            xs.push(self.unary()?);
        }
        Ok(if xs.len() == 1 {
            xs.remove(0)
        } else {
            Expr::And(xs)
        })
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat_keyword("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let (t, col) = self.next("a condition")?;
        match t {
            Tok::LParen => {
                let e = self.or()?;
                self.expect(Tok::RParen, "\")\"")?;
                Ok(e)
            }
            Tok::Ident(name) if name.eq_ignore_ascii_case("activity") => self.activity(),
            Tok::Ident(name) if ["and", "or"].iter().any(|k| name.eq_ignore_ascii_case(k)) => Err(
                ParseError::at(col, format!("expected a condition before {name:?}")),
            ),
            Tok::Ident(field) => self.condition(field.to_lowercase()),
            other => Err(ParseError::at(
                col,
                format!("expected a field name, found {}", describe(&other)),
            )),
        }
    }

    fn condition(&mut self, field: String) -> Result<Expr, ParseError> {
        match self.peek() {
            Some((Tok::Op(op), _)) => {
                self.at += 1;
                let value = self.literal()?;
                Ok(Expr::Compare {
                    field,
                    op: cmp(op),
                    value,
                })
            }
            Some((t, _)) if keyword(&t, "in") => {
                self.at += 1;
                self.expect(Tok::LParen, "\"(\" after in")?;
                let mut values = vec![self.literal()?];
                while self.peek().is_some_and(|(t, _)| t == Tok::Comma) {
                    self.at += 1;
                    values.push(self.literal()?);
                }
                self.expect(Tok::RParen, "\")\" closing the list")?;
                Ok(Expr::In { field, values })
            }
            Some((t, _)) if keyword(&t, "contains") => {
                self.at += 1;
                match self.next("a string after contains")? {
                    (Tok::Str(text), _) => Ok(Expr::Contains { field, text }),
                    (other, col) => Err(ParseError::at(
                        col,
                        format!(
                            "expected a string after contains, found {}",
                            describe(&other)
                        ),
                    )),
                }
            }
            _ => Ok(Expr::Truthy { field }),
        }
    }

    fn literal(&mut self) -> Result<Literal, ParseError> {
        let (t, col) = self.next("a value")?;
        match t {
            Tok::Num(n) => Ok(Literal::Num(n)),
            Tok::Minus => match self.next("a number")? {
                (Tok::Num(n), _) => Ok(Literal::Num(-n)),
                (other, col) => Err(ParseError::at(
                    col,
                    format!("expected a number, found {}", describe(&other)),
                )),
            },
            Tok::Str(s) => Ok(Literal::Str(s)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            Tok::Ident(w) if w.eq_ignore_ascii_case("now") => {
                let sign = match self.peek() {
                    Some((Tok::Minus, _)) => -1,
                    Some((Tok::Plus, _)) => 1,
                    _ => return Ok(Literal::Now(0)),
                };
                self.at += 1;
                match self.next("a duration such as 30d")? {
                    (Tok::Dur(ms), _) => Ok(Literal::Now(sign * ms)),
                    (other, col) => Err(ParseError::at(
                        col,
                        format!(
                            "expected a duration such as 30d, found {}",
                            describe(&other)
                        ),
                    )),
                }
            }
            Tok::Ident(w) => Err(ParseError::at(
                col,
                format!("expected a value; put text in quotes: \"{w}\""),
            )),
            other => Err(ParseError::at(
                col,
                format!("expected a value, found {}", describe(&other)),
            )),
        }
    }

    /// `activity(kind[, last 30d]) op n`
    fn activity(&mut self) -> Result<Expr, ParseError> {
        self.expect(Tok::LParen, "\"(\" after activity")?;
        let kind = match self.next("an activity type")? {
            (Tok::Ident(k), _) => k.to_lowercase(),
            (other, col) => {
                return Err(ParseError::at(
                    col,
                    format!(
                        "expected an activity type such as form_submitted, found {}",
                        describe(&other)
                    ),
                ));
            }
        };
        let mut within_ms = None;
        if self.peek().is_some_and(|(t, _)| t == Tok::Comma) {
            self.at += 1;
            let (t, col) = self.next("last followed by a duration")?;
            if !keyword(&t, "last") {
                return Err(ParseError::at(
                    col,
                    "expected last, as in activity(page, last 30d)",
                ));
            }
            match self.next("a duration such as 30d")? {
                (Tok::Dur(ms), _) => within_ms = Some(ms),
                (other, col) => {
                    return Err(ParseError::at(
                        col,
                        format!(
                            "expected a duration such as 30d, found {}",
                            describe(&other)
                        ),
                    ));
                }
            }
        }
        self.expect(Tok::RParen, "\")\"")?;
        let op = match self.next("a comparison such as >= 1")? {
            (Tok::Op(op), _) => cmp(op),
            (other, col) => {
                return Err(ParseError::at(
                    col,
                    format!(
                        "expected a comparison such as >= 1, found {}",
                        describe(&other)
                    ),
                ));
            }
        };
        match self.next("a count")? {
            (Tok::Num(n), _) if n.fract() == 0.0 && n >= 0.0 => Ok(Expr::Activity {
                kind,
                within_ms,
                op,
                count: n as i64,
            }),
            (other, col) => Err(ParseError::at(
                col,
                format!("expected a whole count, found {}", describe(&other)),
            )),
        }
    }
}

fn cmp(op: &str) -> Cmp {
    match op {
        "=" => Cmp::Eq,
        "!=" => Cmp::Ne,
        "<" => Cmp::Lt,
        "<=" => Cmp::Le,
        ">" => Cmp::Gt,
        _ => Cmp::Ge,
    }
}
