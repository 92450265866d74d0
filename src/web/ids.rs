//! Ids from URLs are checked before they reach the store or the file
//! system: a conversation id is 8 lowercase hex digits, a task id is
//! `<conversation>-<n>`, a repo id is a plain name. Anything else is a 404.

use airut_actors::intake::ConversationId;

pub fn conversation_id(text: &str) -> Option<ConversationId> {
    ConversationId::parse(text)
}

/// `<conversation>-<n>` with `n` decimal, no sign, no leading zero.
pub fn task_id(text: &str) -> Option<(ConversationId, &str)> {
    let (conversation, n) = text.split_once('-')?;
    let number_ok = !n.is_empty()
        && n.len() <= 10
        && n.bytes().all(|b| b.is_ascii_digit())
        && !n.starts_with('0');
    number_ok.then_some(())?;
    Some((ConversationId::parse(conversation)?, text))
}

/// The conversation of a task id.
pub fn task_conversation(text: &str) -> Option<ConversationId> {
    task_id(text).map(|(conversation, _)| conversation)
}

/// A repo id as config allows it, safe as one path component.
pub fn repo_id(text: &str) -> Option<&str> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && !text.starts_with('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    ok.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_ids_are_eight_hex_digits() {
        assert!(conversation_id("0a1b2c3d").is_some());
        for bad in [
            "0A1B2C3D",
            "0a1b2c3",
            "../../etc",
            "0a1b2c3d/",
            "",
            "0a1b2c3g",
        ] {
            assert!(conversation_id(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn task_ids_are_conversation_dash_number() {
        let (conversation, id) = task_id("0a1b2c3d-12").expect("valid");
        assert_eq!(conversation.as_str(), "0a1b2c3d");
        assert_eq!(id, "0a1b2c3d-12");
        for bad in [
            "0a1b2c3d",
            "0a1b2c3d-",
            "0a1b2c3d-01",
            "0a1b2c3d--1",
            "0a1b2c3d-1/..",
            "../0a1b2c3d-1",
            "0a1b2c3d-1-2",
        ] {
            assert!(task_id(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn repo_ids_are_one_safe_component() {
        assert_eq!(repo_id("my-repo_1"), Some("my-repo_1"));
        for bad in ["..", ".hidden", "a/b", "", "a b", "a%2f"] {
            assert!(repo_id(bad).is_none(), "{bad}");
        }
    }
}
