//! Surrogates: the stand-ins the container sees instead of real secrets.
//!
//! A surrogate looks like the real value (same known prefix, same character
//! classes, same length when that is enough) so that client-side format
//! checks such as "a GitHub token starts with `ghp_`" still pass, but it is
//! independent of the real value: every random character is drawn with a
//! cryptographic RNG, and only the prefix and the *set* of character classes
//! are taken from the real value.

use rand::CryptoRng;

/// Prefixes kept verbatim, checked in this order, so the longer
/// `github_pat_` and `sk-ant-` win over `gh*_` and `sk-`. Tools recognise
/// tokens by them (GitHub, Anthropic, OpenAI, Slack, AWS key ids).
pub const KNOWN_PREFIXES: [&str; 12] = [
    "github_pat_",
    "ghp_",
    "gho_",
    "ghs_",
    "ghr_",
    "sk-ant-",
    "sk-",
    "xoxb-",
    "xoxp-",
    "xapp-",
    "AKIA",
    "ASIA",
];

/// Minimum entropy of a surrogate's random part. A surrogate is a bearer
/// token for the proxy on the scoped hosts: guessing one must be as hard as
/// guessing a strong key, whatever the length of the real value.
pub const MIN_SURROGATE_BITS: f64 = 128.0;

/// How often a draw that happens to contain the real value is redrawn before
/// the exclusion fallback. Only very short real values ever need a redraw.
const REDRAWS: usize = 32;

/// A surrogate for `real`, or `""` for an empty `real` (which gets no
/// masking entry).
///
/// - The first of [`KNOWN_PREFIXES`] that `real` starts with is kept, unless
///   it is all of `real`.
/// - The rest is random over an alphabet built from the rest of `real`:
///   `A-Z` if it has an upper-case letter, `a-z` if lower-case, `0-9` if a
///   digit (`a-z0-9` if none of the three), plus each printable ASCII
///   special character it contains (`-`, `_`, `/`, `+`, `=`, `.`, ...), so
///   a validator that accepts the real alphabet accepts the surrogate.
///   Whitespace, control and non-ASCII characters are not reproduced: the
///   surrogate must travel in an HTTP header. The first and last random
///   characters are alphanumeric, so the surrogate never starts like a
///   command-line flag (`-x`) nor ends in something tools trim (`=`, `.`).
/// - The random part has the real value's length in characters, padded
///   until it carries [`MIN_SURROGATE_BITS`]; a short real value therefore
///   gets a longer surrogate (length is then not preserved).
/// - The surrogate never contains the real value (so never equals it), and
///   the real value never contains it.
///
/// The RNG must be a [`CryptoRng`]: a surrogate drawn from a predictable
/// generator could be guessed from outside the container.
pub fn generate_surrogate(real: &str, rng: &mut impl CryptoRng) -> String {
    if real.is_empty() {
        return String::new();
    }
    let prefix = KNOWN_PREFIXES
        .iter()
        .find(|p| real.len() > p.len() && real.starts_with(*p))
        .copied()
        .unwrap_or("");
    let rest = &real[prefix.len()..];
    let rest_chars = rest.chars().count();
    let alphabet = Alphabet::of(rest);
    for _ in 0..REDRAWS {
        let surrogate = alphabet.draw(prefix, rest_chars, rng);
        if !surrogate.contains(real) && !real.contains(&surrogate) {
            return surrogate;
        }
    }
    // Only real values of one to three characters get here in practice.
    // Without the first character of `rest` in the random part, the real
    // value cannot occur: any occurrence would put that character at or
    // after the end of the prefix. And the surrogate is at least as long as
    // `real`, so `real` cannot contain it either.
    let first = rest.chars().next().unwrap_or('a');
    alphabet.without(first).draw(prefix, rest_chars, rng)
}

/// The characters a surrogate's random part is drawn from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Alphabet {
    /// Letters and digits: every position may use them.
    alnum: Vec<u8>,
    /// Special characters: inner positions only.
    special: Vec<u8>,
}

impl Alphabet {
    fn of(rest: &str) -> Self {
        let has = |f: fn(&u8) -> bool| rest.bytes().any(|b| f(&b));
        let mut alnum = Vec::new();
        if has(u8::is_ascii_uppercase) {
            alnum.extend(b'A'..=b'Z');
        }
        if has(u8::is_ascii_lowercase) {
            alnum.extend(b'a'..=b'z');
        }
        if has(u8::is_ascii_digit) {
            alnum.extend(b'0'..=b'9');
        }
        if alnum.is_empty() {
            alnum.extend(b'a'..=b'z');
            alnum.extend(b'0'..=b'9');
        }
        let mut special: Vec<u8> = rest.bytes().filter(|b| b.is_ascii_punctuation()).collect();
        special.sort_unstable();
        special.dedup();
        Alphabet { alnum, special }
    }

    fn without(mut self, c: char) -> Self {
        if let Ok(b) = u8::try_from(c) {
            // `alnum` holds at least ten characters, so one fewer leaves
            // plenty; the guard only keeps the invariant obvious.
            if self.alnum.len() > 1 {
                self.alnum.retain(|&x| x != b);
            }
            self.special.retain(|&x| x != b);
        }
        self
    }

    /// The length of the random part: `at_least` characters, or more until
    /// it carries [`MIN_SURROGATE_BITS`].
    fn length_for(&self, at_least: usize) -> usize {
        let edge_bits = (self.alnum.len() as f64).log2();
        let inner_bits = ((self.alnum.len() + self.special.len()) as f64).log2();
        let mut len = at_least.max(2);
        while 2.0 * edge_bits + (len - 2) as f64 * inner_bits < MIN_SURROGATE_BITS {
            len += 1;
        }
        len
    }

    fn draw(&self, prefix: &str, at_least: usize, rng: &mut impl CryptoRng) -> String {
        let len = self.length_for(at_least);
        let mut out = String::with_capacity(prefix.len() + len);
        out.push_str(prefix);
        for i in 0..len {
            let c = if i == 0 || i == len - 1 {
                pick(&self.alnum, &[], rng)
            } else {
                pick(&self.alnum, &self.special, rng)
            };
            out.push(char::from(c));
        }
        out
    }
}

/// A uniform choice from `a` followed by `b` (together at most 94 ASCII
/// characters), by rejection so that every character is exactly equally
/// likely and the entropy bound holds exactly.
fn pick(a: &[u8], b: &[u8], rng: &mut impl CryptoRng) -> u8 {
    let n = a.len() + b.len();
    debug_assert!((1..=256).contains(&n));
    let zone = 256 - 256 % n;
    loop {
        let x = (rng.next_u32() & 0xff) as usize;
        if x < zone {
            let i = x % n;
            return if i < a.len() { a[i] } else { b[i - a.len()] };
        }
    }
}

#[cfg(test)]
#[path = "surrogate_tests.rs"]
mod tests;
