//! Where a conversation's answers go: the Slack thread of the message a
//! task answers, read from `InboundMessage::reply_refs` as slack-intake
//! writes them (`[channel_id, thread_ts, message_ts, surface]`).

use super::events::Surface;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackOrigin {
    pub channel_id: String,
    pub thread_ts: String,
    /// The message itself (the target of the 👀 reaction).
    pub message_ts: String,
    pub surface: Surface,
}

impl SlackOrigin {
    pub fn from_refs(refs: &[String]) -> Result<SlackOrigin, String> {
        let [channel_id, thread_ts, message_ts, surface] = refs else {
            return Err(format!(
                "expected 4 Slack reply references (channel, thread, message, surface), got {}",
                refs.len()
            ));
        };
        let surface = match surface.as_str() {
            "dm" => Surface::Dm,
            "channel" => Surface::Channel,
            other => return Err(format!("unknown Slack surface `{other}`")),
        };
        if channel_id.is_empty() || thread_ts.is_empty() {
            return Err("Slack reply references without channel or thread".into());
        }
        Ok(SlackOrigin {
            channel_id: channel_id.clone(),
            thread_ts: thread_ts.clone(),
            message_ts: if message_ts.is_empty() {
                thread_ts.clone()
            } else {
                message_ts.clone()
            },
            surface,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn reads_the_four_references() {
        let origin = SlackOrigin::from_refs(&refs(&["C1", "1.0", "1.5", "channel"]));
        assert_eq!(
            origin,
            Ok(SlackOrigin {
                channel_id: "C1".into(),
                thread_ts: "1.0".into(),
                message_ts: "1.5".into(),
                surface: Surface::Channel,
            })
        );
        let dm = SlackOrigin::from_refs(&refs(&["D1", "2.0", "", "dm"]))
            .map(|o| (o.surface, o.message_ts));
        assert_eq!(dm, Ok((Surface::Dm, "2.0".to_string())));
    }

    #[test]
    fn rejects_malformed_references() {
        for bad in [
            refs(&[]),
            refs(&["C1", "1.0", "1.5"]),
            refs(&["C1", "1.0", "1.5", "group"]),
            refs(&["", "1.0", "1.5", "dm"]),
            refs(&["a", "b", "c", "dm", "e"]),
        ] {
            assert!(SlackOrigin::from_refs(&bad).is_err(), "{bad:?}");
        }
    }
}
