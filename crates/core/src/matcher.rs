//! One field's pattern, compiled for the fastest search that still gives Python's answer.
//!
//! Three tricks, each exact:
//! - **Literal affixes.** A pattern shaped `literal (group) literal` (`->(…)\)`,
//!   `in:<pppoe-(.*?)>`) gets group 1 from the overall match by trimming the literals, so
//!   only the DFA runs; the slower capture engines are skipped.
//! - **ASCII twin.** Python's `\d`, `\w`, `\s` are Unicode, so ours are too, and their
//!   DFAs are large. On an ASCII-only line a Unicode class matches exactly what its ASCII
//!   part matches, so such lines (nearly all syslog) are searched with a twin compiled
//!   with Unicode off: same positions, smaller and faster automaton — small enough to be
//!   built in full ahead of time ([`crate::ascii_dfa`]).
//! - **Backtracking fallback.** Patterns the `regex` crate refuses (look-around,
//!   back-references) are compiled by `fancy-regex` instead.

use crate::ascii_dfa::{AsciiDfa, AsciiDfaCache};

/// Why a pattern does not compile.
#[derive(Debug)]
pub struct PatternError {
    /// Character offset of the problem, when the parser reports one.
    pub position: Option<usize>,
    /// The parser's explanation.
    pub message: String,
}

enum Kind {
    Regex {
        unicode: regex::Regex,
        ascii: Option<regex::bytes::Regex>,
        /// The twin's prebuilt automata, when small enough.
        dfa: Option<Box<AsciiDfa>>,
        /// Byte lengths of the literals around the only group, when the pattern has that shape.
        affix: Option<(usize, usize)>,
    },
    Backtracking(fancy_regex::Regex),
}

/// A compiled pattern.
pub struct FieldMatcher {
    kind: Kind,
    names: Vec<Option<String>>,
}

/// Per-thread search state: capture buffers and the spans of the last search.
pub struct MatchScratch {
    unicode: Option<regex::CaptureLocations>,
    ascii: Option<regex::bytes::CaptureLocations>,
    dfa: Option<AsciiDfaCache>,
    spans: Vec<Option<(usize, usize)>>,
}

impl MatchScratch {
    /// Byte span of capture `group` (0 = whole match) in the last searched text.
    pub fn span(&self, group: usize) -> Option<(usize, usize)> {
        self.spans.get(group).copied().flatten()
    }
}

impl FieldMatcher {
    /// Compiles `pattern`.
    pub fn compile(pattern: &str) -> Result<FieldMatcher, PatternError> {
        let unicode = match regex::RegexBuilder::new(pattern)
            .size_limit(64 << 20)
            .build()
        {
            Ok(re) => re,
            Err(fast_err) => {
                return match fancy_regex::Regex::new(pattern) {
                    Ok(re) => Ok(FieldMatcher {
                        names: re.capture_names().map(|n| n.map(String::from)).collect(),
                        kind: Kind::Backtracking(re),
                    }),
                    Err(_) => Err(pattern_error(pattern, &fast_err)),
                };
            }
        };
        // Not every pattern has an ASCII twin (`\p{Greek}` needs Unicode); those simply
        // always use the Unicode automaton.
        let ascii = regex::bytes::RegexBuilder::new(pattern)
            .unicode(false)
            .size_limit(64 << 20)
            .build()
            .ok()
            .filter(|a| a.captures_len() == unicode.captures_len());
        let affix = literal_affixes(pattern, &unicode);
        let dfa = ascii.as_ref().and_then(|a| {
            // An affixed pattern's group comes from the whole match; others need the one-pass DFA.
            let groups = a.captures_len() > 1 && !(affix.is_some() && a.captures_len() == 2);
            AsciiDfa::build(pattern, groups).map(Box::new)
        });
        Ok(FieldMatcher {
            names: unicode
                .capture_names()
                .map(|n| n.map(String::from))
                .collect(),
            kind: Kind::Regex {
                unicode,
                ascii,
                dfa,
                affix,
            },
        })
    }

    /// Group names by index (index 0, the whole match, is always `None`).
    pub fn capture_names(&self) -> &[Option<String>] {
        &self.names
    }

    /// Number of groups including group 0.
    pub fn captures_len(&self) -> usize {
        self.names.len()
    }

    /// Whether the backtracking engine is in use.
    pub fn is_backtracking(&self) -> bool {
        matches!(self.kind, Kind::Backtracking(_))
    }

    /// Fresh per-thread state.
    pub fn scratch(&self) -> MatchScratch {
        let (unicode, ascii, dfa) = match &self.kind {
            Kind::Regex {
                unicode,
                ascii,
                dfa,
                ..
            } => (
                Some(unicode.capture_locations()),
                ascii.as_ref().map(|a| a.capture_locations()),
                dfa.as_deref().map(AsciiDfa::cache),
            ),
            Kind::Backtracking(_) => (None, None, None),
        };
        MatchScratch {
            unicode,
            ascii,
            dfa,
            spans: vec![None; self.names.len()],
        }
    }

    /// Searches `text` once (leftmost-first, like `re.search`) and records the spans of
    /// every group in `scratch`. `need_groups` false means only group 0 and, for an affixed
    /// pattern, group 1 are wanted — the DFA alone answers that.
    pub fn search(&self, text: &str, is_ascii: bool, need_groups: bool, s: &mut MatchScratch) {
        s.spans.fill(None);
        match &self.kind {
            Kind::Regex {
                unicode,
                ascii,
                dfa,
                affix,
            } => {
                let whole_only = !need_groups || (affix.is_some() && s.spans.len() == 2);
                if let (Some(d), Some(cache), true) = (dfa, s.dfa.as_mut(), is_ascii) {
                    if (whole_only || d.has_groups())
                        && search_dfa(d, text.as_bytes(), *affix, whole_only, cache, &mut s.spans)
                    {
                        return;
                    }
                }
                let ascii = ascii.as_ref().filter(|_| is_ascii);
                if whole_only {
                    let whole = match ascii {
                        Some(a) => a.find(text.as_bytes()).map(|m| (m.start(), m.end())),
                        None => unicode.find(text).map(|m| (m.start(), m.end())),
                    };
                    s.spans[0] = whole;
                    if let (Some((start, end)), Some((prefix, suffix))) = (whole, affix) {
                        s.spans[1] = Some((start + prefix, end - suffix));
                    }
                    return;
                }
                match (ascii, s.ascii.as_mut(), s.unicode.as_mut()) {
                    (Some(a), Some(locs), _) => {
                        if a.captures_read(locs, text.as_bytes()).is_some() {
                            for (g, span) in s.spans.iter_mut().enumerate() {
                                *span = locs.get(g);
                            }
                        }
                    }
                    (_, _, Some(locs)) => {
                        if unicode.captures_read(locs, text).is_some() {
                            for (g, span) in s.spans.iter_mut().enumerate() {
                                *span = locs.get(g);
                            }
                        }
                    }
                    _ => unreachable!("scratch() makes Unicode locations for every regex"),
                }
            }
            Kind::Backtracking(re) => {
                // Exceeding the backtrack limit yields no match (NULL), like no match at all.
                if let Ok(Some(caps)) = re.captures(text) {
                    for (g, span) in s.spans.iter_mut().enumerate() {
                        *span = caps.get(g).map(|m| (m.start(), m.end()));
                    }
                }
            }
        }
    }
}

/// The prebuilt-DFA path of [`FieldMatcher::search`]; `false` (spans left all `None`) when it
/// could not answer and the general path must.
fn search_dfa(
    d: &AsciiDfa,
    hay: &[u8],
    affix: Option<(usize, usize)>,
    whole_only: bool,
    cache: &mut AsciiDfaCache,
    spans: &mut [Option<(usize, usize)>],
) -> bool {
    if !whole_only {
        return d.captures(hay, cache, spans).unwrap_or(false);
    }
    let Ok(whole) = d.find(hay) else {
        return false;
    };
    spans[0] = whole;
    if let (Some((start, end)), Some((prefix, suffix))) = (whole, affix) {
        spans[1] = Some((start + prefix, end - suffix));
    }
    true
}

/// For a pattern shaped `literal (group) literal` with exactly one, unnamed group, the byte
/// lengths of the two literals (either may be empty).
fn literal_affixes(pattern: &str, re: &regex::Regex) -> Option<(usize, usize)> {
    use regex_syntax::hir::{Hir, HirKind};
    if re.captures_len() != 2 || re.capture_names().any(|n| n.is_some()) {
        return None;
    }
    let hir = regex_syntax::parse(pattern).ok()?;
    let literal_len = |h: &Hir| match h.kind() {
        HirKind::Literal(l) => Some(l.0.len()),
        _ => None,
    };
    match hir.kind() {
        HirKind::Capture(_) => Some((0, 0)),
        HirKind::Concat(parts) => {
            let at = parts
                .iter()
                .position(|p| matches!(p.kind(), HirKind::Capture(_)))?;
            let prefix: Option<usize> = parts[..at].iter().map(literal_len).sum();
            let suffix: Option<usize> = parts[at + 1..].iter().map(literal_len).sum();
            Some((prefix?, suffix?))
        }
        _ => None,
    }
}

/// The `regex` parser's error with its position as a character offset.
fn pattern_error(pattern: &str, build_err: &regex::Error) -> PatternError {
    match regex_syntax::Parser::new().parse(pattern) {
        Err(e) => {
            let (offset, message) = match &e {
                regex_syntax::Error::Parse(p) => (p.span().start.offset, p.kind().to_string()),
                regex_syntax::Error::Translate(t) => (t.span().start.offset, t.kind().to_string()),
                _ => (0, e.to_string()),
            };
            PatternError {
                position: Some(pattern[..offset].chars().count()),
                message,
            }
        }
        // Parsed fine but failed to build (e.g. too big): no position to give.
        Ok(_) => PatternError {
            position: None,
            message: build_err.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(pattern: &str, text: &str, need_groups: bool) -> Vec<Option<&'static str>> {
        let m = FieldMatcher::compile(pattern).unwrap();
        let mut s = m.scratch();
        m.search(text, text.is_ascii(), need_groups, &mut s);
        (0..m.captures_len())
            .map(|g| s.span(g).map(|(a, b)| &*text[a..b].to_string().leak()))
            .collect()
    }

    #[test]
    fn affixes() {
        let shape = |p: &str| match FieldMatcher::compile(p).unwrap().kind {
            Kind::Regex { affix, .. } => affix,
            Kind::Backtracking(_) => None,
        };
        assert_eq!(shape(r"in:<pppoe-(.*?)>"), Some((10, 1)));
        assert_eq!(shape(r"->(\d+)\)"), Some((2, 1)));
        assert_eq!(shape(r"(\w+)"), Some((0, 0)));
        assert_eq!(shape(r"\d(\w+)"), None);
        assert_eq!(shape(r"x(a)|y"), None);
        assert_eq!(shape(r"(?P<n>a)"), None);
        assert_eq!(
            spans(r"->(\d+)\)", "a->12) ->3)", false),
            [Some("->12)"), Some("12")]
        );
    }

    #[test]
    fn ascii_twin_agrees_with_unicode() {
        // Same answers whichever automaton runs.
        for (p, t) in [
            (r"(\w+)=(\d+)", "ab=12"),
            (r"(\w+)=(\d+)", "ü=١٢ ab=12"),
            (r"\bx(.)", "ax xy"),
            (r"(?i)(k+)", "aKk"),
            (r"\d{1,2}:\d{1,2}:\d{1,2}\s+(\w+)", "<5> 01:05:27 router x"),
            (r"\d{1,2}:\d{1,2}:\d{1,2}\s+(\w+)", "<5> 01:05:27 routér x"),
            (r"\d{1,2}:\d{1,2}:\d{1,2}\s+(\w+)", "<5> 01:05 router"),
            (r"in:<pppoe-(.*?)>", "in:<pppoe-ab> in:<pppoe-c>"),
            (r"in:<pppoe-(.*?)>", "in:<pppoe-é>"),
            (r"->(\d+):(\d+)\)", "->1:2 ->3:4)"),
            (r"->(\d+):(\d+)\)", "->1:2 ->3:4 no"),
            (r"(\d{1,3}\.\d{1,3}:\d+)", "a 1.2.3:4 b"),
        ] {
            let m = FieldMatcher::compile(p).unwrap();
            let (mut s1, mut s2) = (m.scratch(), m.scratch());
            m.search(t, t.is_ascii(), true, &mut s1);
            m.search(t, false, true, &mut s2);
            assert_eq!(s1.spans, s2.spans, "{p} on {t}");
        }
        assert_eq!(
            spans(r"(\w+)=(\d+)", "ü=١٢", true),
            [Some("ü=١٢"), Some("ü"), Some("١٢")]
        );
    }
}
