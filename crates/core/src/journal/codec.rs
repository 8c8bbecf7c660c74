//! A [`Chunk`] as bytes for a journal record: its schema, then `received_at`, then each
//! column as it is laid out in memory (validity bytes, then values), all little-endian.
//! Decoding checks every length and offset, so a damaged record is an error, never a
//! panic; the record's checksum has normally caught the damage before.

use std::sync::Arc;

use crate::batch::{Chunk, ColumnData, ColumnType, Schema};

const VARCHAR: u8 = 0;
const INTEGER: u8 = 1;
const UTINYINT: u8 = 2;
const TIMESTAMPTZ: u8 = 3;

fn type_tag(ty: ColumnType) -> u8 {
    match ty {
        ColumnType::Varchar => VARCHAR,
        ColumnType::Integer => INTEGER,
        ColumnType::UTinyInt => UTINYINT,
        ColumnType::TimestampTz => TIMESTAMPTZ,
    }
}

/// Appends the encoding of `chunk` to `out`.
pub fn encode(chunk: &Chunk, out: &mut Vec<u8>) {
    let schema = &chunk.schema.columns;
    out.extend_from_slice(&(schema.len() as u32).to_le_bytes());
    for (name, ty) in schema {
        out.push(type_tag(*ty));
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    out.extend_from_slice(&(chunk.rows() as u32).to_le_bytes());
    for t in &chunk.received_at_us {
        out.extend_from_slice(&t.to_le_bytes());
    }
    for column in &chunk.columns {
        match column {
            ColumnData::Varchar { data, ends, valid } => {
                out.extend_from_slice(valid);
                out.extend_from_slice(&(data.len() as u32).to_le_bytes());
                out.extend_from_slice(data.as_bytes());
                for e in ends {
                    out.extend_from_slice(&(*e as u32).to_le_bytes());
                }
            }
            ColumnData::Integer { values, valid } => {
                out.extend_from_slice(valid);
                values
                    .iter()
                    .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
            ColumnData::UTinyInt { values, valid } => {
                out.extend_from_slice(valid);
                out.extend_from_slice(values);
            }
            ColumnData::TimestampTz { values, valid } => {
                out.extend_from_slice(valid);
                values
                    .iter()
                    .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
        }
    }
}

/// Reads fields off the front of a record, failing instead of reading past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err(format!(
                "{what}: {n} bytes wanted, {} left",
                self.bytes.len()
            ));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u32(&mut self, what: &str) -> Result<usize, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// `rows` values of `N` bytes each.
    fn array<const N: usize, T>(
        &mut self,
        rows: usize,
        what: &str,
        from: fn([u8; N]) -> T,
    ) -> Result<Vec<T>, String> {
        let bytes = self.take(rows * N, what)?;
        Ok(bytes
            .chunks_exact(N)
            .map(|c| from(c.try_into().expect("chunks_exact yields N bytes")))
            .collect())
    }
}

/// Decodes a chunk. `last` is the schema of the previous decoded chunk: an equal schema is
/// shared rather than rebuilt, so consecutive chunks can still be merged by pointer.
pub fn decode(bytes: &[u8], last: &mut Option<Arc<Schema>>) -> Result<Chunk, String> {
    let mut c = Cursor { bytes };
    let ncols = c.u32("column count")?;
    let mut columns = Vec::with_capacity(ncols.min(1024));
    for _ in 0..ncols {
        let ty = match c.take(1, "column type")?[0] {
            VARCHAR => ColumnType::Varchar,
            INTEGER => ColumnType::Integer,
            UTINYINT => ColumnType::UTinyInt,
            TIMESTAMPTZ => ColumnType::TimestampTz,
            other => return Err(format!("unknown column type {other}")),
        };
        let len = c.u32("column name length")?;
        let name = std::str::from_utf8(c.take(len, "column name")?)
            .map_err(|e| format!("column name: {e}"))?;
        columns.push((name.to_string(), ty));
    }
    let schema = Schema { columns };
    let schema = match last.as_ref() {
        Some(s) if **s == schema => s.clone(),
        _ => Arc::new(schema),
    };
    *last = Some(schema.clone());
    let rows = c.u32("row count")?;
    let received_at_us = c.array(rows, "received_at", i64::from_le_bytes)?;
    let mut data = Vec::with_capacity(schema.columns.len());
    for (name, ty) in &schema.columns {
        let valid = c.take(rows, name)?.to_vec();
        data.push(match ty {
            ColumnType::Varchar => {
                let len = c.u32(name)?;
                let text = std::str::from_utf8(c.take(len, name)?)
                    .map_err(|e| format!("column {name}: {e}"))?;
                let ends = c.array(rows, name, u32::from_le_bytes)?;
                let mut start = 0;
                for &e in &ends {
                    if e < start || e as usize > len || !text.is_char_boundary(e as usize) {
                        return Err(format!("column {name}: bad string end {e}"));
                    }
                    start = e;
                }
                ColumnData::Varchar {
                    data: text.to_string(),
                    ends: ends.into_iter().map(|e| e as usize).collect(),
                    valid,
                }
            }
            ColumnType::Integer => ColumnData::Integer {
                values: c.array(rows, name, i32::from_le_bytes)?,
                valid,
            },
            ColumnType::UTinyInt => ColumnData::UTinyInt {
                values: c.take(rows, name)?.to_vec(),
                valid,
            },
            ColumnType::TimestampTz => ColumnData::TimestampTz {
                values: c.array(rows, name, i64::from_le_bytes)?,
                valid,
            },
        });
    }
    if !c.bytes.is_empty() {
        return Err(format!("{} bytes after the last column", c.bytes.len()));
    }
    Ok(Chunk {
        schema,
        received_at_us,
        columns: data,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A chunk with every column type, NULLs and non-ASCII text.
    pub(crate) fn sample(rows: usize) -> Chunk {
        let schema = Arc::new(Schema {
            columns: vec![
                ("text".into(), ColumnType::Varchar),
                ("port".into(), ColumnType::Integer),
                ("severity".into(), ColumnType::UTinyInt),
                ("log_time".into(), ColumnType::TimestampTz),
            ],
        });
        let mut chunk = Chunk::new(schema);
        for i in 0..rows {
            chunk.received_at_us.push(1_700_000_000_000_000 + i as i64);
            let text = format!("line {i} ü");
            chunk.columns[0].push_str((i % 3 != 0).then_some(text.as_str()));
            chunk.columns[1].push_i32((i % 2 == 0).then_some(-(i as i32)));
            chunk.columns[2].push_u8(Some((i % 8) as u8));
            chunk.columns[3].push_i64((i % 5 != 0).then_some(i as i64 * 7));
        }
        chunk
    }

    pub(crate) fn rows_of(chunk: &Chunk) -> Vec<String> {
        (0..chunk.rows())
            .map(|i| {
                let mut row = vec![chunk.received_at_us[i].to_string()];
                row.extend(chunk.columns.iter().map(|c| c.debug_value(i)));
                row.join("|")
            })
            .collect()
    }

    #[test]
    fn a_chunk_decodes_to_the_same_rows_and_schema() {
        let chunk = sample(37);
        let mut bytes = Vec::new();
        encode(&chunk, &mut bytes);
        let back = decode(&bytes, &mut None).unwrap();
        assert_eq!(*back.schema, *chunk.schema);
        assert_eq!(rows_of(&back), rows_of(&chunk));
    }

    #[test]
    fn an_equal_schema_is_shared_between_decoded_chunks() {
        let mut bytes = Vec::new();
        encode(&sample(2), &mut bytes);
        let mut last = None;
        let a = decode(&bytes, &mut last).unwrap();
        let b = decode(&bytes, &mut last).unwrap();
        assert!(Arc::ptr_eq(&a.schema, &b.schema));
    }

    #[test]
    fn a_cut_or_padded_record_is_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        encode(&sample(5), &mut bytes);
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], &mut None).is_err(), "cut at {n}");
        }
        bytes.push(0);
        assert!(decode(&bytes, &mut None).is_err());
    }
}
