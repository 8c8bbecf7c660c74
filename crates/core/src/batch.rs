//! Columnar chunks: rows are built column by column on the receiver threads, so a batch
//! can cross into JavaScript as a handful of arrays instead of one object per message.

use std::fmt::{Display, Write as _};
use std::sync::Arc;

/// DuckDB type of a stored column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// VARCHAR
    Varchar,
    /// INTEGER (ports)
    Integer,
    /// UTINYINT (facility, severity)
    UTinyInt,
    /// TIMESTAMPTZ in µs since the Unix epoch
    TimestampTz,
}

impl ColumnType {
    /// The name used in the JS batch and in DuckDB DDL.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Varchar => "varchar",
            ColumnType::Integer => "integer",
            ColumnType::UTinyInt => "utinyint",
            ColumnType::TimestampTz => "timestamptz",
        }
    }
}

/// Values of one column for the rows of a chunk. `valid[i] == 0` marks a NULL.
#[derive(Debug, Clone)]
pub enum ColumnData {
    /// Strings back to back in `data`; value `i` ends at `ends[i]`.
    Varchar {
        /// UTF-8 bytes of every value (always valid UTF-8: only `&str` is pushed).
        data: String,
        /// End offset of each value in `data`.
        ends: Vec<usize>,
        /// 1 = value, 0 = NULL.
        valid: Vec<u8>,
    },
    /// 32-bit integers.
    Integer {
        /// Values (0 where NULL).
        values: Vec<i32>,
        /// 1 = value, 0 = NULL.
        valid: Vec<u8>,
    },
    /// Unsigned bytes.
    UTinyInt {
        /// Values (0 where NULL).
        values: Vec<u8>,
        /// 1 = value, 0 = NULL.
        valid: Vec<u8>,
    },
    /// Timestamps, µs since the Unix epoch.
    TimestampTz {
        /// Values (0 where NULL).
        values: Vec<i64>,
        /// 1 = value, 0 = NULL.
        valid: Vec<u8>,
    },
}

impl ColumnData {
    /// An empty column of type `ty`.
    pub fn new(ty: ColumnType) -> ColumnData {
        match ty {
            ColumnType::Varchar => ColumnData::Varchar {
                data: String::new(),
                ends: Vec::new(),
                valid: Vec::new(),
            },
            ColumnType::Integer => ColumnData::Integer {
                values: Vec::new(),
                valid: Vec::new(),
            },
            ColumnType::UTinyInt => ColumnData::UTinyInt {
                values: Vec::new(),
                valid: Vec::new(),
            },
            ColumnType::TimestampTz => ColumnData::TimestampTz {
                values: Vec::new(),
                valid: Vec::new(),
            },
        }
    }

    /// An empty column of the same type with room for as many rows and bytes as this one
    /// holds: the next chunk of a steady stream then fills without regrowing from empty.
    pub fn empty_like(&self) -> ColumnData {
        match self {
            ColumnData::Varchar { data, ends, .. } => ColumnData::Varchar {
                data: String::with_capacity(data.len()),
                ends: Vec::with_capacity(ends.len()),
                valid: Vec::with_capacity(ends.len()),
            },
            ColumnData::Integer { values, .. } => ColumnData::Integer {
                values: Vec::with_capacity(values.len()),
                valid: Vec::with_capacity(values.len()),
            },
            ColumnData::UTinyInt { values, .. } => ColumnData::UTinyInt {
                values: Vec::with_capacity(values.len()),
                valid: Vec::with_capacity(values.len()),
            },
            ColumnData::TimestampTz { values, .. } => ColumnData::TimestampTz {
                values: Vec::with_capacity(values.len()),
                valid: Vec::with_capacity(values.len()),
            },
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Varchar { valid, .. }
            | ColumnData::Integer { valid, .. }
            | ColumnData::UTinyInt { valid, .. }
            | ColumnData::TimestampTz { valid, .. } => valid.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a string or NULL. Panics on a non-VARCHAR column (a schema bug, not input).
    pub fn push_str(&mut self, v: Option<&str>) {
        let ColumnData::Varchar { data, ends, valid } = self else {
            unreachable!("push_str on a {:?} column", self.ty())
        };
        if let Some(s) = v {
            data.push_str(s);
        }
        ends.push(data.len());
        valid.push(u8::from(v.is_some()));
    }

    /// Appends the text form of `v` without an intermediate `String`.
    pub fn push_display(&mut self, v: &dyn Display) {
        let ColumnData::Varchar { data, ends, valid } = self else {
            unreachable!("push_display on a {:?} column", self.ty())
        };
        // Writing to a String cannot fail.
        let _ = write!(data, "{v}");
        ends.push(data.len());
        valid.push(1);
    }

    /// Appends an integer or NULL.
    pub fn push_i32(&mut self, v: Option<i32>) {
        let ColumnData::Integer { values, valid } = self else {
            unreachable!("push_i32 on a {:?} column", self.ty())
        };
        values.push(v.unwrap_or(0));
        valid.push(u8::from(v.is_some()));
    }

    /// Appends a byte or NULL.
    pub fn push_u8(&mut self, v: Option<u8>) {
        let ColumnData::UTinyInt { values, valid } = self else {
            unreachable!("push_u8 on a {:?} column", self.ty())
        };
        values.push(v.unwrap_or(0));
        valid.push(u8::from(v.is_some()));
    }

    /// Appends a timestamp (µs) or NULL.
    pub fn push_i64(&mut self, v: Option<i64>) {
        let ColumnData::TimestampTz { values, valid } = self else {
            unreachable!("push_i64 on a {:?} column", self.ty())
        };
        values.push(v.unwrap_or(0));
        valid.push(u8::from(v.is_some()));
    }

    /// The column's type.
    pub fn ty(&self) -> ColumnType {
        match self {
            ColumnData::Varchar { .. } => ColumnType::Varchar,
            ColumnData::Integer { .. } => ColumnType::Integer,
            ColumnData::UTinyInt { .. } => ColumnType::UTinyInt,
            ColumnData::TimestampTz { .. } => ColumnType::TimestampTz,
        }
    }

    /// The string at row `i`, if it is a non-NULL VARCHAR.
    pub fn str_at(&self, i: usize) -> Option<&str> {
        let ColumnData::Varchar { data, ends, valid } = self else {
            return None;
        };
        if valid[i] == 0 {
            return None;
        }
        let start = if i == 0 { 0 } else { ends[i - 1] };
        Some(&data[start..ends[i]])
    }

    /// Moves `other`'s rows to the end of `self` (same type).
    fn append(&mut self, other: ColumnData) {
        match (self, other) {
            (
                ColumnData::Varchar { data, ends, valid },
                ColumnData::Varchar {
                    data: d2,
                    ends: e2,
                    valid: v2,
                },
            ) => {
                let base = data.len();
                data.push_str(&d2);
                ends.extend(e2.into_iter().map(|e| e + base));
                valid.extend(v2);
            }
            (
                ColumnData::Integer { values, valid },
                ColumnData::Integer {
                    values: x,
                    valid: v2,
                },
            ) => {
                values.extend(x);
                valid.extend(v2);
            }
            (
                ColumnData::UTinyInt { values, valid },
                ColumnData::UTinyInt {
                    values: x,
                    valid: v2,
                },
            ) => {
                values.extend(x);
                valid.extend(v2);
            }
            (
                ColumnData::TimestampTz { values, valid },
                ColumnData::TimestampTz {
                    values: x,
                    valid: v2,
                },
            ) => {
                values.extend(x);
                valid.extend(v2);
            }
            (a, b) => unreachable!("append {:?} to {:?}", b.ty(), a.ty()),
        }
    }

    /// Row `i` as text, `NULL` for a null — for tests and diagnostics.
    pub fn debug_value(&self, i: usize) -> String {
        match self {
            ColumnData::Varchar { .. } => self.str_at(i).map_or("NULL".into(), str::to_string),
            ColumnData::Integer { values, valid } => opt(valid[i], values[i]),
            ColumnData::UTinyInt { values, valid } => opt(valid[i], values[i]),
            ColumnData::TimestampTz { values, valid } => opt(valid[i], values[i]),
        }
    }
}

fn opt(valid: u8, v: impl ToString) -> String {
    if valid == 0 {
        "NULL".into()
    } else {
        v.to_string()
    }
}

/// Names and types of a chunk's columns after `received_at`. Chunks built under the same
/// class share one `Arc<Schema>`, so pointer equality tells whether two chunks can merge.
#[derive(Debug, PartialEq, Eq)]
pub struct Schema {
    /// Column names and types, in stored order.
    pub columns: Vec<(String, ColumnType)>,
}

/// Rows received under one schema, built column by column.
#[derive(Debug)]
pub struct Chunk {
    /// Column layout.
    pub schema: Arc<Schema>,
    /// Receive time of each row, µs since the Unix epoch.
    pub received_at_us: Vec<i64>,
    /// One entry per `schema.columns`.
    pub columns: Vec<ColumnData>,
}

impl Chunk {
    /// An empty chunk for `schema`.
    pub fn new(schema: Arc<Schema>) -> Chunk {
        let columns = schema
            .columns
            .iter()
            .map(|(_, ty)| ColumnData::new(*ty))
            .collect();
        Chunk {
            schema,
            received_at_us: Vec::new(),
            columns,
        }
    }

    /// An empty chunk of the same schema, sized like this one (see [`ColumnData::empty_like`]).
    pub fn empty_like(&self) -> Chunk {
        Chunk {
            schema: self.schema.clone(),
            received_at_us: Vec::with_capacity(self.received_at_us.len()),
            columns: self.columns.iter().map(ColumnData::empty_like).collect(),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.received_at_us.len()
    }

    /// Moves `other`'s rows after this chunk's. Both must have the same schema.
    pub fn append(&mut self, other: Chunk) {
        debug_assert!(Arc::ptr_eq(&self.schema, &other.schema) || self.schema == other.schema);
        self.received_at_us.extend(other.received_at_us);
        for (mine, theirs) in self.columns.iter_mut().zip(other.columns) {
            mine.append(theirs);
        }
    }
}
