use super::*;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Every chunk is within the limit, opens and closes its code fences, and
/// the chunks hold all of the text's words in order.
fn check(text: &str, max: usize) -> Vec<String> {
    let chunks = split_message(text, max);
    for chunk in &chunks {
        assert!(
            chars(chunk) <= max,
            "chunk of {} > {max}: {chunk:?}",
            chars(chunk)
        );
        assert_eq!(
            chunk.matches("```").count() % 2,
            0,
            "unbalanced fence: {chunk:?}"
        );
        assert!(!chunk.trim().is_empty());
    }
    let words = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .filter(|w| *w != "```")
            .map(str::to_string)
            .collect()
    };
    let joined: Vec<String> = chunks.iter().flat_map(|c| words(c)).collect();
    // words cut inside (hard slices) are compared without separators
    assert_eq!(joined.concat(), words(text).concat());
    chunks
}

#[test]
fn short_text_is_one_message() {
    assert_eq!(split_message("hello", 100), vec!["hello".to_string()]);
    assert_eq!(split_message("  \n", 100), Vec::<String>::new());
    let exact = "x".repeat(100);
    assert_eq!(split_message(&exact, 100), vec![exact.clone()]);
}

#[test]
fn prefers_paragraph_breaks() {
    let para = |c: char| c.to_string().repeat(30);
    let text = format!("{}\n\n{}\n\n{}", para('a'), para('b'), para('c'));
    let chunks = check(&text, 80);
    assert_eq!(
        chunks,
        vec![format!("{}\n\n{}", para('a'), para('b')), para('c')]
    );
}

#[test]
fn falls_back_to_lines_then_words_then_slices() {
    let lines = (0..20)
        .map(|i| format!("line {i:02} text"))
        .collect::<Vec<_>>()
        .join("\n");
    let chunks = check(&lines, 70);
    assert!(chunks.len() > 1);
    assert!(
        chunks
            .iter()
            .all(|c| c.lines().all(|l| l.starts_with("line ")))
    );

    let words = "word ".repeat(100);
    let chunks = check(&words, 70);
    assert!(
        chunks.iter().all(|c| c.split(' ').all(|w| w == "word")),
        "{chunks:?}"
    );

    let blob = "z".repeat(300);
    let chunks = check(&blob, 100);
    assert_eq!(chunks.len(), 4);
}

#[test]
fn reopens_code_fences_across_chunks() {
    let code: String = (0..40).map(|i| format!("let x{i} = {i};\n")).collect();
    let text = format!("Intro\n\n```\n{code}```\n\nOutro");
    let chunks = check(&text, 120);
    assert!(chunks.len() > 2);
    for chunk in &chunks[1..chunks.len() - 1] {
        assert!(chunk.starts_with("```\n"), "{chunk:?}");
        assert!(chunk.ends_with("\n```"), "{chunk:?}");
    }
    assert!(chunks.last().is_some_and(|c| c.ends_with("Outro")));
}

#[test]
fn does_not_cut_entities_or_links() {
    let text = format!("{}&amp;{}", "a".repeat(60), "b".repeat(60));
    for chunk in check(&text, 64) {
        assert!(
            !chunk.ends_with('&') && !chunk.ends_with("&am"),
            "{chunk:?}"
        );
    }
    let link = "<https://example.com/a|some label here>";
    let text = format!("{} {link} {}", "w ".repeat(20), "v ".repeat(20));
    let chunks = check(&text, 64);
    assert!(chunks.iter().any(|c| c.contains(link)), "{chunks:?}");
}

#[test]
fn delivery_switches_to_a_file_past_the_message_count() {
    let limits = SplitLimits {
        max_chars: 100,
        max_messages: 3,
    };
    let para = "p".repeat(90);
    let three = [para.as_str(); 3].join("\n\n");
    let four = [para.as_str(); 4].join("\n\n");
    assert!(matches!(plan_delivery("short", &limits), Delivery::Messages(m) if m.len() == 1));
    assert!(matches!(plan_delivery(&three, &limits), Delivery::Messages(m) if m.len() == 3));
    assert_eq!(plan_delivery(&four, &limits), Delivery::File { chunks: 4 });
}

#[test]
fn default_limits_match_the_spec() {
    let limits = SplitLimits::default();
    assert_eq!((limits.max_chars, limits.max_messages), (4_000, 5));
}
