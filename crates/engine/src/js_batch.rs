//! The JavaScript shape of a batch: typed arrays for numbers (moved, not copied), one
//! array of strings per text column, one object per batch — never one per message.

use logsift_core::batch::{Chunk, ColumnData, ColumnType};
use napi::bindgen_prelude::{
    BigInt64Array, Int32Array, ToNapiValue, TypeName, Uint8Array, ValueType,
};
use napi::sys;
use napi_derive::napi;

/// Converts a chunk, moving numeric buffers without copying.
pub fn chunk_to_js(chunk: Chunk) -> NativeBatch {
    let row_count = chunk.rows() as u32;
    let columns = chunk
        .schema
        .columns
        .iter()
        .zip(chunk.columns)
        .map(|((name, ty), data)| NativeColumn::new(name.clone(), *ty, data))
        .collect();
    NativeBatch {
        row_count,
        received_at_us: BigInt64Array::new(chunk.received_at_us),
        columns,
    }
}

/// A batch of rows as JavaScript sees it (see `src/engine/batch.ts`).
#[napi(object, object_from_js = false)]
pub struct NativeBatch {
    /// Number of rows.
    pub row_count: u32,
    /// Receive time of each row, µs since the Unix epoch.
    pub received_at_us: BigInt64Array,
    /// Columns after `received_at`, in stored order.
    pub columns: Vec<NativeColumn>,
}

/// One column of a [`NativeBatch`].
#[napi(object, object_from_js = false)]
pub struct NativeColumn {
    /// Column name.
    pub name: String,
    /// DuckDB type.
    #[napi(ts_type = "'varchar' | 'integer' | 'utinyint' | 'timestamptz'")]
    pub r#type: String,
    /// Strings (null for NULL) for VARCHAR; a typed array otherwise.
    #[napi(ts_type = "(string | null)[] | Int32Array | Uint8Array | BigInt64Array")]
    pub values: ColumnValues,
    /// For typed arrays: 1 = value, 0 = NULL; absent when no row is NULL.
    pub valid: Option<Uint8Array>,
}

impl NativeColumn {
    pub(crate) fn new(name: String, ty: ColumnType, data: ColumnData) -> NativeColumn {
        let validity = |v: Vec<u8>| (!v.iter().all(|b| *b == 1)).then(|| Uint8Array::new(v));
        let (values, valid) = match data {
            d @ ColumnData::Varchar { .. } => (ColumnValues::Strings(d), None),
            ColumnData::Integer { values, valid } => {
                (ColumnValues::I32(Int32Array::new(values)), validity(valid))
            }
            ColumnData::UTinyInt { values, valid } => {
                (ColumnValues::U8(Uint8Array::new(values)), validity(valid))
            }
            ColumnData::TimestampTz { values, valid } => (
                ColumnValues::I64(BigInt64Array::new(values)),
                validity(valid),
            ),
        };
        NativeColumn {
            name,
            r#type: ty.as_str().to_string(),
            values,
            valid,
        }
    }
}

/// The values of a [`NativeColumn`].
pub enum ColumnValues {
    /// A VARCHAR column, turned into a JS array of strings/nulls on conversion.
    Strings(ColumnData),
    /// INTEGER values.
    I32(Int32Array),
    /// UTINYINT values.
    U8(Uint8Array),
    /// TIMESTAMPTZ values (µs).
    I64(BigInt64Array),
}

impl TypeName for ColumnValues {
    fn type_name() -> &'static str {
        "ColumnValues"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for ColumnValues {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY (whole block): `env` is the live environment napi passes to conversions;
        // each call below is checked, and the string pointers come from a `String` we own
        // for the duration of the call.
        unsafe {
            match val {
                ColumnValues::I32(a) => Int32Array::to_napi_value(env, a),
                ColumnValues::U8(a) => Uint8Array::to_napi_value(env, a),
                ColumnValues::I64(a) => BigInt64Array::to_napi_value(env, a),
                ColumnValues::Strings(col) => {
                    let n = col.len();
                    let mut array = std::ptr::null_mut();
                    check(sys::napi_create_array_with_length(env, n, &mut array))?;
                    let mut null = std::ptr::null_mut();
                    check(sys::napi_get_null(env, &mut null))?;
                    for i in 0..n {
                        let value = match col.str_at(i) {
                            None => null,
                            Some(s) => {
                                let mut js = std::ptr::null_mut();
                                // Latin-1 creation skips UTF-8 decoding; ASCII is both.
                                if s.is_ascii() {
                                    check(sys::napi_create_string_latin1(
                                        env,
                                        s.as_ptr().cast(),
                                        s.len() as isize,
                                        &mut js,
                                    ))?;
                                } else {
                                    check(sys::napi_create_string_utf8(
                                        env,
                                        s.as_ptr().cast(),
                                        s.len() as isize,
                                        &mut js,
                                    ))?;
                                }
                                js
                            }
                        };
                        check(sys::napi_set_element(env, array, i as u32, value))?;
                    }
                    Ok(array)
                }
            }
        }
    }
}

fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!(
            "N-API call failed with status {status}"
        )))
    }
}
