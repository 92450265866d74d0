//! Building a [`CredentialMasker`]: what is refused and what is skipped.

use super::*;
use crate::masking::test_support::*;

#[test]
fn construction_errors_table() {
    let ok = || secret("OK", SUR, REAL, &["*"], &["Authorization"]);
    let with = |sur: &str, real: &str| secret("BAD", sur, real, &["*"], &["Authorization"]);
    let cases: Vec<(Vec<MaskedSecret>, MaskingError)> = vec![
        (
            vec![with("", "real-value")],
            MaskingError::EmptySurrogate {
                env_name: "BAD".into(),
            },
        ),
        (
            vec![with("surrogate", "")],
            MaskingError::EmptyReal {
                env_name: "BAD".into(),
            },
        ),
        (
            vec![with("surrogate", "line\nbreak")],
            MaskingError::NotHeaderSafe {
                env_name: "BAD".into(),
                which: "real",
            },
        ),
        (
            vec![with("sur\rrogate", "real-value")],
            MaskingError::NotHeaderSafe {
                env_name: "BAD".into(),
                which: "surrogate",
            },
        ),
        (
            vec![with("same-value", "same-value")],
            MaskingError::SurrogateOverlapsReal {
                surrogate_of: "BAD".into(),
                real_of: "BAD".into(),
            },
        ),
        (
            vec![ok(), with(&format!("x{REAL}x"), "other-real-value")],
            MaskingError::SurrogateOverlapsReal {
                surrogate_of: "BAD".into(),
                real_of: "OK".into(),
            },
        ),
        (
            vec![ok(), with(&format!("{SUR}x"), "other-real-value")],
            MaskingError::OverlappingSurrogates {
                first: "OK".into(),
                second: "BAD".into(),
            },
        ),
    ];
    for (secrets, want) in cases {
        let err = CredentialMasker::new(secrets).expect_err("must be refused");
        assert_eq!(err, want);
        assert!(!err.to_string().contains("real-value"), "{err}");
    }
}

#[test]
fn empty_entries_are_skipped() {
    let m = masker(vec![
        secret("UNSET", "", "", &["*"], &["Authorization"]),
        github(),
    ]);
    assert!(format!("{m:?}").contains("GH_TOKEN"));
    assert!(!format!("{m:?}").contains("UNSET"));
    assert!(!format!("{m:?}").contains(REAL));
}
