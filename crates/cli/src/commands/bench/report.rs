//! A bench's result: a summary table for people and one JSON line for scripts.

use serde_json::{Map, Value, json};

/// What a bench measured, its reference, and its targets with pass/fail.
pub struct Report {
    bench: &'static str,
    rows: Vec<(String, String)>,
    json: Map<String, Value>,
    targets: Vec<(String, bool)>,
}

impl Report {
    pub fn new(bench: &'static str) -> Report {
        let mut json = Map::new();
        json.insert("bench".into(), json!(bench));
        Report {
            bench,
            rows: Vec::new(),
            json,
            targets: Vec::new(),
        }
    }

    /// A report that starts with the engine the bench ran on, as every database bench's does.
    pub fn on_engine(bench: &'static str, engine: &'static str) -> Report {
        let mut r = Report::new(bench);
        r.add("engine", engine.into(), "engine", json!(engine));
        r
    }

    /// A line of the table and a field of the JSON.
    pub fn add(&mut self, label: &str, shown: String, key: &str, value: Value) {
        self.rows.push((label.to_owned(), shown));
        self.json.insert(key.to_owned(), value);
    }

    /// A line of the table only.
    pub fn line(&mut self, label: &str, shown: String) {
        self.rows.push((label.to_owned(), shown));
    }

    /// A field of the JSON only.
    pub fn field(&mut self, key: &str, value: Value) {
        self.json.insert(key.to_owned(), value);
    }

    /// A target from the issue and whether this run met it.
    pub fn target(&mut self, what: String, met: bool) {
        self.targets.push((what, met));
    }

    pub fn passed(&self) -> bool {
        self.targets.iter().all(|(_, met)| *met)
    }

    /// Prints the table (stdout, or stderr when `json`) and, when `json`, the JSON line.
    pub fn print(&self, json_out: bool) {
        let width = self.rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        let mut table = format!("\nleadline bench {}\n", self.bench);
        for (label, shown) in &self.rows {
            table.push_str(&format!("  {label:<width$}  {shown}\n"));
        }
        for (what, met) in &self.targets {
            let verdict = if *met { "PASS" } else { "FAIL" };
            table.push_str(&format!("  target {what}: {verdict}\n"));
        }
        if json_out {
            eprint!("{table}");
            let mut obj = self.json.clone();
            let targets: Vec<Value> = self
                .targets
                .iter()
                .map(|(what, met)| json!({"target": what, "met": met}))
                .collect();
            obj.insert("targets".into(), Value::Array(targets));
            obj.insert("passed".into(), json!(self.passed()));
            println!("{}", Value::Object(obj));
        } else {
            print!("{table}");
        }
    }
}

/// Latency percentiles of a set of samples in milliseconds (nearest rank).
#[derive(Debug, Clone, Copy)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(samples: &mut [f64]) -> Percentiles {
        samples.sort_by(f64::total_cmp);
        let at = |p: f64| {
            if samples.is_empty() {
                return 0.0;
            }
            let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            samples[rank - 1]
        };
        Percentiles {
            p50: at(0.50),
            p95: at(0.95),
            max: samples.last().copied().unwrap_or(0.0),
        }
    }

    pub fn shown(&self) -> String {
        format!(
            "p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            self.p50, self.p95, self.max
        )
    }

    pub fn json(&self) -> Value {
        json!({"p50_ms": round3(self.p50), "p95_ms": round3(self.p95), "max_ms": round3(self.max)})
    }
}

/// A float with three decimals, for JSON output.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut s: Vec<f64> = (1..=100).map(f64::from).collect();
        let p = Percentiles::of(&mut s);
        assert_eq!((p.p50, p.p95, p.max), (50.0, 95.0, 100.0));
        assert_eq!(Percentiles::of(&mut []).p95, 0.0);
    }
}
