//! The header fields authentication reads, taken from the message's
//! header section only (a `From:` or `Authentication-Results:` line in the
//! body is not a header). Pure, no I/O.

use mail_parser::{Address, HeaderName, HeaderValue, MessageParser};

use super::from_address::strict_address;
use super::{Rejection, VerifiedSender};

/// Exchange's verdict on intra-organisation mail (E4 step 7).
const MS_AUTH_AS: &str = "X-MS-Exchange-Organization-AuthAs";

/// The fields authentication needs, in header order.
#[derive(Debug, Default)]
pub(super) struct AuthHeaders {
    /// Raw `From` values (folding kept).
    pub from: Vec<FromField>,
    /// Raw `Authentication-Results` values, topmost first.
    pub authentication_results: Vec<String>,
    /// Raw `X-MS-Exchange-Organization-AuthAs` values, topmost first.
    pub ms_auth_as: Vec<String>,
}

/// One `From` field as written, and as mail-parser reads it.
#[derive(Debug)]
pub(super) struct FromField {
    pub raw: String,
    pub parsed: Option<ParsedMailbox>,
}

/// mail-parser's view of a `From` that holds exactly one mailbox.
#[derive(Debug)]
pub(super) struct ParsedMailbox {
    /// Display name, RFC 2047 decoded.
    pub name: Option<String>,
    pub address: String,
}

pub(super) fn read_headers(raw: &[u8]) -> Result<AuthHeaders, Rejection> {
    let message = MessageParser::new()
        .parse_headers(raw)
        .ok_or_else(|| Rejection::Malformed("no header section".to_string()))?;
    let mut headers = AuthHeaders::default();
    for header in message.headers() {
        let start = header.offset_start as usize;
        let end = header.offset_end as usize;
        let value = raw
            .get(start..end)
            .map(String::from_utf8_lossy)
            .unwrap_or_default()
            .into_owned();
        match &header.name {
            HeaderName::From => headers.from.push(FromField {
                raw: value,
                parsed: single_mailbox(&header.value),
            }),
            HeaderName::AuthenticationResults => headers.authentication_results.push(value),
            HeaderName::Other(name) if name.eq_ignore_ascii_case(MS_AUTH_AS) => {
                headers.ms_auth_as.push(value);
            }
            _ => {}
        }
    }
    Ok(headers)
}

fn single_mailbox(value: &HeaderValue<'_>) -> Option<ParsedMailbox> {
    let HeaderValue::Address(Address::List(list)) = value else {
        return None;
    };
    let [addr] = list.as_slice() else {
        return None;
    };
    Some(ParsedMailbox {
        name: addr.name().map(str::to_string),
        address: addr.address()?.to_string(),
    })
}

/// The sender named by the one and only `From` field (E4 step 1, E5).
/// Our strict reading decides; mail-parser must agree on the address (a
/// second opinion against parser confusion) and supplies the decoded
/// display name.
pub(super) fn sender(headers: &AuthHeaders) -> Result<VerifiedSender, Rejection> {
    let field = match headers.from.as_slice() {
        [field] => field,
        [] => return Err(Rejection::Malformed("no From header".to_string())),
        more => {
            return Err(Rejection::Malformed(format!("{} From headers", more.len())));
        }
    };
    let address = strict_address(&field.raw).map_err(Rejection::Malformed)?;
    let Some(parsed) = &field.parsed else {
        return Err(Rejection::Malformed(format!(
            "From {:?} is not a single mailbox",
            field.raw.trim()
        )));
    };
    if !parsed.address.eq_ignore_ascii_case(&address) {
        return Err(Rejection::Malformed(format!(
            "From {:?} reads as {address:?} strictly but as {:?} by the MIME parser",
            field.raw.trim(),
            parsed.address
        )));
    }
    let name = parsed
        .name
        .as_deref()
        .map(clean_display_name)
        .unwrap_or_default();
    let display = if name.is_empty() {
        address.clone()
    } else {
        format!("{name} <{address}>")
    };
    Ok(VerifiedSender { address, display })
}

/// Longest display name kept (characters); the rest is cut.
const DISPLAY_NAME_MAX: usize = 100;

/// A display name fit for one line of a prompt or a log: control
/// characters (a decoded name may hold a newline) become spaces, runs of
/// whitespace collapse, and the length is capped.
fn clean_display_name(name: &str) -> String {
    let spaced: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let collapsed = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(DISPLAY_NAME_MAX).collect()
}

#[cfg(test)]
#[path = "message_headers_tests.rs"]
mod tests;
