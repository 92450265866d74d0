//! `airut proxy`: the network sandbox's data plane, run by the gateway
//! inside the proxy container. Not for people: the config (with the real
//! secrets and the CA key) arrives as one JSON document on stdin, so it is
//! never in a file, an environment variable or argv.
//!
//! Exit codes: 0 stopped (SIGTERM, SIGINT, or stdin closed by the gateway);
//! 1 bad config or start-up failure, with the reason on stderr.

use std::io::Read;

use airut_proxy::config::ProxyConfig;
use airut_proxy::run::run_proxy;

/// Two workers: the proxy serves one task, and the box has two cores.
const WORKER_THREADS: usize = 2;

pub fn run() -> u8 {
    let config = match read_config(std::io::stdin().lock()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("airut proxy: {err}");
            return 1;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("airut proxy: cannot start the runtime: {err}");
            return 1;
        }
    };
    match runtime.block_on(run_proxy(config)) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("airut proxy: {err}");
            1
        }
    }
}

/// Reads exactly one JSON value. The gateway keeps stdin open after it (its
/// end is the stop signal), so this must not wait for EOF; the streaming
/// deserializer stops at the value's closing brace.
pub fn read_config(reader: impl Read) -> Result<ProxyConfig, String> {
    let mut values = serde_json::Deserializer::from_reader(reader).into_iter::<ProxyConfig>();
    match values.next() {
        Some(Ok(config)) => Ok(config),
        Some(Err(err)) => Err(format!("config on stdin: {err}")),
        None => Err("config on stdin: nothing before end of input".into()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Read};

    use super::*;

    /// Yields `data`, then blocks forever like an open pipe would (here: an
    /// error, which a read past the document would surface).
    struct OpenPipe<'a>(&'a [u8]);

    impl Read for OpenPipe<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("read past the first document"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    const CONFIG: &str = r#"{"proxy_ip":"10.199.1.100","task_id":"t","allowlist":{},
        "ca_cert_pem":"c","ca_key_pem":"k",
        "listen":{"http":"0.0.0.0:80","https":"0.0.0.0:443","dns":"0.0.0.0:53"},
        "log_path":"/network.log"}"#;

    #[test]
    fn one_document_is_read_without_waiting_for_eof() {
        let config = read_config(OpenPipe(CONFIG.as_bytes())).expect("config");
        assert_eq!(config.task_id, "t");
    }

    #[test]
    fn bad_or_missing_config_is_an_error() {
        assert!(read_config(&b""[..]).is_err());
        let err = read_config(&br#"{"proxy_ip":"nope"}"#[..]).expect_err("error");
        assert!(err.starts_with("config on stdin"), "{err}");
    }
}
