//! A throwaway CA and a leaf certificate for the tests' own upstream
//! servers (the proxy trusts the CA through `upstream_extra_roots_pem`).

pub struct TestPki {
    pub ca_cert_pem: String,
    pub leaf_cert_pem: String,
    pub leaf_key_pem: String,
}

/// A CA named `common_name` and a leaf for `hosts`.
pub fn test_pki(common_name: &str, hosts: &[&str]) -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        .expect("params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf");
    TestPki {
        ca_cert_pem: ca_cert.pem(),
        leaf_cert_pem: leaf.pem(),
        leaf_key_pem: leaf_key.serialize_pem(),
    }
}
