use super::*;

fn tokens(html: &str) -> Vec<Token<'_>> {
    Tokenizer::new(html).collect()
}

fn start(name: &str, attrs: &[(&str, &str)]) -> Token<'static> {
    Token::Start {
        name: name.to_string(),
        attrs: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        self_closing: false,
    }
}

#[test]
fn tags_attributes_and_text() {
    assert_eq!(
        tokens(r#"<DIV Class="a b" id=x data-y='1 2' hidden>Hi &amp; bye</div>"#),
        vec![
            start(
                "div",
                &[
                    ("class", "a b"),
                    ("id", "x"),
                    ("data-y", "1 2"),
                    ("hidden", "")
                ]
            ),
            Token::Text("Hi & bye".into()),
            Token::End { name: "div".into() },
        ]
    );
}

#[test]
fn self_closing_and_comments() {
    assert_eq!(
        tokens("a<!-- <b>x</b> -->b<br/><!DOCTYPE html><?xml x?>"),
        vec![
            Token::Text("a".into()),
            Token::Text("b".into()),
            Token::Start {
                name: "br".into(),
                attrs: vec![],
                self_closing: true
            },
        ]
    );
}

#[test]
fn script_and_style_content_is_skipped() {
    assert_eq!(
        tokens("<style>p { x: '<b>' }</STYLE>t<script>if (a<b) {}</script>"),
        vec![
            start("style", &[]),
            Token::End {
                name: "style".into()
            },
            Token::Text("t".into()),
            start("script", &[]),
            Token::End {
                name: "script".into()
            },
        ]
    );
}

#[test]
fn stray_angle_brackets_are_text() {
    assert_eq!(
        tokens("1 < 2 </ 3"),
        vec![
            Token::Text("1 ".into()),
            Token::Text("<".into()),
            Token::Text(" 2 ".into()),
        ]
    );
}

#[test]
fn unterminated_markup_ends_quietly() {
    assert_eq!(
        tokens("<div class=\"x"),
        vec![start("div", &[("class", "x")])]
    );
    assert_eq!(tokens("<!-- never closed"), vec![]);
    assert_eq!(tokens("<a href"), vec![start("a", &[("href", "")])]);
}

#[test]
fn entities() {
    assert_eq!(
        decode_entities("&lt;&gt;&quot;&#39;&#x41;&nbsp;&euro;"),
        "<>\"'A €"
    );
    assert_eq!(decode_entities("&unknown; & &amp"), "&unknown; & &amp");
    assert_eq!(
        decode_entities("&#0;&#99999999999;&#x110000;"),
        "\u{FFFD}\u{FFFD}\u{FFFD}"
    );
    assert_eq!(decode_entities("&#65"), "A");
    assert_eq!(decode_entities("&"), "&");
}
