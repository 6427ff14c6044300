//! Which addresses a webhook may reach.
//!
//! Webhook URLs are typed by users. Left alone, a URL naming this host, the cloud metadata
//! service (169.254.169.254) or another machine on the private network would let any user make
//! the server send requests there and read the answers from the channel's error (server-side
//! request forgery). So, unless the operator allows it, a webhook may only reach public
//! addresses:
//! - a URL whose host is an address literal is checked before anything is sent;
//! - a host name is resolved by [`PublicOnly`], the HTTP client's resolver, which drops every
//!   address that is not public. The check applies to the very addresses the client connects
//!   to, so a name that answers differently between a check and the connection (DNS rebinding)
//!   gains nothing.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is an address on the public internet: not this host, not a private, shared
/// (carrier-grade NAT), link-local, documentation, benchmarking, multicast or reserved one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let [first, second, ..] = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
            if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let o = v6.octets();
                return is_public_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            }
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                // Site-local (fec0::/10, deprecated but still routed by some networks).
                || first & 0xffc0 == 0xfec0
                // Documentation (2001:db8::/32).
                || (first, second) == (0x2001, 0x0db8)
                // IPv4-compatible (::/96, deprecated): treat as the embedded address.
                || v6.segments()[..6] == [0; 6])
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        // "This network" (0.0.0.0/8).
        || a == 0
        // Shared address space of carrier-grade NAT (100.64.0.0/10).
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments (192.0.0.0/24).
        || (a, b, c) == (192, 0, 0)
        // Benchmarking (198.18.0.0/15).
        || (a == 198 && (18..20).contains(&b))
        // Reserved (240.0.0.0/4).
        || a >= 240)
}

/// Why a webhook was refused before a connection was made. Permanent: the user has to give
/// another URL (or the operator allow private targets).
#[derive(Debug, thiserror::Error)]
#[error(
    "{host} is not a public address{}; webhooks may only reach public addresses \
     (the server's notify.allow_private_webhooks setting allows others)",
    if *.resolved { " (every address it resolves to is private or local)" } else { "" }
)]
pub struct NotPublic {
    /// The host as the URL names it.
    pub host: String,
    /// Whether the host is a name whose addresses were all dropped.
    pub resolved: bool,
}

/// A resolver that keeps only public addresses; a name with none left fails with
/// [`NotPublic`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // The system resolver (getaddrinfo, off the async threads), as reqwest's default.
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| is_public(addr.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(NotPublic {
                    host,
                    resolved: true,
                }
                .into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().expect("an address"))
    }

    #[test]
    fn local_and_private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(!public(ip), "{ip} counted as public");
        }
    }

    #[test]
    fn internet_addresses_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2a00:1450:4001:80b::200e",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(public(ip), "{ip} counted as not public");
        }
    }

    #[tokio::test]
    async fn the_resolver_drops_local_answers() {
        let name: Name = "localhost".parse().expect("a name");
        let err = match PublicOnly.resolve(name).await {
            Ok(addrs) => panic!("localhost resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e,
        };
        let refused = err.downcast_ref::<NotPublic>().expect("a NotPublic error");
        assert_eq!(refused.host, "localhost");
        assert!(refused.to_string().contains("allow_private_webhooks"));
    }
}
