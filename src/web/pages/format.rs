//! Small, pure formatting rules shared by the page view models: clipping
//! long text, durations, costs, token counts and UTC timestamps.

/// Text cut to a byte budget on a character boundary; `more_bytes` says
/// how much was left out (the page shows "… N more bytes").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clipped {
    pub text: String,
    pub more_bytes: usize,
}

/// Tool output, file contents, prompts and replies.
pub const LONG_TEXT: usize = 10_000;
/// Commands, paths, patterns, titles, network log lines.
pub const SHORT_TEXT: usize = 2_000;

impl Clipped {
    pub fn new(text: &str, limit: usize) -> Clipped {
        if text.len() <= limit {
            return Clipped {
                text: text.to_string(),
                more_bytes: 0,
            };
        }
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        Clipped {
            text: text[..cut].to_string(),
            more_bytes: text.len() - cut,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.more_bytes == 0
    }
}

/// At most `max` characters, with "…" when cut (card titles).
pub fn ellipsize(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `850ms`, `12s`, `3m 04s`, `2h 05m`.
pub fn duration_ms(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    let secs = ms / 1_000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3_600, secs % 3_600 / 60),
    }
}

/// `$0.0123`; four decimals keep small runs visible.
pub fn cost(usd: f64) -> String {
    format!("${usd:.4}")
}

/// `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Unix milliseconds as `2026-11-22 14:03:01 UTC` (the script rewrites it
/// to local time from the `datetime` attribute, see [`iso_utc`]).
pub fn utc(ms: i64) -> String {
    let (date, time) = civil(ms);
    format!("{date} {time} UTC")
}

/// Unix milliseconds as `2026-11-22T14:03:01Z`, for `<time datetime>`.
pub fn iso_utc(ms: i64) -> String {
    let (date, time) = civil(ms);
    format!("{date}T{time}Z")
}

/// (`YYYY-MM-DD`, `HH:MM:SS`) in UTC (Howard Hinnant's days-to-civil).
fn civil(ms: i64) -> (String, String) {
    let secs = ms.div_euclid(1_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3_600, rem % 3_600 / 60, rem % 60),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_char_boundaries_and_counts_the_rest() {
        let c = Clipped::new("héllo", 2);
        assert_eq!(c.text, "h");
        assert_eq!(c.more_bytes, 5);
        assert_eq!(Clipped::new("abc", 3).more_bytes, 0);
        let big = "x".repeat(1 << 20);
        let c = Clipped::new(&big, LONG_TEXT);
        assert_eq!(c.text.len(), LONG_TEXT);
        assert_eq!(c.more_bytes, (1 << 20) - LONG_TEXT);
    }

    #[test]
    fn ellipsize_counts_characters() {
        assert_eq!(ellipsize("äbcdef", 3), "äbc…");
        assert_eq!(ellipsize("abc", 3), "abc");
    }

    #[test]
    fn durations_costs_and_counts() {
        assert_eq!(duration_ms(850), "850ms");
        assert_eq!(duration_ms(12_400), "12s");
        assert_eq!(duration_ms(184_000), "3m 04s");
        assert_eq!(duration_ms(7_500_000), "2h 05m");
        assert_eq!(cost(0.01234), "$0.0123");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
    }

    #[test]
    fn utc_timestamps() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(iso_utc(1_795_356_181_000), "2026-11-22T14:03:01Z");
    }
}
