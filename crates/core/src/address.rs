//! Parsing of the `address:port` values that `_ip` fields capture (SPEC §3 rule 4).
//!
//! The original validated with Python's `ipaddress` and `int()`: octets with leading zeros
//! are refused (as Python ≥ 3.9.5 does), the port must be decimal digits in 0–65535, and an
//! IPv6 address needs brackets so its colons are not mistaken for the port separator.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Splits `1.2.3.4:80` or `[2001:db8::1]:443` into the address and port.
/// Anything else, or an invalid address or port, gives `None` (both columns NULL).
pub fn parse_ip_port(value: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = if let Some(rest) = value.strip_prefix('[') {
        let (v6, port) = rest.split_once("]:")?;
        (IpAddr::V6(v6.parse::<Ipv6Addr>().ok()?), port)
    } else {
        let (v4, port) = value.rsplit_once(':')?;
        (IpAddr::V4(parse_ipv4_strict(v4)?), port)
    };
    Some((addr, parse_port(port)?))
}

/// Dotted quad with no leading zeros: `01.2.3.4` is ambiguous (octal in some parsers) and
/// Python refuses it, so we do too.
fn parse_ipv4_strict(s: &str) -> Option<Ipv4Addr> {
    // std's parser already refuses leading zeros and out-of-range octets.
    s.parse::<Ipv4Addr>().ok()
}

fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u32>()
        .ok()
        .filter(|p| *p <= 65535)
        .map(|p| p as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str, addr: &str, port: u16) {
        let (a, p) = parse_ip_port(s).unwrap_or_else(|| panic!("{s} should parse"));
        assert_eq!((a.to_string().as_str(), p), (addr, port), "{s}");
    }

    #[test]
    fn valid() {
        ok("1.2.3.4:80", "1.2.3.4", 80);
        ok("0.0.0.0:0", "0.0.0.0", 0);
        ok("255.255.255.255:65535", "255.255.255.255", 65535);
        ok("[2001:db8::1]:443", "2001:db8::1", 443);
        ok("[2001:0db8:0:0:0:0:0:1]:1", "2001:db8::1", 1);
        ok("1.2.3.4:080", "1.2.3.4", 80);
    }

    #[test]
    fn invalid() {
        for s in [
            "999.1.1.1:80",
            "01.02.03.04:5",
            "10.0.0.1:70000",
            "10.0.0.1:",
            "10.0.0.1",
            "10.0.0.1:99999999999",
            "2001:db8::1:443",
            "[2001:db8::1]",
            "[zz::1]:1",
            "1.2.3.4:-1",
            "1.2.3.4: 1",
            "",
        ] {
            assert!(parse_ip_port(s).is_none(), "{s} should be refused");
        }
    }
}
