//! Rows on their way to a day file, held natively: JavaScript sees a handle with a row
//! count, a time range and a schema, and asks for rows as JS values only when it shows
//! them (the live tail, tests). Storing them — filling DuckDB vectors and committing —
//! runs on libuv worker threads (`appendChunk`, `flushAppender`), so at 200k rows/s the
//! JavaScript thread still creates no value per row.

use std::ops::Range;
use std::sync::{Arc, Mutex};

use logsift_core::batch::{Chunk, ColumnData, ColumnType, Schema};
use napi::bindgen_prelude::{
    AsyncTask, BigInt64Array, Either4, Int32Array, Result, Status, Task, Uint8Array,
};
use napi::{Env, JsValue};
use napi_derive::napi;

use crate::chunk_append::append_rows;
use crate::duckdb_api::{self, Appender};
use crate::js_batch::{chunk_to_js, NativeBatch};

/// A stored column's name and DuckDB type.
#[napi(object)]
pub struct StoredColumn {
    /// Column name.
    pub name: String,
    /// DuckDB type.
    #[napi(ts_type = "'varchar' | 'integer' | 'utinyint' | 'timestamptz'")]
    pub r#type: String,
}

/// A batch of rows of one schema, kept in native memory until released.
#[napi]
pub struct RowChunk {
    rows: Mutex<Option<Arc<Chunk>>>,
    row_count: u32,
    records: Option<(u64, u64)>,
}

impl RowChunk {
    pub(crate) fn new(chunk: Chunk) -> RowChunk {
        RowChunk::journaled(chunk, None)
    }

    /// Rows that came through the journal as records `first..=last`.
    pub(crate) fn journaled(chunk: Chunk, records: Option<(u64, u64)>) -> RowChunk {
        RowChunk {
            row_count: chunk.rows() as u32,
            rows: Mutex::new(Some(Arc::new(chunk))),
            records,
        }
    }

    fn chunk(&self) -> Result<Arc<Chunk>> {
        self.rows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| napi::Error::new(Status::GenericFailure, "the chunk was released"))
    }
}

#[napi]
impl RowChunk {
    /// Builds a chunk from a batch made in JavaScript (tests, library users), so it is
    /// stored the way received rows are.
    #[napi(factory)]
    pub fn from_batch(batch: BatchInput) -> Result<RowChunk> {
        let rows = batch.row_count as usize;
        let invalid = |what: String| napi::Error::new(Status::InvalidArg, what);
        if batch.received_at_us.len() != rows {
            return Err(invalid(format!(
                "receivedAtUs has {} values for {rows} rows",
                batch.received_at_us.len()
            )));
        }
        let mut schema = Vec::with_capacity(batch.columns.len());
        let mut columns = Vec::with_capacity(batch.columns.len());
        for c in batch.columns {
            let data =
                column_from_js(&c, rows).map_err(|e| invalid(format!("column {}: {e}", c.name)))?;
            schema.push((c.name, data.ty()));
            columns.push(data);
        }
        Ok(RowChunk::new(Chunk {
            schema: Arc::new(Schema { columns: schema }),
            received_at_us: batch.received_at_us.to_vec(),
            columns,
        }))
    }

    /// Number of rows.
    #[napi(getter)]
    pub fn row_count(&self) -> u32 {
        self.row_count
    }

    /// The first and last number of the journal records these rows came from, or null
    /// when they did not come through a journal.
    #[napi(getter)]
    pub fn journal_records(&self) -> Option<Vec<f64>> {
        self.records.map(|(a, b)| vec![a as f64, b as f64])
    }

    /// The length in bytes of the longest text value (0 with no text): DuckDB pins a
    /// whole vector of a column's values at once, so the day file's memory limit is
    /// sized from it (`open-day.ts`).
    #[napi(getter)]
    pub fn longest_text_bytes(&self) -> Result<u32> {
        let chunk = self.chunk()?;
        let longest = chunk
            .columns
            .iter()
            .filter_map(|c| match c {
                ColumnData::Varchar { ends, .. } => {
                    let starts = std::iter::once(0).chain(ends.iter().copied());
                    ends.iter()
                        .zip(starts)
                        .map(|(end, start)| end - start)
                        .max()
                }
                _ => None,
            })
            .max()
            .unwrap_or(0);
        Ok(longest as u32)
    }

    /// The earliest and latest receive time (µs since the epoch) of the rows received at
    /// or after `fromUs` (all rows by default), or null when there are none.
    #[napi]
    pub fn received_at_range(&self, from_us: Option<f64>) -> Result<Option<Vec<f64>>> {
        let chunk = self.chunk()?;
        let from = from_us.map_or(i64::MIN, |f| f as i64);
        let (lo, hi) = chunk
            .received_at_us
            .iter()
            .filter(|&&t| t >= from)
            .fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        Ok((lo <= hi).then(|| vec![lo as f64, hi as f64]))
    }

    /// The columns after `received_at`, in stored order.
    #[napi]
    pub fn columns(&self) -> Result<Vec<StoredColumn>> {
        Ok(self
            .chunk()?
            .schema
            .columns
            .iter()
            .map(|(name, ty)| StoredColumn {
                name: name.clone(),
                r#type: ty.as_str().into(),
            })
            .collect())
    }

    /// The last `n` rows (all by default) as a JavaScript batch.
    #[napi]
    pub fn to_batch(&self, n: Option<u32>) -> Result<NativeBatch> {
        let chunk = self.chunk()?;
        let rows = chunk.rows();
        let n = n.map_or(rows, |n| (n as usize).min(rows));
        Ok(chunk_to_js(slice(&chunk, rows - n..rows)))
    }

    /// Frees the rows now rather than when the handle is collected; later calls fail.
    #[napi]
    pub fn release(&self) {
        self.rows.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// A batch made in JavaScript (the shape of `Batch` in `src/engine/batch.ts`).
#[napi(object, object_to_js = false)]
pub struct BatchInput {
    /// Number of rows.
    pub row_count: u32,
    /// Receive times, µs since the epoch.
    pub received_at_us: BigInt64Array,
    /// Columns after `received_at`.
    pub columns: Vec<ColumnInput>,
}

/// One column of a [`BatchInput`].
#[napi(object, object_to_js = false)]
pub struct ColumnInput {
    /// Column name.
    pub name: String,
    /// DuckDB type.
    #[napi(ts_type = "'varchar' | 'integer' | 'utinyint' | 'timestamptz'")]
    pub r#type: String,
    /// Values: strings or nulls for VARCHAR, a typed array otherwise.
    #[napi(ts_type = "(string | null)[] | Int32Array | Uint8Array | BigInt64Array")]
    pub values: Either4<Vec<Option<String>>, Int32Array, Uint8Array, BigInt64Array>,
    /// 1 = value, 0 = NULL; absent when no row is NULL.
    pub valid: Option<Uint8Array>,
}

fn column_from_js(c: &ColumnInput, rows: usize) -> std::result::Result<ColumnData, String> {
    let valid = |i: usize| {
        c.valid
            .as_ref()
            .is_none_or(|v| v.get(i).copied().unwrap_or(0) != 0)
    };
    let ty = match c.r#type.as_str() {
        "varchar" => ColumnType::Varchar,
        "integer" => ColumnType::Integer,
        "utinyint" => ColumnType::UTinyInt,
        "timestamptz" => ColumnType::TimestampTz,
        other => return Err(format!("unknown type {other:?}")),
    };
    let mut data = ColumnData::new(ty);
    let len = match &c.values {
        Either4::A(v) => v.len(),
        Either4::B(v) => v.len(),
        Either4::C(v) => v.len(),
        Either4::D(v) => v.len(),
    };
    if len != rows {
        return Err(format!("{len} values for {rows} rows"));
    }
    for i in 0..rows {
        match (&c.values, ty) {
            (Either4::A(v), ColumnType::Varchar) => data.push_str(v[i].as_deref()),
            (Either4::B(v), ColumnType::Integer) => data.push_i32(valid(i).then(|| v[i])),
            (Either4::C(v), ColumnType::UTinyInt) => data.push_u8(valid(i).then(|| v[i])),
            (Either4::D(v), ColumnType::TimestampTz) => data.push_i64(valid(i).then(|| v[i])),
            _ => return Err(format!("values do not match type {}", c.r#type)),
        }
    }
    Ok(data)
}

/// Rows `range` of `chunk`, copied.
fn slice(chunk: &Chunk, range: Range<usize>) -> Chunk {
    let mut out = Chunk::new(chunk.schema.clone());
    out.received_at_us
        .extend_from_slice(&chunk.received_at_us[range.clone()]);
    for (to, from) in out.columns.iter_mut().zip(&chunk.columns) {
        for r in range.clone() {
            match from {
                ColumnData::Varchar { .. } => to.push_str(from.str_at(r)),
                ColumnData::Integer { values, valid } => {
                    to.push_i32((valid[r] != 0).then(|| values[r]))
                }
                ColumnData::UTinyInt { values, valid } => {
                    to.push_u8((valid[r] != 0).then(|| values[r]))
                }
                ColumnData::TimestampTz { values, valid } => {
                    to.push_i64((valid[r] != 0).then(|| values[r]))
                }
            }
        }
    }
    out
}

/// Makes the DuckDB library at `path` (the one `@duckdb/node-bindings` loaded) the one
/// `appendChunk` and `flushAppender` call.
#[napi]
pub fn use_duck_db(path: String) -> Result<()> {
    duckdb_api::load(&path)
}

/// Appends the rows of `chunk` received in `[fromUs, toUs)` to `appender` (a
/// `@duckdb/node-bindings` appender whose table columns are `table`, in order), on a
/// worker thread. Resolves with the number of rows appended. The caller must not use
/// the appender until it settles.
#[napi(
    ts_args_type = "appender: object, chunk: RowChunk, table: string[], fromUs: number, toUs: number",
    ts_return_type = "Promise<number>"
)]
pub fn append_chunk(
    env: Env,
    appender: napi::bindgen_prelude::Unknown,
    chunk: &RowChunk,
    table: Vec<String>,
    from_us: f64,
    to_us: f64,
) -> Result<AsyncTask<AppendChunk>> {
    Ok(AsyncTask::new(AppendChunk {
        appender: appender_arg(&env, &appender)?,
        chunk: chunk.chunk()?,
        table,
        from_us: from_us as i64,
        to_us: to_us as i64,
    }))
}

/// Commits what `appender` holds, on a worker thread. The caller must not use the
/// appender until it settles.
#[napi(ts_args_type = "appender: object", ts_return_type = "Promise<void>")]
pub fn flush_appender(
    env: Env,
    appender: napi::bindgen_prelude::Unknown,
) -> Result<AsyncTask<FlushAppender>> {
    Ok(AsyncTask::new(FlushAppender {
        appender: appender_arg(&env, &appender)?,
    }))
}

fn appender_arg(env: &Env, value: &napi::bindgen_prelude::Unknown) -> Result<Appender> {
    duckdb_api::appender_from_js(env.raw(), value.raw())
}

/// The work behind `appendChunk()`.
pub struct AppendChunk {
    appender: Appender,
    chunk: Arc<Chunk>,
    table: Vec<String>,
    from_us: i64,
    to_us: i64,
}

impl Task for AppendChunk {
    type Output = u32;
    type JsValue = u32;

    fn compute(&mut self) -> Result<u32> {
        let api = duckdb_api::api()?;
        append_rows(
            api,
            self.appender,
            &self.chunk,
            &self.table,
            self.from_us,
            self.to_us,
        )
        .map(|n| n as u32)
        .map_err(|e| napi::Error::new(Status::GenericFailure, e))
    }

    fn resolve(&mut self, _env: Env, output: u32) -> Result<u32> {
        Ok(output)
    }
}

/// The work behind `flushAppender()`.
pub struct FlushAppender {
    appender: Appender,
}

impl Task for FlushAppender {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        self.appender
            .flush(duckdb_api::api()?)
            .map_err(|e| napi::Error::new(Status::GenericFailure, e))
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }
}
