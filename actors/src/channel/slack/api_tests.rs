use super::*;

#[test]
fn token_goes_to_slack_file_hosts() {
    let api = "https://slack.com/api";
    assert!(token_allowed(
        api,
        "https://files.slack.com/files-pri/T1-F1/a.png"
    ));
    assert!(token_allowed(api, "https://slack.com/api/files.info"));
    assert!(token_allowed(api, "https://FILES.Slack.com/x"));
}

#[test]
fn token_never_goes_elsewhere() {
    let api = "https://slack.com/api";
    for url in [
        "http://files.slack.com/x",
        "https://files.slack.com.evil.example/x",
        "https://evilslack.com/x",
        "https://example.com/files.slack.com/x",
        "https://files.slack.com:8443/x",
        "not a url",
        "/relative",
    ] {
        assert!(!token_allowed(api, url), "{url}");
    }
}

#[test]
fn token_goes_to_the_configured_api_origin_only() {
    let api = "http://127.0.0.1:4567/api";
    assert!(token_allowed(api, "http://127.0.0.1:4567/files/F1"));
    assert!(!token_allowed(api, "http://127.0.0.1:4568/files/F1"));
    assert!(!token_allowed(api, "https://127.0.0.1:4567/files/F1"));
    assert!(!token_allowed(api, "http://localhost:4567/files/F1"));
}

#[test]
fn origin_hides_the_path() {
    assert_eq!(
        origin_of("https://files.slack.com/files-pri/T1-F1/secret.png"),
        "https://files.slack.com"
    );
}

#[test]
fn api_url_must_be_a_url() {
    let token = Secret::new("xoxb-1");
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    assert!(SlackApi::new("nope", &token).is_err());
    let api = SlackApi::new("http://127.0.0.1:9/api/", &token).unwrap();
    assert_eq!(api.api_url(), "http://127.0.0.1:9/api");
}
