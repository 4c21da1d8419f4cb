//! A chart on a report page: the data a `<figure class="chart">` carries as JSON, drawn in
//! the browser by the vendored Chart.js (`static/vendor`, no CDN) through `static/charts.js`.
//! Every chart sits beside a table with the same numbers, so the page reads without script.

use serde::Serialize;

/// One chart's data. Build it in a handler and pass it to the `chart` macro of
/// `macros.html`.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// `bar`, `hbar` (horizontal bars), `stacked_bar` or `line`.
    pub kind: &'static str,
    pub title: String,
    /// The x axis (or y for `hbar`): months, channels, stages.
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// How values read: `count`, `percent` (a fraction, 0.25 is 25 %), `money` (minor units
    /// of `currency`) or `days`.
    pub unit: &'static str,
    pub currency: Option<String>,
    /// Dated indirect touches drawn as dashed lines at their label.
    pub markers: Vec<Marker>,
}

/// A named row of values, one per label.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// A dashed vertical line at `label` with `text` beside it.
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    pub label: String,
    pub text: String,
}

impl Chart {
    /// A chart of `kind` with no data yet.
    pub fn new(kind: &'static str, title: impl Into<String>, unit: &'static str) -> Chart {
        Chart {
            kind,
            title: title.into(),
            labels: Vec::new(),
            series: Vec::new(),
            unit,
            currency: None,
            markers: Vec::new(),
        }
    }

    /// Sets the labels along the category axis.
    pub fn labels<I: IntoIterator<Item = S>, S: Into<String>>(mut self, labels: I) -> Chart {
        self.labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a series; it should have one value per label.
    pub fn series(mut self, name: impl Into<String>, values: Vec<f64>) -> Chart {
        self.series.push(Series {
            name: name.into(),
            values,
        });
        self
    }

    /// Money charts: the currency of the minor units.
    pub fn currency(mut self, currency: impl Into<String>) -> Chart {
        self.currency = Some(currency.into());
        self
    }

    /// Adds a marker line at `label`.
    pub fn marker(mut self, label: impl Into<String>, text: impl Into<String>) -> Chart {
        self.markers.push(Marker {
            label: label.into(),
            text: text.into(),
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_title_cannot_close_its_script_element() {
        let mut env = crate::ui::templates();
        // Named `.html` like every page, so auto-escaping applies as it does in the product.
        env.add_template_owned(
            "chart_test.html",
            r#"{% import "macros.html" as m %}{{ m.chart(spec) }}"#,
        )
        .unwrap();
        let tmpl = env.get_template("chart_test.html").unwrap();
        let spec = Chart::new("bar", "</script><script>alert(1)</script>", "money")
            .labels(["2026-10"])
            .series("Cost", vec![1250.0])
            .currency("EUR")
            .marker("2026-10", "Analyst <report>");
        let html = tmpl.render(minijinja::context! { spec => minijinja::Value::from(minijinja::value::Serde(&spec)) }).unwrap();
        assert_eq!(html.matches("</script>").count(), 1, "{html}");
        assert!(html.contains(r#""unit": "money""#), "{html}");
        assert!(html.contains("Analyst"), "{html}");
    }
}
