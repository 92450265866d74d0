//! Five-field cron expressions (`minute hour day-of-month month day-of-week`).
//!
//! Numeric only, as in the Python Airut: `*`, `N`, `N-M`, `*/S`, `N-M/S`,
//! `N/S` (= `N-max/S`) and comma lists. Day-of-week 7 means Sunday (0).
//! When both day fields are restricted (not `*`) a day matches if either
//! does (Vixie cron). This module only parses and matches; computing the next
//! fire time belongs to the scheduler.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronExpression {
    source: String,
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
    dom_restricted: bool,
    dow_restricted: bool,
}

struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
}

const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    min: 0,
    max: 59,
};
const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    min: 0,
    max: 23,
};
const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day of month",
    min: 1,
    max: 31,
};
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
};
/// Parsed with 7 allowed, then folded onto 0.
const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day of week",
    min: 0,
    max: 7,
};

impl CronExpression {
    pub fn parse(expr: &str) -> Result<Self, String> {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields.as_slice() else {
            return Err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), got {}",
                fields.len()
            ));
        };
        let mut days_of_week = parse_field(dow, &DAY_OF_WEEK)?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week & !(1 << 7)) | 1;
        }
        Ok(Self {
            source: expr.trim().to_owned(),
            minutes: parse_field(minute, &MINUTE)?,
            hours: parse_field(hour, &HOUR)?,
            days_of_month: parse_field(dom, &DAY_OF_MONTH)?,
            months: parse_field(month, &MONTH)?,
            days_of_week,
            dom_restricted: *dom != "*",
            dow_restricted: *dow != "*",
        })
    }

    /// The expression as written (trimmed).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// `weekday`: 0 = Sunday … 6 = Saturday.
    pub fn matches(
        &self,
        minute: u32,
        hour: u32,
        day_of_month: u32,
        month: u32,
        weekday: u32,
    ) -> bool {
        bit(self.minutes, minute)
            && bit(self.hours, hour)
            && bit(self.months, month)
            && self.day_matches(day_of_month, weekday)
    }

    /// Day rule: OR when both day fields are restricted, else AND.
    pub fn day_matches(&self, day_of_month: u32, weekday: u32) -> bool {
        let dom = bit(self.days_of_month, day_of_month);
        let dow = bit(self.days_of_week, weekday);
        if self.dom_restricted && self.dow_restricted {
            dom || dow
        } else {
            dom && dow
        }
    }
}

impl FromStr for CronExpression {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for CronExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn bit(set: u64, v: u32) -> bool {
    v < 64 && set & (1 << v) != 0
}

fn parse_field(expr: &str, spec: &FieldSpec) -> Result<u64, String> {
    let mut set = 0u64;
    for element in expr.split(',') {
        set |= parse_element(element, spec)?;
    }
    Ok(set)
}

fn parse_element(element: &str, spec: &FieldSpec) -> Result<u64, String> {
    let name = spec.name;
    if element.is_empty() {
        return Err(format!("{name}: empty list element"));
    }
    let (range, step) = match element.split_once('/') {
        Some((range, step)) => {
            let step =
                number(step, spec).map_err(|_| format!("{name}: bad step in `{element}`"))?;
            if step == 0 {
                return Err(format!("{name}: step must be at least 1 in `{element}`"));
            }
            (range, step)
        }
        None => (element, 1),
    };
    let (start, end) = if range == "*" {
        (spec.min, spec.max)
    } else if let Some((a, b)) = range.split_once('-') {
        let (a, b) = (in_range(a, spec, element)?, in_range(b, spec, element)?);
        if a > b {
            return Err(format!("{name}: range {a}-{b} runs backwards"));
        }
        (a, b)
    } else {
        let a = in_range(range, spec, element)?;
        // `N/S` means "from N to the maximum, every S"; plain `N` is just N.
        if element.contains('/') {
            (a, spec.max)
        } else {
            (a, a)
        }
    };
    let mut set = 0u64;
    let mut v = start;
    while v <= end {
        set |= 1 << v;
        v += step;
    }
    Ok(set)
}

fn number(text: &str, spec: &FieldSpec) -> Result<u32, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{}: `{text}` is not a number (names are not supported)",
            spec.name
        ));
    }
    text.parse()
        .map_err(|_| format!("{}: `{text}` is too large", spec.name))
}

fn in_range(text: &str, spec: &FieldSpec, element: &str) -> Result<u32, String> {
    let v = number(text, spec).map_err(|e| format!("{e} in `{element}`"))?;
    if v < spec.min || v > spec.max {
        return Err(format!(
            "{}: {v} is outside {}-{}",
            spec.name, spec.min, spec.max
        ));
    }
    Ok(v)
}

#[cfg(test)]
#[path = "cron_tests.rs"]
mod tests;
