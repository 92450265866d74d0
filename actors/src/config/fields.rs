//! Typed reads from the YAML tree.
//!
//! A [`Section`] is one mapping being turned into a struct: it reports keys
//! the struct does not have, and hands out [`Field`]s. A `Field` coerces one
//! value to the wanted type, reporting problems as `path (line N): message`
//! and returning what it could (a default, or `None`) so validation goes on.
//!
//! Coercion follows the Python Airut: every scalar is text, and the field's
//! type decides how to read it, so `port: 993`, `port: "993"` and
//! `port: !env IMAP_PORT` are the same. Empty or unset optional values fall
//! back to the default.

use super::diagnostics::Diagnostics;
use super::secret::Secret;
use super::yaml_tree::{Entry, Mapping, Node, Origin, Scalar, Value};

/// Longest value echoed back in an error message.
const ECHO_MAX_CHARS: usize = 60;

pub(crate) struct Section<'a> {
    pub path: String,
    /// Line reported for keys missing from this section: the line of the key
    /// that introduced it.
    pub line: usize,
    map: &'a Mapping,
}

impl<'a> Section<'a> {
    /// Opens `map`, reporting every key not in `known`.
    pub fn new(
        path: String,
        line: usize,
        map: &'a Mapping,
        known: &[&str],
        d: &mut Diagnostics,
    ) -> Self {
        Self::with_moved(path, line, map, known, &[], d)
    }

    /// Like [`Section::new`]; keys listed in `moved` (key, hint) get the hint
    /// instead of a generic "unknown key" (keys that used to live here).
    pub fn with_moved(
        path: String,
        line: usize,
        map: &'a Mapping,
        known: &[&str],
        moved: &[(&str, &str)],
        d: &mut Diagnostics,
    ) -> Self {
        for entry in &map.entries {
            if known.contains(&entry.key.as_str()) {
                continue;
            }
            let key_path = child_path(&path, &entry.key);
            let message = match moved.iter().find(|(k, _)| *k == entry.key) {
                Some((_, hint)) => (*hint).to_owned(),
                None => unknown_key_message(&entry.key, known),
            };
            d.error(&key_path, entry.key_line, message);
        }
        Self { path, line, map }
    }

    pub fn field(&self, key: &str) -> Field<'a> {
        let entry = self.map.entry(key);
        Field {
            path: child_path(&self.path, key),
            node: entry.map(|e| &e.value),
            key_line: entry.map_or(self.line, |e| e.key_line),
            parent_line: self.line,
        }
    }
}

pub(crate) fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn unknown_key_message(key: &str, known: &[&str]) -> String {
    let closest = known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(dist, _)| *dist <= 2)
        .min_by_key(|(dist, _)| *dist);
    match closest {
        Some((_, k)) => format!("unknown key; did you mean `{k}`?"),
        None if known.is_empty() => "unknown key".to_owned(),
        None => format!("unknown key (allowed here: {})", known.join(", ")),
    }
}

/// Levenshtein distance, for "did you mean" hints on short key names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Allowed range of an integer field.
#[derive(Clone, Copy, Debug)]
pub(crate) enum IntRange {
    AtLeast(i64),
    Between(i64, i64),
}

impl IntRange {
    fn check(self, v: i64) -> Result<(), String> {
        match self {
            IntRange::AtLeast(min) if v < min => {
                Err(format!("expected an integer >= {min}, got {v}"))
            }
            IntRange::Between(lo, hi) if v < lo || v > hi => {
                Err(format!("expected {lo}..{hi}, got {v}"))
            }
            _ => Ok(()),
        }
    }
}

/// One value looked up in a section (present or not).
pub(crate) struct Field<'a> {
    pub path: String,
    pub node: Option<&'a Node>,
    /// Line of the key, or of the parent when the key is absent.
    pub key_line: usize,
    pub parent_line: usize,
}

/// A scalar read, before type coercion.
enum Raw<'a> {
    /// Key absent.
    Missing,
    /// YAML null, empty text, or an unset `!env`.
    Empty { origin: &'a Origin, line: usize },
    Text {
        text: &'a str,
        origin: &'a Origin,
        line: usize,
    },
    /// Not a scalar; already reported.
    Wrong,
}

impl<'a> Field<'a> {
    pub fn line(&self) -> usize {
        self.node.map_or(self.parent_line, |n| n.line)
    }

    pub fn is_present(&self) -> bool {
        self.node.is_some_and(|n| !n.is_null())
    }

    fn raw(&self, expected: &str, d: &mut Diagnostics) -> Raw<'a> {
        let Some(node) = self.node else {
            return Raw::Missing;
        };
        match &node.value {
            Value::Scalar(Scalar {
                text: Some(text),
                origin,
            }) if !text.is_empty() => Raw::Text {
                text,
                origin,
                line: node.line,
            },
            Value::Scalar(Scalar { origin, .. }) => Raw::Empty {
                origin,
                line: node.line,
            },
            // Tags are resolved before validation; reaching here is a bug in
            // the pipeline, reported rather than panicking.
            Value::Env(_) | Value::Var(_) | Value::Seq(_) | Value::Map(_) => {
                d.error(
                    &self.path,
                    node.line,
                    format!("expected {expected}, got {}", node.kind_name()),
                );
                Raw::Wrong
            }
        }
    }

    fn required_error(&self, raw: &Raw<'_>, d: &mut Diagnostics) {
        match raw {
            Raw::Missing => d.error(&self.path, self.parent_line, "required key is missing"),
            Raw::Empty { origin, line } => {
                d.error(&self.path, *line, empty_required_message(origin))
            }
            Raw::Text { .. } | Raw::Wrong => {}
        }
    }

    /// Why the value is absent, for messages about conditional requirements
    /// ("is missing", "comes from !env X, which is not set", ...).
    pub fn absence(&self) -> String {
        match self.node.map(|n| &n.value) {
            None => "is missing".to_owned(),
            Some(Value::Scalar(Scalar {
                origin: Origin::Env(name),
                ..
            })) => {
                format!("comes from !env {name}, which is not set")
            }
            Some(Value::Scalar(Scalar {
                origin: Origin::Var(name),
                ..
            })) => {
                format!("comes from !var {name}, which has no value")
            }
            Some(_) => "is empty".to_owned(),
        }
    }

    /// Optional string; empty and unset mean "not set".
    pub fn opt_str(&self, d: &mut Diagnostics) -> Option<String> {
        match self.raw("a string", d) {
            Raw::Text { text, .. } => Some(text.to_owned()),
            _ => None,
        }
    }

    pub fn str_or(&self, d: &mut Diagnostics, default: &str) -> String {
        self.opt_str(d).unwrap_or_else(|| default.to_owned())
    }

    /// Required, non-empty string.
    pub fn req_str(&self, d: &mut Diagnostics) -> Option<String> {
        match self.raw("a string", d) {
            Raw::Text { text, .. } => Some(text.to_owned()),
            raw => {
                self.required_error(&raw, d);
                None
            }
        }
    }

    /// Required string that may be empty (`trusted_authserv_id: ""`), but
    /// must be written and, when from `!env`, set.
    pub fn req_str_allow_empty(&self, d: &mut Diagnostics) -> Option<String> {
        let Some(node) = self.node else {
            d.error(&self.path, self.parent_line, "required key is missing");
            return None;
        };
        match &node.value {
            Value::Scalar(Scalar {
                text: Some(text), ..
            }) => Some(text.clone()),
            Value::Scalar(Scalar {
                text: None,
                origin: origin @ (Origin::Env(_) | Origin::Var(_)),
            }) => {
                d.error(&self.path, node.line, empty_required_message(origin));
                None
            }
            // An empty plain value (`key:`) reads as the empty string here.
            Value::Scalar(Scalar { text: None, .. }) => Some(String::new()),
            _ => {
                d.error(
                    &self.path,
                    node.line,
                    format!("expected a string, got {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// Optional secret: registered for redaction, never echoed in errors.
    pub fn opt_secret(&self, d: &mut Diagnostics) -> Option<Secret> {
        let value = self.opt_str(d)?;
        d.secrets.register(&value);
        Some(Secret::new(value))
    }

    pub fn req_secret(&self, d: &mut Diagnostics) -> Option<Secret> {
        let value = self.req_str(d)?;
        d.secrets.register(&value);
        Some(Secret::new(value))
    }

    pub fn opt_int(&self, d: &mut Diagnostics, range: IntRange) -> Option<i64> {
        let Raw::Text { text, origin, line } = self.raw("an integer", d) else {
            return None;
        };
        let Some(v) = parse_int(text) else {
            d.error(
                &self.path,
                line,
                format!("expected an integer, got {}", echo(text, origin)),
            );
            return None;
        };
        if let Err(message) = range.check(v) {
            d.error(&self.path, line, message);
            return None;
        }
        Some(v)
    }

    /// Optional integer `>= min`, converted to the field's Rust type.
    pub fn opt_uint<T: TryFrom<i64>>(&self, d: &mut Diagnostics, min: i64) -> Option<T> {
        let v = self.opt_int(d, IntRange::AtLeast(min))?;
        match T::try_from(v) {
            Ok(t) => Some(t),
            Err(_) => {
                d.error(&self.path, self.line(), format!("{v} is too large"));
                None
            }
        }
    }

    pub fn req_int(&self, d: &mut Diagnostics, range: IntRange) -> Option<i64> {
        match self.raw("an integer", d) {
            raw @ (Raw::Missing | Raw::Empty { .. }) => {
                self.required_error(&raw, d);
                None
            }
            _ => self.opt_int(d, range),
        }
    }

    /// Optional number `>= min`.
    pub fn opt_float(&self, d: &mut Diagnostics, min: f64) -> Option<f64> {
        let Raw::Text { text, origin, line } = self.raw("a number", d) else {
            return None;
        };
        let Some(v) = text.trim().parse::<f64>().ok().filter(|v| v.is_finite()) else {
            d.error(
                &self.path,
                line,
                format!("expected a number, got {}", echo(text, origin)),
            );
            return None;
        };
        if v < min {
            d.error(
                &self.path,
                line,
                format!("expected a number >= {min}, got {v}"),
            );
            return None;
        }
        Some(v)
    }

    pub fn float_or(&self, d: &mut Diagnostics, default: f64, min: f64) -> f64 {
        self.opt_float(d, min).unwrap_or(default)
    }

    pub fn opt_bool(&self, d: &mut Diagnostics) -> Option<bool> {
        let Raw::Text { text, origin, line } = self.raw("true or false", d) else {
            return None;
        };
        let parsed = parse_bool(text);
        if parsed.is_none() {
            d.error(
                &self.path,
                line,
                format!(
                    "expected true or false (also yes/no, on/off, 1/0), got {}",
                    echo(text, origin)
                ),
            );
        }
        parsed
    }

    pub fn bool_or(&self, d: &mut Diagnostics, default: bool) -> bool {
        self.opt_bool(d).unwrap_or(default)
    }

    /// Optional list of strings; empty and null items are dropped (as the
    /// Python Airut does), `None` when absent.
    pub fn opt_str_list(&self, d: &mut Diagnostics) -> Option<Vec<String>> {
        let node = self.node?;
        let items = match &node.value {
            Value::Seq(items) => items,
            Value::Scalar(Scalar { text: None, .. }) => return None,
            _ => {
                d.error(
                    &self.path,
                    node.line,
                    format!("expected a list, got {}", node.kind_name()),
                );
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match &item.value {
                Value::Scalar(Scalar { text: Some(t), .. }) if !t.is_empty() => {
                    if !out.contains(t) {
                        out.push(t.clone());
                    }
                }
                Value::Scalar(_) => {}
                _ => d.error(
                    &format!("{}[{i}]", self.path),
                    item.line,
                    format!("expected a string, got {}", item.kind_name()),
                ),
            }
        }
        Some(out)
    }

    /// Required list with at least one entry.
    pub fn req_str_list(&self, d: &mut Diagnostics) -> Option<Vec<String>> {
        if !self.is_present() {
            d.error(
                &self.path,
                self.parent_line,
                "required key is missing (a list with at least one entry)",
            );
            return None;
        }
        let list = self.opt_str_list(d)?;
        if list.is_empty() {
            d.error(&self.path, self.line(), "must list at least one entry");
            return None;
        }
        Some(list)
    }

    /// The mapping under this key as a [`Section`]; `None` when absent/null.
    pub fn section(&self, d: &mut Diagnostics, known: &[&str]) -> Option<Section<'a>> {
        let map = self.map(d)?;
        Some(Section::new(
            self.path.clone(),
            self.key_line,
            map,
            known,
            d,
        ))
    }

    /// Like [`Field::section`] but reports an absent key.
    pub fn req_section(&self, d: &mut Diagnostics, known: &[&str]) -> Option<Section<'a>> {
        if !self.is_present() {
            d.error(&self.path, self.parent_line, "required section is missing");
            return None;
        }
        self.section(d, known)
    }

    /// The mapping under this key; `None` when absent/null or not a mapping
    /// (the latter reported).
    pub fn map(&self, d: &mut Diagnostics) -> Option<&'a Mapping> {
        let node = self.node?;
        match &node.value {
            Value::Map(m) => Some(m),
            Value::Scalar(Scalar { text: None, .. }) => None,
            _ => {
                d.error(
                    &self.path,
                    node.line,
                    format!("expected a mapping, got {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// Entries of a mapping with user-chosen keys (repo ids, env names...).
    pub fn entries(&self, d: &mut Diagnostics) -> &'a [Entry] {
        self.map(d).map_or(&[], |m| m.entries.as_slice())
    }
}

/// A `Field` for an entry of a user-keyed mapping.
pub(crate) fn entry_field<'a>(parent_path: &str, entry: &'a Entry) -> Field<'a> {
    Field {
        path: child_path(parent_path, &entry.key),
        node: Some(&entry.value),
        key_line: entry.key_line,
        parent_line: entry.key_line,
    }
}

fn empty_required_message(origin: &Origin) -> String {
    match origin {
        Origin::Env(name) => format!("required, but environment variable {name} is not set"),
        Origin::Var(name) => format!("required, but variable `{name}` has no value"),
        Origin::Plain | Origin::Quoted => "required, but the value is empty".to_owned(),
    }
}

/// The value as shown in an error: quoted, shortened, with its source.
/// Only for fields that are not secrets.
pub(crate) fn echo(text: &str, origin: &Origin) -> String {
    let mut shown: String = text.chars().take(ECHO_MAX_CHARS).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    match origin {
        Origin::Env(name) => format!("'{shown}' (from !env {name})"),
        Origin::Var(name) => format!("'{shown}' (from !var {name})"),
        Origin::Plain | Origin::Quoted => format!("'{shown}'"),
    }
}

/// Decimal integer with optional sign and `_` separators (as Python's
/// `int()` accepts).
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let well_formed = !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.ends_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
        && !digits.contains("__");
    if !well_formed {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// `true/1/yes/on` and `false/0/no/off`, any case.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
