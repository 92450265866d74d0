//! Percentiles and the one-line report every bench prints.

use std::time::Duration;

pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted
        .get(rank.min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

pub fn report(name: &str, samples: &[Duration]) {
    report_noted(name, samples, "");
}

/// One line: n, p50, p95, min, max, then `note` (the round-trip benches
/// say there what a leg covers).
pub fn report_noted(name: &str, samples: &[Duration], note: &str) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<50} n={:<3} p50={:>7.1} ms  p95={:>7.1} ms  min={:>7.1} ms  max={:>7.1} ms  {note}",
        samples.len(),
        ms(percentile(samples, 50.0)),
        ms(percentile(samples, 95.0)),
        ms(samples.iter().min().copied().unwrap_or_default()),
        ms(samples.iter().max().copied().unwrap_or_default()),
    );
}
