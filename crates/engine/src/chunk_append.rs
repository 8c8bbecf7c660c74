//! Copies a chunk's rows into a DuckDB appender, one DuckDB vector (2,048 rows) at a time:
//! fixed-width values are plain stores into the vector's memory, strings of up to 12 bytes
//! are written inline in `duckdb_string_t` form, and only longer strings cost a call.
//!
//! Columns keep the type their table gave them (SPEC §4): a value of another type is
//! converted, and one that does not fit is stored as NULL rather than the row refused.
//! Columns the chunk lacks, and columns of types logsift never writes, are NULL.

use std::fmt::Write as _;

use logsift_core::batch::{Chunk, ColumnData};

use crate::duckdb_api::{type_id, Appender, DuckDb, Handle, Idx};

/// Where one table column's values come from.
enum Source<'a> {
    ReceivedAt,
    Column(&'a ColumnData),
    Null,
}

/// Appends the rows of `chunk` whose receive time is in `[from_us, to_us)` to `appender`,
/// whose table columns are named `table` (in appender order). Returns the rows appended.
pub fn append_rows(
    api: &DuckDb,
    appender: Appender,
    chunk: &Chunk,
    table: &[String],
    from_us: i64,
    to_us: i64,
) -> Result<usize, String> {
    let rows: Vec<u32> = (0..chunk.rows() as u32)
        .filter(|&r| (from_us..to_us).contains(&chunk.received_at_us[r as usize]))
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    // SAFETY (whole function): `appender` is live and used by this thread alone; every
    // vector pointer comes from the chunk created here, sized by `vector_size`, and row
    // indexes stay below the size set on it.
    unsafe {
        let columns = (api.appender_column_count)(appender.0);
        if columns as usize != table.len() {
            return Err(format!(
                "the appender has {columns} columns, the writer named {}",
                table.len()
            ));
        }
        let mut types: Vec<Handle> = (0..columns)
            .map(|i| (api.appender_column_type)(appender.0, i))
            .collect();
        let ids: Vec<i32> = types.iter().map(|t| (api.get_type_id)(*t)).collect();
        let mut out = (api.create_data_chunk)(types.as_mut_ptr(), columns);
        for t in &mut types {
            (api.destroy_logical_type)(t);
        }
        let sources: Vec<Source> = table
            .iter()
            .map(|name| {
                if name == "received_at" {
                    return Source::ReceivedAt;
                }
                chunk
                    .schema
                    .columns
                    .iter()
                    .position(|(n, _)| n == name)
                    .map_or(Source::Null, |i| Source::Column(&chunk.columns[i]))
            })
            .collect();
        let step = (api.vector_size)() as usize;
        let mut result = Ok(rows.len());
        for part in rows.chunks(step) {
            (api.data_chunk_reset)(out);
            (api.data_chunk_set_size)(out, part.len() as Idx);
            for (c, source) in sources.iter().enumerate() {
                let vector = (api.data_chunk_get_vector)(out, c as Idx);
                fill(api, vector, ids[c], source, &chunk.received_at_us, part);
            }
            if (api.append_data_chunk)(appender.0, out) != 0 {
                result = Err(appender.error(api, "append failed"));
                break;
            }
        }
        (api.destroy_data_chunk)(&mut out);
        result
    }
}

/// Fills one vector of type `id` with `rows` of `source`.
///
/// # Safety
/// `vector` belongs to a live data chunk holding at least `rows.len()` rows.
unsafe fn fill(
    api: &DuckDb,
    vector: Handle,
    id: i32,
    source: &Source,
    received_at: &[i64],
    rows: &[u32],
) {
    let mut out = VectorWriter::new(api, vector, rows.len());
    match (id, source) {
        (type_id::TIMESTAMP_TZ, Source::ReceivedAt) => {
            for (k, &r) in rows.iter().enumerate() {
                out.fixed(k, received_at[r as usize]);
            }
        }
        (_, Source::Column(data)) => {
            for (k, &r) in rows.iter().enumerate() {
                out.value(k, id, data, r as usize);
            }
        }
        _ => {
            for k in 0..rows.len() {
                out.null(k, id);
            }
        }
    }
}

/// Writes values and NULLs into one vector.
struct VectorWriter<'a> {
    api: &'a DuckDb,
    vector: Handle,
    data: *mut u8,
    validity: *mut u64,
    text: String,
}

impl<'a> VectorWriter<'a> {
    /// Starts with every row valid: a reset chunk may still carry the previous NULLs.
    ///
    /// # Safety
    /// As for [`fill`].
    unsafe fn new(api: &'a DuckDb, vector: Handle, rows: usize) -> VectorWriter<'a> {
        unsafe {
            (api.vector_ensure_validity_writable)(vector);
            let validity = (api.vector_get_validity)(vector);
            std::ptr::write_bytes(validity, 0xff, rows.div_ceil(64));
            VectorWriter {
                api,
                vector,
                data: (api.vector_get_data)(vector).cast(),
                validity,
                text: String::new(),
            }
        }
    }

    unsafe fn fixed<T: Copy>(&mut self, k: usize, v: T) {
        unsafe { self.data.cast::<T>().add(k).write(v) }
    }

    unsafe fn null(&mut self, k: usize, id: i32) {
        unsafe {
            *self.validity.add(k / 64) &= !(1u64 << (k % 64));
            // DuckDB may read a NULL string's length before its validity bit.
            if id == type_id::VARCHAR {
                self.data.add(k * 16).write_bytes(0, 16);
            }
        }
    }

    unsafe fn string(&mut self, k: usize, s: &str) {
        unsafe {
            if s.len() <= 12 {
                // duckdb_string_t inlined: u32 length, then the bytes, zero padded.
                let at = self.data.add(k * 16);
                at.write_bytes(0, 16);
                at.cast::<u32>().write_unaligned(s.len() as u32);
                std::ptr::copy_nonoverlapping(s.as_ptr(), at.add(4), s.len());
            } else {
                (self.api.vector_assign_string_element_len)(
                    self.vector,
                    k as Idx,
                    s.as_ptr().cast(),
                    s.len() as Idx,
                );
            }
        }
    }

    /// Row `r` of `data` as a value of type `id`.
    unsafe fn value(&mut self, k: usize, id: i32, data: &ColumnData, r: usize) {
        unsafe {
            match (id, data) {
                (type_id::VARCHAR, ColumnData::Varchar { .. }) => match data.str_at(r) {
                    Some(s) => self.string(k, s),
                    None => self.null(k, id),
                },
                (type_id::INTEGER, ColumnData::Integer { values, valid }) if valid[r] != 0 => {
                    self.fixed(k, values[r])
                }
                (type_id::UTINYINT, ColumnData::UTinyInt { values, valid }) if valid[r] != 0 => {
                    self.fixed(k, values[r])
                }
                (type_id::TIMESTAMP_TZ, ColumnData::TimestampTz { values, valid })
                    if valid[r] != 0 =>
                {
                    self.fixed(k, values[r])
                }
                (type_id::VARCHAR, _) => {
                    self.text.clear();
                    if write_text(&mut self.text, data, r) {
                        let text = std::mem::take(&mut self.text);
                        self.string(k, &text);
                        self.text = text;
                    } else {
                        self.null(k, id);
                    }
                }
                (type_id::INTEGER, _) => match as_integer(data, r) {
                    Some(n) => match i32::try_from(n) {
                        Ok(v) => self.fixed(k, v),
                        Err(_) => self.null(k, id),
                    },
                    None => self.null(k, id),
                },
                (type_id::UTINYINT, _) => match as_integer(data, r).map(u8::try_from) {
                    Some(Ok(v)) => self.fixed(k, v),
                    _ => self.null(k, id),
                },
                (type_id::TIMESTAMP_TZ, ColumnData::Varchar { .. }) => {
                    match data
                        .str_at(r)
                        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                    {
                        Some(t) => self.fixed(k, t.as_microsecond()),
                        None => self.null(k, id),
                    }
                }
                _ => self.null(k, id),
            }
        }
    }
}

/// Row `r` as text; false for a NULL.
fn write_text(out: &mut String, data: &ColumnData, r: usize) -> bool {
    let _ = match data {
        ColumnData::Varchar { .. } => return data.str_at(r).map(|s| out.push_str(s)).is_some(),
        ColumnData::Integer { values, valid } if valid[r] != 0 => write!(out, "{}", values[r]),
        ColumnData::UTinyInt { values, valid } if valid[r] != 0 => write!(out, "{}", values[r]),
        ColumnData::TimestampTz { values, valid } if valid[r] != 0 => {
            match jiff::Timestamp::from_microsecond(values[r]) {
                Ok(t) => write!(out, "{t}"),
                Err(_) => return false,
            }
        }
        _ => return false,
    };
    true
}

/// Row `r` as a whole number: integers as they are, text only when it is one.
fn as_integer(data: &ColumnData, r: usize) -> Option<i64> {
    match data {
        ColumnData::Integer { values, valid } => (valid[r] != 0).then(|| i64::from(values[r])),
        ColumnData::UTinyInt { values, valid } => (valid[r] != 0).then(|| i64::from(values[r])),
        ColumnData::Varchar { .. } => data.str_at(r).and_then(|s| s.parse().ok()),
        ColumnData::TimestampTz { .. } => None,
    }
}
