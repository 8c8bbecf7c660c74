//! The RFC 5424 header after the PRI: `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP
//! PROCID SP MSGID` (RFC 5424 §6.2), then STRUCTURED-DATA (§6.3), kept as sent for the
//! `structured_data` column. MSG follows; it stays in the message text (`original_log`),
//! which the class regexes search as a whole, header and structured data included. Also
//! home of the RFC 3339 time stamp parser (RFC 5424 §6.2.3), which RFC 3164 devices use too.

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

use crate::header::Header;

/// Parses `rest`, the text right after the PRI, when it starts with a VERSION (RFC 5424
/// §6.2.2: a non-zero digit and up to two more) and a space; `None` means "not 5424".
/// Fields that are missing or break their length limit stay NULL.
pub(crate) fn parse<'a>(rest: &'a str, tz: &TimeZone) -> Option<Header<'a>> {
    let (version, rest) = rest.split_once(' ')?;
    let b = version.as_bytes();
    if b.is_empty() || b.len() > 3 || b[0] == b'0' || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Five header fields, then STRUCTURED-DATA SP MSG, whose spaces are not separators.
    let mut tokens = rest.splitn(6, ' ');
    let mut next = |max: usize| nil_or(tokens.next(), max);
    // §6.2.3: TIMESTAMP is NILVALUE or an RFC 3339 stamp.
    let log_time_us = next(usize::MAX).and_then(|t| timestamp_us(t, tz));
    // §6.2.4–§6.2.7: the printable-ASCII fields with their maximum lengths.
    let hostname = next(255);
    let app_name = next(48);
    let proc_id = next(128);
    let msg_id = next(32);
    let structured_data = tokens.next().and_then(structured_data);
    Some(Header {
        hostname,
        app_name,
        proc_id,
        msg_id,
        log_time_us,
        structured_data,
    })
}

/// RFC 5424 §6.3: the STRUCTURED-DATA at the start of `rest` (the text after MSGID's SP),
/// exactly as sent: one or more SD-ELEMENTs back to back, ended by the SP before MSG or by
/// the end of the message. NILVALUE `-` and anything that breaks the grammar give `None`
/// (the row keeps its other header columns, and the text is still in `original_log`).
fn structured_data(rest: &str) -> Option<&str> {
    let b = rest.as_bytes();
    let mut end = 0;
    while b.get(end) == Some(&b'[') {
        end = sd_element_end(b, end)?;
    }
    (end > 0 && matches!(b.get(end), None | Some(b' '))).then(|| &rest[..end])
}

/// One past the `]` of the SD-ELEMENT whose `[` is at `start`: `"[" SD-ID *(SP SD-PARAM)
/// "]"`, where SD-PARAM is `PARAM-NAME "=" %d34 PARAM-VALUE %d34`.
fn sd_element_end(b: &[u8], start: usize) -> Option<usize> {
    let mut at = sd_name_end(b, start + 1)?;
    loop {
        match b.get(at)? {
            b']' => return Some(at + 1),
            b' ' => {
                at = sd_name_end(b, at + 1)?;
                if b.get(at..at + 2)? != b"=\"" {
                    return None;
                }
                at += 2;
                // §6.3.3: PARAM-VALUE is UTF-8 in which '"', '\' and ']' are escaped with
                // '\'; the first unescaped '"' ends it.
                loop {
                    match b.get(at)? {
                        b'\\' => at += 2,
                        b'"' => break,
                        _ => at += 1,
                    }
                }
                at += 1;
            }
            _ => return None,
        }
    }
}

/// The end of the SD-NAME (an SD-ID or PARAM-NAME) at `start`: 1 to 32 printable US-ASCII
/// characters other than `=`, SP, `]` and `"` (§6.3.2, §6.3.3).
fn sd_name_end(b: &[u8], start: usize) -> Option<usize> {
    let n = b
        .get(start..)?
        .iter()
        .take_while(|&&c| c.is_ascii_graphic() && !matches!(c, b'=' | b']' | b'"'))
        .count();
    (1..=32).contains(&n).then_some(start + n)
}

/// A header field: NILVALUE `-` (RFC 5424 §6) and over-long or empty values are NULL.
fn nil_or(token: Option<&str>, max: usize) -> Option<&str> {
    token.filter(|t| *t != "-" && !t.is_empty() && t.len() <= max)
}

/// An RFC 3339 time stamp (RFC 5424 §6.2.3: `FULL-DATE "T" FULL-TIME`, fraction of up to
/// six digits, `Z` or `±hh:mm`) in µs since the Unix epoch. Digits past the sixth are
/// truncated and a leap second `:60` becomes `:59` (§6.2.3.1 allows it; jiff does not).
/// A stamp without an offset, as some RFC 3164 devices send, is read in `tz`.
pub(crate) fn timestamp_us(s: &str, tz: &TimeZone) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?.min(59);
    let mut rest = &b[19..];
    let mut micros = 0;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let kept = &frac[..n.min(6)];
        micros = digits(kept)? * 10_i32.pow(6 - kept.len() as u32);
        rest = &frac[n..];
    }
    let dt = DateTime::new(
        year as i16,
        month as i8,
        day as i8,
        hour as i8,
        minute as i8,
        second as i8,
        micros * 1000,
    )
    .ok()?;
    let ts = match rest {
        b"" => tz.to_ambiguous_timestamp(dt).compatible().ok()?,
        b"Z" => Offset::UTC.to_timestamp(dt).ok()?,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let secs = digits(&[*h1, *h2])? * 3600 + digits(&[*m1, *m2])? * 60;
            let secs = if *sign == b'-' { -secs } else { secs };
            Offset::from_seconds(secs).ok()?.to_timestamp(dt).ok()?
        }
        _ => return None,
    };
    Some(ts.as_microsecond())
}

/// ASCII digits as a number; `None` for anything else.
pub(crate) fn digits(b: &[u8]) -> Option<i32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, c| n * 10 + i32::from(c - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> TimeZone {
        TimeZone::UTC
    }

    /// µs of an RFC 3339 stamp, via jiff's own parser, for the expected values.
    fn us(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_microsecond()
    }

    #[test]
    fn timestamps() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        for (input, tz, want) in [
            (
                "1985-04-12T23:20:50.52Z",
                &utc(),
                Some(us("1985-04-12T23:20:50.52Z")),
            ),
            (
                "1985-04-12T19:20:50.52-04:00",
                &utc(),
                Some(us("1985-04-12T23:20:50.52Z")),
            ),
            (
                "2003-10-11T22:14:15.003Z",
                &utc(),
                Some(us("2003-10-11T22:14:15.003Z")),
            ),
            (
                "2003-08-24T05:14:15.000003-07:00",
                &utc(),
                Some(us("2003-08-24T12:14:15.000003Z")),
            ),
            (
                "2003-08-24T05:14:15.1234567Z",
                &utc(),
                Some(us("2003-08-24T05:14:15.123456Z")),
            ),
            (
                "1990-12-31T23:59:60Z",
                &utc(),
                Some(us("1990-12-31T23:59:59Z")),
            ),
            (
                "2026-07-01T12:00:00",
                &berlin,
                Some(us("2026-07-01T10:00:00Z")),
            ),
            (
                "2026-11-27T10:00:00+05:30",
                &berlin,
                Some(us("2026-11-27T04:30:00Z")),
            ),
            (
                "2003-08-24T05:14:15.000000003-07:00",
                &utc(),
                Some(us("2003-08-24T12:14:15Z")),
            ),
            // RFC 5424 §6.5 example 3's invalid forms and other junk.
            ("2003-08-24T05:14:15.Z", &utc(), None),
            ("2003-13-24T05:14:15Z", &utc(), None),
            ("2003-02-30T05:14:15Z", &utc(), None),
            ("2003-08-24 05:14:15Z", &utc(), None),
            ("2003-08-24T05:14:15+7:00", &utc(), None),
            ("2003-08-24T05:14:15Zjunk", &utc(), None),
            ("2003-08-24T05:14", &utc(), None),
            ("-", &utc(), None),
            ("ü003-08-24T05:14:15Z", &utc(), None),
        ] {
            assert_eq!(timestamp_us(input, tz), want, "{input}");
        }
    }

    /// RFC 5424 §6.5, the four example messages (after their PRI).
    #[test]
    fn rfc_examples() {
        let h = |s| parse(s, &utc()).unwrap();
        // Example 1: no structured data.
        let e = h("1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on /dev/pts/8");
        assert_eq!(e.log_time_us, Some(us("2003-10-11T22:14:15.003Z")));
        assert_eq!(e.hostname, Some("mymachine.example.com"));
        assert_eq!(e.app_name, Some("su"));
        assert_eq!(e.proc_id, None);
        assert_eq!(e.msg_id, Some("ID47"));
        assert_eq!(e.structured_data, None);
        // Example 2: the timestamp is in a -07:00 zone, with µs.
        let e = h("1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
        assert_eq!(e.log_time_us, Some(us("2003-08-24T12:14:15.000003Z")));
        assert_eq!(e.hostname, Some("192.0.2.1"));
        assert_eq!(e.app_name, Some("myproc"));
        assert_eq!(e.proc_id, Some("8710"));
        assert_eq!(e.msg_id, None);
        assert_eq!(e.structured_data, None);
        // Example 3: structured data and a message.
        let e = h(
            r#"1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] BOMAn application event log entry..."#,
        );
        assert_eq!(e.log_time_us, Some(us("2003-10-11T22:14:15.003Z")));
        assert_eq!(e.hostname, Some("mymachine.example.com"));
        assert_eq!(e.app_name, Some("evntslog"));
        assert_eq!(e.proc_id, None);
        assert_eq!(e.msg_id, Some("ID47"));
        assert_eq!(
            e.structured_data,
            Some(r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]"#)
        );
        // Example 4: structured data only.
        let e = h(
            r#"1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#,
        );
        assert_eq!(e.hostname, Some("mymachine.example.com"));
        assert_eq!(e.app_name, Some("evntslog"));
        assert_eq!(e.msg_id, Some("ID47"));
        assert_eq!(
            e.structured_data,
            Some(
                r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#
            )
        );
    }

    /// RFC 5424 §6.3.5, the structured data examples, each after a header; and §6.3.3's
    /// escapes. The SD is stored as sent, escapes included.
    #[test]
    fn structured_data_examples() {
        let sd = |s: &str| {
            let line = format!("1 - host app - - {s}");
            parse(&line, &utc())
                .unwrap()
                .structured_data
                .map(str::to_string)
        };
        let one = r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]"#;
        let two = r#"[examplePriority@32473 class="high"]"#;
        // The ABNF allows an element without parameters.
        assert_eq!(
            sd("[exampleSDID@32473]").as_deref(),
            Some("[exampleSDID@32473]")
        );
        // Example 1: one element with parameters (here followed by MSG).
        assert_eq!(sd(&format!("{one} msg")).as_deref(), Some(one));
        // Example 2: two elements.
        assert_eq!(sd(&format!("{one}{two}")), Some(format!("{one}{two}")));
        // Example 3, invalid: a space between the elements. The space ends STRUCTURED-DATA,
        // so the second "element" is the start of MSG.
        assert_eq!(sd(&format!("{one} {two}")).as_deref(), Some(one));
        // Example 4, invalid: a space before the SD-ID.
        assert_eq!(sd(&format!("[ {}{two}", &one[1..])), None);
        // §6.3.3: '"', '\' and ']' escaped inside PARAM-VALUE; UTF-8 allowed there.
        let escaped = r#"[a@1 x="q\"b\\c\]d" ü="n"]"#;
        assert_eq!(sd(escaped), None, "a PARAM-NAME is US-ASCII");
        let escaped = r#"[a@1 x="q\"b\\c\]d" y="ü ] ["]"#;
        assert_eq!(sd(&format!("{escaped} m")).as_deref(), Some(escaped));
        // NILVALUE and broken forms: NULL, and the header fields are still read.
        for bad in [
            "-",
            "- msg",
            "",
            "msg",
            "[]",
            "[a@1",
            "[a@1 x]",
            "[a@1 x=1]",
            r#"[a@1 x="1]"#,
            r#"[a@1 x="1"]x"#,
            r#"[a@1  x="1"]"#,
            r#"[a@1 x="1" ]"#,
            r#"[a="1"]"#,
            "[abcdefghijklmnopqrstuvwxyz0123456]",
            r#"[a@1 x="\"#,
        ] {
            assert_eq!(sd(bad), None, "{bad}");
            let line = format!("1 - host app - - {bad}");
            assert_eq!(parse(&line, &utc()).unwrap().app_name, Some("app"));
        }
        assert_eq!(
            sd("[abcdefghijklmnopqrstuvwxyz012345]").as_deref(),
            Some("[abcdefghijklmnopqrstuvwxyz012345]"),
            "32 characters is the SD-NAME limit"
        );
    }

    #[test]
    fn not_5424_or_partial() {
        for rest in [
            "",
            "01 x",
            "1234 x",
            "a b",
            " 01:05:27 id",
            "Nov 27 10:00:00 h a: m",
            "1",
        ] {
            assert!(parse(rest, &utc()).is_none(), "{rest}");
        }
        let e = parse("1 - - - - -", &utc()).unwrap();
        assert_eq!(
            (e.hostname, e.app_name, e.proc_id, e.msg_id, e.log_time_us),
            (None, None, None, None, None)
        );
        let e = parse("1 2003-10-11T22:14:15Z host", &utc()).unwrap();
        assert_eq!((e.hostname, e.app_name), (Some("host"), None));
        let long = format!("1 - h {} p m", "a".repeat(49));
        assert_eq!(parse(&long, &utc()).unwrap().app_name, None);
    }
}
