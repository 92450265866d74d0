use super::*;

#[test]
fn strips_user_and_token() {
    assert_eq!(
        redact_url("https://user:s3cret@github.com/o/r.git"),
        "https://***@github.com/o/r.git"
    );
}

#[test]
fn strips_token_only_userinfo() {
    assert_eq!(
        redact_url("https://ghp_abc@github.com"),
        "https://***@github.com"
    );
}

#[test]
fn leaves_urls_without_userinfo_alone() {
    for url in [
        "https://github.com/o/r.git",
        "file:///srv/git/r.git",
        "/srv/git/r.git",
        "git@github.com:o/r.git",
    ] {
        assert_eq!(redact_url(url), url);
    }
}

#[test]
fn an_at_sign_in_the_path_is_not_userinfo() {
    assert_eq!(
        redact_url("https://host/o/r@v1.git"),
        "https://host/o/r@v1.git"
    );
}

#[test]
fn cleans_every_url_in_prose() {
    let text = "fatal: unable to access 'https://u:tok@h/x.git/': \
                see https://a:b@c/d and 'http://e@f'";
    let clean = redact_text(text);
    assert!(!clean.contains("tok"), "{clean}");
    assert!(!clean.contains("a:b"), "{clean}");
    assert!(!clean.contains("e@"), "{clean}");
    assert!(clean.contains("'https://***@h/x.git/'"), "{clean}");
}

#[test]
fn a_password_containing_at_is_fully_removed() {
    assert_eq!(redact_url("https://u:p@ss@host/x"), "https://***@host/x");
}
