//! A YAML document tree that keeps what validation needs and saphyr's own
//! trees drop or make awkward: the line of every key and value, and the
//! custom tags `!env NAME` / `!var NAME` as first-class nodes.
//!
//! Built from `saphyr_parser` events. Scalars stay text: the validator
//! coerces each one to the type of the field it lands in (so `port: "993"`
//! and `port: !env IMAP_PORT` behave like `port: 993`, as in the Python
//! Airut). Anchors, aliases and `<<` merge keys are supported because the
//! Python loader (PyYAML) supports them. Duplicate keys are errors.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, StrInput, Tag};

use super::errors::ConfigError;

/// A value with the line it starts on (1-based).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Scalar(Scalar),
    /// `!env NAME`, not yet resolved.
    Env(String),
    /// `!var NAME`, not yet resolved.
    Var(String),
    Seq(Vec<Node>),
    Map(Mapping),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scalar {
    /// `None` is YAML null (`~`, `null`, empty) or an unset `!env`.
    pub text: Option<String>,
    pub origin: Origin,
}

/// Where a scalar's text came from, for error messages.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Origin {
    Plain,
    Quoted,
    Env(String),
    Var(String),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Mapping {
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_line: usize,
    pub value: Node,
}

impl Node {
    pub fn new(value: Value, line: usize) -> Self {
        Self { value, line }
    }

    pub fn scalar(text: Option<String>, origin: Origin, line: usize) -> Self {
        Self::new(Value::Scalar(Scalar { text, origin }), line)
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(Scalar { text: None, .. }))
    }

    /// What the node is, for "expected X, got Y" messages. Never the value.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar(Scalar { text: None, .. }) => "null",
            Value::Scalar(_) => "a scalar",
            Value::Env(_) => "an !env reference",
            Value::Var(_) => "a !var reference",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Mapping {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|e| e.key == key)
            .map(|e| &mut e.value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let at = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(at))
    }

    /// Replaces the value of `key` in place, or appends a new entry.
    pub fn insert(&mut self, key: &str, key_line: usize, value: Node) {
        match self.entries.iter_mut().find(|e| e.key == key) {
            Some(e) => e.value = value,
            None => self.entries.push(Entry {
                key: key.to_owned(),
                key_line,
                value,
            }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A parsed document plus the non-fatal structural problems found in it.
#[derive(Debug)]
pub(crate) struct Document {
    /// `None` for a stream without a document (empty file, only comments).
    pub root: Option<Node>,
    pub errors: Vec<ConfigError>,
}

/// Parses `text`. `Err` is a syntax error: nothing useful can follow it.
pub(crate) fn parse_yaml(text: &str) -> Result<Document, ConfigError> {
    let mut b = Builder {
        events: Parser::new_from_str(text),
        anchors: HashMap::new(),
        errors: Vec::new(),
        path: Vec::new(),
        depth: 0,
    };
    let root = b.document()?;
    Ok(Document {
        root,
        errors: b.errors,
    })
}

/// Nesting deeper than this is certainly not a config file; refusing it keeps
/// the recursive builder far from the stack limit.
const MAX_DEPTH: usize = 64;

struct Builder<'i> {
    events: Parser<'i, StrInput<'i>>,
    anchors: HashMap<usize, Node>,
    errors: Vec<ConfigError>,
    /// Key path of the node being built, for error messages.
    path: Vec<String>,
    depth: usize,
}

impl<'i> Builder<'i> {
    fn next(&mut self) -> Result<(Event<'i>, Span), ConfigError> {
        match self.events.next() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err(ConfigError::new(
                "",
                Some(e.marker().line()),
                format!("invalid YAML: {}", e.info()),
            )),
            None => Err(ConfigError::new(
                "",
                None,
                "invalid YAML: unexpected end of input",
            )),
        }
    }

    fn document(&mut self) -> Result<Option<Node>, ConfigError> {
        let mut root = None;
        loop {
            let (ev, span) = self.next()?;
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(root),
                Event::DocumentStart(_) if root.is_some() => {
                    return Err(ConfigError::new(
                        "",
                        Some(span.start.line()),
                        "the file holds more than one YAML document; keep a single one",
                    ));
                }
                Event::DocumentStart(_) => {
                    let (ev, span) = self.next()?;
                    root = Some(self.node(ev, span)?);
                }
                other => {
                    return Err(ConfigError::new(
                        "",
                        Some(span.start.line()),
                        format!("invalid YAML: unexpected {other:?}"),
                    ));
                }
            }
        }
    }

    fn path_string(&self) -> String {
        join_path(&self.path)
    }

    fn error(&mut self, line: usize, message: impl Into<String>) {
        let path = self.path_string();
        self.errors
            .push(ConfigError::new(path, Some(line), message));
    }

    fn node(&mut self, ev: Event<'i>, span: Span) -> Result<Node, ConfigError> {
        let line = span.start.line();
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ConfigError::new(
                self.path_string(),
                Some(line),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        let result = match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let node = self.scalar(&text, style, tag.as_deref(), line);
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::SequenceStart(anchor, tag) => {
                self.reject_collection_tag(tag.as_deref(), line, "a list");
                let node = self.sequence(line)?;
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(anchor, tag) => {
                self.reject_collection_tag(tag.as_deref(), line, "a mapping");
                let node = self.mapping(line)?;
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(node) => Ok(node.clone()),
                None => Err(ConfigError::new(
                    self.path_string(),
                    Some(line),
                    "alias refers to an unknown anchor",
                )),
            },
            other => Err(ConfigError::new(
                self.path_string(),
                Some(line),
                format!("invalid YAML: unexpected {other:?}"),
            )),
        };
        self.depth -= 1;
        result
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn scalar(&mut self, text: &str, style: ScalarStyle, tag: Option<&Tag>, line: usize) -> Node {
        let plain = style == ScalarStyle::Plain;
        let Some(tag) = tag else {
            let text = (!(plain && is_null_literal(text))).then(|| text.to_owned());
            let origin = if plain { Origin::Plain } else { Origin::Quoted };
            return Node::scalar(text, origin, line);
        };
        match (tag.handle.as_str(), tag.suffix.as_str()) {
            ("!", kind @ ("env" | "var")) => {
                let name = text.trim();
                if name.is_empty() {
                    self.error(
                        line,
                        format!("!{kind} needs a name, e.g. `!{kind} MY_NAME`"),
                    );
                    return Node::scalar(None, Origin::Plain, line);
                }
                let value = if kind == "env" {
                    Value::Env(name.to_owned())
                } else {
                    Value::Var(name.to_owned())
                };
                Node::new(value, line)
            }
            // `!!str 12` is an explicit string; other core tags keep the text
            // and let the field's type decide.
            ("tag:yaml.org,2002:", "str") => {
                Node::scalar(Some(text.to_owned()), Origin::Quoted, line)
            }
            ("tag:yaml.org,2002:", "null") => Node::scalar(None, Origin::Plain, line),
            ("tag:yaml.org,2002:", _) => Node::scalar(Some(text.to_owned()), Origin::Plain, line),
            (handle, suffix) => {
                self.error(
                    line,
                    format!(
                        "unsupported tag `{}{suffix}`; only !env and !var are supported",
                        short_handle(handle)
                    ),
                );
                Node::scalar(Some(text.to_owned()), Origin::Plain, line)
            }
        }
    }

    fn reject_collection_tag(&mut self, tag: Option<&Tag>, line: usize, what: &str) {
        let Some(tag) = tag else { return };
        if tag.handle == "tag:yaml.org,2002:" {
            return;
        }
        self.error(
            line,
            format!(
                "tag `{}{}` cannot be applied to {what}; !env and !var take a single name",
                short_handle(&tag.handle),
                tag.suffix
            ),
        );
    }

    fn sequence(&mut self, line: usize) -> Result<Node, ConfigError> {
        let mut items = Vec::new();
        loop {
            let (ev, span) = self.next()?;
            if matches!(ev, Event::SequenceEnd) {
                return Ok(Node::new(Value::Seq(items), line));
            }
            self.path.push(format!("[{}]", items.len()));
            let item = self.node(ev, span);
            self.path.pop();
            items.push(item?);
        }
    }

    fn mapping(&mut self, line: usize) -> Result<Node, ConfigError> {
        let mut map = Mapping::default();
        let mut merges: Vec<Node> = Vec::new();
        loop {
            let (ev, span) = self.next()?;
            let key_line = span.start.line();
            let key = match ev {
                Event::MappingEnd => break,
                Event::Scalar(text, style, _, tag) => {
                    self.key(&text, style, tag.as_deref(), key_line)
                }
                other => {
                    // A list or mapping used as a key: build it to stay in
                    // step with the event stream, then drop it.
                    self.node(other, span)?;
                    self.error(key_line, "mapping keys must be plain strings");
                    None
                }
            };
            let (ev, span) = self.next()?;
            if let Some(k) = &key {
                self.path.push(k.clone());
            }
            let value = self.node(ev, span);
            if key.is_some() {
                self.path.pop();
            }
            let value = value?;
            let Some(key) = key else { continue };
            if key == "<<" {
                merges.push(value);
                continue;
            }
            if let Some(first) = map.entry(&key) {
                let first_line = first.key_line;
                self.path.push(key);
                self.error(
                    key_line,
                    format!("duplicate key (first defined on line {first_line})"),
                );
                self.path.pop();
                continue;
            }
            map.entries.push(Entry {
                key,
                key_line,
                value,
            });
        }
        for merge in merges {
            self.merge_into(&mut map, merge);
        }
        Ok(Node::new(Value::Map(map), line))
    }

    /// Returns the key text, or `None` (after reporting) for a tagged key.
    fn key(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        line: usize,
    ) -> Option<String> {
        match tag {
            Some(t) if t.handle == "!" && (t.suffix == "var" || t.suffix == "env") => {
                self.error(
                    line,
                    format!(
                        "`!{} {}` cannot be used as a mapping key; tags are for values only",
                        t.suffix,
                        text.trim()
                    ),
                );
                None
            }
            Some(t) if t.handle != "tag:yaml.org,2002:" => {
                self.error(
                    line,
                    format!(
                        "unsupported tag `{}{}` on a key",
                        short_handle(&t.handle),
                        t.suffix
                    ),
                );
                None
            }
            // `<<` only merges when plain; a quoted "<<" is an ordinary key.
            _ if text == "<<" && style != ScalarStyle::Plain => Some("\"<<\"".to_owned()),
            _ => Some(text.to_owned()),
        }
    }

    /// YAML merge key: copies entries the mapping does not define itself.
    /// With a list of mappings, earlier ones win (YAML 1.1 merge semantics).
    fn merge_into(&mut self, map: &mut Mapping, merge: Node) {
        let line = merge.line;
        let sources = match merge.value {
            Value::Map(m) => vec![m],
            Value::Seq(items) => {
                let mut maps = Vec::new();
                for item in items {
                    match item.value {
                        Value::Map(m) => maps.push(m),
                        _ => self.error(item.line, "`<<` merges mappings only"),
                    }
                }
                maps
            }
            _ => {
                self.error(line, "`<<` merges mappings only");
                Vec::new()
            }
        };
        for source in sources {
            for entry in source.entries {
                if !map.contains_key(&entry.key) {
                    map.entries.push(entry);
                }
            }
        }
    }
}

/// YAML 1.2 core-schema nulls (plain scalars only).
fn is_null_literal(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn short_handle(handle: &str) -> &str {
    if handle == "tag:yaml.org,2002:" {
        "!!"
    } else {
        handle
    }
}

/// `["repos", "x", "authorized", "[0]"]` → `repos.x.authorized[0]`.
pub(crate) fn join_path(segments: &[String]) -> String {
    let mut out = String::new();
    for seg in segments {
        if !out.is_empty() && !seg.starts_with('[') {
            out.push('.');
        }
        out.push_str(seg);
    }
    out
}

#[cfg(test)]
#[path = "yaml_tree_tests.rs"]
mod tests;
