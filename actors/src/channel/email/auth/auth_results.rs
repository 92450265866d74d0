//! `Authentication-Results` (RFC 8601) parsing. Pure, no I/O.
//!
//! ```text
//! authres  = authserv-id [ CFWS version ] ( ";" "none" / 1*( ";" resinfo ) )
//! resinfo  = method [ "/" version ] "=" result [ reason ] *( ptype "." property "=" pvalue )
//! ```
//!
//! Comments `( … )` (nested, with `\` escapes) are whitespace, quoted
//! strings are one value, so text inside either can never pose as a
//! result. Property values are read tolerantly: real MTAs write unquoted
//! base64 (`header.b=ab+/c=`) that the grammar does not allow.

/// One parsed header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AuthResults {
    /// `None` when parsed without one (Microsoft 365 mode).
    pub authserv_id: Option<String>,
    pub results: Vec<ResInfo>,
}

/// One `method=result …` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ResInfo {
    /// Lowercase, method version dropped (`dkim/1` is `dkim`).
    pub method: String,
    /// Lowercase; empty when the clause had no readable result.
    pub result: String,
    pub reason: Option<String>,
    /// `(ptype.property lowercase, value as written)`.
    pub properties: Vec<(String, String)>,
}

impl ResInfo {
    /// The value of a property such as `header.from`.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Semicolon,
    Equals,
}

/// Parses one header value. `with_authserv_id` is false only in Microsoft
/// 365 mode, whose headers start straight with a result (an id there is
/// tolerated and returned, but not required).
pub(super) fn parse_auth_results(
    value: &str,
    with_authserv_id: bool,
) -> Result<AuthResults, String> {
    let tokens = tokenize(value)?;
    if !tokens.contains(&Token::Semicolon) {
        return Err("no `;` (no authserv-id or results)".to_string());
    }
    let mut segments = tokens.split(|t| *t == Token::Semicolon);
    let head = segments.next().unwrap_or_default();
    let mut results = Vec::new();
    let authserv_id = if with_authserv_id {
        Some(parse_authserv_id(head)?)
    } else if head.get(1) == Some(&Token::Equals) {
        results.extend(parse_resinfo(head));
        None
    } else {
        parse_authserv_id(head).ok()
    };
    for segment in segments {
        match segment {
            [] => {}
            [Token::Word(none)] if none.eq_ignore_ascii_case("none") => {}
            _ => results.extend(parse_resinfo(segment)),
        }
    }
    Ok(AuthResults {
        authserv_id,
        results,
    })
}

/// `authserv-id [version]`; RFC 8601 defines only version 1.
fn parse_authserv_id(head: &[Token]) -> Result<String, String> {
    let (id, version) = match head {
        [Token::Word(id) | Token::Quoted(id)] => (id, None),
        [Token::Word(id) | Token::Quoted(id), Token::Word(version)] => (id, Some(version)),
        [] => return Err("no authserv-id".to_string()),
        _ => return Err("malformed authserv-id".to_string()),
    };
    match version {
        None => {}
        Some(v) if v.trim_start_matches('0') == "1" => {}
        Some(v) => return Err(format!("unsupported version {v:?}")),
    }
    if id.is_empty() {
        return Err("empty authserv-id".to_string());
    }
    Ok(id.clone())
}

/// `method[/version]=result`, then `reason=` and properties. A clause
/// that does not start `keyword=` is skipped (`None`): it cannot be the
/// DMARC result we look for. A result that is not a keyword reads as
/// empty (never a pass); properties that do not read as `key=value` are
/// skipped.
fn parse_resinfo(segment: &[Token]) -> Option<ResInfo> {
    let [Token::Word(method), Token::Equals, rest @ ..] = segment else {
        return None;
    };
    let method = method
        .split_once('/')
        .map_or(method.as_str(), |(name, _)| name)
        .to_ascii_lowercase();
    if !is_keyword(&method) {
        return None;
    }
    let (result, mut rest) = match rest {
        [Token::Word(result), tail @ ..] if is_keyword(result) => {
            (result.to_ascii_lowercase(), tail)
        }
        _ => (String::new(), rest),
    };
    let mut reason = None;
    let mut properties = Vec::new();
    loop {
        match rest {
            [] => break,
            [
                Token::Word(key),
                Token::Equals,
                Token::Word(v) | Token::Quoted(v),
                tail @ ..,
            ] => {
                let key = key.to_ascii_lowercase();
                if key == "reason" && reason.is_none() {
                    reason = Some(v.clone());
                } else {
                    properties.push((key, v.clone()));
                }
                rest = tail;
            }
            [_, tail @ ..] => rest = tail,
        }
    }
    Some(ResInfo {
        method,
        result,
        reason,
        properties,
    })
}

/// RFC 5321 Keyword-ish: letters, digits, `-`, `_`.
fn is_keyword(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn tokenize(value: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        let boundary = c.is_whitespace() || matches!(c, '(' | ')' | '"' | ';' | '=');
        if boundary && !word.is_empty() {
            tokens.push(Token::Word(std::mem::take(&mut word)));
        }
        match c {
            c if c.is_whitespace() => {}
            '(' => skip_comment(&mut chars)?,
            ')' => return Err("unbalanced `)`".to_string()),
            '"' => tokens.push(Token::Quoted(read_quoted(&mut chars)?)),
            ';' => tokens.push(Token::Semicolon),
            '=' => tokens.push(Token::Equals),
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        tokens.push(Token::Word(word));
    }
    Ok(tokens)
}

/// After an opening `(`: up to the matching `)`; comments nest.
fn skip_comment(chars: &mut std::str::Chars<'_>) -> Result<(), String> {
    let mut depth = 1usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
            }
            _ => {}
        }
    }
    Err("unterminated comment".to_string())
}

/// After an opening `"`: the content, `\` escapes resolved.
fn read_quoted(chars: &mut std::str::Chars<'_>) -> Result<String, String> {
    let mut text = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(escaped) = chars.next() {
                    text.push(escaped);
                }
            }
            '"' => return Ok(text),
            c if c == '\r' || c == '\n' => {}
            c => text.push(c),
        }
    }
    Err("unterminated quoted string".to_string())
}

#[cfg(test)]
#[path = "auth_results_tests.rs"]
mod tests;
