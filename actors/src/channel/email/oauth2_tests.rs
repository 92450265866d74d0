use super::*;

#[test]
fn the_request_form_is_urlencoded() {
    assert_eq!(
        token_request_body("id-1", "s3cr&t=+", SCOPE),
        "grant_type=client_credentials&client_id=id-1&client_secret=s3cr%26t%3D%2B&scope=https%3A%2F%2Foutlook.office365.com%2F.default"
    );
}

#[test]
fn token_responses_and_refusals() {
    assert_eq!(
        parse_token_response(br#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0"}"#),
        Ok(("eyJ0".to_string(), 3599))
    );
    assert_eq!(
        parse_token_response(br#"{"expires_in":"120","access_token":"t"}"#),
        Ok(("t".to_string(), 120))
    );
    assert_eq!(
        parse_token_response(br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.\r\nTrace ID: x"}"#),
        Err("AADSTS7000215: Invalid client secret.\r".trim_end().to_string())
    );
    assert!(parse_token_response(b"<html>").is_err());
}
