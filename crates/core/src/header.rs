//! The syslog PRI (`<N>` at the start of a message, RFC 3164 §4.1.1 / RFC 5424 §6.2.1),
//! split into facility and severity. A missing or out-of-range PRI (`<869>`) gives NULLs
//! and the row is kept. The rest of the header is left to a later stage.

/// Facility and severity of a valid PRI (0–191).
pub fn parse_pri(text: &str) -> Option<(u8, u8)> {
    let rest = text.strip_prefix('<')?;
    let end = rest.find('>')?;
    let digits = &rest[..end];
    // RFC 5424: 1–3 digits, no leading zero except "0" itself.
    if digits.is_empty()
        || digits.len() > 3
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    let pri: u16 = digits.parse().ok()?;
    (pri <= 191).then_some(((pri / 8) as u8, (pri % 8) as u8))
}

#[cfg(test)]
mod tests {
    use super::parse_pri;

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
}
