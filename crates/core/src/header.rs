//! The syslog header, parsed into the columns of SPEC §4 so operators can filter on host,
//! program and the device's own time without a regex. The PRI (`<N>`, RFC 3164 §4.1.1 /
//! RFC 5424 §6.2.1) gives facility and severity; what follows is read as RFC 5424 when it
//! starts with a VERSION ([`crate::rfc5424`]), else as RFC 3164 ([`crate::rfc3164`]).
//! Parsing never fails: a line that fits neither keeps NULL columns and is still stored,
//! and the class regexes still search the whole message text.

use jiff::tz::TimeZone;

use crate::error::{Error, ErrorKind};
use crate::{rfc3164, rfc5424};

/// Facility and severity of a valid PRI (0–191). A missing or out-of-range PRI (`<869>`)
/// gives `None`, and the row is kept.
pub fn parse_pri(text: &str) -> Option<(u8, u8)> {
    pri(text).map(|(f, s, _)| (f, s))
}

/// [`parse_pri`] plus the text after the `>`.
fn pri(text: &str) -> Option<(u8, u8, &str)> {
    let rest = text.strip_prefix('<')?;
    let end = rest.find('>')?;
    let digits = &rest[..end];
    // RFC 5424 §6.2.1: 1–3 digits, no leading zero except "0" itself.
    if digits.is_empty()
        || digits.len() > 3
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    let pri: u16 = digits.parse().ok()?;
    (pri <= 191).then_some(((pri / 8) as u8, (pri % 8) as u8, &rest[end + 1..]))
}

/// The header columns after facility and severity; `None` is NULL. Values borrow from the
/// message text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// HOSTNAME (RFC 5424 §6.2.4, RFC 3164 §4.1.2).
    pub hostname: Option<&'a str>,
    /// APP-NAME (RFC 5424 §6.2.5) or the RFC 3164 TAG (§4.1.3).
    pub app_name: Option<&'a str>,
    /// PROCID (RFC 5424 §6.2.6) or the `[pid]` after an RFC 3164 TAG.
    pub proc_id: Option<&'a str>,
    /// MSGID (RFC 5424 §6.2.7); RFC 3164 has none.
    pub msg_id: Option<&'a str>,
    /// The header's TIMESTAMP in µs since the Unix epoch.
    pub log_time_us: Option<i64>,
    /// RFC 5424 STRUCTURED-DATA (§6.3) as sent, all its SD-ELEMENTs; NULL for NILVALUE,
    /// for malformed structured data and for RFC 3164, which has none.
    pub structured_data: Option<&'a str>,
}

/// Reads headers for one engine: the time zone of stamps that carry none.
#[derive(Debug, Clone)]
pub struct HeaderParser {
    tz: TimeZone,
}

impl HeaderParser {
    /// A parser reading zone-less stamps in `time_zone`, an IANA name (`Europe/Berlin`,
    /// `UTC`) looked up in the system's time zone database.
    pub fn new(time_zone: &str) -> Result<HeaderParser, Error> {
        let tz = TimeZone::get(time_zone).map_err(|e| {
            Error::new(ErrorKind::TimeZone {
                name: time_zone.to_string(),
                message: e.to_string(),
            })
        })?;
        Ok(HeaderParser { tz })
    }

    /// The header of `text`, received at `received_at_us` (which gives RFC 3164 stamps
    /// their year). Without a valid PRI there is no header to read.
    pub fn parse<'a>(&self, text: &'a str, received_at_us: i64) -> Header<'a> {
        let Some((_, _, rest)) = pri(text) else {
            return Header::default();
        };
        rfc5424::parse(rest, &self.tz)
            .unwrap_or_else(|| rfc3164::parse(rest, &self.tz, received_at_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pri() {
        assert_eq!(parse_pri("<13> x"), Some((1, 5)));
        assert_eq!(parse_pri("<0>x"), Some((0, 0)));
        assert_eq!(parse_pri("<191>x"), Some((23, 7)));
        assert_eq!(parse_pri("<165>1 2026"), Some((20, 5)));
        for bad in [
            "<192>", "<869> x", "<01>", "<>", "13> x", "<1a>", "", "<", "<1234>",
        ] {
            assert_eq!(parse_pri(bad), None, "{bad}");
        }
    }

    #[test]
    fn dispatch() {
        let p = HeaderParser::new("UTC").unwrap();
        let us = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_microsecond();
        let now = us("2026-11-28T00:00:00Z");
        // RFC 5424 (the shared corpus's line)
        let h = p.parse(r#"<165>1 2026-11-27T10:00:00.123Z mikrotik.example fw 99 ID47 [x@1 a="b"] 03:04:05 rtr"#, now);
        assert_eq!(
            (h.hostname, h.app_name, h.proc_id, h.msg_id),
            (
                Some("mikrotik.example"),
                Some("fw"),
                Some("99"),
                Some("ID47")
            )
        );
        assert_eq!(h.log_time_us, Some(us("2026-11-27T10:00:00.123Z")));
        // RFC 3164
        let h = p.parse("<14>Nov 27 10:00:00 host1 app[123]: in:<pppoe-sub1>", now);
        assert_eq!((h.hostname, h.proc_id), (Some("host1"), Some("123")));
        // No header after an out-of-range PRI, and none without a PRI.
        for s in [
            "<869>Nov 27 10:00:00 host1 app: x",
            "Nov 27 10:00:00 host1 app: x",
            "<54> 01:05:27 id x",
        ] {
            assert_eq!(p.parse(s, now), Header::default(), "{s}");
        }
    }

    #[test]
    fn unknown_time_zone_is_a_config_error() {
        let e = HeaderParser::new("Mars/Olympus_Mons").unwrap_err();
        assert!(e.is_config());
        assert!(
            e.to_string().starts_with("time zone 'Mars/Olympus_Mons'"),
            "{e}"
        );
    }
}
