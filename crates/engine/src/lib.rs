//! logsift's ingest engine as a Node-API addon: the `#[napi]` surface over `logsift-core`
//! (which holds every stage of the pipeline), the conversion of its chunks into
//! JavaScript batches (`js_batch`), and the native write path into DuckDB (`row_chunk`,
//! `chunk_append`, `duckdb_api`).

#![warn(missing_docs)]

mod chunk_append;
mod duckdb_api;
mod js_batch;
mod row_chunk;

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, Buffer, Either, Env, Result, Status, Task};
use napi_derive::napi;

use logsift_core::batch::{Chunk, ColumnData, Schema};
use logsift_core::engine::{Batch, Engine, ListenOptions, QueueOptions};
use logsift_core::error::{Error, ErrorKind};
use logsift_core::extract::{Extractor, FieldSpec};
use logsift_core::header::HeaderParser;
use logsift_core::journal::JournalOptions;
use logsift_core::pipeline::Pipeline;
use logsift_core::sender::SenderSpec;
use logsift_core::tcp::TcpOptions;
use logsift_core::text;
use logsift_core::tls::TlsListen;

use js_batch::chunk_to_js;
pub use js_batch::{NativeBatch, NativeColumn};
pub use row_chunk::{append_chunk, flush_appender, use_duck_db, RowChunk};

/// The one place engine errors become JS errors: configuration mistakes are `InvalidArg`,
/// everything else `GenericFailure`.
fn map_error(e: Error) -> napi::Error {
    let status = if e.is_config() {
        Status::InvalidArg
    } else {
        Status::GenericFailure
    };
    napi::Error::new(status, e.to_string())
}

/// One field of a class.
#[napi(object)]
pub struct ClassField {
    /// Field name (`^[a-z][a-z0-9_]{0,62}$`).
    pub name: String,
    /// Regular expression (Rust `regex` syntax; look-around and back-references go to a
    /// backtracking engine).
    pub pattern: String,
}

/// A class: a name and its fields in order.
#[napi(object)]
pub struct ClassSpec {
    /// Class name.
    pub name: String,
    /// Fields in stored order.
    pub fields: Vec<ClassField>,
}

impl ClassSpec {
    fn fields(&self) -> Vec<FieldSpec> {
        self.fields
            .iter()
            .map(|f| FieldSpec {
                name: f.name.clone(),
                pattern: f.pattern.clone(),
            })
            .collect()
    }
}

/// A sender entry: a name and what source addresses it covers.
#[napi(object)]
pub struct SenderEntry {
    /// Stored in the `sender` column.
    pub name: String,
    /// Exact IPv4/IPv6 address, CIDR, wildcard (`10.0.*`) or `*`.
    pub r#match: String,
}

/// A column a class produces.
#[napi(object)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// DuckDB type: `varchar`; `integer` for the port of an `_ip` field; `utinyint` and
    /// `timestamptz` for header columns.
    #[napi(ts_type = "'varchar' | 'integer' | 'utinyint' | 'timestamptz'")]
    pub r#type: String,
    /// The field that fills it.
    pub field: String,
}

/// Why a class does not compile.
#[napi(object)]
pub struct ClassProblem {
    /// The field at fault.
    pub field: String,
    /// Character offset in the pattern, for a regex error that has one.
    pub position: Option<u32>,
    /// Full message, naming class, field and position.
    pub message: String,
}

/// Compiles a class and returns the columns it produces; throws (`InvalidArg`) naming the
/// class, field and position when a pattern or name is invalid.
#[napi]
pub fn class_columns(spec: ClassSpec) -> Result<Vec<ColumnInfo>> {
    let x = Extractor::compile(&spec.name, &spec.fields()).map_err(map_error)?;
    Ok(x.columns()
        .iter()
        .map(|c| ColumnInfo {
            name: c.name.clone(),
            r#type: c.ty.as_str().to_string(),
            field: c.field.clone(),
        })
        .collect())
}

/// Every stored column after `received_at` for rows of this class, in order (SPEC §4):
/// the fixed header columns, `structured_data` when `structuredData` (default true, as for
/// an engine with `syslogHeader: 'auto'`), the class's columns, `original_log`. The writer
/// creates the table from it before the first row arrives.
#[napi]
pub fn row_columns(spec: ClassSpec, structured_data: Option<bool>) -> Result<Vec<ColumnInfo>> {
    let structured_data = structured_data.unwrap_or(true);
    let pipeline = Pipeline::new(&spec.name, &spec.fields(), &[], true, None, structured_data)
        .map_err(map_error)?;
    let fields = pipeline.extractor.columns();
    Ok(pipeline
        .schema
        .columns
        .iter()
        .map(|(name, ty)| ColumnInfo {
            name: name.clone(),
            r#type: ty.as_str().to_string(),
            field: fields
                .iter()
                .find(|c| &c.name == name)
                .map_or_else(String::new, |c| c.field.clone()),
        })
        .collect())
}

/// Compiles a class and returns its first problem, or null when it is valid — the
/// structured form config validation and the console's regex tester need.
#[napi]
pub fn check_class(spec: ClassSpec) -> Option<ClassProblem> {
    let err = Extractor::compile(&spec.name, &spec.fields()).err()?;
    let message = err.to_string();
    Some(match err.kind() {
        ErrorKind::Regex {
            field, position, ..
        } => ClassProblem {
            field: field.clone(),
            position: position.map(|p| p as u32),
            message,
        },
        ErrorKind::Name { field, .. } => ClassProblem {
            field: field.clone(),
            position: None,
            message,
        },
        _ => ClassProblem {
            field: String::new(),
            position: None,
            message,
        },
    })
}

/// Why `pattern` is not a valid sender `match` (exact address, CIDR without host bits,
/// `10.*.3.*`-style wildcard or `*`), or null when it is. The reason does not repeat the
/// pattern. Config validation calls this, so a config is refused for exactly the patterns
/// an engine refuses.
#[napi]
pub fn check_sender_match(pattern: String) -> Option<String> {
    logsift_core::sender::check_match(&pattern)
}

/// Result of [`extract`].
#[napi(object, object_from_js = false)]
pub struct ExtractResult {
    /// Number of lines.
    pub row_count: u32,
    /// The class's columns, one value per line.
    pub columns: Vec<NativeColumn>,
    /// How many lines had invalid UTF-8 (replaced by U+FFFD).
    pub invalid_utf8: u32,
    /// The fields whose backtracking search was over the work budget, by line, in order
    /// (their columns are NULL, as ingestion stores them and counts in
    /// `regex_budget_exceeded`). Usually empty, so a line with none costs nothing here.
    pub over_budget: Vec<OverBudgetField>,
}

/// A field of one line over the work budget (see [`ExtractResult`]).
#[napi(object, object_from_js = false)]
pub struct OverBudgetField {
    /// 0-based line index.
    pub line: u32,
    /// Field name.
    pub field: String,
}

/// Lines as given: strings, or Buffers to test raw bytes.
fn line_bytes(line: &Either<String, Buffer>) -> &[u8] {
    match line {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    }
}

/// What [`extract`] computes, before it becomes JavaScript values.
pub struct Extracted {
    chunk: Chunk,
    invalid_utf8: u32,
    over_budget: Vec<OverBudgetField>,
}

impl Extracted {
    /// Compiles `spec` and applies it to each line as ingestion does.
    fn run<'a>(spec: &ClassSpec, lines: impl Iterator<Item = &'a [u8]>) -> Result<Extracted> {
        let x = Extractor::compile(&spec.name, &spec.fields()).map_err(map_error)?;
        let mut cols: Vec<ColumnData> = x.columns().iter().map(|c| ColumnData::new(c.ty)).collect();
        let mut scratch = x.scratch();
        let (mut rows, mut invalid_utf8, mut over_budget) = (0, 0, Vec::new());
        for bytes in lines {
            let decoded = text::decode(bytes);
            invalid_utf8 += u32::from(decoded.invalid_utf8);
            if x.extract_into(&decoded.text, &mut scratch, &mut cols) > 0 {
                over_budget.extend(x.over_budget_fields(&scratch).map(|f| OverBudgetField {
                    line: rows,
                    field: f.to_string(),
                }));
            }
            rows += 1;
        }
        let schema = Arc::new(Schema {
            columns: x.columns().iter().map(|c| (c.name.clone(), c.ty)).collect(),
        });
        let chunk = Chunk {
            schema,
            received_at_us: vec![0; rows as usize],
            columns: cols,
        };
        Ok(Extracted {
            chunk,
            invalid_utf8,
            over_budget,
        })
    }

    fn into_js(self) -> ExtractResult {
        let batch = chunk_to_js(self.chunk);
        ExtractResult {
            row_count: batch.row_count,
            columns: batch.columns,
            invalid_utf8: self.invalid_utf8,
            over_budget: self.over_budget,
        }
    }
}

/// Applies a class to lines exactly as ingestion does (trim, UTF-8 repair, extraction),
/// without sockets: for tests, the console's regex tester and library users. Lines may be
/// strings or Buffers (to test raw bytes).
#[napi]
pub fn extract(spec: ClassSpec, lines: Vec<Either<String, Buffer>>) -> Result<ExtractResult> {
    Extracted::run(&spec, lines.iter().map(line_bytes)).map(Extracted::into_js)
}

/// [`extract`] on a libuv worker thread, so a slow class (backtracking patterns on long
/// lines, up to the work budget per field and line) never blocks the JavaScript thread.
/// The lines are copied first.
#[napi(ts_return_type = "Promise<ExtractResult>")]
pub fn extract_async(
    spec: ClassSpec,
    lines: Vec<Either<String, Buffer>>,
) -> AsyncTask<ExtractTask> {
    AsyncTask::new(ExtractTask {
        spec,
        lines: lines.iter().map(|l| line_bytes(l).to_vec()).collect(),
    })
}

/// The work behind `extractAsync()`.
pub struct ExtractTask {
    spec: ClassSpec,
    lines: Vec<Vec<u8>>,
}

impl Task for ExtractTask {
    type Output = Extracted;
    type JsValue = ExtractResult;

    fn compute(&mut self) -> Result<Extracted> {
        Extracted::run(&self.spec, self.lines.iter().map(Vec::as_slice))
    }

    fn resolve(&mut self, _env: Env, output: Extracted) -> Result<ExtractResult> {
        Ok(output.into_js())
    }
}

/// How to run an engine.
#[napi(object)]
pub struct EngineOptions {
    /// Engine name (for thread names and messages).
    pub name: String,
    /// The class whose fields are extracted.
    pub class: ClassSpec,
    /// UDP listen addresses, `host:port` or `[v6]:port`; port 0 picks a free port.
    pub udp: Vec<String>,
    /// TCP listen addresses (RFC 6587: octet counting or LF framing, detected per
    /// connection); port 0 picks a free port. Default none.
    pub tcp: Option<Vec<String>>,
    /// TLS listeners (RFC 5425): TCP listeners (same framing and limits) whose
    /// connections are TLS sessions. Default none.
    pub tls: Option<Vec<TlsListenOptions>>,
    /// TCP and TLS: a longer message is stored cut to this many bytes (counted in
    /// `truncated`; the rest of its frame is skipped). Default 65,536. Applied live by
    /// `update()`, to open connections too.
    pub tcp_max_message_bytes: Option<u32>,
    /// TCP and TLS: a connection silent this long is closed. Default 300,000 ms. Applied
    /// live by `update()`.
    pub tcp_idle_timeout_ms: Option<u32>,
    /// TCP and TLS: connections per listening address beyond this are closed at once
    /// (counted in `refused_max_connections`). Default 1,024. Applied live by `update()`
    /// to new connections; open ones stay.
    pub tcp_max_connections: Option<u32>,
    /// Ordered sender list; the first match names the row.
    pub senders: Vec<SenderEntry>,
    /// Receiver threads (each with its own `SO_REUSEPORT` socket) per address. Default 2.
    pub threads: Option<u32>,
    /// Requested socket receive buffer in bytes. Default 8 MiB.
    pub receive_buffer_bytes: Option<u32>,
    /// Store the message text in `original_log`. Default true.
    pub keep_original_log: Option<bool>,
    /// `auto` parses the RFC 5424 / RFC 3164 header into hostname, app_name, proc_id,
    /// msg_id and log_time; `off` leaves them NULL (facility and severity come from the
    /// PRI either way). Default `auto`.
    #[napi(ts_type = "'auto' | 'off'")]
    pub syslog_header: Option<String>,
    /// Store RFC 5424 STRUCTURED-DATA as sent in a `structured_data` column right after
    /// `log_time` (NULL for `-`, malformed data and RFC 3164 lines; NULL throughout when
    /// `syslogHeader` is `off`). Default: on unless `syslogHeader` is `off`.
    pub structured_data: Option<bool>,
    /// IANA time zone (`Europe/Berlin`) for header time stamps without one (RFC 3164);
    /// it also picks their year. Default `UTC`.
    pub timezone: Option<String>,
    /// Rows that may wait for JavaScript before chunks are dropped
    /// (`dropped_backpressure`). Default 262,144; with a journal, the rows of its memory
    /// window, default 32,768.
    pub queue_capacity_rows: Option<u32>,
    /// Rows per chunk a receiver hands over. Default 2,048.
    pub chunk_rows: Option<u32>,
    /// A partial chunk is handed over once its first row is this old. Default 50 ms.
    pub chunk_max_age_ms: Option<u32>,
    /// Directory of the engine's disk journal. Once `openJournal()` is called, every chunk is written there
    /// before `nextBatch()` hands it over, `queueCapacityRows` is the journal's memory
    /// window, and batches carry record numbers to acknowledge with `ackJournal()` once
    /// committed. Fixed at start. Default none (chunks wait in memory).
    pub journal_dir: Option<String>,
    /// Journal size cap in bytes; beyond it chunks are dropped (`dropped_journal_full`).
    /// Default 1 GiB.
    pub journal_max_bytes: Option<f64>,
    /// How often the journal is flushed to the device (what a power loss can lose).
    /// Default 1,000 ms.
    pub journal_sync_ms: Option<u32>,
}

/// A TLS listener of [`EngineOptions`].
#[napi(object)]
pub struct TlsListenOptions {
    /// `host:port` or `[v6]:port`; port 0 picks a free port.
    pub address: String,
    /// PEM file of the server's certificate chain, leaf first.
    pub cert: String,
    /// PEM file of the server's private key.
    pub key: String,
    /// PEM file of the CAs client certificates must chain to; when set, clients without
    /// a valid certificate are refused.
    pub client_ca: Option<String>,
}

impl EngineOptions {
    fn pipeline(&self) -> std::result::Result<Pipeline, Error> {
        let senders: Vec<SenderSpec> = self
            .senders
            .iter()
            .map(|s| SenderSpec {
                name: s.name.clone(),
                pattern: s.r#match.clone(),
            })
            .collect();
        let header = match self.syslog_header.as_deref() {
            Some("off") => None,
            _ => Some(HeaderParser::new(
                self.timezone.as_deref().unwrap_or("UTC"),
            )?),
        };
        let structured_data = self.structured_data.unwrap_or(header.is_some());
        Pipeline::new(
            &self.class.name,
            &self.class.fields(),
            &senders,
            self.keep_original_log.unwrap_or(true),
            header,
            structured_data,
        )
    }

    fn listen(&self) -> ListenOptions {
        ListenOptions {
            udp: self.udp.clone(),
            threads: self.threads.unwrap_or(2).max(1) as usize,
            receive_buffer_bytes: self.receive_buffer_bytes.unwrap_or(8 << 20) as usize,
            tcp: self.tcp.clone().unwrap_or_default(),
            tls: (self.tls.iter().flatten())
                .map(|t| TlsListen {
                    address: t.address.clone(),
                    cert: t.cert.clone(),
                    key: t.key.clone(),
                    client_ca: t.client_ca.clone(),
                })
                .collect(),
        }
    }

    fn tcp_options(&self) -> TcpOptions {
        TcpOptions {
            max_message_bytes: self.tcp_max_message_bytes.unwrap_or(64 << 10) as usize,
            idle_timeout: Duration::from_millis(u64::from(
                self.tcp_idle_timeout_ms.unwrap_or(300_000),
            )),
            max_connections: self.tcp_max_connections.unwrap_or(1024).max(1) as usize,
        }
    }

    fn queue(&self) -> QueueOptions {
        QueueOptions {
            // With a journal this is only its memory window: the backlog waits on disk.
            capacity_rows: self
                .queue_capacity_rows
                .unwrap_or(if self.journal_dir.is_some() {
                    1 << 15
                } else {
                    1 << 18
                }) as usize,
            chunk_rows: self.chunk_rows.unwrap_or(2048).max(1) as usize,
            chunk_max_age: Duration::from_millis(u64::from(self.chunk_max_age_ms.unwrap_or(50))),
            journal: self.journal_dir.as_ref().map(|dir| {
                let max_bytes = self
                    .journal_max_bytes
                    .map_or(1 << 30, |b| b.max(0.0) as u64);
                JournalOptions {
                    dir: dir.into(),
                    max_bytes,
                    // Space comes back a segment at a time: sixteen keep the slack small.
                    segment_bytes: (max_bytes / 16).clamp(1 << 20, 64 << 20),
                    window_rows: 0,
                    sync_interval: Duration::from_millis(u64::from(
                        self.journal_sync_ms.unwrap_or(1000).max(1),
                    )),
                }
            }),
        }
    }
}

/// Counters of an engine, named as in the spec in every layer. `received = delivered +
/// rejected_unknown_sender + dropped_backpressure + queue_depth` (rows still inside receiver threads make up the
/// difference for a moment while running; none once stopped and drained). `truncated` and
/// `truncated_by_close` rows are among the delivered ones; `refused_max_connections` counts
/// connections, not messages, and `regex_budget_exceeded` field values of stored rows, so
/// both stand outside the identity.
#[napi(object)]
pub struct EngineStats {
    /// Datagrams read from the sockets.
    pub received: f64,
    /// Their payload bytes.
    pub bytes: f64,
    /// Datagrams from no configured sender.
    #[napi(js_name = "rejected_unknown_sender")]
    pub rejected_unknown_sender: f64,
    /// Rows with invalid UTF-8, stored with U+FFFD.
    #[napi(js_name = "invalid_utf8")]
    pub invalid_utf8: f64,
    /// Rows containing NUL bytes, stored as they are.
    #[napi(js_name = "embedded_nul")]
    pub embedded_nul: f64,
    /// Empty datagrams, stored as empty text.
    pub empty: f64,
    /// Rows dropped because the queue to JavaScript was full.
    #[napi(js_name = "dropped_backpressure")]
    pub dropped_backpressure: f64,
    /// Rows dropped because the journal was at its size cap.
    #[napi(js_name = "dropped_journal_full")]
    pub dropped_journal_full: f64,
    /// Rows dropped because the journal's disk failed their write (no space, I/O error);
    /// `journalWriteError()` says why.
    #[napi(js_name = "dropped_journal_error")]
    pub dropped_journal_error: f64,
    /// Rows handed to JavaScript.
    pub delivered: f64,
    /// Of those, rows the journal kept from an earlier run (received then).
    pub replayed: f64,
    /// Failed receive calls other than timeouts.
    #[napi(js_name = "receive_errors")]
    pub receive_errors: f64,
    /// TCP/TLS messages over `tcpMaxMessageBytes`, stored cut to it.
    pub truncated: f64,
    /// TCP/TLS octet-counted messages whose connection ended (FIN, RST, end of the TLS
    /// session) before all their bytes came, stored as far as they came.
    #[napi(js_name = "truncated_by_close")]
    pub truncated_by_close: f64,
    /// TCP/TLS connections closed at once because their listener had
    /// `tcpMaxConnections` open.
    #[napi(js_name = "refused_max_connections")]
    pub refused_max_connections: f64,
    /// Field values left NULL because their backtracking search (look-around,
    /// back-references) was over the work budget; their rows are stored, so this stands
    /// beside the identity.
    #[napi(js_name = "regex_budget_exceeded")]
    pub regex_budget_exceeded: f64,
    /// Datagrams the kernel dropped on full socket buffers (`SO_RXQ_OVFL`).
    #[napi(js_name = "kernel_drops")]
    pub kernel_drops: f64,
    /// Rows waiting for JavaScript.
    #[napi(js_name = "queue_depth")]
    pub queue_depth: f64,
    /// Queue capacity in rows (with a journal: its memory window).
    #[napi(js_name = "queue_capacity")]
    pub queue_capacity: f64,
    /// Journal bytes on disk (0 without a journal).
    #[napi(js_name = "journal_bytes")]
    pub journal_bytes: f64,
    /// Journal size cap in bytes (0 without a journal).
    #[napi(js_name = "journal_max_bytes")]
    pub journal_max_bytes: f64,
    /// Journal records written and not yet acknowledged.
    #[napi(js_name = "journal_records")]
    pub journal_records: f64,
    /// Age in seconds of the oldest journal record not yet handed over (0 when caught up).
    #[napi(js_name = "journal_lag_seconds")]
    pub journal_lag_seconds: f64,
}

/// The latest write the journal's disk failed.
#[napi(object)]
pub struct JournalWriteError {
    /// The error, with the segment file.
    pub error: String,
    /// True while writes still fail; false once one succeeded since.
    pub failing: bool,
}

/// A bound socket.
#[napi(object)]
pub struct SocketInfo {
    /// `udp`, or `tcp` / `tls` for a listening socket.
    #[napi(ts_type = "'udp' | 'tcp' | 'tls'")]
    pub protocol: String,
    /// `host:port` actually bound.
    pub address: String,
    /// Receive buffer the kernel granted (as `getsockopt(SO_RCVBUF)` reports it: the
    /// kernel doubles the request for its own bookkeeping).
    pub receive_buffer_bytes: f64,
}

/// A source address that matched no sender.
#[napi(object)]
pub struct UnknownSenderInfo {
    /// Source address.
    pub address: String,
    /// Datagrams rejected from it.
    pub count: f64,
    /// Last seen, µs since the Unix epoch.
    pub last_seen_us: f64,
}

/// A running engine. Create with `NativeEngine.start(options)`; pull rows with
/// `nextBatch()`; `stop()` then pull until `finished()` to drain.
#[napi]
pub struct NativeEngine {
    engine: Arc<Engine>,
}

#[napi]
impl NativeEngine {
    /// Compiles the class and senders, binds every socket and starts the receiver threads.
    #[napi(factory)]
    pub fn start(options: EngineOptions) -> Result<NativeEngine> {
        let pipeline = options.pipeline().map_err(map_error)?;
        let (listen, tcp) = (options.listen(), options.tcp_options());
        let engine = Engine::start(pipeline, &listen, &tcp, options.queue()).map_err(map_error)?;
        Ok(NativeEngine {
            engine: Arc::new(engine),
        })
    }

    /// Like `start`, but takes over `previous`'s UDP sockets when it listens with the same
    /// addresses, threads and buffer size: they are never closed, so no datagram is lost
    /// between two engines. `previous` stops receiving; its queued rows stay for
    /// `nextBatch()`. On error `previous` keeps receiving.
    #[napi(factory)]
    pub fn take_over(previous: &NativeEngine, options: EngineOptions) -> Result<NativeEngine> {
        let pipeline = options.pipeline().map_err(map_error)?;
        let (listen, tcp) = (options.listen(), options.tcp_options());
        let engine = Engine::take_over(&previous.engine, pipeline, &listen, &tcp, options.queue())
            .map_err(map_error)?;
        Ok(NativeEngine {
            engine: Arc::new(engine),
        })
    }

    /// Applies new options live: class, senders, `keepOriginalLog`, `syslogHeader` and
    /// `structuredData` from the next batch of datagrams; new sockets bound before old
    /// ones close when addresses, threads or buffer size change; TCP limits without
    /// closing anything. Queue options are fixed at start. On error nothing changes.
    #[napi]
    pub fn update(&self, options: EngineOptions) -> Result<()> {
        let pipeline = options.pipeline().map_err(map_error)?;
        self.engine
            .update(Some(pipeline), &options.listen(), &options.tcp_options())
            .map_err(map_error)
    }

    /// Resolves with the next batch (up to `maxRows`, default 65,536, rows of one schema),
    /// or null if nothing arrived within `timeoutMs` (default 200). Waits on a libuv
    /// worker thread, not on the JS thread.
    #[napi(ts_return_type = "Promise<RowChunk | null>")]
    pub fn next_batch(
        &self,
        max_rows: Option<u32>,
        timeout_ms: Option<u32>,
    ) -> AsyncTask<NextBatch> {
        AsyncTask::new(NextBatch {
            engine: self.engine.clone(),
            max_rows: max_rows.unwrap_or(65_536).max(1) as usize,
            timeout: Duration::from_millis(u64::from(timeout_ms.unwrap_or(200))),
        })
    }

    /// Stops receiving. Each socket's kernel queue is read to the end first; queued rows
    /// remain for `nextBatch()` until `finished()`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn stop(&self) -> AsyncTask<StopEngine> {
        AsyncTask::new(StopEngine {
            engine: self.engine.clone(),
        })
    }

    /// True once stopped and every row has been handed over.
    #[napi]
    pub fn finished(&self) -> bool {
        self.engine.finished()
    }

    /// Counters now.
    #[napi]
    pub fn stats(&self) -> EngineStats {
        let s = self.engine.stats();
        let j = s.journal.as_ref();
        EngineStats {
            received: s.received as f64,
            bytes: s.bytes as f64,
            rejected_unknown_sender: s.rejected_unknown_sender as f64,
            invalid_utf8: s.invalid_utf8 as f64,
            embedded_nul: s.embedded_nul as f64,
            empty: s.empty as f64,
            dropped_backpressure: s.dropped_backpressure as f64,
            dropped_journal_full: s.dropped_journal_full as f64,
            dropped_journal_error: s.dropped_journal_error as f64,
            delivered: s.delivered as f64,
            replayed: s.replayed as f64,
            receive_errors: s.receive_errors as f64,
            truncated: s.truncated as f64,
            truncated_by_close: s.truncated_by_close as f64,
            refused_max_connections: s.refused_max_connections as f64,
            regex_budget_exceeded: s.regex_budget_exceeded as f64,
            kernel_drops: s.kernel_drops as f64,
            queue_depth: s.queue_depth as f64,
            queue_capacity: s.queue_capacity as f64,
            journal_bytes: j.map_or(0.0, |j| j.bytes as f64),
            journal_max_bytes: j.map_or(0.0, |j| j.max_bytes as f64),
            journal_records: j.map_or(0.0, |j| j.unacked_records as f64),
            journal_lag_seconds: j.map_or(0.0, |j| j.lag_seconds),
        }
    }

    /// Acknowledges journal records `first..=last` (a batch's `journalRecords`) once their
    /// rows are committed; the journal deletes segments whose records all are.
    #[napi]
    pub fn ack_journal(&self, first: f64, last: f64) {
        self.engine.ack(first as u64, last as u64);
    }

    /// Opens the journal of `journalDir` (nothing without one) and replays what it
    /// holds; from then on chunks go through it, and until then they wait in memory.
    /// Throws when another engine holds the journal.
    #[napi]
    pub fn open_journal(&self) -> Result<()> {
        self.engine.open_journal().map_err(map_error)
    }

    /// Closes the journal (once stopped, drained and acknowledged): its directory is
    /// unlocked for the next engine; unacknowledged records stay for it to replay.
    #[napi]
    pub fn close_journal(&self) {
        self.engine.close_journal();
    }

    /// Why the journal's disk last failed a write (rows counted in `dropped_journal_error`),
    /// or null if it never did (or there is no journal).
    #[napi]
    pub fn journal_write_error(&self) -> Option<JournalWriteError> {
        let j = self.engine.stats().journal?;
        Some(JournalWriteError {
            error: j.last_error?,
            failing: j.write_failing,
        })
    }

    /// The journal's identity (16 hex digits), or null without a journal. Record numbers
    /// are unique with it, across restarts.
    #[napi(getter)]
    pub fn journal_id(&self) -> Option<String> {
        self.engine.journal_id().map(|id| format!("{id:016x}"))
    }

    /// Sockets bound now (real ports when 0 was asked).
    #[napi]
    pub fn sockets(&self) -> Vec<SocketInfo> {
        self.engine
            .sockets()
            .into_iter()
            .map(|s| SocketInfo {
                protocol: s.protocol.to_string(),
                address: s.local.to_string(),
                receive_buffer_bytes: s.receive_buffer_bytes as f64,
            })
            .collect()
    }

    /// Most frequent source addresses that matched no sender, most frequent first.
    #[napi]
    pub fn unknown_senders(&self) -> Vec<UnknownSenderInfo> {
        self.engine
            .unknown_senders()
            .into_iter()
            .map(|u| UnknownSenderInfo {
                address: u.address.to_string(),
                count: u.count as f64,
                last_seen_us: u.last_seen_us as f64,
            })
            .collect()
    }

    /// Up to `n` recently received message texts, newest last (a sample at high rates).
    #[napi]
    pub fn recent_lines(&self, n: u32) -> Vec<String> {
        self.engine.recent_lines(n as usize)
    }
}

/// The work behind `nextBatch()`.
pub struct NextBatch {
    engine: Arc<Engine>,
    max_rows: usize,
    timeout: Duration,
}

impl Task for NextBatch {
    type Output = Option<Batch>;
    type JsValue = Option<RowChunk>;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(self.engine.next_batch(self.max_rows, self.timeout))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(output.map(|b| RowChunk::journaled(b.chunk, b.records)))
    }
}

/// The work behind `stop()`: joining threads blocks, so it runs off the JS thread.
pub struct StopEngine {
    engine: Arc<Engine>,
}

impl Task for StopEngine {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        self.engine.stop();
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }
}

/// Caps the C heap's arenas at `max` (`mallopt(M_ARENA_MAX)`). glibc gives each thread
/// that allocates an arena of its own, up to eight per core; the receiver, journal, libuv
/// and DuckDB threads then kept a few tens of MB each that `malloc_trim` could not give
/// back, because live chunks were spread over all of them (bench/README.md, "Where the
/// memory went"). Applies to arenas created after the call. Returns whether glibc took it.
#[napi]
pub fn limit_native_arenas(max: u32) -> bool {
    // SAFETY: mallopt only changes a parameter of the allocator, under its lock.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, max.min(i32::MAX as u32) as i32) == 1 }
}

/// Gives the C heap's free pages back to the system (`malloc_trim`). Chunks are built on
/// the receiver threads and freed on the JavaScript thread, and glibc keeps what a
/// thread's arena freed mapped: after a burst those arenas held hundreds of MB that no
/// chunk used (bench/README.md, "Where the memory went"). Returns whether any was given back.
#[napi]
pub fn trim_native_heap() -> bool {
    // SAFETY: malloc_trim only walks the allocator's own free lists, under its locks.
    unsafe { libc::malloc_trim(0) == 1 }
}
