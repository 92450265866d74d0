//! Fixtures shared by the masking tests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::header::{HeaderMap, HeaderName, HeaderValue};

use super::{CredentialMasker, MaskedSecret};

pub const SUR: &str = "ghp_SURROGATEsurrogate0123456789abcdef00";
pub const REAL: &str = "ghp_REALrealREALreal0123456789abcdef9999";
pub const SUR_B: &str = "sk-SURROGATEbbbbbbbbbbbbbbbbbbbbbbbbbbb1";
pub const REAL_B: &str = "sk-REALbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";

pub fn secret(env: &str, sur: &str, real: &str, scopes: &[&str], headers: &[&str]) -> MaskedSecret {
    MaskedSecret {
        env_name: env.into(),
        surrogate: sur.into(),
        real: real.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        headers: headers.iter().map(|s| s.to_string()).collect(),
        allow_foreign_credentials: false,
    }
}

/// `GH_TOKEN`, scoped to GitHub, in `Authorization`.
pub fn github() -> MaskedSecret {
    secret(
        "GH_TOKEN",
        SUR,
        REAL,
        &["github.com", "*.github.com"],
        &["Authorization"],
    )
}

pub fn masker(secrets: Vec<MaskedSecret>) -> CredentialMasker {
    CredentialMasker::new(secrets).expect("valid secrets")
}

/// A header map with the pairs appended in order (duplicates kept).
pub fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("name");
        map.append(name, HeaderValue::from_bytes(value).expect("value"));
    }
    map
}

pub fn values(map: &HeaderMap, name: &str) -> Vec<Vec<u8>> {
    map.get_all(name)
        .iter()
        .map(|v| v.as_bytes().to_vec())
        .collect()
}

/// The single value of `name`, as text.
pub fn one(map: &HeaderMap, name: &str) -> String {
    let all = values(map, name);
    assert_eq!(all.len(), 1, "{name}: {all:?}");
    String::from_utf8(all[0].clone()).expect("utf-8")
}

pub fn basic(user_pass: &str) -> Vec<u8> {
    format!("Basic {}", STANDARD.encode(user_pass)).into_bytes()
}
