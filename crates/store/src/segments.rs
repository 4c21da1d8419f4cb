//! Filter expressions (`leadline_core::filter`) compiled to SQL over `leads`, on either
//! engine, with the evaluator's semantics: a field a lead does not have never matches, so
//! every condition is wrapped in `COALESCE(…, FALSE)` and `not` inverts a definite answer.

use leadline_core::filter::{Cmp, Expr, Literal};

use crate::capture::bulk::Arg;
use crate::capture::tx::bind_any;
use crate::{Backend, Result, Store, StoreError};

/// A compiled condition: SQL over the alias `l` (leads) and its bound values.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub sql: String,
    pub args: Vec<Arg>,
}

/// Lead columns a filter may name, and the columns they are.
const TEXT_FIELDS: &[(&str, &str)] = &[
    ("email", "l.email"),
    ("first_name", "l.first_name"),
    ("last_name", "l.last_name"),
    ("title", "l.title"),
    ("phone", "l.phone"),
    ("company", "l.company"),
    ("country", "l.country"),
    ("website", "l.website"),
    ("stage", "l.stage"),
    ("source", "l.source_channel"),
    ("owner", "l.owner_id"),
    ("grade", "l.grade"),
    ("flags", "l.flags"),
];
/// Whole-number fields. `fit` compared with a letter (`fit >= "B"`) means the fit grade.
const NUM_FIELDS: &[(&str, &str)] = &[
    ("fit", "l.fit_score"),
    ("engagement", "l.engagement_score"),
    ("probability", "l.probability"),
];
const TIME_FIELDS: &[(&str, &str)] = &[
    ("created_at", "l.created_at"),
    ("updated_at", "l.updated_at"),
    ("first_touch_at", "l.first_touch_at"),
];

struct Compiler {
    backend: Backend,
    now: i64,
    args: Vec<Arg>,
}

/// Compiles `expr` for `backend`, with relative dates resolved against `now` (epoch ms).
pub(crate) fn compile(expr: &Expr, backend: Backend, now: i64) -> Result<Compiled> {
    let mut c = Compiler {
        backend,
        now,
        args: Vec::new(),
    };
    let sql = c.expr(expr)?;
    Ok(Compiled { sql, args: c.args })
}

fn unsupported(msg: String) -> StoreError {
    StoreError::Invalid(msg)
}

impl Compiler {
    fn bind(&mut self, v: Arg) -> String {
        self.args.push(v);
        format!("${}", self.args.len())
    }

    fn expr(&mut self, e: &Expr) -> Result<String> {
        Ok(match e {
            Expr::And(xs) => self.join(xs, " AND ")?,
            Expr::Or(xs) => self.join(xs, " OR ")?,
            Expr::Not(x) => format!("(NOT {})", self.expr(x)?),
            other => format!("COALESCE(({}), FALSE)", self.atom(other)?),
        })
    }

    fn join(&mut self, xs: &[Expr], sep: &str) -> Result<String> {
        if xs.is_empty() {
            // The empty `and` holds, the empty `or` does not (as in the evaluator).
            return Ok(if sep == " AND " { "(1 = 1)" } else { "(1 = 0)" }.into());
        }
        let parts: Result<Vec<String>> = xs.iter().map(|x| self.expr(x)).collect();
        Ok(format!("({})", parts?.join(sep)))
    }

    /// The SQL text of a text field (lowercased), or `None` for a time field.
    fn text_column(&mut self, field: &str) -> Result<Option<String>> {
        if let Some(name) = field.strip_prefix("custom.") {
            let key = self.bind(Arg::from(match self.backend {
                Backend::Sqlite => format!("$.\"{name}\""),
                Backend::Postgres => name.to_owned(),
            }));
            return Ok(Some(match self.backend {
                Backend::Sqlite => format!("LOWER(json_extract(l.custom, {key}))"),
                Backend::Postgres => format!("LOWER(l.custom::jsonb ->> {key})"),
            }));
        }
        if let Some((_, col)) = TEXT_FIELDS.iter().find(|(f, _)| *f == field) {
            return Ok(Some(format!("LOWER({col})")));
        }
        if TIME_FIELDS
            .iter()
            .chain(NUM_FIELDS)
            .any(|(f, _)| *f == field)
        {
            return Ok(None);
        }
        Err(unsupported(format!("unknown field {field:?}")))
    }

    fn num_column(field: &str) -> Option<&'static str> {
        NUM_FIELDS
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
    }

    fn time_column(field: &str) -> Option<&'static str> {
        TIME_FIELDS
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
    }

    fn atom(&mut self, e: &Expr) -> Result<String> {
        match e {
            Expr::Truthy { field } if field == "disqualified" => {
                Ok("l.stage = 'disqualified'".into())
            }
            Expr::Compare { field, op, value } => self.compare(field, *op, value),
            Expr::In { field, values } => {
                let parts: Result<Vec<String>> = values
                    .iter()
                    .map(|v| self.compare(field, Cmp::Eq, v))
                    .collect();
                Ok(format!("({})", parts?.join(" OR ")))
            }
            Expr::Contains { field, text } => {
                let col = self.text_column(field)?.ok_or_else(|| {
                    unsupported(format!("{field} is a date; contains needs a text field"))
                })?;
                let escaped = text
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let p = self.bind(Arg::from(format!("%{escaped}%")));
                Ok(format!("{col} LIKE {p} ESCAPE '\\'"))
            }
            Expr::Truthy { field } => match self.text_column(field)? {
                Some(col) => Ok(format!("{col} IS NOT NULL AND {col} <> ''")),
                None => Ok(format!(
                    "{} IS NOT NULL",
                    Self::time_column(field)
                        .or(Self::num_column(field))
                        .unwrap_or("NULL")
                )),
            },
            Expr::Activity {
                kind,
                within_ms,
                op,
                count,
            } => {
                let k = self.bind(Arg::from(kind.clone()));
                let mut sql = format!(
                    "(SELECT COUNT(*) FROM activities a WHERE a.lead_id = l.id AND a.type = {k}"
                );
                if let Some(w) = within_ms {
                    let since = self.bind(Arg::from(self.now - w));
                    sql.push_str(&format!(" AND a.occurred_at >= {since}"));
                }
                let n = self.bind(Arg::from(*count));
                Ok(format!("{sql}) {} {n}", op_sql(*op)))
            }
            Expr::And(_) | Expr::Or(_) | Expr::Not(_) => self.expr(e),
        }
    }

    fn compare(&mut self, field: &str, op: Cmp, value: &Literal) -> Result<String> {
        if field == "disqualified" {
            return match value {
                Literal::Bool(b) => {
                    let eq = (op == Cmp::Eq) == *b;
                    Ok(format!(
                        "l.stage {} 'disqualified'",
                        if eq { "=" } else { "<>" }
                    ))
                }
                _ => Err(unsupported(
                    "disqualified compares with true or false".into(),
                )),
            };
        }
        if let Some(col) = Self::num_column(field) {
            return match value {
                Literal::Num(n) => {
                    let p = self.bind(Arg::from(n.round() as i64));
                    // Scores are whole points: `>= 39.5` means `>= 40`.
                    let op = op_sql(op);
                    Ok(format!("{col} {op} {p}"))
                }
                Literal::Str(g) if field == "fit" => self.fit_grade(op, g),
                _ => Err(unsupported(format!(
                    "{field} is a number of points: compare it with a number"
                ))),
            };
        }
        if let Some(col) = Self::time_column(field) {
            let at = match value {
                Literal::Now(off) => self.now + off,
                Literal::Num(n) => *n as i64,
                _ => {
                    return Err(unsupported(format!(
                        "{field} is a date: compare it with now - 30d"
                    )));
                }
            };
            let p = self.bind(Arg::from(at));
            return Ok(format!("{col} {} {p}", op_sql(op)));
        }
        let col = self.text_column(field)?.unwrap_or_default();
        match value {
            Literal::Str(s) => {
                let p = self.bind(Arg::from(s.to_lowercase()));
                Ok(format!("{col} {} {p}", op_sql(op)))
            }
            _ => Err(unsupported(format!(
                "{field} is text: put the value in quotes"
            ))),
        }
    }
}

impl Compiler {
    /// `fit >= "B"`: grade A is the best, so "at least B" is A or B.
    fn fit_grade(&mut self, op: Cmp, grade: &str) -> Result<String> {
        let g = grade.trim().to_ascii_uppercase();
        if !matches!(g.as_str(), "A" | "B" | "C" | "D") {
            return Err(unsupported(format!(
                "fit grades are \"A\" to \"D\", not {grade:?}"
            )));
        }
        let flipped = match op {
            Cmp::Ge => Cmp::Le,
            Cmp::Gt => Cmp::Lt,
            Cmp::Le => Cmp::Ge,
            Cmp::Lt => Cmp::Gt,
            other => other,
        };
        let p = self.bind(Arg::from(g));
        Ok(format!("SUBSTR(l.grade, 1, 1) {} {p}", op_sql(flipped)))
    }
}

fn op_sql(op: Cmp) -> &'static str {
    match op {
        Cmp::Eq => "=",
        Cmp::Ne => "<>",
        Cmp::Lt => "<",
        Cmp::Le => "<=",
        Cmp::Gt => ">",
        Cmp::Ge => ">=",
    }
}

impl Store {
    /// How many live (unmerged) leads match `expr` at `now`.
    pub async fn count_matching(&self, expr: &Expr, now: i64) -> Result<i64> {
        let c = compile(expr, self.backend(), now)?;
        let sql = format!(
            "SELECT COUNT(*) FROM leads l WHERE l.merged_into IS NULL AND {}",
            c.sql
        );
        let row = bind_any(sqlx::query(sqlx::AssertSqlSafe(sql)), c.args)
            .fetch_one(&self.pool)
            .await?;
        Ok(sqlx::Row::try_get(&row, 0)?)
    }
}
