//! The filter language behind segments, the MQL definition, routing rules and exports:
//! `fit >= "B" and engagement >= 40 and not disqualified`,
//! `country in ("DE", "AT") or title contains "founder"`,
//! `created_at > now - 30d and activity(form_submitted, last 30d) >= 1`.
//!
//! Parsing is pure and reports the column of the first problem. [`Expr::eval`] evaluates an
//! expression against one lead (for previews and tests); compiling to SQL comes with storage.

use serde::Serialize;

mod lex;
mod parse;

pub use parse::parse;

/// A parse error and the column (1-based, in characters) where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("column {column}: {message}")]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

impl ParseError {
    fn at(column: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            column,
            message: message.into(),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Cmp::Eq => ord == Equal,
            Cmp::Ne => ord != Equal,
            Cmp::Lt => ord == Less,
            Cmp::Le => ord != Greater,
            Cmp::Gt => ord == Greater,
            Cmp::Ge => ord != Less,
        }
    }
}

/// A literal in an expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    Num(f64),
    Str(String),
    Bool(bool),
    /// `now`, `now - 30d`: milliseconds relative to the evaluation time.
    Now(i64),
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `field op literal`.
    Compare {
        field: String,
        op: Cmp,
        value: Literal,
    },
    /// `field in (a, b, …)`.
    In {
        field: String,
        values: Vec<Literal>,
    },
    /// `field contains "text"` (ignoring case).
    Contains {
        field: String,
        text: String,
    },
    /// A field used as a condition on its own: `disqualified`.
    Truthy {
        field: String,
    },
    /// `activity(kind[, last 30d]) op n`.
    Activity {
        kind: String,
        within_ms: Option<i64>,
        op: Cmp,
        count: i64,
    },
}

/// A value of a lead's field, as the evaluator compares it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Num(f64),
    Str(String),
    Bool(bool),
    /// Epoch milliseconds.
    Time(i64),
    /// A fit grade `A`–`D`: `A` is the best, so `fit >= "B"` means A or B.
    Grade(char),
    /// Fit as a lead has it: points compared with numbers (`fit >= 40`), the grade with
    /// grades (`fit >= "B"`), as the SQL segments compile to does.
    Fit {
        points: f64,
        grade: char,
    },
}

/// What the evaluator needs from one lead.
pub trait Lead {
    /// The field's value; `None` when the lead has none (the comparison is then false).
    fn field(&self, name: &str) -> Option<Value>;
    /// Activities of `kind` at or after `since` (epoch ms), or ever.
    fn activity_count(&self, kind: &str, since: Option<i64>) -> i64;
}

impl Expr {
    /// Whether `lead` matches at time `now` (epoch ms).
    pub fn eval(&self, lead: &dyn Lead, now: i64) -> bool {
        match self {
            Expr::And(xs) => xs.iter().all(|x| x.eval(lead, now)),
            Expr::Or(xs) => xs.iter().any(|x| x.eval(lead, now)),
            Expr::Not(x) => !x.eval(lead, now),
            Expr::Compare { field, op, value } => lead
                .field(field)
                .and_then(|v| compare(&v, value, now))
                .is_some_and(|ord| op.holds(ord)),
            Expr::In { field, values } => lead.field(field).is_some_and(|v| {
                values
                    .iter()
                    .any(|l| compare(&v, l, now) == Some(std::cmp::Ordering::Equal))
            }),
            Expr::Contains { field, text } => match lead.field(field) {
                Some(Value::Str(s)) => s.to_lowercase().contains(&text.to_lowercase()),
                _ => false,
            },
            Expr::Truthy { field } => match lead.field(field) {
                Some(Value::Bool(b)) => b,
                Some(Value::Str(s)) => !s.is_empty(),
                Some(Value::Num(n)) => n != 0.0,
                Some(Value::Time(_) | Value::Grade(_) | Value::Fit { .. }) => true,
                None => false,
            },
            Expr::Activity {
                kind,
                within_ms,
                op,
                count,
            } => {
                let n = lead.activity_count(kind, within_ms.map(|w| now - w));
                op.holds(n.cmp(count))
            }
        }
    }
}

/// Orders a field's value against a literal; `None` when they cannot be compared.
fn compare(v: &Value, l: &Literal, now: i64) -> Option<std::cmp::Ordering> {
    match (v, l) {
        (Value::Num(a), Literal::Num(b)) => a.partial_cmp(b),
        (Value::Time(a), Literal::Now(off)) => Some(a.cmp(&(now + off))),
        (Value::Time(a), Literal::Num(b)) => (*a as f64).partial_cmp(b),
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Value::Str(a), Literal::Str(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Grade(a) | Value::Fit { grade: a, .. }, Literal::Str(b)) => {
            let b = grade(b)?;
            // A better grade is a greater one.
            Some(b.cmp(&a.to_ascii_uppercase()))
        }
        (Value::Fit { points, .. }, Literal::Num(b)) => points.partial_cmp(b),
        _ => None,
    }
}

fn grade(s: &str) -> Option<char> {
    let mut cs = s.trim().chars();
    let c = cs.next()?.to_ascii_uppercase();
    (cs.next().is_none() && ('A'..='D').contains(&c)).then_some(c)
}

#[cfg(test)]
mod tests;
