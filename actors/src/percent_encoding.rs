//! Percent-encoding of one URL component or form value (RFC 3986: every
//! byte but the unreserved characters), for the few requests built by hand.

pub fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::encode_component;

    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(encode_component("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(
            encode_component("{\"k\": [1]}"),
            "%7B%22k%22%3A%20%5B1%5D%7D"
        );
        assert_eq!(encode_component("é&="), "%C3%A9%26%3D");
    }
}
