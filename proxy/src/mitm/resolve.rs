//! Name resolution for allowed upstreams, and which addresses the proxy
//! refuses to dial.
//!
//! The resolver is only ever reached from the upstream connector, which
//! hyper calls only for requests the gate forwarded: a blocked name is never
//! looked up, so DNS cannot carry data out through the proxy's own resolver
//! (sandbox.md §2.2 item 6, the reference's `connection_strategy=lazy`).

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver, TokioResolver};

/// The future a [`Resolve`] returns.
pub type ResolveFuture<'a> = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send + 'a>>;

/// Looks a host name up. Implemented by the system resolver, a fixed DNS
/// server (`upstream_dns`), and test doubles that count calls.
pub trait Resolve: Send + Sync + 'static {
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a>;
}

/// The operating system's resolver (`getaddrinfo` on a blocking thread).
#[derive(Debug, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host, 0)).await?;
            Ok(addrs.map(|addr| addr.ip()).collect())
        })
    }
}

/// Queries one DNS server (UDP, TCP on truncation), nothing else: no
/// hosts file, no search domains.
pub struct DnsServerResolver {
    resolver: TokioResolver,
}

impl DnsServerResolver {
    pub fn new(server: SocketAddr) -> io::Result<DnsServerResolver> {
        let mut udp = ConnectionConfig::udp();
        udp.port = server.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = server.port();
        let name_server = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
        let mut builder = Resolver::builder_with_config(
            ResolverConfig::from_name_servers(vec![name_server]),
            TokioRuntimeProvider::default(),
        );
        // /etc/hosts inside the proxy container names localhost and the
        // container itself: never a legitimate upstream.
        builder.options_mut().use_hosts_file = ResolveHosts::Never;
        let resolver = builder.build().map_err(io::Error::other)?;
        Ok(DnsServerResolver { resolver })
    }
}

impl Resolve for DnsServerResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a> {
        Box::pin(async move {
            // A trailing dot stops any search-domain expansion.
            let fqdn = format!("{}.", host.trim_end_matches('.'));
            let lookup = self
                .resolver
                .lookup_ip(fqdn)
                .await
                .map_err(io::Error::other)?;
            Ok(lookup.iter().collect())
        })
    }
}

/// Why an address is never dialed for a resolved (not operator-mapped)
/// name, or `None` when it may be. Loopback and unspecified reach the proxy
/// container itself; link-local holds the cloud metadata services
/// (169.254.169.254, fd00:ec2::254 and Alibaba's 100.100.100.200 are listed
/// too); multicast and broadcast are never a server. Private ranges are
/// allowed: internal services behind an allowlisted name are a legitimate
/// target, and the name itself passed the allowlist.
pub(crate) fn refused_address(ip: IpAddr) -> Option<&'static str> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const ALIBABA_METADATA: Ipv4Addr = Ipv4Addr::new(100, 100, 100, 200);
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || ip.octets()[0] == 0 {
        Some("unspecified")
    } else if ip.is_link_local() || ip == ALIBABA_METADATA {
        Some("link-local or cloud metadata")
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some("multicast or broadcast")
    } else {
        None
    }
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    const AWS_METADATA: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_unicast_link_local() || ip == AWS_METADATA {
        Some("link-local or cloud metadata")
    } else if ip.is_multicast() {
        Some("multicast or broadcast")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_dns_server_resolver_asks_only_its_server() {
        // Airut's own responder as the upstream: it answers every A query
        // with one fixed address, so the answer proves where it came from.
        let answer = Ipv4Addr::new(192, 0, 2, 7);
        let mut bound = None;
        for _ in 0..10 {
            // Port 0: UDP picks, TCP must get the same number (may race).
            if let Ok(sockets) =
                crate::dns::bind_dns(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
            {
                bound = Some(sockets);
                break;
            }
        }
        let (udp, tcp) = bound.expect("bind dns");
        let server = udp.local_addr().expect("addr");
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let log = crate::netlog::NetLog::to_channel(tx, "t");
        tokio::spawn(crate::dns::serve_dns(
            udp,
            tcp,
            answer,
            log,
            std::future::pending(),
        ));
        let resolver = DnsServerResolver::new(server).expect("resolver");
        let ips = resolver.resolve("some.name.test").await.expect("resolve");
        assert!(ips.contains(&IpAddr::V4(answer)), "{ips:?}");
        let asked = rx.recv().await.expect("logged query");
        assert_eq!(asked.url.as_deref(), Some("some.name.test"));
    }

    #[test]
    fn local_and_metadata_addresses_are_refused() {
        let refused = [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "0.1.2.3",
            "169.254.169.254",
            "169.254.0.1",
            "100.100.100.200",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ];
        for ip in refused {
            let parsed: IpAddr = ip.parse().expect("ip");
            assert!(refused_address(parsed).is_some(), "{ip} should be refused");
        }
        let allowed = [
            "140.82.112.3",
            "10.0.0.5",
            "192.168.1.1",
            "2606:4700::1111",
            "fd12::1",
        ];
        for ip in allowed {
            let parsed: IpAddr = ip.parse().expect("ip");
            assert_eq!(refused_address(parsed), None, "{ip} should be allowed");
        }
    }
}
