//! From datagram bytes to message text (SPEC §3 rule 1): trailing line ends and NULs are
//! trimmed, invalid UTF-8 becomes U+FFFD and is reported so it can be counted, the row is
//! kept either way.

use std::borrow::Cow;

/// Message text and what had to be repaired to get it.
pub struct Decoded<'a> {
    /// The text stored and matched.
    pub text: Cow<'a, str>,
    /// Some bytes were not valid UTF-8 and were replaced.
    pub invalid_utf8: bool,
}

/// Trims trailing `\n`, `\r\n` and NUL bytes (devices pad with either), then decodes.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let bytes = trim_end(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded {
            text: Cow::Borrowed(s),
            invalid_utf8: false,
        },
        Err(_) => Decoded {
            text: String::from_utf8_lossy(bytes),
            invalid_utf8: true,
        },
    }
}

fn trim_end(mut b: &[u8]) -> &[u8] {
    loop {
        b = match b {
            [rest @ .., b'\r', b'\n'] => rest,
            [rest @ .., b'\n' | 0] => rest,
            _ => return b,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_line_ends_and_nul() {
        for (input, want) in [
            (&b"a\n"[..], "a"),
            (b"a\r\n", "a"),
            (b"a\0", "a"),
            (b"a\n\0", "a"),
            (b"a\r", "a\r"),
            (b"a\0b", "a\0b"),
            (b"\n", ""),
            (b"", ""),
        ] {
            let d = decode(input);
            assert_eq!(d.text, want, "{input:?}");
            assert!(!d.invalid_utf8);
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported() {
        let d = decode(b"ok \xff\xfe end");
        assert_eq!(d.text, "ok \u{fffd}\u{fffd} end");
        assert!(d.invalid_utf8);
    }
}
