use super::parse_dotenv;

fn get(text: &str, key: &str) -> Option<String> {
    parse_dotenv(text).get(key).cloned()
}

#[test]
fn plain_pairs_and_comments() {
    let text = "# comment\nA=1\n\nB = two words  # trailing\nexport C=3\n";
    let env = parse_dotenv(text);
    assert_eq!(env.get("A").map(String::as_str), Some("1"));
    assert_eq!(env.get("B").map(String::as_str), Some("two words"));
    assert_eq!(env.get("C").map(String::as_str), Some("3"));
    assert_eq!(env.len(), 3);
}

#[test]
fn hash_without_space_is_part_of_value() {
    assert_eq!(get("P=abc#def\n", "P").as_deref(), Some("abc#def"));
}

#[test]
fn quoted_values() {
    assert_eq!(get("A='x # y'\n", "A").as_deref(), Some("x # y"));
    assert_eq!(
        get("A=\"a\\nb\\t\\\"c\\\"\\$d\\q\"\n", "A").as_deref(),
        Some("a\nb\t\"c\"$d\\q")
    );
    assert_eq!(get("A='it\\'s'\n", "A").as_deref(), Some("it's"));
    assert_eq!(
        get("A=\"line1\nline2\"\nB=2", "A").as_deref(),
        Some("line1\nline2")
    );
    assert_eq!(get("A=\"line1\nline2\"\nB=2", "B").as_deref(), Some("2"));
}

#[test]
fn empty_value_and_last_wins() {
    assert_eq!(get("A=\n", "A").as_deref(), Some(""));
    assert_eq!(get("A=1\nA=2\n", "A").as_deref(), Some("2"));
}

#[test]
fn malformed_lines_are_skipped() {
    let env = parse_dotenv("NOEQUALS\nA=\"unclosed\nB=ok\r\nexport\n=nokey\n");
    assert_eq!(env.get("B").map(String::as_str), Some("ok"));
    assert!(!env.contains_key("A"));
    assert!(!env.contains_key("NOEQUALS"));
}

#[test]
fn quoted_key() {
    assert_eq!(get("'MY KEY'=v\n", "MY KEY").as_deref(), Some("v"));
}
