//! A running engine: its receiver threads (UDP, and TCP connections through [`crate::tcp`],
//! plain or TLS through [`crate::tls`]),
//! the bounded queue between them and JavaScript, and the counters that account for every
//! message.
//!
//! Accounting (SPEC §4): `received = (delivered - replayed) + rejected_unknown_sender +
//! dropped_backpressure + dropped_journal_full + dropped_journal_error + queued`, where `queued` is zero once the
//! engine is stopped and drained, and `replayed` counts rows a [`Journal`] kept from an
//! earlier run (received then, delivered now). A TCP message cut at the maximum size is
//! still delivered (and counted in `truncated` too), and so is one cut short by its
//! connection's end (counted in `truncated_by_close` too); a connection refused over the
//! limit carried no message yet, so `refused_max_connections` stands beside the identity,
//! not in it, and so does `regex_budget_exceeded` (its rows are stored, with NULL
//! fields). The queue is bounded
//! in rows, not chunks, so memory stays bounded whatever the chunk sizes; a chunk that
//! does not fit is dropped whole and counted.
//!
//! With a journal ([`QueueOptions::journal`], from [`Engine::open_journal`] on) the queue is the journal instead: every
//! chunk is written to disk first, the queue's capacity becomes the journal's memory
//! window, and only the journal drops: when at its cap (`dropped_journal_full`) or when
//! the disk fails its write (`dropped_journal_error`), never backpressure.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use socket2::Socket;

use crate::batch::Chunk;
use crate::error::Error;
use crate::extract::Scratch;
use crate::journal::{Appended, Journal, JournalOptions, JournalStats};
use crate::pipeline::{Outcome, Pipeline};
use crate::port_lock::PortLock;
use crate::recv::{bind, parse_listen, raise_receiver_priority, MmsgBuffers};
use crate::sender::{UnknownSender, UnknownSenders};
use crate::tcp::{self, TcpLimits, TcpOptions};
use crate::text::decode;
use crate::tls::{self, TlsListen};

/// How many unknown source addresses are remembered.
const UNKNOWN_SENDERS_CAPACITY: usize = 256;
/// How many recent message texts are kept for the console's regex tester.
const RECENT_LINES_CAPACITY: usize = 200;
/// At most this many texts of one `recvmmsg` batch go to the recent-lines ring, so the
/// copy stays negligible at high rates (the ring becomes a sample).
const RECENT_LINES_PER_BATCH: usize = 4;

/// Where and how an engine listens. A change here means new sockets; the TCP limits
/// ([`TcpOptions`]) are apart, as they change without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenOptions {
    /// UDP addresses, `host:port` or `[v6]:port`.
    pub udp: Vec<String>,
    /// Receiver threads (sockets) per address.
    pub threads: usize,
    /// Requested `SO_RCVBUF` per socket.
    pub receive_buffer_bytes: usize,
    /// TCP addresses (RFC 6587), one acceptor thread each and a thread per connection.
    pub tcp: Vec<String>,
    /// TLS listeners (RFC 5425): TCP listeners whose connections are TLS sessions.
    pub tls: Vec<TlsListen>,
}

/// Queue sizing; fixed for the engine's life.
#[derive(Debug, Clone)]
pub struct QueueOptions {
    /// Rows that may wait for JavaScript before new chunks are dropped.
    pub capacity_rows: usize,
    /// A receiver hands its chunk over once it has this many rows…
    pub chunk_rows: usize,
    /// …or once its first row is this old.
    pub chunk_max_age: Duration,
    /// Chunks go through a disk journal in this directory, `capacity_rows` being its
    /// memory window; without one they wait in memory.
    pub journal: Option<JournalOptions>,
}

/// Counters, all monotonic.
#[derive(Default)]
pub struct Counters {
    /// Datagrams read from the sockets.
    pub received: AtomicU64,
    /// Their payload bytes.
    pub bytes: AtomicU64,
    /// Datagrams from no configured sender.
    pub rejected_unknown_sender: AtomicU64,
    /// Rows whose text had invalid UTF-8 (stored with U+FFFD).
    pub invalid_utf8: AtomicU64,
    /// Rows whose text contains NUL bytes (stored as they are).
    pub embedded_nul: AtomicU64,
    /// Empty datagrams (stored as empty text).
    pub empty: AtomicU64,
    /// Rows dropped because the queue to JavaScript was full.
    pub dropped_backpressure: AtomicU64,
    /// Rows dropped because the journal was at its size cap.
    pub dropped_journal_full: AtomicU64,
    /// Rows dropped because the journal's disk failed their write (no space, I/O error).
    pub dropped_journal_error: AtomicU64,
    /// Rows written to the journal.
    pub journaled: AtomicU64,
    /// Rows handed to JavaScript from the journal.
    pub delivered_from_journal: AtomicU64,
    /// Rows handed to JavaScript.
    pub delivered: AtomicU64,
    /// Of those, rows the journal kept from an earlier run.
    pub replayed: AtomicU64,
    /// Failed receive calls (other than timeouts).
    pub receive_errors: AtomicU64,
    /// TCP/TLS messages longer than the maximum message size, stored cut to it (counted
    /// whether or not their sender is known).
    pub truncated: AtomicU64,
    /// TCP/TLS octet-counted messages whose connection ended before all their bytes came,
    /// stored as far as they came (counted whether or not their sender is known).
    pub truncated_by_close: AtomicU64,
    /// TCP/TLS connections closed at once because the listener had its maximum open.
    pub refused_max_connections: AtomicU64,
    /// Field values left NULL because their backtracking search was over the work budget
    /// (the rows are stored).
    pub regex_budget_exceeded: AtomicU64,
}

/// State shared by the engine handle and its receiver threads.
pub struct Shared {
    pipeline: RwLock<Arc<Pipeline>>,
    /// The counters.
    pub counters: Counters,
    queue_tx: Sender<Chunk>,
    queue_rx: Receiver<Chunk>,
    queued_rows: AtomicUsize,
    queue: QueueOptions,
    /// Set by [`Engine::open_journal`]; until then chunks wait in the memory queue.
    journal: OnceLock<Arc<Journal>>,
    unknown: Mutex<UnknownSenders>,
    recent: Mutex<VecDeque<String>>,
    tcp_limits: Arc<TcpLimits>,
    /// Kernel drops of sockets already closed by an update.
    retired_kernel_drops: AtomicU64,
}

impl Shared {
    fn pipeline(&self) -> Arc<Pipeline> {
        self.pipeline
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Hands a chunk to the journal or the queue, or drops and counts it when that is full.
    fn push(&self, chunk: Chunk) {
        let rows = chunk.rows();
        if rows == 0 {
            return;
        }
        if let Some(journal) = self.journal.get() {
            let counter = match journal.append(chunk) {
                Ok(Appended::Written(_)) => &self.counters.journaled,
                Ok(Appended::Full) => &self.counters.dropped_journal_full,
                // Its text is the journal's last_error.
                Err(_) => &self.counters.dropped_journal_error,
            };
            counter.fetch_add(rows as u64, Relaxed);
            return;
        }
        let before = self.queued_rows.fetch_add(rows, Relaxed);
        if before + rows > self.queue.capacity_rows {
            self.queued_rows.fetch_sub(rows, Relaxed);
            self.counters
                .dropped_backpressure
                .fetch_add(rows as u64, Relaxed);
            return;
        }
        // The receiving end lives in `Shared` itself, so the channel is never closed.
        let _ = self.queue_tx.send(chunk);
    }

    /// For TCP: waits while the queue is full instead of dropping, so the connection is
    /// read slower and TCP's window slows the sender. Once `stop` is set (JavaScript pulls
    /// only after the receivers have stopped) it no longer waits, and a full queue drops
    /// and counts as for UDP.
    fn push_waiting(&self, chunk: Chunk, stop: &AtomicBool) {
        let rows = chunk.rows();
        if let Some(journal) = self.journal.get() {
            while !journal.has_room() && !stop.load(Relaxed) {
                std::thread::sleep(Duration::from_millis(2));
            }
            return self.push(chunk);
        }
        while rows <= self.queue.capacity_rows
            && self.queued_rows.load(Relaxed) + rows > self.queue.capacity_rows
            && !stop.load(Relaxed)
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        self.push(chunk);
    }
}

/// One socket of a receiver set.
struct SocketInfo {
    protocol: &'static str,
    local: SocketAddr,
    granted_buffer_bytes: usize,
    kernel_drops: Arc<AtomicU64>,
}

/// UDP sockets a stopped receiver set hands to its successor, open all along.
type HandedOver = Vec<(Socket, SocketInfo)>;

/// The threads and sockets for one [`ListenOptions`].
struct ReceiverSet {
    options: ListenOptions,
    stop: Arc<AtomicBool>,
    /// Set before `stop` when the UDP sockets go to a successor: their threads return
    /// them instead of closing them.
    keep_sockets: Arc<AtomicBool>,
    /// One per UDP socket, in the order of the first entries of `sockets`.
    udp_threads: Vec<JoinHandle<Option<Socket>>>,
    threads: Vec<JoinHandle<()>>,
    sockets: Vec<SocketInfo>,
    /// This process's hold on the ports, kept until the sockets are closed.
    _ports: Vec<PortLock>,
}

impl ReceiverSet {
    /// Binds every socket first, so a bad address fails before any thread starts; each
    /// port is locked before its first socket is bound, so a port another logsift
    /// process listens on fails the start without taking a single message from it.
    /// `inherit` is asked for a predecessor's UDP sockets once everything else is bound
    /// (so a failure leaves the predecessor receiving); without them, new ones are bound.
    fn start(
        shared: &Arc<Shared>,
        options: &ListenOptions,
        inherit: impl FnOnce() -> Option<HandedOver>,
    ) -> Result<ReceiverSet, Error> {
        let mut ports = Vec::new();
        for text in &options.udp {
            ports.push(PortLock::acquire("udp", parse_listen(text)?)?);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let mut sockets = Vec::new();
        let mut listeners = Vec::new();
        let plain = options.tcp.iter().map(|text| (text, None));
        let secure = options.tls.iter().map(|t| (&t.address, Some(t)));
        for (text, tls) in plain.chain(secure) {
            let config = tls.map(TlsListen::server_config).transpose()?;
            let addr = parse_listen(text)?;
            ports.push(PortLock::acquire("tcp", addr)?);
            let listener = tcp::bind(addr)?;
            let local = listener.local_addr().unwrap_or(addr);
            listeners.push((listener, local, config));
        }
        let bound = match inherit() {
            Some(handed) => handed,
            None => bind_udp(options)?,
        };
        let keep_sockets = Arc::new(AtomicBool::new(false));
        let mut udp_threads = Vec::new();
        for (i, (socket, info)) in bound.into_iter().enumerate() {
            let (shared, stop, drops) = (shared.clone(), stop.clone(), info.kernel_drops.clone());
            let keep = keep_sockets.clone();
            let handle = std::thread::Builder::new()
                .name(format!("logsift-recv-{i}"))
                .spawn(move || receive_loop(&shared, socket, &stop, &drops, &keep))
                .map_err(|e| Error::io("spawn receiver thread", e))?;
            udp_threads.push(handle);
            sockets.push(info);
        }

        for (i, (listener, local, config)) in listeners.into_iter().enumerate() {
            let protocol = if config.is_some() { "tls" } else { "tcp" };
            let (shared, stop) = (shared.clone(), stop.clone());
            let handle = std::thread::Builder::new()
                .name(format!("logsift-{protocol}-{i}"))
                .spawn(move || {
                    let (limits, refused) =
                        (&shared.tcp_limits, &shared.counters.refused_max_connections);
                    let rows = |peer| TcpRows::new(shared.clone(), peer, stop.clone());
                    match config {
                        None => tcp::accept_loop(&listener, limits, refused, &stop, Some, rows),
                        Some(c) => {
                            let open = |socket| tls::open(&c, socket);
                            tcp::accept_loop(&listener, limits, refused, &stop, open, rows);
                        }
                    }
                })
                .map_err(|e| Error::io(format!("spawn {protocol} acceptor thread"), e))?;
            threads.push(handle);
            sockets.push(SocketInfo {
                protocol,
                local,
                granted_buffer_bytes: 0,
                kernel_drops: Arc::new(AtomicU64::new(0)),
            });
        }
        Ok(ReceiverSet {
            options: options.clone(),
            stop,
            keep_sockets,
            udp_threads,
            threads,
            sockets,
            _ports: ports,
        })
    }

    /// Signals the threads, which empty their sockets' kernel queues before exiting.
    fn stop(self, shared: &Shared) {
        self.finish(shared, false);
    }

    /// Stops the threads like [`ReceiverSet::stop`] but keeps the UDP sockets open and
    /// returns them: datagrams arriving meanwhile wait in their kernel queues for the
    /// successor's threads, so none is lost to a close. Their kernel-drop counts go with
    /// them (the kernel's count is per socket).
    fn hand_over(self, shared: &Shared) -> HandedOver {
        self.finish(shared, true)
    }

    /// Stops and joins every thread; with `keep` the UDP threads return their sockets.
    /// The kernel drops of every socket not handed on are kept in `retired_kernel_drops`.
    fn finish(self, shared: &Shared, keep: bool) -> HandedOver {
        self.keep_sockets.store(keep, Relaxed);
        self.stop.store(true, Relaxed);
        let kept: Vec<Option<Socket>> = self
            .udp_threads
            .into_iter()
            .map(|t| t.join().ok().flatten())
            .collect();
        for t in self.threads {
            let _ = t.join();
        }
        let mut handed = HandedOver::new();
        // UDP sockets come first in `sockets`, one per UDP thread; the rest are TCP/TLS.
        let sockets = kept.into_iter().chain(std::iter::repeat_with(|| None));
        for (socket, info) in sockets.zip(self.sockets) {
            match socket {
                Some(socket) => handed.push((socket, info)),
                None => {
                    shared
                        .retired_kernel_drops
                        .fetch_add(info.kernel_drops.load(Relaxed), Relaxed);
                }
            }
        }
        handed
    }
}

/// Binds `options.threads` UDP sockets per address (`SO_REUSEPORT`).
fn bind_udp(options: &ListenOptions) -> Result<HandedOver, Error> {
    let mut bound = Vec::new();
    for text in &options.udp {
        let mut addr = parse_listen(text)?;
        for _ in 0..options.threads.max(1) {
            let (socket, granted) = bind(addr, options.receive_buffer_bytes)?;
            let local = socket
                .local_addr()
                .ok()
                .and_then(|a| a.as_socket())
                .unwrap_or(addr);
            // Port 0: the first socket picks the port, its siblings join it.
            addr.set_port(local.port());
            bound.push((
                socket,
                SocketInfo {
                    protocol: "udp",
                    local,
                    granted_buffer_bytes: granted,
                    kernel_drops: Arc::new(AtomicU64::new(0)),
                },
            ));
        }
    }
    Ok(bound)
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// The body of a receiver thread. Returns the socket when `keep` was set before `stop` (a hand-over), else closes it.
fn receive_loop(
    shared: &Shared,
    socket: Socket,
    stop: &AtomicBool,
    kernel_drops: &AtomicU64,
    keep: &AtomicBool,
) -> Option<Socket> {
    // Without the permission the thread runs at normal priority, as before.
    raise_receiver_priority();
    let fd = socket.as_raw_fd();
    let mut buffers = MmsgBuffers::new();
    let mut pipeline = shared.pipeline();
    let mut scratch = pipeline.extractor.scratch();
    let mut chunk = Chunk::new(pipeline.schema.clone());
    let mut chunk_started = Instant::now();
    let mut rejected: Vec<std::net::IpAddr> = Vec::new();
    let mut draining = false;
    loop {
        match buffers.recv(fd, !draining) {
            Ok(n) => {
                let current = shared.pipeline();
                if !Arc::ptr_eq(&current, &pipeline) {
                    shared.push(std::mem::replace(
                        &mut chunk,
                        Chunk::new(current.schema.clone()),
                    ));
                    scratch = current.extractor.scratch();
                    pipeline = current;
                }
                if chunk.rows() == 0 {
                    chunk_started = Instant::now();
                }
                let c = &shared.counters;
                let (mut bytes, mut invalid, mut nul, mut empty) = (0u64, 0u64, 0u64, 0u64);
                let mut over_budget = 0u64;
                let mut recent = Vec::new();
                let fallback_now = now_us();
                for i in 0..n {
                    let d = buffers.get(i);
                    bytes += d.bytes.len() as u64;
                    empty += u64::from(d.bytes.is_empty());
                    if let Some(k) = d.kernel_drops {
                        kernel_drops.fetch_max(u64::from(k), Relaxed);
                    }
                    let Some(source) = d.source else {
                        // recvmmsg always fills the source of a UDP datagram.
                        rejected.push(std::net::Ipv4Addr::UNSPECIFIED.into());
                        continue;
                    };
                    let at = d.timestamp_us.unwrap_or(fallback_now);
                    match pipeline.process(d.bytes, source.ip(), at, &mut scratch, &mut chunk) {
                        Outcome::Stored {
                            invalid_utf8,
                            embedded_nul,
                            regex_budget_exceeded,
                        } => {
                            invalid += u64::from(invalid_utf8);
                            nul += u64::from(embedded_nul);
                            over_budget += u64::from(regex_budget_exceeded);
                            if i + RECENT_LINES_PER_BATCH >= n {
                                recent.push(decode(d.bytes).text.into_owned());
                            }
                        }
                        Outcome::Rejected(ip) => rejected.push(ip),
                    }
                }
                c.received.fetch_add(n as u64, Relaxed);
                c.bytes.fetch_add(bytes, Relaxed);
                c.invalid_utf8.fetch_add(invalid, Relaxed);
                c.embedded_nul.fetch_add(nul, Relaxed);
                c.empty.fetch_add(empty, Relaxed);
                c.regex_budget_exceeded.fetch_add(over_budget, Relaxed);
                if !rejected.is_empty() {
                    c.rejected_unknown_sender
                        .fetch_add(rejected.len() as u64, Relaxed);
                    let mut u = shared.unknown.lock().unwrap_or_else(|p| p.into_inner());
                    for ip in rejected.drain(..) {
                        u.record(ip, 1, fallback_now);
                    }
                }
                if !recent.is_empty() {
                    remember_recent(shared, recent);
                }
            }
            Err(e) => match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                    if draining {
                        break;
                    }
                }
                std::io::ErrorKind::Interrupted => {}
                _ => {
                    shared.counters.receive_errors.fetch_add(1, Relaxed);
                    std::thread::sleep(Duration::from_millis(10));
                }
            },
        }
        let rows = chunk.rows();
        if rows >= shared.queue.chunk_rows
            || (rows > 0 && chunk_started.elapsed() >= shared.queue.chunk_max_age)
        {
            let next = chunk.empty_like();
            shared.push(std::mem::replace(&mut chunk, next));
        }
        if !draining && stop.load(Relaxed) {
            draining = true;
        }
    }
    // Closed the moment its queue is empty: while a successor's sockets share the port
    // (SO_REUSEPORT), the kernel keeps handing this one datagrams until it is closed, and
    // handing over the last chunk can take a while (a journal write), so a datagram
    // arriving meanwhile would be lost uncounted. A socket handed over stays open.
    let kept = keep.load(Relaxed).then_some(socket);
    shared.push(chunk);
    kept
}

/// Builds rows from one TCP connection's messages, as [`receive_loop`] does for datagrams.
struct TcpRows {
    shared: Arc<Shared>,
    peer: IpAddr,
    stop: Arc<AtomicBool>,
    pipeline: Arc<Pipeline>,
    scratch: Scratch,
    chunk: Chunk,
    chunk_started: Instant,
}

impl TcpRows {
    fn new(shared: Arc<Shared>, peer: IpAddr, stop: Arc<AtomicBool>) -> TcpRows {
        let pipeline = shared.pipeline();
        TcpRows {
            scratch: pipeline.extractor.scratch(),
            chunk: Chunk::new(pipeline.schema.clone()),
            chunk_started: Instant::now(),
            shared,
            peer,
            stop,
            pipeline,
        }
    }

    fn hand_over(&mut self) {
        let fresh = self.chunk.empty_like();
        let full = std::mem::replace(&mut self.chunk, fresh);
        self.shared.push_waiting(full, &self.stop);
    }
}

impl tcp::Sink for TcpRows {
    fn frame(&mut self, bytes: &[u8], cut: tcp::Cut) {
        let current = self.shared.pipeline();
        if !Arc::ptr_eq(&current, &self.pipeline) {
            self.hand_over();
            self.chunk = Chunk::new(current.schema.clone());
            self.scratch = current.extractor.scratch();
            self.pipeline = current;
        }
        if self.chunk.rows() == 0 {
            self.chunk_started = Instant::now();
        }
        let c = &self.shared.counters;
        c.received.fetch_add(1, Relaxed);
        c.bytes.fetch_add(bytes.len() as u64, Relaxed);
        match cut {
            tcp::Cut::Whole => {}
            tcp::Cut::AtMaxSize => {
                c.truncated.fetch_add(1, Relaxed);
            }
            tcp::Cut::ByClose => {
                c.truncated_by_close.fetch_add(1, Relaxed);
            }
        }
        let at = now_us();
        let p = &self.pipeline;
        match p.process(bytes, self.peer, at, &mut self.scratch, &mut self.chunk) {
            Outcome::Stored {
                invalid_utf8,
                embedded_nul,
                regex_budget_exceeded,
            } => {
                c.invalid_utf8.fetch_add(u64::from(invalid_utf8), Relaxed);
                c.embedded_nul.fetch_add(u64::from(embedded_nul), Relaxed);
                c.regex_budget_exceeded
                    .fetch_add(u64::from(regex_budget_exceeded), Relaxed);
                // One text per chunk: a sample, as for UDP.
                if self.chunk.rows() == 1 {
                    remember_recent(&self.shared, vec![decode(bytes).text.into_owned()]);
                }
            }
            Outcome::Rejected(ip) => {
                c.rejected_unknown_sender.fetch_add(1, Relaxed);
                let mut u = self
                    .shared
                    .unknown
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                u.record(ip, 1, at);
            }
        }
        if self.chunk.rows() >= self.shared.queue.chunk_rows {
            self.hand_over();
        }
    }

    fn tick(&mut self) {
        let rows = self.chunk.rows();
        if rows > 0 && self.chunk_started.elapsed() >= self.shared.queue.chunk_max_age {
            self.hand_over();
        }
    }

    fn finish(&mut self) {
        self.hand_over();
    }
}

fn remember_recent(shared: &Shared, lines: Vec<String>) {
    let mut recent = shared.recent.lock().unwrap_or_else(|p| p.into_inner());
    for line in lines {
        if recent.len() == RECENT_LINES_CAPACITY {
            recent.pop_front();
        }
        recent.push_back(line);
    }
}

/// A snapshot of an engine's counters and queue.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// See [`Counters`].
    pub received: u64,
    /// See [`Counters`].
    pub bytes: u64,
    /// See [`Counters`].
    pub rejected_unknown_sender: u64,
    /// See [`Counters`].
    pub invalid_utf8: u64,
    /// See [`Counters`].
    pub embedded_nul: u64,
    /// See [`Counters`].
    pub empty: u64,
    /// See [`Counters`].
    pub dropped_backpressure: u64,
    /// See [`Counters`].
    pub dropped_journal_full: u64,
    /// See [`Counters`].
    pub dropped_journal_error: u64,
    /// See [`Counters`].
    pub delivered: u64,
    /// See [`Counters`].
    pub replayed: u64,
    /// See [`Counters`].
    pub receive_errors: u64,
    /// See [`Counters`].
    pub truncated: u64,
    /// See [`Counters`].
    pub truncated_by_close: u64,
    /// See [`Counters`].
    pub refused_max_connections: u64,
    /// See [`Counters`].
    pub regex_budget_exceeded: u64,
    /// Datagrams the kernel dropped on a full receive buffer, summed over sockets.
    pub kernel_drops: u64,
    /// Rows waiting in the queue for JavaScript.
    pub queue_depth: u64,
    /// The queue's capacity in rows (with a journal: its memory window).
    pub queue_capacity: u64,
    /// The journal's size, backlog and lag, when there is one.
    pub journal: Option<JournalStats>,
}

/// Rows of a batch and, when they came through the journal, the numbers of its records.
#[derive(Debug)]
pub struct Batch {
    /// The rows.
    pub chunk: Chunk,
    /// First and last record number; acknowledge them with [`Engine::ack`] once stored.
    pub records: Option<(u64, u64)>,
}

/// A bound socket as reported to callers.
#[derive(Debug, Clone)]
pub struct BoundSocket {
    /// `udp`, `tcp` or `tls`.
    pub protocol: &'static str,
    /// Local address (with the real port when 0 was asked).
    pub local: SocketAddr,
    /// `SO_RCVBUF` as the kernel reports it.
    pub receive_buffer_bytes: usize,
}

/// An engine: owns the receiver threads and the queue.
pub struct Engine {
    shared: Arc<Shared>,
    receivers: Mutex<Option<ReceiverSet>>,
    /// A chunk taken from the queue that could not merge into the last batch (its schema
    /// differs) and opens the next one.
    carry: Mutex<Option<(Chunk, Option<u64>)>>,
    stopped: AtomicBool,
}

impl Engine {
    /// Compiles the pipeline, binds every socket and starts receiving.
    pub fn start(
        pipeline: Pipeline,
        listen: &ListenOptions,
        tcp_options: &TcpOptions,
        queue: QueueOptions,
    ) -> Result<Engine, Error> {
        Engine::start_after(None, pipeline, listen, tcp_options, queue)
    }

    /// Like [`Engine::start`], but when `previous` listens with the same options its UDP
    /// sockets are taken over, never closed: `previous` stops receiving (its queued rows
    /// stay for it to hand over) and datagrams wait in the kernel queues for this engine's
    /// threads. Binding new sockets beside the old ones instead (`SO_REUSEPORT`) loses
    /// the datagrams the kernel gives an old socket between its last read and its close.
    /// TCP and TLS listeners are bound anew (their connections end with `previous`
    /// anyway). On error `previous` keeps receiving, unless the error came after the
    /// hand-over (a receiver thread that cannot be spawned).
    pub fn take_over(
        previous: &Engine,
        pipeline: Pipeline,
        listen: &ListenOptions,
        tcp_options: &TcpOptions,
        queue: QueueOptions,
    ) -> Result<Engine, Error> {
        Engine::start_after(Some(previous), pipeline, listen, tcp_options, queue)
    }

    fn start_after(
        previous: Option<&Engine>,
        pipeline: Pipeline,
        listen: &ListenOptions,
        tcp_options: &TcpOptions,
        queue: QueueOptions,
    ) -> Result<Engine, Error> {
        let (queue_tx, queue_rx) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            pipeline: RwLock::new(Arc::new(pipeline)),
            counters: Counters::default(),
            queue_tx,
            queue_rx,
            queued_rows: AtomicUsize::new(0),
            queue,
            journal: OnceLock::new(),
            unknown: Mutex::new(UnknownSenders::new(UNKNOWN_SENDERS_CAPACITY)),
            recent: Mutex::new(VecDeque::new()),
            tcp_limits: Arc::new(TcpLimits::new(tcp_options)),
            retired_kernel_drops: AtomicU64::new(0),
        });
        let receivers = ReceiverSet::start(&shared, listen, || {
            previous.and_then(|p| p.hand_over_udp(listen))
        })?;
        Ok(Engine {
            shared,
            receivers: Mutex::new(Some(receivers)),
            carry: Mutex::new(None),
            stopped: AtomicBool::new(false),
        })
    }

    /// Applies a new pipeline, listen options and TCP limits. Rows already queued keep the
    /// columns they were built with. New sockets are bound before old ones close
    /// (`SO_REUSEPORT`), so a listen change has no receive gap; if binding fails nothing
    /// changes. New limits apply to open connections too, without closing any.
    pub fn update(
        &self,
        pipeline: Option<Pipeline>,
        listen: &ListenOptions,
        tcp_options: &TcpOptions,
    ) -> Result<(), Error> {
        let mut receivers = self.receivers.lock().unwrap_or_else(|p| p.into_inner());
        let relisten = receivers.as_ref().is_some_and(|r| r.options != *listen);
        let fresh = if relisten {
            Some(ReceiverSet::start(&self.shared, listen, || None)?)
        } else {
            None
        };
        if let Some(p) = pipeline {
            *self
                .shared
                .pipeline
                .write()
                .unwrap_or_else(|p| p.into_inner()) = Arc::new(p);
        }
        self.shared.tcp_limits.set(tcp_options);
        if let Some(fresh) = fresh {
            if let Some(old) = receivers.replace(fresh) {
                old.stop(&self.shared);
            }
        }
        Ok(())
    }

    /// Stops receiving and returns the UDP sockets, if they were bound with `listen`.
    fn hand_over_udp(&self, listen: &ListenOptions) -> Option<HandedOver> {
        let mut receivers = self.receivers.lock().unwrap_or_else(|p| p.into_inner());
        if receivers.as_ref()?.options != *listen {
            return None;
        }
        receivers.take().map(|set| set.hand_over(&self.shared))
    }

    /// Stops receiving: each thread empties its socket's kernel queue, hands over its last
    /// chunk and exits. Queued rows stay available to [`Engine::next_batch`].
    pub fn stop(&self) {
        let taken = self
            .receivers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(set) = taken {
            set.stop(&self.shared);
        }
        self.stopped.store(true, Relaxed);
    }

    /// True once stopped and every row has been handed over.
    pub fn finished(&self) -> bool {
        self.stopped.load(Relaxed)
            && self.shared.queued_rows.load(Relaxed) == 0
            && self.shared.journal.get().is_none_or(|j| j.caught_up())
            && self
                .carry
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none()
    }

    /// Waits up to `timeout` for rows and returns up to about `max_rows` of them with one
    /// schema, or `None` if none came.
    pub fn next_batch(&self, max_rows: usize, timeout: Duration) -> Option<Batch> {
        let mut carry = self.carry.lock().unwrap_or_else(|p| p.into_inner());
        // Chunks queued in memory before the journal opened go first.
        let from_memory = match &*carry {
            Some((_, seq)) => seq.is_none(),
            None => self.shared.queued_rows.load(Relaxed) > 0,
        };
        let batch = match self.shared.journal.get() {
            Some(j) if !from_memory => {
                let b = self.next_journaled(j, &mut carry, max_rows, timeout)?;
                let c = &self.shared.counters;
                c.delivered_from_journal
                    .fetch_add(b.chunk.rows() as u64, Relaxed);
                b
            }
            _ => self.next_queued(&mut carry, max_rows, timeout)?,
        };
        self.shared
            .counters
            .delivered
            .fetch_add(batch.chunk.rows() as u64, Relaxed);
        Some(batch)
    }

    fn next_queued(
        &self,
        carry: &mut Option<(Chunk, Option<u64>)>,
        max_rows: usize,
        timeout: Duration,
    ) -> Option<Batch> {
        let rx = &self.shared.queue_rx;
        let mut batch = match carry.take() {
            Some((c, _)) => c,
            None => match rx.recv_timeout(timeout) {
                Ok(c) => c,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            },
        };
        while batch.rows() < max_rows {
            match rx.try_recv() {
                Ok(c) if Arc::ptr_eq(&c.schema, &batch.schema) => batch.append(c),
                Ok(c) => {
                    *carry = Some((c, None));
                    break;
                }
                Err(_) => break,
            }
        }
        // Carried rows stay counted as queued until they are handed over.
        self.shared.queued_rows.fetch_sub(batch.rows(), Relaxed);
        Some(Batch {
            chunk: batch,
            records: None,
        })
    }

    /// Merges consecutive journal records of one schema; a record of another schema is
    /// carried to the next batch, so record numbers stay in order across batches.
    fn next_journaled(
        &self,
        journal: &Journal,
        carry: &mut Option<(Chunk, Option<u64>)>,
        max_rows: usize,
        timeout: Duration,
    ) -> Option<Batch> {
        let replayed = &self.shared.counters.replayed;
        let take = |timeout| {
            let r = journal.next(timeout)?;
            if r.replayed {
                replayed.fetch_add(r.chunk.rows() as u64, Relaxed);
            }
            Some((r.chunk, Some(r.seq)))
        };
        let (mut batch, seq) = match carry.take() {
            Some(c) => c,
            None => take(timeout)?,
        };
        let first = seq.expect("journal records are numbered");
        let mut last = first;
        while batch.rows() < max_rows {
            let Some((c, seq)) = take(Duration::ZERO) else {
                break;
            };
            if Arc::ptr_eq(&c.schema, &batch.schema) || c.schema == batch.schema {
                batch.append(c);
                last = seq.expect("journal records are numbered");
            } else {
                *carry = Some((c, seq));
                break;
            }
        }
        Some(Batch {
            chunk: batch,
            records: Some((first, last)),
        })
    }

    /// Opens the journal of [`QueueOptions::journal`] (none: nothing to do), replaying
    /// what it holds; from then on chunks go through it. Apart from [`Engine::start`] so a
    /// successor can bind its sockets while the engine holding the journal drains, and
    /// open it once that one has closed it.
    pub fn open_journal(&self) -> Result<(), Error> {
        let Some(options) = &self.shared.queue.journal else {
            return Ok(());
        };
        if self.shared.journal.get().is_some() {
            return Ok(());
        }
        let journal = Journal::open(JournalOptions {
            window_rows: self.shared.queue.capacity_rows,
            ..options.clone()
        })?;
        // A concurrent second call failed at the journal's lock.
        let _ = self.shared.journal.set(journal);
        Ok(())
    }

    /// Acknowledges journal records `first..=last`: their rows are committed.
    pub fn ack(&self, first: u64, last: u64) {
        if let Some(j) = self.shared.journal.get() {
            j.ack(first, last);
        }
    }

    /// Stops the journal, if any, and unlocks its directory for a successor; records not
    /// acknowledged stay there for it. Call once stopped and drained.
    pub fn close_journal(&self) {
        if let Some(j) = self.shared.journal.get() {
            j.close();
        }
    }

    /// The journal's identity, when there is one: record numbers are unique with it.
    pub fn journal_id(&self) -> Option<u64> {
        self.shared.journal.get().map(|j| j.id())
    }

    /// Counters and queue depth now.
    pub fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        let receivers = self.receivers.lock().unwrap_or_else(|p| p.into_inner());
        let live: u64 = receivers
            .iter()
            .flat_map(|r| r.sockets.iter())
            .map(|s| s.kernel_drops.load(Relaxed))
            .sum();
        Stats {
            received: c.received.load(Relaxed),
            bytes: c.bytes.load(Relaxed),
            rejected_unknown_sender: c.rejected_unknown_sender.load(Relaxed),
            invalid_utf8: c.invalid_utf8.load(Relaxed),
            embedded_nul: c.embedded_nul.load(Relaxed),
            empty: c.empty.load(Relaxed),
            dropped_backpressure: c.dropped_backpressure.load(Relaxed),
            dropped_journal_full: c.dropped_journal_full.load(Relaxed),
            dropped_journal_error: c.dropped_journal_error.load(Relaxed),
            delivered: c.delivered.load(Relaxed),
            replayed: c.replayed.load(Relaxed),
            receive_errors: c.receive_errors.load(Relaxed),
            truncated: c.truncated.load(Relaxed),
            truncated_by_close: c.truncated_by_close.load(Relaxed),
            refused_max_connections: c.refused_max_connections.load(Relaxed),
            regex_budget_exceeded: c.regex_budget_exceeded.load(Relaxed),
            kernel_drops: live + self.shared.retired_kernel_drops.load(Relaxed),
            // In memory, and in the journal: written this run (or replayed) and not yet
            // handed over (carried ones included).
            queue_depth: self.shared.queued_rows.load(Relaxed) as u64
                + (c.journaled.load(Relaxed) + c.replayed.load(Relaxed))
                    .saturating_sub(c.delivered_from_journal.load(Relaxed)),
            queue_capacity: self.shared.queue.capacity_rows as u64,
            journal: self.shared.journal.get().map(|j| j.stats()),
        }
    }

    /// Sockets currently bound.
    pub fn sockets(&self) -> Vec<BoundSocket> {
        let receivers = self.receivers.lock().unwrap_or_else(|p| p.into_inner());
        receivers
            .iter()
            .flat_map(|r| r.sockets.iter())
            .map(|s| BoundSocket {
                protocol: s.protocol,
                local: s.local,
                receive_buffer_bytes: s.granted_buffer_bytes,
            })
            .collect()
    }

    /// The most frequent unknown source addresses.
    pub fn unknown_senders(&self) -> Vec<UnknownSender> {
        self.shared
            .unknown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .top()
    }

    /// Up to `n` recent message texts, newest last.
    pub fn recent_lines(&self, n: usize) -> Vec<String> {
        let recent = self.shared.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent
            .iter()
            .skip(recent.len().saturating_sub(n))
            .cloned()
            .collect()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
    }
}
