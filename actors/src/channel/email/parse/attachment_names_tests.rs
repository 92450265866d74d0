use super::*;

#[test]
fn plain_name_is_kept() {
    assert_eq!(
        safe_name(Some("report.pdf"), "application/pdf"),
        "report.pdf"
    );
    assert_eq!(
        safe_name(Some("Überblick 2024.xlsx"), "x/y"),
        "Überblick 2024.xlsx"
    );
}

#[test]
fn path_components_are_dropped() {
    assert_eq!(safe_name(Some("../../evil"), "text/plain"), "evil");
    assert_eq!(
        safe_name(Some("C:\\Users\\ann\\a.txt"), "text/plain"),
        "a.txt"
    );
    assert_eq!(safe_name(Some("/etc/passwd"), "text/plain"), "passwd");
    assert_eq!(safe_name(Some("dir/"), "text/plain"), "attachment.txt");
}

#[test]
fn dots_and_dashes_cannot_lead() {
    assert_eq!(safe_name(Some(".."), "image/png"), "image.png");
    assert_eq!(safe_name(Some("."), "application/pdf"), "attachment.pdf");
    assert_eq!(safe_name(Some(".bashrc"), "text/plain"), "bashrc");
    assert_eq!(safe_name(Some("-rf.txt"), "text/plain"), "_rf.txt");
    assert_eq!(safe_name(Some("name. . "), "text/plain"), "name");
}

#[test]
fn control_and_invisible_characters_are_removed() {
    assert_eq!(safe_name(Some("a\u{0}b\r\n.txt"), "text/plain"), "ab.txt");
    assert_eq!(
        safe_name(Some("invoice\u{202E}fdp.exe"), "x/y"),
        "invoicefdp.exe"
    );
    assert_eq!(safe_name(Some("a:b?c.txt"), "text/plain"), "a_b_c.txt");
}

#[test]
fn fallback_names_follow_the_content_type() {
    assert_eq!(safe_name(None, "image/png"), "image.png");
    assert_eq!(safe_name(None, "IMAGE/JPEG"), "image.jpg");
    assert_eq!(safe_name(None, "message/rfc822"), "message.eml");
    assert_eq!(safe_name(None, "application/x-weird"), "attachment.bin");
    assert_eq!(safe_name(Some("   "), "text/calendar"), "attachment.ics");
}

#[test]
fn long_names_keep_their_extension() {
    let long = format!("{}.pdf", "a".repeat(500));
    let safe = safe_name(Some(&long), "application/pdf");
    assert!(safe.len() <= MAX_NAME_BYTES);
    assert!(safe.ends_with("a.pdf"));
    let multibyte = format!("{}.txt", "é".repeat(300));
    let safe = safe_name(Some(&multibyte), "text/plain");
    assert!(safe.len() <= MAX_NAME_BYTES);
    assert!(safe.ends_with(".txt"));
    let no_extension = "x".repeat(1000);
    assert_eq!(safe_name(Some(&no_extension), "x/y").len(), MAX_NAME_BYTES);
}

#[test]
fn duplicates_are_numbered() {
    let mut names = UniqueNames::default();
    assert_eq!(names.claim("a.txt"), "a.txt");
    assert_eq!(names.claim("a.txt"), "a (2).txt");
    assert_eq!(names.claim("A.TXT"), "A (3).txt".replace("txt", "TXT"));
    assert_eq!(names.claim("a (2).txt"), "a (2) (2).txt");
    assert_eq!(names.claim("image"), "image");
    assert_eq!(names.claim("image"), "image (2)");
}
