//! The BSD syslog header after the PRI (RFC 3164 §4.1.2: `Mmm dd hh:mm:ss HOSTNAME
//! TAG[PID]: MSG`), best effort, because real devices bend it: the time stamp has no year
//! (inferred from the receive time) and no zone (the engine's), the hostname is often
//! missing, and some send an RFC 3339 stamp without a version. Lines without a date —
//! Mikrotik's `<54> 01:05:27 identity …` — keep NULL header columns rather than a guess.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::header::Header;
use crate::rfc5424::{digits, timestamp_us};

/// RFC 3164 §4.1.2: month abbreviations, exactly as written there.
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Parses `rest`, the text right after the PRI. `received_at_us` supplies the year.
pub(crate) fn parse<'a>(rest: &'a str, tz: &TimeZone, received_at_us: i64) -> Header<'a> {
    let (log_time_us, after) = if let Some(us) = bsd_timestamp_us(rest, tz, received_at_us) {
        (Some(us), &rest[15..])
    } else {
        // A device quirk: `<13>2026-11-27T10:00:00Z host app: msg` (RFC 3339, no VERSION).
        let (first, after) = rest.split_once(' ').unwrap_or((rest, ""));
        match timestamp_us(first, tz) {
            Some(us) => (Some(us), after),
            None => return Header::default(),
        }
    };
    let after = after.strip_prefix(' ').unwrap_or(after);
    let (first, after) = after.split_once(' ').unwrap_or((after, ""));
    // §4.1.2 puts HOSTNAME before TAG, but many devices leave it out: a first word
    // shaped like a tag (`app:` or `app[pid]:`) is the tag.
    let (hostname, tag) = match tag(first) {
        Some(t) => (None, Some(t)),
        None => {
            let host = (!first.is_empty() && first.len() <= 255).then_some(first);
            (host, tag(after.split(' ').next().unwrap_or("")))
        }
    };
    let (app_name, proc_id) = tag.map_or((None, None), |(a, p)| (Some(a), p));
    Header {
        hostname,
        app_name,
        proc_id,
        msg_id: None,
        log_time_us,
        structured_data: None,
    }
}

/// §4.1.3: the TAG, up to 32 characters, ended by `:` or by `[PID]:` (the common form of
/// the CONTENT's start). Returns the app name and the PID.
fn tag(word: &str) -> Option<(&str, Option<&str>)> {
    let body = word.strip_suffix(':')?;
    let (app, pid) = match body.strip_suffix(']') {
        Some(b) => {
            let (app, pid) = b.split_once('[')?;
            (app, (!pid.is_empty()).then_some(pid))
        }
        None => (body, None),
    };
    let ok = !app.is_empty() && app.len() <= 32 && !app.contains(['[', ']', ':']);
    ok.then_some((app, pid))
}

/// `Mmm dd hh:mm:ss` (§4.1.2; a day below 10 is padded with a space, `Nov  7`, and a
/// zero pad is tolerated) followed by a space or the end, read in `tz`.
fn bsd_timestamp_us(rest: &str, tz: &TimeZone, received_at_us: i64) -> Option<i64> {
    let b = rest.as_bytes();
    if b.len() < 15 || b[3] != b' ' || b[9] != b':' || b[12] != b':' || b[6] != b' ' {
        return None;
    }
    if b.len() > 15 && b[15] != b' ' {
        return None;
    }
    let month = MONTHS.iter().position(|m| &b[..3] == *m)? as i8 + 1;
    let day = match b[4] {
        b' ' => digits(&b[5..6])?,
        _ => digits(&b[4..6])?,
    };
    let hour = digits(&b[7..9])?;
    let minute = digits(&b[10..12])?;
    let second = digits(&b[13..15])?;
    nearest_year_us(
        (month, day as i8, hour as i8, minute as i8, second as i8),
        tz,
        received_at_us,
    )
}

/// The stamp in the year that puts it closest to the receive time (§4.1.2 has no year):
/// a `Dec 31 23:59:59` line received on 1 January belongs to the year before, and a
/// sender whose clock runs a little ahead over New Year to the year after.
fn nearest_year_us(
    (month, day, hour, minute, second): (i8, i8, i8, i8, i8),
    tz: &TimeZone,
    received_at_us: i64,
) -> Option<i64> {
    let year = tz
        .to_datetime(Timestamp::from_microsecond(received_at_us).ok()?)
        .year();
    [year, year - 1, year + 1]
        .into_iter()
        .filter_map(|y| {
            let dt = DateTime::new(y, month, day, hour, minute, second, 0).ok()?;
            let ts = tz.to_ambiguous_timestamp(dt).compatible().ok()?;
            Some(ts.as_microsecond())
        })
        .min_by_key(|us| us.abs_diff(received_at_us))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_microsecond()
    }

    type Row<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<i64>,
    );

    fn row<'a>(rest: &'a str, tz: &TimeZone, received: &str) -> Row<'a> {
        let h = parse(rest, tz, us(received));
        assert_eq!(h.msg_id, None, "3164 has no MSGID");
        (h.hostname, h.app_name, h.proc_id, h.log_time_us)
    }

    #[test]
    fn headers() {
        let utc = TimeZone::UTC;
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let now = "2026-11-28T00:35:31Z";
        for (rest, tz, received, want) in [
            // logger --rfc3164
            (
                "Nov 28 00:35:30 vm root: <54> 01:05:27 gw1 x",
                &utc,
                now,
                (
                    Some("vm"),
                    Some("root"),
                    None,
                    Some(us("2026-11-28T00:35:30Z")),
                ),
            ),
            // the shared corpus's 3164 line
            (
                "Nov 27 10:00:00 host1 app[123]: in:<pppoe-sub1>",
                &utc,
                now,
                (
                    Some("host1"),
                    Some("app"),
                    Some("123"),
                    Some(us("2026-11-27T10:00:00Z")),
                ),
            ),
            // RFC 3164 §5.4, the first example.
            (
                "Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
                &utc,
                "2026-10-12T00:00:00Z",
                (
                    Some("mymachine"),
                    Some("su"),
                    None,
                    Some(us("2026-10-11T22:14:15Z")),
                ),
            ),
            // space-padded day, engine zone
            (
                "Aug  4 12:00:00 fw kernel: x",
                &berlin,
                "2026-08-04T10:00:05Z",
                (
                    Some("fw"),
                    Some("kernel"),
                    None,
                    Some(us("2026-08-04T10:00:00Z")),
                ),
            ),
            // missing hostname
            (
                "Nov 27 10:00:00 sshd[42]: Accepted",
                &utc,
                now,
                (
                    None,
                    Some("sshd"),
                    Some("42"),
                    Some(us("2026-11-27T10:00:00Z")),
                ),
            ),
            // a word that is no tag after the host
            (
                "Nov 27 10:00:00 rtr firewall,info in:<pppoe-a>",
                &utc,
                now,
                (Some("rtr"), None, None, Some(us("2026-11-27T10:00:00Z"))),
            ),
            // New Year: a December line received in January is last year's …
            (
                "Dec 31 23:59:58 h a: m",
                &utc,
                "2027-01-01T00:00:01Z",
                (Some("h"), Some("a"), None, Some(us("2026-12-31T23:59:58Z"))),
            ),
            // … and a January line from a clock running ahead is next year's.
            (
                "Jan  1 00:00:02 h a: m",
                &utc,
                "2026-12-31T23:59:59Z",
                (Some("h"), Some("a"), None, Some(us("2027-01-01T00:00:02Z"))),
            ),
            // Feb 29 exists only in leap years: the nearest one that has it.
            (
                "Feb 29 12:00:00 h a: m",
                &utc,
                "2028-03-01T00:00:00Z",
                (Some("h"), Some("a"), None, Some(us("2028-02-29T12:00:00Z"))),
            ),
            // RFC 3339 stamp without VERSION, with and without zone
            (
                "2026-11-27T10:00:00Z host app: msg",
                &utc,
                now,
                (
                    Some("host"),
                    Some("app"),
                    None,
                    Some(us("2026-11-27T10:00:00Z")),
                ),
            ),
            (
                "2026-07-27T10:00:00.5 host app[7]: msg",
                &berlin,
                now,
                (
                    Some("host"),
                    Some("app"),
                    Some("7"),
                    Some(us("2026-07-27T08:00:00.5Z")),
                ),
            ),
            // stamp only
            (
                "Nov 27 10:00:00",
                &utc,
                now,
                (None, None, None, Some(us("2026-11-27T10:00:00Z"))),
            ),
            // Mikrotik: no date, nothing guessed
            (
                " 01:05:27 identity prerouting: in:<pppoe-a>",
                &utc,
                now,
                (None, None, None, None),
            ),
            (
                "01:05:27 identity prerouting: x",
                &utc,
                now,
                (None, None, None, None),
            ),
            (
                "Foo 27 10:00:00 h a: m",
                &utc,
                now,
                (None, None, None, None),
            ),
            (
                "Nov 32 10:00:00 h a: m",
                &utc,
                now,
                (None, None, None, None),
            ),
            (
                "Nov 27 10:00:00x h a: m",
                &utc,
                now,
                (None, None, None, None),
            ),
            ("", &utc, now, (None, None, None, None)),
            ("no fields at all", &utc, now, (None, None, None, None)),
        ] {
            assert_eq!(row(rest, tz, received), want, "{rest}");
        }
    }

    #[test]
    fn tags() {
        for (word, want) in [
            ("su:", Some(("su", None))),
            ("app[1]:", Some(("app", Some("1")))),
            ("app[]:", Some(("app", None))),
            ("app", None),
            (":", None),
            ("[1]:", None),
            ("a]:", None),
            ("fe80::1", None),
        ] {
            assert_eq!(tag(word), want, "{word}");
        }
    }
}
