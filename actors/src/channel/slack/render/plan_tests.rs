use super::*;

fn item(content: &str, status: &str) -> PlanItem {
    PlanItem {
        content: content.to_string(),
        status: status.to_string(),
    }
}

#[test]
fn one_line_per_item_with_status_marker() {
    let plan = render_plan(&[
        item("Read the code", "completed"),
        item("Write <tests>", "in_progress"),
        item("Ship", "pending"),
        item("Odd", "blocked"),
    ])
    .expect("a plan");
    let expected =
        "*Plan* (1/4 done)\n✅  Read the code\n🔄  Write &lt;tests&gt;\n⚪  Ship\n⚪  Odd";
    assert_eq!(
        plan.blocks,
        json!([{"type": "section", "text": {"type": "mrkdwn", "text": expected}}])
    );
    assert!(plan.text.starts_with("*Plan* (1/4 done)"));
}

#[test]
fn empty_list_has_no_message() {
    assert_eq!(render_plan(&[]), None);
}

#[test]
fn long_plans_split_into_sections_and_short_fallback() {
    let items: Vec<PlanItem> = (0..100)
        .map(|i| item(&format!("step {i} {}", "x".repeat(80)), "pending"))
        .collect();
    let plan = render_plan(&items).expect("a plan");
    let blocks = plan.blocks.as_array().expect("array");
    assert!(blocks.len() > 1);
    let mut all = Vec::new();
    for block in blocks {
        let text = block["text"]["text"].as_str().expect("text");
        assert!(text.chars().count() <= MAX_SECTION_CHARS);
        all.extend(text.lines().map(str::to_string));
    }
    assert_eq!(all.len(), 101, "every line kept once");
    assert!(plan.text.chars().count() <= MAX_FALLBACK_CHARS);
}

#[test]
fn an_overlong_item_is_cut_to_fit() {
    let plan = render_plan(&[item(&"y".repeat(5000), "pending")]).expect("a plan");
    let blocks = plan.blocks.as_array().expect("array");
    for block in blocks {
        let text = block["text"]["text"].as_str().expect("text");
        assert!(text.chars().count() <= MAX_SECTION_CHARS);
    }
    assert!(
        blocks
            .last()
            .and_then(|b| b["text"]["text"].as_str())
            .is_some_and(|t| t.ends_with('…'))
    );
}
