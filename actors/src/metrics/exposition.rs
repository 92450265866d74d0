//! The Prometheus text exposition format, version 0.0.4: `# HELP` and
//! `# TYPE` lines per family, then one `name{labels} value` line per
//! sample. Pure string building; the callers own the numbers.

use super::histogram::Histogram;

/// The `Content-Type` of a scrape answer in this format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
}

impl MetricType {
    fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
        }
    }
}

/// A scrape answer being written. Families must be written whole, one
/// after the other: the format forbids interleaving them.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    pub fn new() -> Exposition {
        Exposition::default()
    }

    /// Starts a family. For a counter, `name` ends in `_total` (the format
    /// names the family after its samples).
    pub fn family(&mut self, name: &str, kind: MetricType, help: &str) {
        self.out.push_str("# HELP ");
        self.out.push_str(name);
        self.out.push(' ');
        escape_into(&mut self.out, help, false);
        self.out.push_str("\n# TYPE ");
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(kind.as_str());
        self.out.push('\n');
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.line(name, labels, None, value);
    }

    /// `_bucket` lines (cumulative, ending with `le="+Inf"`), `_sum` and
    /// `_count` of one histogram series.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], histogram: &Histogram) {
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0;
        for (bound, count) in histogram.buckets() {
            cumulative += count;
            let le = format_value(bound);
            self.line(&bucket, labels, Some(&le), cumulative as f64);
        }
        self.line(&format!("{name}_sum"), labels, None, histogram.sum());
        self.line(
            &format!("{name}_count"),
            labels,
            None,
            histogram.count() as f64,
        );
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn line(&mut self, name: &str, labels: &[(&str, &str)], le: Option<&str>, value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() || le.is_some() {
            self.out.push('{');
            let le = le.map(|v| ("le", v));
            for (i, (key, val)) in labels.iter().copied().chain(le).enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(key);
                self.out.push_str("=\"");
                escape_into(&mut self.out, val, true);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        self.out.push_str(&format_value(value));
        self.out.push('\n');
    }
}

/// Go's shortest float form, which Prometheus reads: `1`, `0.25`, `+Inf`.
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value == f64::INFINITY {
        "+Inf".to_string()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{value}")
    }
}

/// Help text escapes `\` and line feeds; label values also `"`.
fn escape_into(out: &mut String, text: &str, quote: bool) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// A metric or label name the format accepts: `[a-zA-Z_:][a-zA-Z0-9_:]*`
/// (label names without `:`).
pub fn valid_name(name: &str, label: bool) -> bool {
    let ok = |c: char, first: bool| {
        c.is_ascii_alphabetic()
            || c == '_'
            || (!label && c == ':')
            || (!first && c.is_ascii_digit())
    };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| ok(c, true)) && chars.all(|c| ok(c, false))
}

#[cfg(test)]
#[path = "exposition_tests.rs"]
mod tests;
