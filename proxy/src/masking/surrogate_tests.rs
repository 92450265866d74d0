use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Bits carried by a random part of `len` characters over `alphabet`, as
/// the generator counts them (first and last alphanumeric only).
fn bits(alphabet: &Alphabet, len: usize) -> f64 {
    let edge = (alphabet.alnum.len() as f64).log2();
    let inner = ((alphabet.alnum.len() + alphabet.special.len()) as f64).log2();
    2.0 * edge + (len - 2) as f64 * inner
}

#[test]
fn shapes_table() {
    // (real, kept prefix, random-part length, allowed random characters)
    let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let lower = "abcdefghijklmnopqrstuvwxyz";
    let digits = "0123456789";
    let alnum = format!("{upper}{lower}{digits}");
    let gh36 = "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hI6kL"; // 38 characters
    let cases: Vec<(String, &str, usize, String)> = vec![
        (
            format!("github_pat_{gh36}_xY"),
            "github_pat_",
            41,
            format!("{alnum}_"),
        ),
        (format!("ghp_{gh36}"), "ghp_", 38, alnum.clone()),
        (format!("gho_{gh36}"), "gho_", 38, alnum.clone()),
        (format!("ghs_{gh36}"), "ghs_", 38, alnum.clone()),
        (format!("ghr_{gh36}"), "ghr_", 38, alnum.clone()),
        (
            format!("sk-ant-api03-{gh36}"),
            "sk-ant-",
            44,
            format!("{alnum}-"),
        ),
        (format!("sk-proj-{gh36}"), "sk-", 43, format!("{alnum}-")),
        (
            "xoxb-1234567890-0987654321-abcdefghijklmnopqrstuvwx".into(),
            "xoxb-",
            46,
            format!("{lower}{digits}-"),
        ),
        (
            "xoxp-1234567890-0987654321-abcdefghijklmnopqrstuvwx".into(),
            "xoxp-",
            46,
            format!("{lower}{digits}-"),
        ),
        (
            "xapp-1-A0123456789-0123456789012-abcdef0123456789".into(),
            "xapp-",
            44,
            format!("{upper}{lower}{digits}-"),
        ),
        // AWS key ids: 16 characters of A-Z2-7 carry 83 bits, so padded.
        (
            "AKIAIOSFODNN7EXAMPLE".into(),
            "AKIA",
            25,
            format!("{upper}{digits}"),
        ),
        (
            "ASIAIOSFODNN7EXAMPLE".into(),
            "ASIA",
            25,
            format!("{upper}{digits}"),
        ),
        // No known prefix: classes only.
        (
            "0123456789abcdef0123456789abcdef01234567".into(),
            "",
            40,
            format!("{lower}{digits}"),
        ),
        ("deadbeef".into(), "", 28, lower.into()),
        ("12345678".into(), "", 39, digits.into()),
        ("ABCDEFGH".into(), "", 28, upper.into()),
        ("abc".into(), "", 28, lower.into()),
        // Only specials: letters and digits are added so there is entropy.
        ("----".into(), "", 25, format!("{lower}{digits}-")),
        // A real value that is only a prefix keeps no prefix.
        ("sk-".into(), "", 27, format!("{lower}-")),
        // Base64-style specials are kept, not dropped.
        (
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+=".into(),
            "",
            42,
            format!("{alnum}/+="),
        ),
    ];
    let mut r = rng(1);
    for (real, prefix, len, allowed) in cases {
        let s = generate_surrogate(&real, &mut r);
        assert!(s.starts_with(prefix), "{real}: {s}");
        let random = &s[prefix.len()..];
        assert_eq!(random.len(), len, "{real}: {s}");
        assert!(random.chars().all(|c| allowed.contains(c)), "{real}: {s}");
        let first = random.as_bytes()[0];
        let last = random.as_bytes()[random.len() - 1];
        assert!(
            first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric(),
            "{s}"
        );
        assert_ne!(s, real);
        assert!(!s.contains(&real) && !real.contains(&s));
        let rest = &real[prefix.len()..];
        assert!(
            bits(&Alphabet::of(rest), len) >= MIN_SURROGATE_BITS,
            "{real}"
        );
        if rest.chars().count() < len {
            // Padded only as far as needed.
            assert!(
                bits(&Alphabet::of(rest), len - 1) < MIN_SURROGATE_BITS,
                "{real}"
            );
        }
    }
}

#[test]
fn long_real_values_keep_their_length() {
    let real = "a".repeat(300) + "Z9";
    let s = generate_surrogate(&real, &mut rng(2));
    assert_eq!(s.len(), real.len());
}

#[test]
fn specials_of_the_real_alphabet_appear() {
    let real = "abc/def+ghi=jkl.mno~pqr/stu+vwx=yz0.123~456";
    let mut seen = std::collections::BTreeSet::new();
    let mut r = rng(3);
    for _ in 0..50 {
        seen.extend(
            generate_surrogate(real, &mut r)
                .bytes()
                .filter(u8::is_ascii_punctuation),
        );
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), b"+./=~".to_vec());
}

#[test]
fn whitespace_control_and_non_ascii_are_not_reproduced() {
    let real = "pass word\twith\u{e9}\u{1F511}and\nmore letters here";
    let s = generate_surrogate(real, &mut rng(4));
    assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{s:?}");
    // Length counts characters, not bytes.
    assert_eq!(s.len(), real.chars().count());
}

#[test]
fn empty_real_gives_empty_surrogate() {
    assert_eq!(generate_surrogate("", &mut rng(5)), "");
}

#[test]
fn never_equal_nor_containing_even_for_tiny_values() {
    // Single characters over the digit alphabet would be found by chance in
    // most draws; this exercises the exclusion fallback.
    let reals = [
        "0", "7", "a", "Z", "-", "ab", "01", "sk-a", "sk-0", "ghp_1", "AKIAZ", "x",
    ];
    let mut r = rng(6);
    for real in reals {
        for _ in 0..300 {
            let s = generate_surrogate(real, &mut r);
            assert!(!s.contains(real), "{real:?} in {s:?}");
            assert!(!real.contains(&s));
        }
    }
}

#[test]
fn fallback_alphabet_lacks_the_first_character() {
    let a = Alphabet::of("0").without('0');
    assert_eq!(a.alnum, b"123456789".to_vec());
    let a = Alphabet::of("-x").without('-');
    assert!(a.special.is_empty());
    // Non-ASCII: nothing to remove.
    assert_eq!(Alphabet::of("é1").without('é'), Alphabet::of("é1"));
}

#[test]
fn seeded_draws_are_reproducible_and_distinct() {
    let real = "ghp_aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hI6kL";
    assert_eq!(
        generate_surrogate(real, &mut rng(7)),
        generate_surrogate(real, &mut rng(7))
    );
    assert_ne!(
        generate_surrogate(real, &mut rng(7)),
        generate_surrogate(real, &mut rng(8))
    );
    let mut thread = rand::rng();
    assert_ne!(
        generate_surrogate(real, &mut thread),
        generate_surrogate(real, &mut thread)
    );
}

#[test]
fn pick_is_uniform() {
    let symbols: Vec<u8> = (b'0'..=b'9').collect();
    let extra = b"-_+";
    let mut counts = [0u32; 256];
    let mut r = rng(9);
    let draws = 130_000;
    for _ in 0..draws {
        counts[usize::from(pick(&symbols, extra, &mut r))] += 1;
    }
    let expected = draws / 13;
    for &c in symbols.iter().chain(extra) {
        let n = counts[usize::from(c)];
        assert!(
            n.abs_diff(expected) < expected / 20,
            "{} drawn {n} times",
            c as char
        );
    }
    assert_eq!(counts.iter().sum::<u32>(), draws);
}
