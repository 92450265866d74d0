//! Airut's network sandbox data plane: the process that runs inside the
//! proxy container as `airut proxy`. It answers the task container's DNS with
//! its own address, terminates TLS with the gateway's per-process CA, lets
//! through only what the allowlist allows, swaps surrogate credentials for
//! real ones on the hosts they are scoped to, and writes the network log.
//!
//! No dependency on the other crates: the gateway talks to it through
//! [`config::ProxyConfig`], sent as JSON on its stdin.
//!
//! One concern per module: [`policy`] decides, [`masking`] swaps
//! credentials, [`dns`] answers names, [`mitm`] carries HTTP(S), [`netlog`]
//! records, [`ca`] mints the CA the gateway hands out, [`run`] runs it all
//! as `airut proxy`.

pub mod ca;
pub mod config;
pub mod dns;
pub mod masking;
pub mod mitm;
pub mod netlog;
pub mod policy;
pub mod run;
