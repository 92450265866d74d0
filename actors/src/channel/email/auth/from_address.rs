//! Strict `From` parsing (reference channels.md E5, tightened): exactly one
//! mailbox, no group syntax, nothing after the `>`, and an ASCII dot-atom
//! address. Pure, no I/O.

/// The structural view of one `From` value: the canonical (lowercase)
/// address. The display name is decoded elsewhere (mail-parser handles
/// RFC 2047); this module only decides whether the value is acceptable.
pub(super) fn strict_address(value: &str) -> Result<String, String> {
    // Unfolding: a folded header is CRLF + WSP; dropping the line breaks
    // leaves the WSP, which is what unfolding means.
    let unfolded: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let value = unfolded.trim();
    if value.is_empty() {
        return Err("empty From".to_string());
    }
    let opens = value.matches('<').count();
    let closes = value.matches('>').count();
    let address = if opens == 0 && closes == 0 {
        value
    } else {
        if opens != 1 || closes != 1 {
            return Err(format!("From {value:?} has more than one `<`/`>`"));
        }
        let (Some(lt), Some(gt)) = (value.find('<'), value.find('>')) else {
            return Err(format!("From {value:?} has unbalanced `<`/`>`"));
        };
        if gt < lt {
            return Err(format!("From {value:?} has `>` before `<`"));
        }
        check_display_phrase(&value[..lt]).map_err(|e| format!("From {value:?}: {e}"))?;
        check_only_comments(&value[gt + 1..])
            .map_err(|e| format!("From {value:?}: after the address: {e}"))?;
        value[lt + 1..gt].trim()
    };
    if !is_addr_spec(address) {
        return Err(format!(
            "From {value:?}: {address:?} is not a plain address"
        ));
    }
    Ok(address.to_ascii_lowercase())
}

/// The domain of a canonical address (the text after the last `@`).
pub(super) fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// A display name: words, quoted strings, encoded words and comments. A
/// comma, semicolon, colon, `@`, brackets or a stray backslash outside
/// quotes means a list, a group or garbage, and fails.
fn check_display_phrase(phrase: &str) -> Result<(), String> {
    let mut chars = phrase.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => skip_quoted(&mut chars)?,
            '(' => skip_comment(&mut chars)?,
            ',' | ';' | ':' | '@' | '[' | ']' | '\\' | ')' => {
                return Err(format!("display name has an unquoted {c:?}"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Only whitespace and comments may follow the `>`.
fn check_only_comments(rest: &str) -> Result<(), String> {
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' => skip_comment(&mut chars)?,
            c if c.is_whitespace() => {}
            c => return Err(format!("unexpected {c:?}")),
        }
    }
    Ok(())
}

/// After an opening `"`: up to the closing one, honouring `\` escapes.
fn skip_quoted(chars: &mut std::str::Chars<'_>) -> Result<(), String> {
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return Ok(()),
            _ => {}
        }
    }
    Err("unterminated quoted string".to_string())
}

/// After an opening `(`: up to the matching `)`, comments nest.
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

/// `local@domain` with a dot-atom local part of RFC 5322 atext and a
/// domain of LDH labels. Quoted local parts, IP literals, UTF-8 and IDN
/// U-labels are not accepted.
fn is_addr_spec(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    is_dot_atom(local) && is_domain(domain)
}

fn is_dot_atom(local: &str) -> bool {
    !local.is_empty()
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b))
        })
}

fn is_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
#[path = "from_address_tests.rs"]
mod tests;
