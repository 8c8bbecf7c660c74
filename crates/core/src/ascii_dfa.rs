//! Fully built automata for a pattern's ASCII twin (see [`crate::matcher`]), the hot path
//! of extraction.
//!
//! The `regex` crate determinizes lazily and picks a strategy per search; both cost time on
//! every line. A twin compiled with Unicode off is small, so its dense DFAs (forward to find
//! where the leftmost-first match ends, reverse to find where it starts) can be built once
//! per class, ahead of time, and shared by every thread. Groups come from a one-pass DFA
//! run anchored at the match's start, which gives the same groups as a full capture search
//! because the leftmost-first match is the highest-priority match starting at its start.
//!
//! Most lines are long and the match is near their end, so scanning is cut short with a
//! literal that every match contains at most `within` bytes from its start (`->` in
//! `->(…)`, `.` in `\d{1,3}\.…`), found with a SIMD substring search. Only the few
//! positions up to `within` bytes before each occurrence can start a match; each is tried
//! in turn with a DFA anchored there, and the first that matches is the leftmost-first
//! match — no reverse scan, and with the one-pass DFA no second pass for the groups either.
//! Those tries walk a compact copy of the forward DFA's anchored states (`AnchoredTable`),
//! since `regex-automata`'s per-search setup costs as much as such a short walk.
//! A pattern without such a literal may still have a literal prefix (`(foo|bar)…`), which
//! becomes the dense DFA's own prefilter.
//!
//! Searches keep the whole line as context, so look-behind at the search start is exact.
//!
//! Every piece is optional: a pattern whose DFA would exceed the size limit, or that is not
//! one-pass, keeps the general path for the part it cannot do.

use memchr::memmem;
use regex_automata::dfa::{dense, onepass, regex::Regex, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::prefilter::Prefilter;
use regex_automata::util::primitives::{NonMaxUsize, StateID};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchError, MatchKind};
use regex_syntax::hir::{Hir, HirKind};

/// Anchored attempts per search before falling back to one unanchored search, which keeps
/// a line full of near-misses linear.
const MAX_ANCHORED_TRIES: usize = 16;

/// Per direction: a twin beyond this stays on the lazy DFA (memory is per class, not per
/// thread, but a class may have many fields).
const DFA_SIZE_LIMIT: usize = 2 << 20;

/// The ASCII twin's dense DFAs, and its one-pass DFA when groups need it.
pub struct AsciiDfa {
    re: Regex,
    /// The forward DFA's anchored part as a compact table, for the anchored tries.
    anchored: Option<AnchoredTable>,
    onepass: Option<onepass::DFA>,
    literal: Option<Required>,
}

/// A literal every match contains, starting at most `within` bytes after the match's start.
struct Required {
    finder: memmem::Finder<'static>,
    within: usize,
}

/// What anchored attempts established: the answer, or where an unanchored search (no
/// match can start before it) must take over.
enum Attempts<T> {
    Found(Option<T>),
    GaveUp(usize),
}

/// Per-thread state of the one-pass DFA.
pub struct AsciiDfaCache {
    onepass: Option<onepass::Cache>,
    slots: Vec<Option<NonMaxUsize>>,
}

/// `pattern` parsed in the twin's dialect (Unicode off, any bytes), or `None` when it does
/// not parse there.
pub(crate) fn ascii_hir(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
}

impl AsciiDfa {
    /// Builds the automata of `pattern` with Unicode off (the twin's dialect), or `None` when
    /// the DFAs are too big. `groups` asks for the one-pass DFA too (only built if the
    /// pattern is one-pass).
    pub fn build(pattern: &str, groups: bool) -> Option<AsciiDfa> {
        let syntax = syntax::Config::new().unicode(false).utf8(false);
        let hir = ascii_hir(pattern)?;
        let literal = required_literal(&hir).map(|(literal, within)| Required {
            finder: memmem::Finder::new(&literal).into_owned(),
            within,
        });
        let prefilter = match literal {
            Some(_) => None,
            None => Prefilter::from_hir_prefix(MatchKind::LeftmostFirst, &hir)
                .filter(Prefilter::is_fast),
        };
        let re = Regex::builder()
            .syntax(syntax)
            .thompson(thompson::Config::new().utf8(false))
            .dense(
                dense::Config::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .start_kind(StartKind::Both)
                    .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                    .determinize_size_limit(Some(2 * DFA_SIZE_LIMIT))
                    .prefilter(prefilter),
            )
            .build(pattern)
            .ok()?;
        let onepass = if groups {
            onepass::DFA::builder()
                .syntax(syntax)
                .thompson(thompson::Config::new().utf8(false))
                .configure(onepass::Config::new().match_kind(MatchKind::LeftmostFirst))
                .build(pattern)
                .ok()
        } else {
            None
        };
        Some(AsciiDfa {
            anchored: literal
                .as_ref()
                .and_then(|_| AnchoredTable::build(re.forward())),
            re,
            onepass,
            literal,
        })
    }

    /// Fresh per-thread state.
    pub fn cache(&self) -> AsciiDfaCache {
        AsciiDfaCache {
            onepass: self.onepass.as_ref().map(onepass::DFA::create_cache),
            slots: Vec::new(),
        }
    }

    /// Whether [`AsciiDfa::captures`] can answer.
    pub fn has_groups(&self) -> bool {
        self.onepass.is_some()
    }

    /// Span of the leftmost-first match in `hay`. `Err` means the DFA gave up (it cannot
    /// with this configuration, but the caller then takes the general path rather than guess).
    #[inline]
    pub fn find(&self, hay: &[u8]) -> Result<Option<(usize, usize)>, MatchError> {
        let fwd = self.re.forward();
        let start = match &self.literal {
            None => 0,
            Some(lit) => {
                let found = lit.first_anchored(hay, |at| {
                    let end = match &self.anchored {
                        Some(table) => table.match_end(hay, at),
                        None => {
                            let input = Input::new(hay).span(at..hay.len()).anchored(Anchored::Yes);
                            fwd.try_search_fwd(&input)?.map(|end| end.offset())
                        }
                    };
                    Ok(end.map(|end| (at, end)))
                })?;
                match found {
                    Attempts::Found(m) => return Ok(m),
                    Attempts::GaveUp(at) => at,
                }
            }
        };
        let m = self
            .re
            .try_search(&Input::new(hay).span(start..hay.len()))?;
        Ok(m.map(|m| (m.start(), m.end())))
    }

    /// Spans of every group of the leftmost-first match (group 0 first), left `None` when
    /// there is no match. `Ok(false)`, with `spans` untouched, when there is no one-pass DFA.
    pub fn captures(
        &self,
        hay: &[u8],
        cache: &mut AsciiDfaCache,
        spans: &mut [Option<(usize, usize)>],
    ) -> Result<bool, MatchError> {
        let (Some(dfa), Some(c)) = (&self.onepass, cache.onepass.as_mut()) else {
            return Ok(false);
        };
        let slots = &mut cache.slots;
        slots.resize(2 * spans.len(), None);
        // With a literal, the one-pass DFA itself tries each possible start: one pass, no
        // reverse scan. Otherwise (or after too many tries) the dense DFAs find the match
        // and the one-pass DFA runs on just its span; `span` keeps the line as context, so
        // look-around at the span's edges is exact.
        let (start, end) = match &self.literal {
            None => (0, hay.len()),
            Some(lit) => {
                let found = lit.first_anchored(hay, |at| {
                    let input = Input::new(hay).span(at..hay.len()).anchored(Anchored::Yes);
                    Ok(dfa.try_search_slots(c, &input, slots)?.map(|_| ()))
                })?;
                match found {
                    Attempts::Found(Some(())) => {
                        fill_spans(slots, spans);
                        return Ok(true);
                    }
                    Attempts::Found(None) => return Ok(true),
                    Attempts::GaveUp(at) => (at, hay.len()),
                }
            }
        };
        let Some(m) = self.re.try_search(&Input::new(hay).span(start..end))? else {
            return Ok(true);
        };
        let input = Input::new(hay).span(m.range()).anchored(Anchored::Yes);
        Ok(match dfa.try_search_slots(c, &input, slots)? {
            Some(_) => {
                fill_spans(slots, spans);
                true
            }
            // Cannot happen (the span matches); the general path answers if it does.
            None => false,
        })
    }
}

/// The states of a forward dense DFA reachable from its anchored start, renumbered so that
/// one comparison per byte tells whether anything but "keep going" happened.
///
/// An anchored try walks only a few dozen bytes, so `try_search_fwd`'s per-call setup
/// (building the input, computing the start state, choosing a loop) cost about as much as
/// the walk; this walk has none. Rows are indexed by the byte itself rather than its
/// class, one load less per byte; the anchored part of a field's twin has a few dozen
/// states, so the table stays a few KB. It needs the anchored start state not to depend on
/// the byte before the start (no look-behind at the start), no quit states (there are none
/// with Unicode off) and at most 256 states; otherwise the DFA is searched as before.
struct AnchoredTable {
    /// Next state per state and byte; a state is the offset of its row (index × 256).
    next: Box<[u16]>,
    start: usize,
    /// Rows from here on are match states, then the dead state (the last row).
    first_special: usize,
    dead: usize,
    /// Per state (by row number), whether a match ends at the end of the haystack.
    match_at_end: Box<[bool]>,
}

impl AnchoredTable {
    fn build(fwd: &dense::DFA<Vec<u32>>) -> Option<AnchoredTable> {
        let start = fwd.universal_start_state(Anchored::Yes)?;
        // One byte of each class is enough to discover the states.
        let byte_classes = fwd.byte_classes();
        let mut representatives: Vec<u8> = (0..=255u8).collect();
        representatives.dedup_by_key(|b| byte_classes.get(*b));
        let mut states = vec![start];
        let mut seen = std::collections::HashSet::from([start]);
        let mut i = 0;
        while i < states.len() {
            for &b in &representatives {
                let next = fwd.next_state(states[i], b);
                if fwd.is_quit_state(next) {
                    return None;
                }
                if seen.insert(next) {
                    states.push(next);
                }
            }
            i += 1;
        }
        // Plain states, then match states, then the dead state as the last row (present
        // even when unreachable, so the walk can compare against it).
        states.retain(|s| !fwd.is_dead_state(*s));
        states.sort_by_key(|s| fwd.is_match_state(*s));
        let dead = 256 * states.len();
        let dead_u16 = u16::try_from(dead).ok()?;
        let row: std::collections::HashMap<StateID, u16> = states
            .iter()
            .zip((0..).step_by(256))
            .map(|(s, offset)| (*s, offset))
            .collect();
        let row_of = |sid: StateID| match fwd.is_dead_state(sid) {
            true => dead_u16,
            false => row[&sid],
        };
        let mut next = Vec::with_capacity(dead + 256);
        for &sid in &states {
            next.extend((0..=255u8).map(|b| row_of(fwd.next_state(sid, b))));
        }
        next.extend(std::iter::repeat_n(dead_u16, 256));
        let mut match_at_end: Vec<bool> = states
            .iter()
            .map(|s| fwd.is_match_state(fwd.next_eoi_state(*s)))
            .collect();
        match_at_end.push(false);
        Some(AnchoredTable {
            next: next.into(),
            start: usize::from(row_of(start)),
            first_special: 256
                * states
                    .iter()
                    .take_while(|s| !fwd.is_match_state(**s))
                    .count(),
            dead,
            match_at_end: match_at_end.into(),
        })
    }

    /// End of the leftmost-first match starting exactly at `at`, if any.
    #[inline]
    fn match_end(&self, hay: &[u8], at: usize) -> Option<usize> {
        let next = &*self.next;
        let (first_special, dead) = (self.first_special, self.dead);
        let mut state = self.start;
        // `hay.len() + 1` stands for "no match yet": a plain integer keeps the loop in
        // registers where an `Option` made the compiler shuffle two of them per byte.
        let none = hay.len() + 1;
        let mut end = none;
        let mut i = at;
        while i < hay.len() {
            // SAFETY: `state` is a row offset that `build` stored in `next` (or `start`), a
            // multiple of 256 (so `|` adds the byte), and rows are 256 entries long.
            state = usize::from(unsafe { *next.get_unchecked(state | usize::from(hay[i])) });
            if state >= first_special {
                if state == dead {
                    break;
                }
                // Match states are delayed by one byte: entering one on `hay[i]` means a
                // match ends at `i`. Leftmost-first, the walk goes on to the dead state.
                end = i;
            }
            i += 1;
        }
        if i == hay.len() && self.match_at_end[state / 256] {
            end = hay.len();
        }
        (end != none).then_some(end)
    }
}

impl Required {
    /// Calls `try_at` at each position where a match could start, in order, until it
    /// reports the (anchored) match there. A match starts at most `within` bytes before an
    /// occurrence of the literal, so no other position needs a try.
    fn first_anchored<T>(
        &self,
        hay: &[u8],
        mut try_at: impl FnMut(usize) -> Result<Option<T>, MatchError>,
    ) -> Result<Attempts<T>, MatchError> {
        let mut tries = 0;
        let mut untried = 0;
        while let Some(found) = self.finder.find(&hay[untried.min(hay.len())..]) {
            let occurrence = untried + found;
            for at in occurrence.saturating_sub(self.within).max(untried)..=occurrence {
                if tries == MAX_ANCHORED_TRIES {
                    return Ok(Attempts::GaveUp(at));
                }
                tries += 1;
                if let Some(t) = try_at(at)? {
                    return Ok(Attempts::Found(Some(t)));
                }
            }
            untried = occurrence + 1;
        }
        Ok(Attempts::Found(None))
    }
}

/// Copies a one-pass search's slots into spans.
fn fill_spans(slots: &[Option<NonMaxUsize>], spans: &mut [Option<(usize, usize)>]) {
    for (span, pair) in spans.iter_mut().zip(slots.chunks_exact(2)) {
        *span = match (pair[0], pair[1]) {
            (Some(s), Some(e)) => Some((s.get(), e.get())),
            _ => None,
        };
    }
}

/// A literal that every match of `hir` contains, with the most bytes that can precede it
/// within the match. Only looks through groups and concatenations, where it is plain that
/// the literal is always matched; the first literal found wins (the nearest to the start).
fn required_literal(hir: &Hir) -> Option<(Vec<u8>, usize)> {
    match hir.kind() {
        HirKind::Literal(l) if !l.0.is_empty() => Some((l.0.to_vec(), 0)),
        HirKind::Capture(c) => required_literal(&c.sub),
        HirKind::Concat(parts) => {
            let mut before = 0usize;
            for part in parts {
                if let Some((literal, within)) = required_literal(part) {
                    return Some((literal, before.checked_add(within)?));
                }
                before = before.checked_add(part.properties().maximum_len()?)?;
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Patterns covering each way of cutting the scan short, look-around at the search
    /// start, and groups that do not take part.
    const PATTERNS: &[&str] = &[
        r"in:<pppoe-(.*?)>",
        r"->(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d+)",
        r"->(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d+)\)",
        r"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d+)",
        r"\d{1,2}:\d{1,2}:\d{1,2}\s+(\w+)",
        r"\bab(\w*)",
        r"\Bb(c)",
        r"^<(\d+)>",
        r"(foo|bar)=(\d+)?x",
        r"(?i)user=(\S+)",
        r"a+b",
        r"x*",
        r"(a)|(b)",
    ];

    const TEXTS: &[&str] = &[
        "",
        "<54> 01:05:27 epfJBd0Kh prerouting: in:<pppoe-OOL8dKL> out:(unknown 0), proto TCP, \
         83.243.39.102:4825->167.13.19.211:59619, NAT (83.243.39.102:4825->138.25.94.150:34279)\
         ->167.13.19.211:59619, len 852",
        "->1.2.3.4 ->1.2.3.4:5, ->1.2.3.4:56) in:<pppoe-x in:<pppoe-y>",
        "1.2.3 1.2.3.4 12.3.4.5:6 1234.5.6.7:8",
        "ab xab abab cab bc",
        "<1> <2>",
        "bar= foo=12x bar=x USER=Bob",
        "1:2:3  4:5:6\tname 7:8:9",
        "aaab b",
        "no match here at all",
    ];

    #[test]
    fn agrees_with_the_regex_crate() {
        assert!(AsciiDfa::build(PATTERNS[4], true).unwrap().has_groups());
        // Both ways of trying a start: the compact table, and the DFA's own search where
        // the start state depends on the byte before it.
        assert!(AsciiDfa::build(PATTERNS[1], false)
            .unwrap()
            .anchored
            .is_some());
        assert!(AsciiDfa::build(PATTERNS[5], false)
            .unwrap()
            .anchored
            .is_none());
        for pattern in PATTERNS {
            let want = regex::bytes::RegexBuilder::new(pattern)
                .unicode(false)
                .build()
                .unwrap();
            let dfa = AsciiDfa::build(pattern, true).unwrap();
            let mut cache = dfa.cache();
            for text in TEXTS {
                // Every suffix too, so literal occurrences fall at every distance from the start.
                for from in 0..=text.len() {
                    let hay = &text.as_bytes()[from..];
                    let caps = want.captures(hay);
                    let whole = dfa.find(hay).unwrap();
                    assert_eq!(
                        whole,
                        caps.as_ref()
                            .map(|c| (c.get(0).unwrap().start(), c.get(0).unwrap().end())),
                        "{pattern} on {:?}",
                        &text[from..]
                    );
                    if !dfa.has_groups() {
                        continue;
                    }
                    let mut spans = vec![None; want.captures_len()];
                    assert!(dfa.captures(hay, &mut cache, &mut spans).unwrap());
                    let expected: Vec<_> = match caps {
                        Some(caps) => caps
                            .iter()
                            .map(|m| m.map(|m| (m.start(), m.end())))
                            .collect(),
                        None => vec![None; want.captures_len()],
                    };
                    assert_eq!(spans, expected, "{pattern} on {:?}", &text[from..]);
                }
            }
        }
    }

    #[test]
    fn many_near_misses_fall_back_to_one_search() {
        let line = format!("{}->42) 4:2", "->x 1: ".repeat(3 * MAX_ANCHORED_TRIES));
        let at = line.len() - 9;
        let dfa = AsciiDfa::build(r"->(\d+)\)", false).unwrap();
        assert_eq!(dfa.find(line.as_bytes()).unwrap(), Some((at, at + 5)));
        let dfa = AsciiDfa::build(r"(\d):(\d)", true).unwrap();
        let mut spans = [None; 3];
        assert!(dfa
            .captures(line.as_bytes(), &mut dfa.cache(), &mut spans)
            .unwrap());
        let (x, y, z) = (
            Some((at + 6, at + 9)),
            Some((at + 6, at + 7)),
            Some((at + 8, at + 9)),
        );
        assert_eq!(spans, [x, y, z]);
    }

    #[test]
    fn required_literals() {
        let lit = |p: &str| {
            let hir = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .build()
                .parse(p)
                .unwrap();
            required_literal(&hir).map(|(l, w)| (String::from_utf8(l).unwrap(), w))
        };
        assert_eq!(lit(r"in:<pppoe-(.*?)>"), Some(("in:<pppoe-".into(), 0)));
        assert_eq!(lit(r"(\d{1,3}\.\d+)"), Some((".".into(), 3)));
        assert_eq!(lit(r"\b\d{1,2}:"), Some((":".into(), 2)));
        assert_eq!(lit(r"\d+\."), None);
        assert_eq!(lit(r"a|b"), None);
        assert_eq!(lit(r"(?i)ab"), None);
    }
}
