//! What a WebSocket client can subscribe to, and which hub events belong
//! to which subscription. Pure: parsing and matching only.

use airut_actors::hub::GatewayEvent;
use airut_actors::intake::ConversationId;

pub use crate::web::ids::{conversation_id, task_conversation};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Topic {
    /// The whole hub snapshot; every event but Claude's stream lines.
    State,
    /// One task's record; its lifecycle and plan events.
    Task(String),
    /// One conversation's record and tasks; its lifecycle events.
    Conversation(ConversationId),
    /// `events.jsonl` of a conversation, then its live Claude events.
    Events(ConversationId),
    /// The network log of a conversation (backlog only).
    Network(ConversationId),
}

impl Topic {
    pub fn parse(text: &str) -> Option<Topic> {
        if text == "state" {
            return Some(Topic::State);
        }
        let (kind, id) = text.split_once(':')?;
        match kind {
            "task" => task_conversation(id).map(|_| Topic::Task(id.to_string())),
            "conversation" => conversation_id(id).map(Topic::Conversation),
            "events" => conversation_id(id).map(Topic::Events),
            "network" => conversation_id(id).map(Topic::Network),
            _ => None,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Topic::State => "state".to_string(),
            Topic::Task(id) => format!("task:{id}"),
            Topic::Conversation(id) => format!("conversation:{id}"),
            Topic::Events(id) => format!("events:{id}"),
            Topic::Network(id) => format!("network:{id}"),
        }
    }

    /// Whether `event` is pushed to subscribers of this topic.
    pub fn wants(&self, event: &GatewayEvent) -> bool {
        let claude = matches!(event, GatewayEvent::Claude { .. });
        match self {
            Topic::State => !claude,
            Topic::Task(id) => !claude && event.task().is_some_and(|t| &t.task_id == id),
            Topic::Conversation(id) => !claude && conversation_of(event) == Some(id),
            Topic::Events(id) => claude && conversation_of(event) == Some(id),
            Topic::Network(_) => false,
        }
    }
}

/// The conversation an event is about, if any.
pub fn conversation_of(event: &GatewayEvent) -> Option<&ConversationId> {
    match event {
        GatewayEvent::MessageQueued {
            conversation_id, ..
        }
        | GatewayEvent::ConversationRemoved {
            conversation_id, ..
        }
        | GatewayEvent::MessagesClosed {
            conversation_id, ..
        } => Some(conversation_id),
        other => other.task().map(|t| &t.conversation_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airut_actors::hub::{BootPhase, TaskRef};

    fn task(id: &str) -> TaskRef {
        TaskRef {
            repo_id: "alpha".into(),
            conversation_id: task_conversation(id).expect("task id"),
            task_id: id.into(),
        }
    }

    #[test]
    fn ids_are_validated() {
        assert!(conversation_id("0123abcd").is_some());
        for bad in [
            "",
            "0123abc",
            "0123ABCD",
            "../../etc",
            "0123abcd0",
            "0123abc/",
        ] {
            assert!(conversation_id(bad).is_none(), "{bad}");
        }
        assert!(task_conversation("0123abcd-1").is_some());
        assert!(task_conversation("0123abcd-12").is_some());
        for bad in [
            "0123abcd",
            "0123abcd-",
            "0123abcd-0",
            "0123abcd-01",
            "0123abcd-+1",
            "0123abcd-1/..",
            "../abcd-1",
            "0123abcd-12345678901",
        ] {
            assert!(task_conversation(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn topics_parse_and_round_trip() {
        for text in [
            "state",
            "task:0123abcd-3",
            "conversation:0123abcd",
            "events:0123abcd",
            "network:0123abcd",
        ] {
            let topic = Topic::parse(text).expect(text);
            assert_eq!(topic.name(), text);
        }
        for bad in [
            "",
            "states",
            "task:0123abcd",
            "events:../x",
            "repo:alpha",
            "events:",
        ] {
            assert_eq!(Topic::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn events_go_to_their_topics() {
        let started = GatewayEvent::TaskStarted {
            task: task("0123abcd-2"),
            resumed_session: None,
            at_ms: 1,
        };
        let claude = GatewayEvent::Claude {
            task: task("0123abcd-2"),
            event: serde_json::json!({"type": "system"}),
        };
        let boot = GatewayEvent::Boot {
            phase: BootPhase::Ready,
        };
        let this_task = Topic::parse("task:0123abcd-2").unwrap();
        let other_task = Topic::parse("task:0123abcd-1").unwrap();
        let conversation = Topic::parse("conversation:0123abcd").unwrap();
        let other_conversation = Topic::parse("conversation:ffffffff").unwrap();
        let events = Topic::parse("events:0123abcd").unwrap();
        let network = Topic::parse("network:0123abcd").unwrap();

        assert!(Topic::State.wants(&started));
        assert!(Topic::State.wants(&boot));
        assert!(!Topic::State.wants(&claude));
        assert!(this_task.wants(&started));
        assert!(!this_task.wants(&claude));
        assert!(!other_task.wants(&started));
        assert!(conversation.wants(&started));
        assert!(!conversation.wants(&boot));
        assert!(!other_conversation.wants(&started));
        assert!(events.wants(&claude));
        assert!(!events.wants(&started));
        assert!(!network.wants(&claude));
    }
}
