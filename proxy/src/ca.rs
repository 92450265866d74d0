//! The certificate authority a gateway process mints for its proxies.
//!
//! One CA per gateway process, held only in memory and in each proxy's
//! stdin config: its key never touches a disk, and it expires a week after
//! the process started, so a leaked key is worth little and nothing has to
//! be rotated (the reference kept one CA forever, mounted read-write into
//! every proxy; sandbox.md §6 Network 10). Task containers trust the
//! certificate; the proxy signs a leaf for every SNI with the key.

use std::fmt;
use std::time::Duration as StdDuration;

use hudsucker::certificate_authority::RcgenAuthority;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

/// How long a CA is valid. A gateway that runs longer than this must be
/// restarted; a week is far beyond any task and short enough to not matter
/// if the key leaks.
pub const CA_VALIDITY: StdDuration = StdDuration::from_secs(7 * 24 * 3600);

/// Leaf certificates minted per SNI are cached; a task talks to a handful of
/// hosts, and the cache bounds memory if it tries thousands of names.
const LEAF_CACHE_ENTRIES: u64 = 1_000;

/// A CA certificate and its private key, PEM encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct CaPem {
    pub cert_pem: String,
    pub key_pem: String,
}

impl fmt::Debug for CaPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key is the one secret that lets anyone impersonate every host
        // to every task container: never let a log line carry it.
        f.debug_struct("CaPem")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Error)]
pub enum CaError {
    #[error("could not generate the proxy CA: {0}")]
    Generate(#[source] rcgen::Error),
    #[error("the proxy CA in the config is unusable (ca_cert_pem/ca_key_pem): {0}")]
    Load(#[source] rcgen::Error),
}

/// Generates a fresh CA (new ECDSA P-256 key) valid from an hour ago (clock
/// skew between host and containers) for [`CA_VALIDITY`].
pub fn generate_ca(common_name: &str) -> Result<CaPem, CaError> {
    let key = KeyPair::generate().map_err(CaError::Generate)?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "Airut network sandbox");
    params.distinguished_name = name;
    // Leaves are signed directly by this CA: no intermediates allowed.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + CA_VALIDITY;
    params.serial_number = Some(rand::random::<u64>().into());
    let cert = params.self_signed(&key).map_err(CaError::Generate)?;
    Ok(CaPem {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// The leaf-minting authority hudsucker uses, from the PEM pair the gateway
/// sent.
pub(crate) fn authority_from_pem(cert_pem: &str, key_pem: &str) -> Result<RcgenAuthority, CaError> {
    let key = KeyPair::from_pem(key_pem).map_err(CaError::Load)?;
    let issuer = Issuer::from_ca_cert_pem(cert_pem, key).map_err(CaError::Load)?;
    Ok(RcgenAuthority::new(
        issuer,
        LEAF_CACHE_ENTRIES,
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
}

#[cfg(test)]
#[path = "ca_tests.rs"]
mod tests;
