//! The DuckDB C API of the `libduckdb.so` that `@duckdb/node-bindings` already loaded into
//! this process. Rows go from a chunk into a day file's appender here, on a libuv worker
//! thread, so the JavaScript thread never touches a value. Using the very library
//! instance the bindings use (not a second DuckDB) is what lets JavaScript keep owning
//! the database, its connections and its queries.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::OnceLock;

use napi::bindgen_prelude::{Result, Status};
use napi::sys;

/// `duckdb_appender`, `duckdb_data_chunk`, `duckdb_vector`, `duckdb_logical_type`.
pub type Handle = *mut c_void;
/// `idx_t`.
pub type Idx = u64;

/// `duckdb_type` values logsift writes (see `duckdb.h`).
pub mod type_id {
    /// DUCKDB_TYPE_INTEGER
    pub const INTEGER: i32 = 4;
    /// DUCKDB_TYPE_UTINYINT
    pub const UTINYINT: i32 = 6;
    /// DUCKDB_TYPE_VARCHAR
    pub const VARCHAR: i32 = 17;
    /// DUCKDB_TYPE_TIMESTAMP_TZ
    pub const TIMESTAMP_TZ: i32 = 31;
}

/// Declares the functions used, with their `duckdb.h` signatures, and how to resolve them.
macro_rules! duckdb_functions {
    ($($field:ident = $symbol:literal: $ty:ty;)*) => {
        /// The functions used, resolved once.
        pub struct DuckDb {
            $(#[doc = $symbol] pub $field: $ty,)*
        }

        impl DuckDb {
            fn resolve(sym: impl Fn(&str) -> Result<*mut c_void>) -> Result<DuckDb> {
                Ok(DuckDb {
                    // SAFETY: each symbol is the C function of that name, whose signature
                    // `duckdb.h` fixes and the field's type spells out.
                    $($field: unsafe { std::mem::transmute::<*mut c_void, $ty>(sym($symbol)?) },)*
                })
            }
        }
    };
}

duckdb_functions! {
    appender_column_count = "duckdb_appender_column_count": unsafe extern "C" fn(Handle) -> Idx;
    appender_column_type = "duckdb_appender_column_type": unsafe extern "C" fn(Handle, Idx) -> Handle;
    appender_error = "duckdb_appender_error": unsafe extern "C" fn(Handle) -> *const c_char;
    appender_flush = "duckdb_appender_flush": unsafe extern "C" fn(Handle) -> c_int;
    append_data_chunk = "duckdb_append_data_chunk": unsafe extern "C" fn(Handle, Handle) -> c_int;
    get_type_id = "duckdb_get_type_id": unsafe extern "C" fn(Handle) -> c_int;
    destroy_logical_type = "duckdb_destroy_logical_type": unsafe extern "C" fn(*mut Handle);
    create_data_chunk = "duckdb_create_data_chunk": unsafe extern "C" fn(*mut Handle, Idx) -> Handle;
    destroy_data_chunk = "duckdb_destroy_data_chunk": unsafe extern "C" fn(*mut Handle);
    data_chunk_reset = "duckdb_data_chunk_reset": unsafe extern "C" fn(Handle);
    data_chunk_set_size = "duckdb_data_chunk_set_size": unsafe extern "C" fn(Handle, Idx);
    data_chunk_get_vector = "duckdb_data_chunk_get_vector": unsafe extern "C" fn(Handle, Idx) -> Handle;
    vector_get_data = "duckdb_vector_get_data": unsafe extern "C" fn(Handle) -> *mut c_void;
    vector_ensure_validity_writable = "duckdb_vector_ensure_validity_writable": unsafe extern "C" fn(Handle);
    vector_get_validity = "duckdb_vector_get_validity": unsafe extern "C" fn(Handle) -> *mut u64;
    vector_assign_string_element_len = "duckdb_vector_assign_string_element_len": unsafe extern "C" fn(Handle, Idx, *const c_char, Idx);
    vector_size = "duckdb_vector_size": unsafe extern "C" fn() -> Idx;
}

// SAFETY: the struct holds only addresses of thread-safe C functions.
unsafe impl Send for DuckDb {}
unsafe impl Sync for DuckDb {}

static DUCKDB: OnceLock<DuckDb> = OnceLock::new();

/// The loaded API; an error until [`load`] succeeded.
pub fn api() -> Result<&'static DuckDb> {
    DUCKDB.get().ok_or_else(|| {
        napi::Error::new(
            Status::GenericFailure,
            "the DuckDB library is not loaded: call useDuckDb(path) first",
        )
    })
}

/// Resolves the API from the library at `path` (a no-op once loaded).
pub fn load(path: &str) -> Result<()> {
    if DUCKDB.get().is_some() {
        return Ok(());
    }
    let c_path = CString::new(path)
        .map_err(|_| napi::Error::new(Status::InvalidArg, "library path contains NUL"))?;
    // SAFETY: dlopen with a valid C string; an already loaded library is shared, not reloaded.
    let lib = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW) };
    if lib.is_null() {
        return Err(napi::Error::new(
            Status::GenericFailure,
            format!("cannot load the DuckDB library {path}: {}", dl_error()),
        ));
    }
    let sym = |name: &str| -> Result<*mut c_void> {
        let c_name = CString::new(name).expect("symbol names have no NUL");
        // SAFETY: `lib` is a live handle from dlopen (never closed).
        let f = unsafe { libc::dlsym(lib, c_name.as_ptr()) };
        if f.is_null() {
            Err(napi::Error::new(
                Status::GenericFailure,
                format!("{path} has no {name}: DuckDB too old for logsift"),
            ))
        } else {
            Ok(f)
        }
    };
    let loaded = DuckDb::resolve(sym)?;
    let _ = DUCKDB.set(loaded);
    Ok(())
}

fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a C string valid until the next dl call on this thread.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: non-NULL, NUL-terminated (see above).
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// The `duckdb_appender` inside a `@duckdb/node-bindings` appender object. The bindings
/// tag each external with a type tag; checking it makes a wrong argument an error, not
/// a crash.
pub fn appender_from_js(env: sys::napi_env, value: sys::napi_value) -> Result<Appender> {
    // The bindings' AppenderTypeTag (duckdb_node_bindings.cpp).
    const TAG: sys::napi_type_tag = sys::napi_type_tag {
        lower: 0x32E0_AB3B_83F7_4A89,
        upper: 0xB785_905D_92D5_4996,
    };
    let mut is_appender = false;
    let mut data = std::ptr::null_mut();
    // SAFETY: env and value come from napi for this call; both calls are checked.
    unsafe {
        if sys::napi_check_object_type_tag(env, value, &TAG, &mut is_appender)
            != sys::Status::napi_ok
            || !is_appender
            || sys::napi_get_value_external(env, value, &mut data) != sys::Status::napi_ok
            || data.is_null()
        {
            return Err(napi::Error::new(
                Status::InvalidArg,
                "expected a DuckDB appender from @duckdb/node-bindings",
            ));
        }
    }
    Ok(Appender(data))
}

/// A `duckdb_appender` borrowed from JavaScript, which keeps it alive and uses it only
/// between tasks (the writer serializes every operation on a day file).
#[derive(Clone, Copy)]
pub struct Appender(pub Handle);

// SAFETY: a DuckDB appender may be used from any thread, one at a time (see above).
unsafe impl Send for Appender {}

impl Appender {
    /// The appender's last error as an owned message.
    pub fn error(self, api: &DuckDb, doing: &str) -> String {
        // SAFETY: a live appender; the message is copied before any other call.
        let msg = unsafe { (api.appender_error)(self.0) };
        let detail = if msg.is_null() {
            "unknown error".into()
        } else {
            // SAFETY: non-NULL, NUL-terminated, owned by the appender.
            unsafe { CStr::from_ptr(msg) }
                .to_string_lossy()
                .into_owned()
        };
        format!("{doing}: {detail}")
    }

    /// Commits every appended row.
    pub fn flush(self, api: &DuckDb) -> std::result::Result<(), String> {
        // SAFETY: a live appender used by this thread alone (see the type's doc).
        if unsafe { (api.appender_flush)(self.0) } == 0 {
            Ok(())
        } else {
            Err(self.error(api, "commit failed"))
        }
    }
}
