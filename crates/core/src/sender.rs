//! Sender matching: which configured device a datagram came from (SPEC §2).
//!
//! An engine's senders are an ordered list; the first whose `match` covers the source
//! address wins and its name is stored with the row. Datagrams from no listed sender are
//! rejected, and the most frequent unknown addresses are kept in a small table so an
//! operator can add a new device in one click.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use crate::error::{Error, ErrorKind};

/// One way a sender entry can cover addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `*`: every address, IPv4 and IPv6.
    Any,
    /// One exact address.
    Exact(IpAddr),
    /// A network in CIDR form; the address is already masked.
    Cidr(IpAddr, u8),
    /// The original's wildcard form (`10.0.*`, `10.*.3.*`): each octet is a number or `*`,
    /// and a trailing `*` covers all remaining octets.
    Wildcard([Option<u8>; 4]),
}

/// Why a `match` is none of the forms, for a pattern that looks like no form at all.
const NO_FORM: &str =
    "not an address, a CIDR (10.0.0.0/8, 2001:db8::/32) or a wildcard (10.0.*, 10.*.3.*, *)";

impl Pattern {
    /// Parses a `match`; the error is the reason in plain words, without the pattern.
    fn parse(s: &str) -> Result<Pattern, String> {
        let s = s.trim();
        if s == "*" {
            return Ok(Pattern::Any);
        }
        if let Some((net, prefix)) = s.split_once('/') {
            return parse_cidr(net, prefix);
        }
        if s.contains('*') {
            return parse_wildcard(s).map(Pattern::Wildcard);
        }
        s.parse()
            .map(Pattern::Exact)
            .map_err(|_| NO_FORM.to_string())
    }

    fn matches(&self, ip: IpAddr) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(a) => *a == ip,
            Pattern::Cidr(net, prefix) => {
                net.is_ipv4() == ip.is_ipv4() && mask(ip, *prefix) == *net
            }
            Pattern::Wildcard(octets) => match ip {
                IpAddr::V4(v4) => octets
                    .iter()
                    .zip(v4.octets())
                    .all(|(want, got)| want.is_none_or(|w| w == got)),
                IpAddr::V6(_) => false,
            },
        }
    }
}

/// `net/prefix`. Host bits set past the prefix are refused rather than masked: `10.1.2.3/8`
/// is more likely a typo for `10.1.2.3/32` or `10.0.0.0/8` than either, so the operator
/// is asked.
fn parse_cidr(net: &str, prefix: &str) -> Result<Pattern, String> {
    let addr: IpAddr = net
        .parse()
        .map_err(|_| format!("\"{net}\" is not an IPv4 or IPv6 address"))?;
    let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"/{prefix}\" is not a prefix length (0–{max})"));
    }
    let prefix = match prefix.parse::<u8>() {
        Ok(p) if p <= max => p,
        _ => return Err(format!("prefix /{prefix} is longer than {max} bits")),
    };
    let network = mask(addr, prefix);
    if network != addr {
        return Err(format!(
            "the address has bits set past the /{prefix} prefix; did you mean \"{network}/{prefix}\"?"
        ));
    }
    Ok(Pattern::Cidr(network, prefix))
}

/// The original's wildcard: up to four dot-separated octets or `*`, ending in `*` when
/// fewer than four (`10.0.*`, `10.*.3.*`).
fn parse_wildcard(s: &str) -> Result<[Option<u8>; 4], String> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 4
        || parts.iter().any(|p| p.is_empty())
        || (parts.len() < 4 && parts.last() != Some(&"*"))
    {
        return Err(NO_FORM.to_string());
    }
    let mut octets = [None; 4];
    for (i, part) in parts.iter().enumerate() {
        octets[i] = match *part {
            "*" => None,
            n if n.bytes().all(|b| b.is_ascii_digit()) => Some(
                n.parse::<u8>()
                    .ok()
                    .filter(|_| !(n.len() > 1 && n.starts_with('0')))
                    .ok_or_else(|| format!("{n} is not an IPv4 octet (0–255)"))?,
            ),
            _ => return Err(NO_FORM.to_string()),
        };
    }
    Ok(octets)
}

/// Why `pattern` is not a valid sender `match`, or `None` when it is: the check config
/// validation runs, so a config is refused for exactly the patterns an engine refuses.
pub fn check_match(pattern: &str) -> Option<String> {
    Pattern::parse(pattern).err()
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// A sender entry as configured.
#[derive(Debug, Clone)]
pub struct SenderSpec {
    /// Name stored in the `sender` column.
    pub name: String,
    /// Exact address, CIDR, wildcard or `*`.
    pub pattern: String,
}

/// An engine's ordered sender list, parsed once.
#[derive(Debug, Clone, Default)]
pub struct SenderTable {
    entries: Vec<(Pattern, Arc<str>)>,
}

impl SenderTable {
    /// Parses every entry; the first bad one is an error naming its index.
    pub fn new(specs: &[SenderSpec]) -> Result<SenderTable, Error> {
        let entries = specs
            .iter()
            .enumerate()
            .map(|(index, s)| {
                Pattern::parse(&s.pattern)
                    .map(|p| (p, Arc::from(s.name.as_str())))
                    .map_err(|message| {
                        Error::new(ErrorKind::Sender {
                            index,
                            pattern: s.pattern.clone(),
                            message,
                        })
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(SenderTable { entries })
    }

    /// The name of the first sender covering `ip`; IPv4-mapped IPv6 addresses (from a
    /// dual-stack socket) are matched as the IPv4 address they carry.
    pub fn find(&self, ip: IpAddr) -> Option<&Arc<str>> {
        let ip = canonical(ip);
        self.entries
            .iter()
            .find(|(p, _)| p.matches(ip))
            .map(|(_, name)| name)
    }
}

/// Unwraps `::ffff:a.b.c.d` so one device has one address whatever socket received it.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// An address that matched no sender, with how often and when it was last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSender {
    /// Source address.
    pub address: IpAddr,
    /// Datagrams rejected from it (an upper bound once the table has evicted entries).
    pub count: u64,
    /// Receive time of the last one, µs since the Unix epoch.
    pub last_seen_us: i64,
}

/// The most frequent unknown sources, bounded so a flood of spoofed addresses cannot grow
/// memory. When full, a new address replaces the least frequent one and inherits its count
/// (the Space-Saving algorithm), so heavy hitters are never evicted by noise.
#[derive(Debug)]
pub struct UnknownSenders {
    capacity: usize,
    seen: HashMap<IpAddr, (u64, i64)>,
}

impl UnknownSenders {
    /// An empty table keeping at most `capacity` addresses.
    pub fn new(capacity: usize) -> UnknownSenders {
        UnknownSenders {
            capacity: capacity.max(1),
            seen: HashMap::new(),
        }
    }

    /// Records `count` rejected datagrams from `ip`, the last at `at_us`.
    pub fn record(&mut self, ip: IpAddr, count: u64, at_us: i64) {
        if let Some(e) = self.seen.get_mut(&ip) {
            e.0 += count;
            e.1 = e.1.max(at_us);
            return;
        }
        let mut base = 0;
        if self.seen.len() >= self.capacity {
            if let Some((&victim, &(c, _))) = self.seen.iter().min_by_key(|(_, (c, _))| *c) {
                self.seen.remove(&victim);
                base = c;
            }
        }
        self.seen.insert(ip, (base + count, at_us));
    }

    /// Entries, most frequent first.
    pub fn top(&self) -> Vec<UnknownSender> {
        let mut v: Vec<_> = self
            .seen
            .iter()
            .map(|(&address, &(count, last_seen_us))| UnknownSender {
                address,
                count,
                last_seen_us,
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.address.cmp(&b.address)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(list: &[(&str, &str)]) -> SenderTable {
        let specs: Vec<_> = list
            .iter()
            .map(|(n, p)| SenderSpec {
                name: n.to_string(),
                pattern: p.to_string(),
            })
            .collect();
        SenderTable::new(&specs).unwrap()
    }

    fn who(t: &SenderTable, ip: &str) -> Option<String> {
        t.find(ip.parse().unwrap()).map(|s| s.to_string())
    }

    #[test]
    fn first_match_wins() {
        let t = table(&[
            ("core", "10.0.0.1"),
            ("lan", "10.0.*"),
            ("ten", "10.0.0.0/8"),
            ("v6", "2001:db8::/32"),
            ("mid", "192.*.7.*"),
        ]);
        assert_eq!(who(&t, "10.0.0.1").as_deref(), Some("core"));
        assert_eq!(who(&t, "10.0.200.3").as_deref(), Some("lan"));
        assert_eq!(who(&t, "10.9.0.1").as_deref(), Some("ten"));
        assert_eq!(who(&t, "2001:db8:1::5").as_deref(), Some("v6"));
        assert_eq!(who(&t, "192.168.7.1").as_deref(), Some("mid"));
        assert_eq!(who(&t, "192.168.8.1"), None);
        assert_eq!(who(&t, "11.0.0.1"), None);
        assert_eq!(who(&t, "2001:db9::1"), None);
    }

    #[test]
    fn mapped_ipv4_and_any() {
        let t = table(&[("lan", "10.*"), ("all", "*")]);
        assert_eq!(who(&t, "::ffff:10.1.2.3").as_deref(), Some("lan"));
        assert_eq!(who(&t, "::1").as_deref(), Some("all"));
        assert_eq!(who(&t, "8.8.8.8").as_deref(), Some("all"));
    }

    #[test]
    fn cidr_edges() {
        let t = table(&[("h", "10.1.2.3/32"), ("z", "0.0.0.0/0")]);
        assert_eq!(who(&t, "10.1.2.3").as_deref(), Some("h"));
        assert_eq!(who(&t, "10.1.2.4").as_deref(), Some("z"));
        assert_eq!(who(&t, "::1"), None, "an IPv4 /0 does not cover IPv6");
    }

    #[test]
    fn bad_patterns_name_their_index() {
        for bad in [
            "10.0.0.0/33",
            "10.0.*.1/8",
            "10..*",
            "10.0",
            "300.*",
            "01.*",
            "host.example",
            "2001:db8::/129",
            "",
        ] {
            let err = SenderTable::new(&[
                SenderSpec {
                    name: "ok".into(),
                    pattern: "*".into(),
                },
                SenderSpec {
                    name: "bad".into(),
                    pattern: bad.into(),
                },
            ])
            .expect_err(bad);
            assert!(err.to_string().starts_with("sender #1 match"), "{err}");
        }
    }

    /// Issue 14 item 7: the reasons config validation shows, and the wildcard forms the
    /// README lists accepted.
    #[test]
    fn check_match_gives_the_reason() {
        for ok in [
            "*",
            "10.*.3.*",
            "10.0.*",
            "10.*",
            "*.*.*.7",
            "10.1.2.3",
            "::1",
            "2001:db8::/32",
            "0.0.0.0/0",
        ] {
            assert_eq!(check_match(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("10.0.0.0/33", "prefix /33 is longer than 32 bits"),
            ("10.0.0.0/999", "prefix /999 is longer than 32 bits"),
            ("2001:db8::/129", "prefix /129 is longer than 128 bits"),
            ("10.0.0.0/x", "\"/x\" is not a prefix length (0–32)"),
            (
                "10.1.2.3/8",
                "the address has bits set past the /8 prefix; did you mean \"10.0.0.0/8\"?",
            ),
            (
                "2001:db8::1/32",
                "the address has bits set past the /32 prefix; did you mean \"2001:db8::/32\"?",
            ),
            ("host/8", "\"host\" is not an IPv4 or IPv6 address"),
            ("10.256.*", "256 is not an IPv4 octet (0–255)"),
            ("01.*", "01 is not an IPv4 octet (0–255)"),
            ("10.*.3", NO_FORM),
            ("router.example.net", NO_FORM),
        ] {
            assert_eq!(check_match(bad).as_deref(), Some(why), "{bad}");
        }
    }

    #[test]
    fn unknown_table_is_bounded_and_keeps_heavy_hitters() {
        let mut u = UnknownSenders::new(2);
        let a: IpAddr = "1.1.1.1".parse().unwrap();
        u.record(a, 100, 1);
        for i in 0..50u8 {
            u.record(IpAddr::V4(Ipv4Addr::new(2, 2, 2, i)), 1, 2);
        }
        let top = u.top();
        assert_eq!(top.len(), 2);
        assert_eq!(top[0].address, a);
        assert_eq!(top[0].count, 100);
    }
}
