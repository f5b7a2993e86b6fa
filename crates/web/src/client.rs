//! Who the client is, by address: the socket's peer, or — when the peer is one of the trusted
//! reverse proxies (`--trusted-proxy`) — the address the proxies say they forwarded for. The one
//! place rate limits and sign-in throttling learn the address from.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;
use motcua_app::AppState;

/// The client's address, as [`client_ip`] finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = peer_of(&parts.extensions);
        Ok(ClientIp(client_ip(peer, &parts.headers, &state.config.trusted_proxies)))
    }
}

/// The client of a request that came from `peer`: `peer` itself unless it is a trusted proxy;
/// then, walking the forwarding chain from the nearest hop, the first address that is not a
/// trusted proxy (anything further left was written by the client and proves nothing).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    chain.iter().rev().find(|ip| !is_trusted(ip)).or(chain.first()).copied().unwrap_or(peer)
}

/// Whether a request came over HTTPS to a trusted reverse proxy (`--trusted-proxy`) that said so
/// in `X-Forwarded-Proto` or in the `proto=` of `Forwarded` (RFC 7239), the nearest hop's word
/// counting; a client's own header proves nothing.
pub fn forwarded_https(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> bool {
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return false;
    }
    let last = |name: &str| -> Option<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .map(str::to_string)
    };
    let proto = last("forwarded")
        .and_then(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.trim().eq_ignore_ascii_case("proto").then(|| value.trim().trim_matches('"').to_string())
            })
        })
        .or_else(|| last("x-forwarded-proto"));
    proto.is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// The peer of a request: the socket's address, or 0.0.0.0 when the server was not told it.
pub fn peer_of(extensions: &axum::http::Extensions) -> IpAddr {
    extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(addr)| addr.ip())
}

/// The addresses of the `Forwarded` header's `for=` (RFC 7239), else of `X-Forwarded-For`, in
/// order, client first; parts that are not addresses (obfuscated names, `unknown`) are skipped.
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    let values = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    };
    let forwarded: Vec<IpAddr> = values("forwarded")
        .iter()
        .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then(|| parse_node(value))?
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    values("x-forwarded-for")
        .iter()
        .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|v| parse_node(&v))
        .collect()
}

/// `203.0.113.7`, `"[2001:db8::1]:4711"`, `203.0.113.7:443` as an address.
fn parse_node(value: &str) -> Option<IpAddr> {
    let v = value.trim().trim_matches('"');
    if let Ok(ip) = v.parse() {
        return Some(ip);
    }
    if let Ok(addr) = v.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    v.strip_prefix('[').and_then(|rest| rest.split(']').next()).and_then(|ip| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn https_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        let mut xfp = HeaderMap::new();
        xfp.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(forwarded_https(proxy, &xfp, &trusted));
        assert!(!forwarded_https(stranger, &xfp, &trusted), "a client's own header");
        let mut rfc = HeaderMap::new();
        rfc.insert("forwarded", "for=203.0.113.7;proto=https".parse().unwrap());
        assert!(forwarded_https(proxy, &rfc, &trusted));
        let mut plain = HeaderMap::new();
        plain.insert("x-forwarded-proto", "https, http".parse().unwrap());
        assert!(!forwarded_https(proxy, &plain, &trusted), "the nearest hop got plain HTTP");
        assert!(!forwarded_https(proxy, &HeaderMap::new(), &trusted));
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let xff = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7")]);
        // From the proxy: the nearest address it did not add itself.
        assert_eq!(client_ip(proxy, &xff, &trusted), "203.0.113.7".parse::<IpAddr>().unwrap());
        // From anyone else, the header is the client's own words.
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(client_ip(stranger, &xff, &trusted), stranger);
        // No proxies configured: never believed.
        assert_eq!(client_ip(proxy, &xff, &[]), proxy);
        // Two proxies in a row, and RFC 7239 with ports and IPv6.
        let chain = headers(&[("x-forwarded-for", "203.0.113.7, 10.0.0.5")]);
        assert_eq!(client_ip(proxy, &chain, &trusted), "203.0.113.7".parse::<IpAddr>().unwrap());
        let rfc = headers(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.5")]);
        assert_eq!(client_ip(proxy, &rfc, &trusted), "2001:db8::1".parse::<IpAddr>().unwrap());
        // A proxy that sent nothing: the proxy itself.
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
