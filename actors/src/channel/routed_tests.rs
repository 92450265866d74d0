use super::*;
use crate::channel::{ChannelCall, TestChannel};
use crate::intake::test_support::message;

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn from(kind: ChannelKind) -> InboundMessage {
    let mut m = message("d", "t", "hi");
    m.channel = kind;
    m
}

fn replies(channel: &TestChannel) -> Vec<(ConversationId, String)> {
    channel
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            ChannelCall::Reply {
                conversation, text, ..
            } => Some((conversation, text)),
            _ => None,
        })
        .collect()
}

#[test]
fn each_conversation_is_answered_where_it_came_from() {
    let email = Arc::new(TestChannel::new());
    let slack = Arc::new(TestChannel::new());
    let routed = RoutedChannel::new(vec![
        (ChannelKind::Email, email.clone() as Arc<dyn Channel>),
        (ChannelKind::Slack, slack.clone() as Arc<dyn Channel>),
    ]);
    let by_mail = ConversationId::from_u32(1);
    let by_slack = ConversationId::from_u32(2);
    let scheduled = ConversationId::from_u32(3);
    run(async {
        routed
            .remember_origin(&by_mail, &from(ChannelKind::Email))
            .await
            .expect("origin");
        routed
            .remember_origin(&by_slack, &from(ChannelKind::Slack))
            .await
            .expect("origin");
        routed.reply(&by_mail, "to mail", &[]).await.expect("reply");
        routed
            .reply(&by_slack, "to slack", &[])
            .await
            .expect("reply");
        routed
            .reply(&scheduled, "fallback", &[])
            .await
            .expect("reply");
        routed
            .acknowledge(&by_slack, "opus")
            .await
            .expect("acknowledge");
    });
    assert_eq!(
        replies(&email),
        vec![
            (by_mail.clone(), "to mail".to_string()),
            (scheduled.clone(), "fallback".to_string())
        ]
    );
    assert_eq!(
        replies(&slack),
        vec![(by_slack.clone(), "to slack".to_string())]
    );
    assert!(slack.calls().contains(&ChannelCall::Acknowledge {
        conversation: by_slack.clone(),
        model: "opus".into()
    }));
    assert!(
        !email
            .calls()
            .iter()
            .any(|c| matches!(c, ChannelCall::Acknowledge { .. }))
    );
}

#[test]
fn a_conversation_follows_its_latest_message_and_cleanup_reaches_all() {
    let email = Arc::new(TestChannel::new());
    let slack = Arc::new(TestChannel::new());
    let routed = RoutedChannel::new(vec![
        (ChannelKind::Email, email.clone() as Arc<dyn Channel>),
        (ChannelKind::Slack, slack.clone() as Arc<dyn Channel>),
    ]);
    let id = ConversationId::from_u32(7);
    run(async {
        routed
            .remember_origin(&id, &from(ChannelKind::Slack))
            .await
            .expect("origin");
        routed
            .remember_origin(&id, &from(ChannelKind::Email))
            .await
            .expect("origin");
        routed.error_reply(&id, "failed").await.expect("error");
        routed.cleanup(&id).await.expect("cleanup");
    });
    assert!(email.calls().contains(&ChannelCall::ErrorReply {
        conversation: id.clone(),
        text: "failed".into()
    }));
    assert!(slack.calls().iter().all(|c| !c.is_answer()));
    for channel in [&email, &slack] {
        assert!(channel.calls().contains(&ChannelCall::Cleanup {
            conversation: id.clone()
        }));
    }
}
