//! Parsing of the `address:port` values that `_ip` fields capture (SPEC §3 rule 4).
//!
//! The original validated with Python's `ipaddress` and `int()`: octets with leading zeros
//! are refused (as Python ≥ 3.9.5 does), the port must be decimal digits in 0–65535, and an
//! IPv6 address needs brackets so its colons are not mistaken for the port separator.
//!
//! Every row of a firewall log has several such values, so the IPv4 case is parsed in one
//! pass over the bytes rather than with `split` + `std`'s general parser; the rules are
//! exactly `std`'s (which are Python's), and a test checks the two agree.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Splits `1.2.3.4:80` or `[2001:db8::1]:443` into the address, its text as written
/// (without brackets) and the port. Anything else, or an invalid address or port, gives
/// `None` (both columns NULL).
pub fn parse_ip_port(value: &str) -> Option<(IpAddr, &str, u16)> {
    let (addr, text, port) = if let Some(rest) = value.strip_prefix('[') {
        let (v6, port) = rest.split_once("]:")?;
        (IpAddr::V6(v6.parse::<Ipv6Addr>().ok()?), v6, port)
    } else {
        // The quad has no colon and the port only digits, so the colon right after the quad
        // is the last one: the same split as `rsplit_once(':')`, in one pass.
        let (v4, end) = parse_ipv4_prefix(value.as_bytes())?;
        let port = value[end..].strip_prefix(':')?;
        (IpAddr::V4(v4), &value[..end], port)
    };
    Some((addr, text, parse_port(port.as_bytes())?))
}

/// `s` as a whole dotted quad: how the tests state the rules against `std`'s parser.
#[cfg(test)]
fn parse_ipv4_strict(s: &str) -> Option<Ipv4Addr> {
    parse_ipv4_prefix(s.as_bytes()).and_then(|(v4, end)| (end == s.len()).then_some(v4))
}

/// The dotted quad at the start of `b` and where it ends. No leading zeros: `01.2.3.4` is
/// ambiguous (octal in some parsers) and Python refuses it, so we do too. Same rules as
/// `std`'s parser: four parts of one to three ASCII digits, at most 255, a leading zero
/// only in `0` itself.
fn parse_ipv4_prefix(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let mut octets = [0u8; 4];
    let mut at = 0;
    for (k, octet) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let (value, len) = leading_digits(&b[at..], 3);
        if len == 0 || (len > 1 && b[at] == b'0') {
            return None;
        }
        *octet = u8::try_from(value).ok()?;
        at += len;
    }
    Some((Ipv4Addr::from(octets), at))
}

fn parse_port(b: &[u8]) -> Option<u16> {
    let (value, len) = leading_digits(b, 5);
    if len == 0 || len != b.len() {
        return None;
    }
    u16::try_from(value).ok()
}

/// Value and length of the run of at most `max` (≤ 9) ASCII digits that starts `b`.
#[inline]
fn leading_digits(b: &[u8], max: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut len = 0;
    for &byte in b.iter().take(max) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        // Nine digits fit in a u32; wrapping ops only spare the overflow checks that the
        // release profile keeps, which cost as much as the parse on every `_ip` value.
        value = value.wrapping_mul(10).wrapping_add(u32::from(digit));
        len += 1;
    }
    (value, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str, addr: &str, port: u16) {
        let (a, text, p) = parse_ip_port(s).unwrap_or_else(|| panic!("{s} should parse"));
        assert_eq!((a.to_string().as_str(), p), (addr, port), "{s}");
        assert_eq!(text.parse::<IpAddr>().ok(), Some(a), "{s}");
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
            "1.2.3.4::1",
            "1.2.3.4:1:2",
            "1.2.3.4.5:1",
            "1.2.3.1000:1",
            "1.2.3:4:5",
            ":1",
            "",
        ] {
            assert!(parse_ip_port(s).is_none(), "{s} should be refused");
        }
    }

    #[test]
    fn ipv4_agrees_with_std() {
        let mut cases: Vec<String> = [
            "",
            ".",
            "0",
            "00",
            "01",
            "1.2.3",
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            "1.2.3.4.5",
            "0.0.0.0",
            "00.0.0.0",
            "255.255.255.255",
            "256.0.0.0",
            "1.2.3.1000",
            "1.2.3.+4",
            "1.2.3.-4",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.٤",
            "1.2.3.4:5",
            "999.999.999.999",
            "0255.1.1.1",
            "1.2.3.0x1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for octet in [
            "0", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "260",
            "300", "999", "000", "007", "010", "0000", "1000", "a", "",
        ] {
            cases.push(format!("1.2.3.{octet}"));
            cases.push(format!("{octet}.2.3.4"));
        }
        for s in cases {
            assert_eq!(parse_ipv4_strict(&s), s.parse::<Ipv4Addr>().ok(), "{s:?}");
        }
        for port in 0..=99_999u32 {
            let s = port.to_string();
            assert_eq!(parse_port(s.as_bytes()), u16::try_from(port).ok(), "{s}");
        }
    }
}
