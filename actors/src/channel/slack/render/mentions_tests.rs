use std::collections::HashMap;

use super::*;

fn people() -> Vec<Participant> {
    vec![
        participant("U1", "ann", "Ann Lee", "ann.lee"),
        participant("U2", "bob", "Bob Stone", "bstone"),
        // two people share a real name
        participant("U3", "", "Sam", "sam1"),
        participant("U4", "", "Sam", "sam2"),
        // a display name that equals someone else's user name
        participant("U5", "bstone", "", "robert"),
    ]
}

#[test]
fn rewrites_only_participants_outside_code() {
    let cases: &[(&str, &str, &str)] = &[
        ("display name", "thanks @ann", "thanks <@U1>"),
        ("case-insensitive", "@ANN and @Bob", "<@U1> and <@U2>"),
        ("real name with dot boundary", "hi @ann.", "hi <@U1>."),
        ("user name", "cc @ann.lee", "cc <@U1>"),
        ("not a participant", "ask @carol", "ask @carol"),
        ("ambiguous real name stays literal", "@Sam", "@Sam"),
        ("unique user name", "@sam2", "<@U4>"),
        ("display name wins over user name", "@bstone", "<@U5>"),
        (
            "email address untouched",
            "mail ann@host.io",
            "mail ann@host.io",
        ),
        ("path untouched", "see a/@ann", "see a/@ann"),
        ("hash before untouched", "#@ann", "#@ann"),
        ("start of text", "@ann!", "<@U1>!"),
        ("after punctuation", "(@ann)", "(<@U1>)"),
        ("bare at", "a @ b", "a @ b"),
        (
            "code span untouched",
            "run `@ann` now @ann",
            "run `@ann` now <@U1>",
        ),
        (
            "fence untouched",
            "```\n@ann\n```\n@ann",
            "```\n@ann\n```\n<@U1>",
        ),
        (
            "channel neutralised",
            "@channel look",
            "@\u{200B}channel look",
        ),
        ("here neutralised", "@here", "@\u{200B}here"),
        (
            "everyone neutralised any case",
            "@Everyone",
            "@\u{200B}Everyone",
        ),
        ("channel name is not rewritten", "#general", "#general"),
        (
            "escaped text stays escaped",
            "&lt;@ann&gt;",
            "&lt;<@U1>&gt;",
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(
            rewrite_mentions(input, &people()),
            *expected,
            "case `{name}`"
        );
    }
}

#[test]
fn no_participants_means_no_mentions() {
    assert_eq!(rewrite_mentions("@ann @here", &[]), "@ann @\u{200B}here");
}

#[test]
fn duplicate_participants_are_not_ambiguous() {
    let mut twice = people();
    twice.push(participant("U1", "ann", "Ann Lee", "ann.lee"));
    assert_eq!(rewrite_mentions("@ann", &twice), "<@U1>");
}

#[test]
fn decodes_slack_entities_once() {
    let cases: &[(&str, &str)] = &[
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("&amp;lt;", "&lt;"),
        ("&quot; & &x", "&quot; & &x"),
        ("no entities", "no entities"),
    ];
    for (input, expected) in cases {
        assert_eq!(decode_entities(input), *expected, "{input}");
    }
}

#[test]
fn resolves_inbound_tokens() {
    let users: HashMap<String, String> = [("U1".to_string(), "Ann".to_string())].into();
    let cases: &[(&str, &str)] = &[
        ("hi <@U1>", "hi @Ann"),
        ("hi <@U1|old>", "hi @Ann"),
        ("hi <@U9>", "hi @U9"),
        ("in <#C1|general>", "in #general"),
        ("in <#C1>", "in #C1"),
        ("<!subteam^S1|devs>", "@devs"),
        ("<!subteam^S1>", "@S1"),
        ("<!channel> <!here> <!everyone>", "@channel @here @everyone"),
        ("<!date^1392734382^{date}|Feb 18>", "Feb 18"),
        ("<!foo>", "<!foo>"),
        ("<https://x.io|site>", "site (https://x.io)"),
        ("<https://x.io>", "https://x.io"),
        ("<https://x.io?a=1&amp;b=2>", "https://x.io?a=1&b=2"),
        ("<mailto:a@b.c|a@b.c>", "a@b.c (mailto:a@b.c)"),
        ("x &lt;@U1&gt; y", "x <@U1> y"),
        ("if a &lt; b &amp;&amp; c", "if a < b && c"),
        ("dangling <", "dangling <"),
    ];
    for (input, expected) in cases {
        assert_eq!(resolve_inbound(input, &users), *expected, "{input}");
    }
}

#[test]
fn strips_the_bots_own_mention() {
    let cases: &[(&str, &str)] = &[
        ("<@UBOT> do it", "do it"),
        ("please <@UBOT|airut> do it", "please do it"),
        ("<@UBOT>", ""),
        ("ask <@U1> and <@UBOT>", "ask <@U1> and"),
        ("no mention", "no mention"),
    ];
    for (input, expected) in cases {
        assert_eq!(strip_bot_mention(input, "UBOT"), *expected, "{input}");
    }
}
