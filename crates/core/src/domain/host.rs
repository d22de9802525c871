//! Hosts a secret may reach without TLS: this machine only.

/// `localhost`, `127.0.0.0/8` or `::1`: the only hosts a secret may be sent to without TLS.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_localhost_127_slash_8_and_ipv6_one() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.3.2.1", "::1", "[::1]"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["smtp.mail.example.com", "10.0.0.5", "192.168.1.10", "0.0.0.0", "localhost.example.com"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
