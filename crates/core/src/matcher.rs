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
//!   back-references) are compiled by `fancy-regex` instead, with a work budget per search
//!   ([`BACKTRACK_BUDGET`]): such patterns can be quadratic (`(?=.*z)` reads the rest of the
//!   line at every start), and one line must not stall a receiver thread or the console.

use crate::ascii_dfa::{ascii_hir, AsciiDfa, AsciiDfaCache};

/// Work one backtracking search may do: VM backtracks plus the bytes its delegated parts
/// may read (see `vendor/fancy-regex/PATCH.md`). Measured on the 2-core VM under load
/// (`cargo run --release -p logsift-core --example backtrack_budget`): 2–3 ms for the worst
/// patterns of issue 16 on a 60 KB line, while ordinary look-around takes microseconds and
/// stays far below it even on a 16 KB line. Over it, the field is NULL and counted
/// (`regex_budget_exceeded`).
pub const BACKTRACK_BUDGET: usize = 1 << 20;

/// A backtracking search gave up at [`BACKTRACK_BUDGET`]; its spans are all `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget;

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
        /// For a pattern ending in its only group `(C+)`, the bytes of `C` (see [`trailing_run`]).
        tail: Option<Box<[bool; 256]>>,
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
                return match fancy_regex::RegexBuilder::new(pattern)
                    .backtrack_limit(BACKTRACK_BUDGET)
                    .build()
                {
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
        let tail = ascii
            .as_ref()
            .filter(|_| unicode.captures_len() == 2 && unicode.capture_names().all(|n| n.is_none()))
            .and_then(|_| trailing_run(pattern))
            .map(Box::new);
        let dfa = ascii.as_ref().and_then(|a| {
            // An affixed or trailing-run pattern's group comes from the whole match; others
            // need the one-pass DFA.
            let groups = a.captures_len() > 1
                && !((affix.is_some() || tail.is_some()) && a.captures_len() == 2);
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
                tail,
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
    /// pattern, group 1 are wanted — the DFA alone answers that. Only a backtracking pattern
    /// can be [`OverBudget`].
    pub fn search(
        &self,
        text: &str,
        is_ascii: bool,
        need_groups: bool,
        s: &mut MatchScratch,
    ) -> Result<(), OverBudget> {
        s.spans.fill(None);
        match &self.kind {
            Kind::Regex {
                unicode,
                ascii,
                dfa,
                affix,
                tail,
            } => {
                let whole_only = !need_groups || (affix.is_some() && s.spans.len() == 2);
                if let (Some(d), Some(run), true, false) = (dfa, tail, is_ascii, whole_only) {
                    if let Ok(whole) = d.find(text.as_bytes()) {
                        s.spans[0] = whole;
                        if let Some((start, end)) = whole {
                            let b = text.as_bytes();
                            let mut at = end;
                            while at > start && run[usize::from(b[at - 1])] {
                                at -= 1;
                            }
                            s.spans[1] = Some((at, end));
                        }
                        return Ok(());
                    }
                }
                if let (Some(d), Some(cache), true) = (dfa, s.dfa.as_mut(), is_ascii) {
                    if (whole_only || d.has_groups())
                        && search_dfa(d, text.as_bytes(), *affix, whole_only, cache, &mut s.spans)
                    {
                        return Ok(());
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
                    return Ok(());
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
                Ok(())
            }
            Kind::Backtracking(re) => match re.captures(text) {
                Ok(caps) => {
                    if let Some(caps) = caps {
                        for (g, span) in s.spans.iter_mut().enumerate() {
                            *span = caps.get(g).map(|m| (m.start(), m.end()));
                        }
                    }
                    Ok(())
                }
                // The VM's stack limit is a work limit too; every runtime error is one.
                Err(_) => Err(OverBudget),
            },
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

/// For a pattern whose ASCII twin is `… P (C{n,m})` — the only group last, a repetition of
/// one byte class `C` with `n ≥ 1`, right after a part `P` that always ends with a byte not
/// in `C` — the bytes of `C`. Then in any match the group is exactly the run of `C` bytes
/// ending at the match's end: the group holds only `C` bytes, and the byte just before it
/// (the end of `P`) is not one. So on an ASCII line the dense DFA's whole match gives the
/// group with a backward walk, and the one-pass DFA is not needed. `P` qualifies when it is
/// a class disjoint from `C`, a repetition (at least once) of one, or a literal whose last
/// byte is not in `C` (`\s+(\w+)`, `=(\d+)`).
fn trailing_run(pattern: &str) -> Option<[bool; 256]> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    let hir = ascii_hir(pattern)?;
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let [.., before, last] = &parts[..] else {
        return None;
    };
    let table = |h: &Hir| -> Option<[bool; 256]> {
        let HirKind::Class(Class::Bytes(c)) = h.kind() else {
            return None;
        };
        let mut t = [false; 256];
        for r in c.ranges() {
            for b in r.start()..=r.end() {
                t[usize::from(b)] = true;
            }
        }
        Some(t)
    };
    let HirKind::Capture(cap) = last.kind() else {
        return None;
    };
    let HirKind::Repetition(rep) = cap.sub.kind() else {
        return None;
    };
    if cap.index != 1 || cap.name.is_some() || rep.min == 0 {
        return None;
    }
    let run = table(&rep.sub)?;
    let disjoint = |t: [bool; 256]| (0..256).all(|b| !(t[b] && run[b]));
    let ok = match before.kind() {
        HirKind::Literal(l) => l.0.last().is_some_and(|b| !run[usize::from(*b)]),
        HirKind::Class(_) => disjoint(table(before)?),
        HirKind::Repetition(r) if r.min >= 1 => disjoint(table(&r.sub)?),
        _ => false,
    };
    ok.then_some(run)
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
        m.search(text, text.is_ascii(), need_groups, &mut s)
            .unwrap();
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
            m.search(t, t.is_ascii(), true, &mut s1).unwrap();
            m.search(t, false, true, &mut s2).unwrap();
            assert_eq!(s1.spans, s2.spans, "{p} on {t}");
        }
        assert_eq!(
            spans(r"(\w+)=(\d+)", "ü=١٢", true),
            [Some("ü=١٢"), Some("ü"), Some("١٢")]
        );
    }

    #[test]
    fn trailing_run_shapes() {
        let has = |p: &str| trailing_run(p).is_some();
        assert!(has(r"\d{1,2}:\d{1,2}:\d{1,2}\s+(\w+)"));
        assert!(has(r"id=(\d+)"));
        assert!(has(r"[a-z]\s(\d{2,3})"));
        assert!(!has(r"\s*(\w+)"), "the part before may be empty");
        assert!(!has(r"\w(\w+)"), "not disjoint");
        assert!(!has(r"ab(\w+)"), "literal ends in the class");
        assert!(!has(r"\s+(\w*)"), "group may be empty");
        assert!(!has(r"\s+(\w+)x"), "group not last");
        assert!(!has(r"(\w+)"));
        assert!(!has(r"\s+(\w|-)+"));
        assert!(!has(r"\s+(?P<n>\w+)"));
    }

    #[test]
    fn trailing_run_agrees_with_captures() {
        let patterns = [
            r"\d{1,2}:\d{1,2}:\d{1,2}\s+(\w+)",
            r"id=(\d+)",
            r"[a-z]\s(\d{2,3})",
            r"(?i)user:\s+(\w{1,4})",
            r"\b\d+\s+(\w+)",
        ];
        let mut texts: Vec<String> = [
            "",
            "<54> 01:05:27 epfJBd0Kh prerouting: in:<pppoe-OOL8dKL> out:(unknown 0)",
            "<5> 01:05:27 routér x 1:2:3 abc",
            "<5> 01:05:27 router",
            "<5> 01:05:27\t\n  r_2 tail",
            "1:2:3 4:5:6 x 12:34:56 ",
            "1:2:3:4:5:6:7:8  y",
            "123:4:5 x 1:2:345 y 11:22:33",
            "١:٢:٣ ü 1:2:3 ü 1:2:3 u",
            "id= id=x id=12 id=3",
            "a 1 b 12 c 1234 d 123",
            "USER:  bob USER: alexander",
            "x 12 ab 3",
            "no match here at all",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        // Adversarial: many near-misses before the match, and nothing but near-misses.
        texts.push(format!("{}1:2:3 end", "1:2: 1:2:3: ".repeat(200)));
        texts.push("9:9:9".repeat(500));
        texts.push(format!("{} x", "1:2:3 ".repeat(300)));
        for p in patterns {
            assert!(trailing_run(p).is_some(), "{p}");
            let m = FieldMatcher::compile(p).unwrap();
            let general = regex::Regex::new(p).unwrap();
            let mut s = m.scratch();
            for t in &texts {
                for (from, _) in t.char_indices() {
                    let hay = &t[from..];
                    m.search(hay, hay.is_ascii(), true, &mut s).unwrap();
                    let want: Vec<_> = match general.captures(hay) {
                        Some(c) => c.iter().map(|g| g.map(|g| (g.start(), g.end()))).collect(),
                        None => vec![None; 2],
                    };
                    assert_eq!(s.spans, want, "{p} on {hay:?}");
                }
            }
        }
    }
}
