//! Field extraction: a class (ordered `field → pattern`) compiled once and applied to each
//! message text exactly as SPEC §3 says, so rows match what the original Python tool stored.
//!
//! Per field the pattern is searched once (leftmost-first, like `re.search`). The value is
//! capture group 1, or the whole match for a pattern without groups; a pattern with named
//! groups fills one column per named group instead. A column whose name ends in `_ip`
//! becomes two: the address and an INTEGER `…_port` (both NULL unless the value is a valid
//! `address:port`). Patterns are compiled by the `regex` crate; only those it refuses for
//! needing look-around or back-references go to `fancy-regex`, a backtracking engine, whose
//! search has a work budget: a field over it is NULL, and reported so it can be counted.

use crate::address::parse_ip_port;
use crate::batch::{ColumnData, ColumnType};
use crate::error::{Error, ErrorKind};
use crate::matcher::{FieldMatcher, MatchScratch};
use crate::text::is_ascii;

/// Column names the fixed part of a row already uses (SPEC §3, and `structured_data` of
/// issue 8).
pub const RESERVED_COLUMNS: [&str; 12] = [
    "received_at",
    "sender_ip",
    "sender",
    "facility",
    "severity",
    "hostname",
    "app_name",
    "proc_id",
    "msg_id",
    "log_time",
    "structured_data",
    "original_log",
];

/// A field as configured: a name and a regular expression.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    /// Field name (`^[a-z][a-z0-9_]{0,62}$`).
    pub name: String,
    /// Pattern in Rust `regex` syntax (Python's `(?P<name>…)` accepted).
    pub pattern: String,
}

/// A column the class produces, in stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldColumn {
    /// Column name.
    pub name: String,
    /// VARCHAR, or INTEGER for the `_port` half of an `_ip` field.
    pub ty: ColumnType,
    /// The field whose pattern fills it.
    pub field: String,
}

/// Where one column's value comes from: capture group `group` (0 = whole match) of the
/// field's pattern, written to field column `column` (and `column + 1` for an `_ip` port).
struct Slot {
    group: usize,
    column: usize,
    ip: bool,
}

struct CompiledField {
    name: String,
    matcher: FieldMatcher,
    slots: Vec<Slot>,
    /// Some slot reads a capture group, not just the whole match.
    need_groups: bool,
}

/// A compiled class. Shared by every receiver thread; per-thread state lives in [`Scratch`].
pub struct Extractor {
    fields: Vec<CompiledField>,
    columns: Vec<FieldColumn>,
    uses_backtracking: bool,
}

/// Reusable capture buffers, one per field, so matching allocates nothing per message.
pub struct Scratch {
    fields: Vec<MatchScratch>,
    /// Per field: whether the last line's search gave up at the budget.
    over_budget: Vec<bool>,
}

impl Extractor {
    /// Compiles every field of `class`. Errors name the class, the field and, for a bad
    /// pattern, the character position.
    pub fn compile(class: &str, fields: &[FieldSpec]) -> Result<Extractor, Error> {
        let mut columns: Vec<FieldColumn> = Vec::new();
        let mut compiled = Vec::with_capacity(fields.len());
        let mut uses_backtracking = false;
        for f in fields {
            let name_err = |message: String| {
                Error::new(ErrorKind::Name {
                    class: class.to_string(),
                    field: f.name.clone(),
                    message,
                })
            };
            check_name(&f.name).map_err(name_err)?;
            let matcher = FieldMatcher::compile(&f.pattern).map_err(|e| {
                Error::new(ErrorKind::Regex {
                    class: class.to_string(),
                    field: f.name.clone(),
                    position: e.position,
                    message: e.message,
                })
            })?;
            uses_backtracking |= matcher.is_backtracking();
            let group_count = matcher.captures_len();
            let names = matcher.capture_names().to_vec();
            let outputs: Vec<(usize, String)> = if names.iter().any(Option::is_some) {
                names
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, n)| n.map(|n| (i, n)))
                    .collect()
            } else {
                vec![(usize::from(group_count > 1), f.name.clone())]
            };
            let mut slots = Vec::with_capacity(outputs.len());
            for (group, name) in outputs {
                check_name(&name).map_err(|m| name_err(format!("group '{name}': {m}")))?;
                let ip = name.ends_with("_ip");
                let mut new_cols = vec![FieldColumn {
                    name: name.clone(),
                    ty: ColumnType::Varchar,
                    field: f.name.clone(),
                }];
                if ip {
                    new_cols.push(FieldColumn {
                        name: format!("{}_port", &name[..name.len() - 3]),
                        ty: ColumnType::Integer,
                        field: f.name.clone(),
                    });
                }
                for c in &new_cols {
                    if RESERVED_COLUMNS.contains(&c.name.as_str()) {
                        return Err(name_err(format!("column '{}' is reserved", c.name)));
                    }
                    if let Some(other) = columns.iter().find(|o| o.name == c.name) {
                        return Err(name_err(format!(
                            "column '{}' is already produced by field '{}'",
                            c.name, other.field
                        )));
                    }
                }
                slots.push(Slot {
                    group,
                    column: columns.len(),
                    ip,
                });
                columns.extend(new_cols);
            }
            let need_groups = slots.iter().any(|s| s.group > 0);
            compiled.push(CompiledField {
                name: f.name.clone(),
                matcher,
                slots,
                need_groups,
            });
        }
        Ok(Extractor {
            fields: compiled,
            columns,
            uses_backtracking,
        })
    }

    /// The columns this class fills, in stored order.
    pub fn columns(&self) -> &[FieldColumn] {
        &self.columns
    }

    /// Whether some field needed the backtracking engine (slower, shown in the tester).
    pub fn uses_backtracking(&self) -> bool {
        self.uses_backtracking
    }

    /// Fresh per-thread buffers for [`Extractor::extract_into`].
    pub fn scratch(&self) -> Scratch {
        Scratch {
            fields: self.fields.iter().map(|f| f.matcher.scratch()).collect(),
            over_budget: vec![false; self.fields.len()],
        }
    }

    /// Appends one row: every field of `text` to `out`, which holds exactly
    /// [`Extractor::columns`] in order. Returns how many fields were over the backtracking
    /// budget (their columns are NULL; [`Extractor::over_budget_fields`] names them).
    pub fn extract_into(&self, text: &str, scratch: &mut Scratch, out: &mut [ColumnData]) -> u32 {
        let is_ascii = is_ascii(text.as_bytes());
        let mut over = 0;
        let searches = scratch.fields.iter_mut().zip(&mut scratch.over_budget);
        for (field, (s, over_budget)) in self.fields.iter().zip(searches) {
            *over_budget = field
                .matcher
                .search(text, is_ascii, field.need_groups, s)
                .is_err();
            over += u32::from(*over_budget);
            for slot in &field.slots {
                push_value(text, s.span(slot.group), slot, out);
            }
        }
        over
    }

    /// The fields over the budget in the last [`Extractor::extract_into`] with `scratch`.
    pub fn over_budget_fields<'a>(&'a self, scratch: &'a Scratch) -> impl Iterator<Item = &'a str> {
        self.fields
            .iter()
            .zip(&scratch.over_budget)
            .filter(|(_, over)| **over)
            .map(|(f, _)| f.name.as_str())
    }
}

fn push_value(text: &str, span: Option<(usize, usize)>, slot: &Slot, out: &mut [ColumnData]) {
    let value = span.map(|(s, e)| &text[s..e]);
    if !slot.ip {
        out[slot.column].push_str(value);
        return;
    }
    match value.and_then(parse_ip_port) {
        Some((addr, text, port)) => {
            // A valid dotted quad is already canonical (leading zeros are refused), so the
            // captured text is stored as is; IPv6 is normalised (`2001:0db8::01` → `2001:db8::1`).
            match addr {
                std::net::IpAddr::V4(_) => out[slot.column].push_str(Some(text)),
                std::net::IpAddr::V6(_) => out[slot.column].push_display(&addr),
            }
            out[slot.column + 1].push_i32(Some(i32::from(port)));
        }
        None => {
            out[slot.column].push_str(None);
            out[slot.column + 1].push_i32(None);
        }
    }
}

/// The naming rule shared by classes, fields, groups and engines: `^[a-z][a-z0-9_]{0,62}$`.
pub fn check_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!("name '{name}' must match ^[a-z][a-z0-9_]{{0,62}}$"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(fields: &[(&str, &str)]) -> Result<Extractor, Error> {
        let specs: Vec<_> = fields
            .iter()
            .map(|(n, p)| FieldSpec {
                name: n.to_string(),
                pattern: p.to_string(),
            })
            .collect();
        Extractor::compile("c", &specs)
    }

    fn run(x: &Extractor, text: &str) -> Vec<String> {
        let mut cols: Vec<ColumnData> = x.columns().iter().map(|c| ColumnData::new(c.ty)).collect();
        let mut s = x.scratch();
        x.extract_into(text, &mut s, &mut cols);
        cols.iter().map(|c| c.debug_value(0)).collect()
    }

    #[test]
    fn group_one_whole_match_and_no_match() {
        let x = class(&[
            ("a", r"id=(\d+)"),
            ("b", r"\d+"),
            ("c", "nope(x)"),
            ("d", "(x)|(y)"),
        ])
        .unwrap();
        assert_eq!(run(&x, "id=42 y"), ["42", "42", "NULL", "NULL"]);
    }

    #[test]
    fn named_groups_fill_several_columns() {
        let x = class(&[("ignored", r"(?P<src_ip>[\d.]+:\d+)->(?P<proto>\w+)")]).unwrap();
        let names: Vec<_> = x.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["src_ip", "src_port", "proto"]);
        assert_eq!(run(&x, "1.2.3.4:5->tcp"), ["1.2.3.4", "5", "tcp"]);
    }

    #[test]
    fn look_around_falls_back_to_backtracking() {
        let x = class(&[("user", r"(?<=user=)(\w+)"), ("dup", r"(\w)\1")]).unwrap();
        assert!(x.uses_backtracking());
        assert_eq!(run(&x, "user=bob xx"), ["bob", "x"]);
    }

    /// Issue 16: look-around reading the rest of the line at every start position took
    /// seconds on a 60 KB line; now the search stops at the budget, the field is NULL and
    /// reported, and the other fields are extracted as usual.
    #[test]
    fn backtracking_over_budget_is_null_and_reported() {
        let x = class(&[
            ("last", r"(\d+)(?!.*\d)"),
            ("z", r"(?=.*z)\w+"),
            ("id", r"id=(\d+)"),
        ])
        .unwrap();
        let long = format!("id=7 {}", "1 ".repeat(30_000));
        let mut cols: Vec<ColumnData> = x.columns().iter().map(|c| ColumnData::new(c.ty)).collect();
        let mut s = x.scratch();
        let started = std::time::Instant::now();
        let over = x.extract_into(&long, &mut s, &mut cols);
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_millis(100),
            "took {took:?}"
        );
        assert_eq!(over, 2);
        assert_eq!(x.over_budget_fields(&s).collect::<Vec<_>>(), ["last", "z"]);
        let row: Vec<_> = cols.iter().map(|c| c.debug_value(0)).collect();
        assert_eq!(row, ["NULL", "NULL", "7"]);
        // The same class on an ordinary line: values, and nothing over budget.
        let over = x.extract_into("id=1 a 22 b 333 zz", &mut s, &mut cols);
        assert_eq!(over, 0);
        assert_eq!(x.over_budget_fields(&s).count(), 0);
        let row: Vec<_> = cols.iter().map(|c| c.debug_value(1)).collect();
        assert_eq!(row, ["333", "id", "1"]);
    }

    #[test]
    fn compile_error_names_class_field_and_position() {
        let err = class(&[("ok", "a"), ("bad", "ab(c")]).err().unwrap();
        let msg = err.to_string();
        assert!(
            msg.starts_with("class 'c', field 'bad': invalid regex at position 2"),
            "{msg}"
        );
        let err = class(&[("bad", "ü[z-a]")]).err().unwrap();
        assert!(err.to_string().contains("at position 2"), "{err}");
    }

    #[test]
    fn names_are_checked() {
        assert!(class(&[("Bad", "a")]).is_err());
        assert!(class(&[("sender", "a")]).is_err());
        assert!(class(&[("x_ip", "a"), ("x_port", "b")]).is_err());
        assert!(class(&[("x", "(?P<hostname>a)")]).is_err());
    }
}
