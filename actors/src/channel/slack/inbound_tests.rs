use serde_json::json;

use super::*;

fn names() -> HashMap<String, String> {
    HashMap::from([
        ("U1".to_string(), "Ann".to_string()),
        ("UBOT".to_string(), "airut".to_string()),
    ])
}

#[test]
fn invocation_loses_the_bot_mention_and_gains_names_and_plain_entities() {
    let text =
        "<@UBOT> ask <@U1|ann> about a &lt;b&gt; &amp; <https://x.example/a?b=1&amp;c=2|the doc>";
    assert_eq!(
        message_text(text, Some("UBOT"), &names()),
        "ask @Ann about a <b> & the doc (https://x.example/a?b=1&c=2)"
    );
    assert_eq!(message_text("  <@UBOT>  ", Some("UBOT"), &names()), "");
    assert_eq!(
        message_text("hi <@U9>", None, &names()),
        "hi @U9",
        "an unknown user stays an id"
    );
}

#[test]
fn mention_ids_are_found_once_each_in_order() {
    assert_eq!(
        mention_ids("<@U2> and <@U1|x> and <@U2> <@> <@bad id> <#C1>"),
        vec!["U2", "U1"]
    );
}

#[test]
fn file_refs_prefer_the_download_url_and_skip_the_unusable() {
    let files = json!([
        {"name": "a.png", "url_private": "https://files.slack.com/a", "url_private_download": "https://files.slack.com/a?dl"},
        {"name": "../../etc/passwd", "url_private": "https://files.slack.com/b"},
        {"name": "no-url.txt"},
        "not an object",
        {"url_private": "https://files.slack.com/c"}
    ]);
    let refs = file_refs(Some(&files));
    assert_eq!(
        refs,
        vec![
            FileRef {
                name: "a.png".into(),
                url: "https://files.slack.com/a?dl".into()
            },
            FileRef {
                name: "passwd".into(),
                url: "https://files.slack.com/b".into()
            },
            FileRef {
                name: "attachment.bin".into(),
                url: "https://files.slack.com/c".into()
            },
        ]
    );
    assert!(file_refs(Some(&json!({"name": "x"}))).is_empty());
    assert!(file_refs(None).is_empty());
}

#[test]
fn file_names_are_one_harmless_component() {
    assert_eq!(safe_file_name(".bashrc"), "bashrc");
    assert_eq!(safe_file_name("-rf"), "_rf");
    assert_eq!(safe_file_name("a:b?.txt"), "a_b_.txt");
    assert_eq!(safe_file_name(".."), "attachment.bin");
    // a right-to-left override cannot disguise the extension
    assert_eq!(safe_file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
    assert_eq!(safe_file_name("dir\\x.txt"), "x.txt");
}

#[test]
fn duplicate_names_get_a_numbered_suffix() {
    let mut taken = HashSet::new();
    assert_eq!(unique_name("a.txt", &mut taken), "a.txt");
    assert_eq!(unique_name("a.txt", &mut taken), "a-1.txt");
    assert_eq!(unique_name("a.txt", &mut taken), "a-2.txt");
    assert_eq!(unique_name("README", &mut taken), "README");
    assert_eq!(unique_name("README", &mut taken), "README-1");
}

#[test]
fn replay_keeps_humans_other_than_the_trigger() {
    let history = json!([
        {"user": "U1", "text": "root question", "ts": "1.0"},
        {"user": "U2", "text": "joined", "ts": "1.5", "subtype": "channel_join"},
        {"user": "U3", "bot_id": "B1", "text": "bot says", "ts": "2.0"},
        {"text": "no user", "ts": "2.5"},
        {"user": "U2", "text": "", "ts": "3.0", "subtype": "file_share",
         "files": [{"name": "log.txt", "url_private": "https://files.slack.com/l"}]},
        {"user": "U1", "text": "<@UBOT> please help", "ts": "4.0"}
    ]);
    let kept = replayable(history.as_array().expect("list"), "4.0");
    assert_eq!(
        kept.iter().map(|m| m.ts.as_str()).collect::<Vec<_>>(),
        vec!["1.0", "3.0"]
    );
    let block = replay_block(&kept, &names(), 200).expect("block");
    assert!(block.contains("[Ann]: root question\n"), "{block}");
    assert!(block.contains("[U2]: [attached: log.txt]\n"), "{block}");
    assert!(!block.contains("omitted"));
}

#[test]
fn replay_keeps_the_newest_and_says_how_many_were_left_out() {
    let history: Vec<HistoryMessage> = (0..5)
        .map(|i| HistoryMessage {
            user: "U1".into(),
            text: format!("m{i} <@UBOT>"),
            ts: format!("{i}.0"),
            files: Vec::new(),
        })
        .collect();
    let block = replay_block(&history, &names(), 2).expect("block");
    assert!(block.contains("[3 earlier messages omitted]"));
    assert!(!block.contains("m2"));
    assert!(
        block.contains("[Ann]: m3 @airut\n"),
        "the bot's mention is kept: {block}"
    );
    assert!(replay_block(&[], &names(), 2).is_none());
}

#[test]
fn body_puts_the_request_after_the_replay() {
    assert_eq!(compose_body(None, "do x", false), "do x");
    assert_eq!(compose_body(None, "", false), "", "a bare mention is empty");
    assert_eq!(
        compose_body(None, "", true),
        "(no text; see the attached files)"
    );
    let body = compose_body(Some("history\n"), "", false);
    assert!(body.starts_with("history\n"));
    assert!(body.ends_with("(no text; see the thread above)"));
}
