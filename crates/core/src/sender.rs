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

impl Pattern {
    fn parse(s: &str) -> Result<Pattern, String> {
        let s = s.trim();
        if s == "*" {
            return Ok(Pattern::Any);
        }
        if let Some((net, prefix)) = s.split_once('/') {
            let net: IpAddr = net
                .parse()
                .map_err(|_| format!("'{net}' is not an IP address"))?;
            let max = if net.is_ipv4() { 32 } else { 128 };
            let prefix: u8 = prefix
                .parse()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("prefix length must be 0–{max}"))?;
            return Ok(Pattern::Cidr(mask(net, prefix), prefix));
        }
        if s.contains('*') {
            return parse_wildcard(s).map(Pattern::Wildcard);
        }
        s.parse()
            .map(Pattern::Exact)
            .map_err(|_| "expected an address, a CIDR, a wildcard like 10.0.* or *".to_string())
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

fn parse_wildcard(s: &str) -> Result<[Option<u8>; 4], String> {
    let parts: Vec<&str> = s.split('.').collect();
    let bad = || format!("'{s}' is not a wildcard like 10.0.* or 10.*.3.*");
    if parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return Err(bad());
    }
    if parts.len() < 4 && parts.last() != Some(&"*") {
        return Err(bad());
    }
    let mut octets = [None; 4];
    for (i, part) in parts.iter().enumerate() {
        octets[i] = match *part {
            "*" => None,
            n if n.bytes().all(|b| b.is_ascii_digit()) && !(n.len() > 1 && n.starts_with('0')) => {
                Some(n.parse::<u8>().map_err(|_| bad())?)
            }
            _ => return Err(bad()),
        };
    }
    Ok(octets)
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
