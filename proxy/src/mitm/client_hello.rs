//! Reading a TLS ClientHello off a fresh :443 connection, before a single
//! byte goes anywhere.

use rustls::server::Acceptor;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::host::canonical_host;

/// A ClientHello with its SNI may span several records; real ones are a few
/// KiB (post-quantum key shares included). Anything larger is not a client
/// we serve.
const MAX_HELLO_BYTES: usize = 64 * 1024;

/// TLS record content type "handshake".
const HANDSHAKE_RECORD: u8 = 0x16;

/// The bytes read so far (to replay to hudsucker) and the canonical SNI.
#[derive(Debug)]
pub(crate) struct ClientHello {
    pub bytes: Vec<u8>,
    pub sni: String,
}

#[derive(Debug, Error)]
pub(crate) enum HelloError {
    #[error("not TLS (first byte {0:#04x})")]
    NotTls(u8),
    #[error("TLS without SNI")]
    NoSni,
    #[error("SNI {0:?} is not a host name")]
    BadSni(String),
    #[error("malformed ClientHello: {0}")]
    Malformed(rustls::Error),
    #[error("ClientHello larger than {MAX_HELLO_BYTES} bytes")]
    TooLarge,
    #[error("closed before a complete ClientHello")]
    Closed,
    /// Connected and closed without a byte: a port probe, not an event.
    #[error("closed without sending anything")]
    Empty,
    #[error("read failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads until rustls has a complete ClientHello, keeping every byte read.
/// Anything that is not TLS, or TLS without a host name in SNI, is an error:
/// the caller closes the connection and nothing is forwarded.
pub(crate) async fn read_client_hello<R>(io: &mut R) -> Result<ClientHello, HelloError>
where
    R: AsyncRead + Unpin,
{
    let mut acceptor = Acceptor::default();
    let mut bytes = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Err(if bytes.is_empty() {
                HelloError::Empty
            } else {
                HelloError::Closed
            });
        }
        // Say "not TLS" for the common case (plain HTTP, SSH...) instead of
        // rustls's generic record error.
        if bytes.is_empty() && chunk[0] != HANDSHAKE_RECORD {
            return Err(HelloError::NotTls(chunk[0]));
        }
        let new = &chunk[..n];
        bytes.extend_from_slice(new);
        if bytes.len() > MAX_HELLO_BYTES {
            return Err(HelloError::TooLarge);
        }
        let mut rest = new;
        while !rest.is_empty() {
            // Reading from a slice advances it; rustls takes what fits.
            if acceptor.read_tls(&mut rest)? == 0 {
                return Err(HelloError::TooLarge);
            }
        }
        match acceptor.accept() {
            Ok(None) => continue,
            Ok(Some(accepted)) => {
                let hello = accepted.client_hello();
                // rustls reports no name for IP-literal SNI: same as none.
                let Some(raw) = hello.server_name() else {
                    return Err(HelloError::NoSni);
                };
                let sni = canonical_host(raw).ok_or_else(|| HelloError::BadSni(raw.to_string()))?;
                return Ok(ClientHello { bytes, sni });
            }
            Err((err, _alert)) => return Err(HelloError::Malformed(err)),
        }
    }
}

#[cfg(test)]
#[path = "client_hello_tests.rs"]
mod tests;
