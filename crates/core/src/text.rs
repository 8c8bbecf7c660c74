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
    if is_ascii(bytes) {
        return Decoded {
            // SAFETY: ASCII is valid UTF-8. Nearly every syslog line is ASCII, and this
            // check is several times cheaper than `from_utf8`'s.
            text: Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) }),
            invalid_utf8: false,
        };
    }
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

/// Whether every byte is ASCII, like `<[u8]>::is_ascii`, but without stopping early: an OR
/// over all bytes compiles to a few vector instructions per 64 bytes, where the standard
/// one goes a word at a time with a branch per word. Lines are short and nearly always
/// ASCII, so stopping early would not pay.
pub fn is_ascii(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |any, b| any | b) < 0x80
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
    fn ascii_check_agrees_with_std() {
        let mut line = vec![b'a'; 300];
        for at in [0, 1, 15, 16, 31, 32, 63, 64, 150, 299] {
            for high in [0x80u8, 0xc3, 0xff] {
                line[at] = high;
                for len in [0, at, at + 1, 300] {
                    assert_eq!(is_ascii(&line[..len]), line[..len].is_ascii(), "{at} {len}");
                }
                line[at] = b'a';
            }
        }
        assert!(is_ascii(&line));
        let d = decode("réseau".as_bytes());
        assert_eq!((&*d.text, d.invalid_utf8), ("réseau", false));
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported() {
        let d = decode(b"ok \xff\xfe end");
        assert_eq!(d.text, "ok \u{fffd}\u{fffd} end");
        assert!(d.invalid_utf8);
    }
}
