use super::*;

#[test]
fn display_width_counts_wide_and_combining() {
    let cases: &[(&str, usize)] = &[
        ("abc", 3),
        ("日本", 4),
        ("e\u{0301}", 1),
        ("🔥x", 3),
        ("ｆｕｌｌ", 8),
        ("", 0),
    ];
    for (text, width) in cases {
        assert_eq!(display_width(text), *width, "{text:?}");
    }
}

#[test]
fn columns_pad_by_display_width() {
    let mut table = TableBuilder::new(vec![Alignment::None, Alignment::Center]);
    for row in [["k", "v"], ["日本", "x"]] {
        table.start_row();
        for cell in row {
            table.start_cell();
            table.text(cell);
            table.end_cell();
        }
    }
    assert_eq!(
        table.render(),
        "| k    |  v  |\n| ---- | :-: |\n| 日本 |  x  |\n"
    );
}

#[test]
fn short_rows_get_empty_cells() {
    let mut table = TableBuilder::new(vec![Alignment::None, Alignment::None]);
    table.start_row();
    for cell in ["a", "b"] {
        table.start_cell();
        table.text(cell);
        table.end_cell();
    }
    table.start_row();
    table.start_cell();
    table.text("c");
    table.end_cell();
    assert_eq!(
        table.render(),
        "| a   | b   |\n| --- | --- |\n| c   |     |\n"
    );
}
