//! The disk journal between the receiver threads and the writer: every chunk a receiver
//! hands over is numbered and appended to a segment file under the journal's directory
//! before the writer sees it, and stays there until the writer acknowledges its number
//! (after the rows are committed). So a burst faster than storage waits on disk instead of
//! in memory, and a crash loses only what was not yet written.
//!
//! - **Writing** ([`Journal::append`]): a record ([`segment`] framing, [`codec`] payload)
//!   is written with one `write` call into the active segment; a thread calls `fdatasync`
//!   on written segments every [`JournalOptions::sync_interval`]. A process killed at any
//!   point loses nothing written (the page cache holds it); a power loss, at most one
//!   interval. Past [`JournalOptions::segment_bytes`] a new segment starts. When the
//!   segments hold [`JournalOptions::max_bytes`] the chunk is refused ([`Appended::Full`]).
//!   A write the disk fails (no space, an I/O error) is cut back off the segment and
//!   returned as the error, kept in [`JournalStats::last_error`]: the next append simply
//!   tries again, so writing resumes by itself once the disk has room.
//! - **Reading** ([`Journal::next`]): while the reader keeps up, chunks also stay in a
//!   small memory window (bounded in rows) and are handed over from there; once a chunk
//!   does not fit, the reader reads every later record back from disk until it has caught
//!   up. Memory is the window, whatever the backlog.
//! - **Acknowledging** ([`Journal::ack`]): acknowledgements may come in any order (the
//!   writer's lanes commit in parallel); a segment is deleted once all its records are
//!   acknowledged, except the active one, whose name keeps the numbering going.
//! - **Replay** ([`Journal::open`]): segments are scanned; a torn or corrupt tail is cut
//!   off, and every record still there is handed to the reader again. Numbers are only
//!   unique with the journal's [`Journal::id`]: the writer records `(id, numbers)` of
//!   what it committed, and acknowledges those again before reading, so a replay stores
//!   each record once.

pub mod codec;
pub mod segment;

use std::collections::{BTreeSet, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::batch::{Chunk, Schema};
use crate::error::Error;
use segment::{Framed, Next};

/// The file holding the journal's identity.
const ID_FILE: &str = "journal.id";
/// The file locked while a journal is open, so no second one writes the same segments.
const LOCK_FILE: &str = "journal.lock";
/// The file holding the number below which every record is acknowledged, written by the
/// sync thread and at closing; it only saves replays, so it is not synced (the writer's
/// day files decide what a replay skips).
const ACKED_FILE: &str = "acked";
/// Numbers skipped at each opening: more records than one sync interval can hold.
pub const RESTART_GAP: u64 = 1 << 20;

/// Where and how big.
#[derive(Debug, Clone)]
pub struct JournalOptions {
    /// Directory of the segment files (created if missing).
    pub dir: PathBuf,
    /// Segment bytes on disk beyond which chunks are refused.
    pub max_bytes: u64,
    /// A segment this large is closed and a new one started.
    pub segment_bytes: u64,
    /// Rows the memory window holds.
    pub window_rows: usize,
    /// How often written data is flushed to the device.
    pub sync_interval: Duration,
}

/// What [`Journal::append`] did with a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Written as record `seq`.
    Written(u64),
    /// Not written: the journal is at its size cap.
    Full,
}

/// A record handed to the reader.
#[derive(Debug)]
pub struct Record {
    /// Its number.
    pub seq: u64,
    /// True when it was written by an earlier run (a replay).
    pub replayed: bool,
    /// Its rows.
    pub chunk: Chunk,
}

/// What reopening found damaged and cut off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Records read back from segments left by an earlier run.
    pub records: u64,
    /// Segments that ended inside a record (a write cut short), cut at its start.
    pub torn_segments: u64,
    /// Segments with a checksum mismatch, cut at the bad record.
    pub corrupt_segments: u64,
    /// Bytes cut off.
    pub bytes_cut: u64,
}

/// The journal now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JournalStats {
    /// Segment bytes on disk (what counts against the cap).
    pub bytes: u64,
    /// The cap.
    pub max_bytes: u64,
    /// Records written and not yet acknowledged.
    pub unacked_records: u64,
    /// Records written and not yet read.
    pub unread_records: u64,
    /// Age in seconds of the oldest record not yet read, to within one record; 0 when
    /// the reader has caught up.
    pub lag_seconds: f64,
    /// Failed writes, reads or deletions (each also refused or skipped a record).
    pub io_errors: u64,
    /// The error of the latest append the disk failed, if any ever did.
    pub last_error: Option<String>,
    /// True while the latest append failed (until one is written again).
    pub write_failing: bool,
    /// What opening cut off.
    pub recovery: Recovery,
}

struct Segment {
    first_seq: u64,
    end_seq: u64,
    bytes: u64,
    first_written_us: Option<i64>,
    path: PathBuf,
}

/// Where the first record that is not in the window starts on disk.
#[derive(Clone, Copy)]
struct DiskStart {
    seq: u64,
    segment: u64,
    offset: u64,
}

struct Inner {
    /// Oldest first; the last is the active one.
    segments: VecDeque<Segment>,
    file: File,
    /// Closed segments not yet flushed to the device.
    unsynced: Vec<File>,
    dirty: bool,
    next_seq: u64,
    bytes: u64,
    last_record_bytes: u64,
    window: VecDeque<(u64, i64, Chunk)>,
    window_rows: usize,
    /// Set once a record went to disk only; the reader then reads from disk until it
    /// has caught up, and nothing enters the window meanwhile (it stays contiguous).
    disk_from: Option<DiskStart>,
    read_next: u64,
    last_read_written_us: i64,
    /// Every number below is acknowledged (or was never written).
    acked_below: u64,
    /// `acked_below` as last written to [`ACKED_FILE`].
    acked_written: u64,
    /// Acknowledged numbers at or above `acked_below`.
    acked: BTreeSet<u64>,
    unacked: u64,
    io_errors: u64,
    /// See [`JournalStats::last_error`].
    last_error: Option<String>,
    write_failing: bool,
    closed: bool,
}

/// Reads records back from the segment files, in order.
struct DiskReader {
    /// The open segment (its first number), its file and the number of its next record.
    open: Option<(u64, BufReader<File>, u64)>,
    payload: Vec<u8>,
    schema: Option<Arc<Schema>>,
}

/// A journal: see the module documentation.
pub struct Journal {
    options: JournalOptions,
    /// Held (and so locked) until [`Journal::close`].
    lock: Mutex<Option<File>>,
    id: u64,
    /// Records below this number were written by an earlier run.
    replay_end: u64,
    recovery: Recovery,
    inner: Mutex<Inner>,
    written: Condvar,
    reader: Mutex<DiskReader>,
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::io(context, e)
}

/// The journal's identity: read from its file, or made up and written on first use.
fn read_or_create_id(dir: &Path) -> Result<u64, Error> {
    let path = dir.join(ID_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => u64::from_str_radix(text.trim(), 16)
            .map_err(|e| Error::io(format!("read {}", path.display()), std::io::Error::other(e))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // RandomState is seeded from the OS; time and pid only add to it.
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_i64(now_us());
            h.write_u32(std::process::id());
            let id = h.finish();
            let tmp = dir.join(format!("{ID_FILE}.tmp"));
            let write = || -> std::io::Result<()> {
                let mut f = File::create(&tmp)?;
                f.write_all(format!("{id:016x}\n").as_bytes())?;
                f.sync_all()?;
                fs::rename(&tmp, &path)?;
                File::open(dir)?.sync_all()
            };
            write().map_err(io(format!("write {}", path.display())))?;
            Ok(id)
        }
        Err(e) => Err(Error::io(format!("read {}", path.display()), e)),
    }
}

/// Locks the directory's lock file; fails when another journal holds it.
fn lock_dir(dir: &Path) -> Result<File, Error> {
    use std::os::fd::AsRawFd;
    let path = dir.join(LOCK_FILE);
    let file = open_append(&path)?;
    // SAFETY: flock on a descriptor this function owns; no memory is passed.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::io(
            format!(
                "lock {} (is another logsift using this journal?)",
                path.display()
            ),
            e,
        ));
    }
    Ok(file)
}

fn open_append(path: &Path) -> Result<File, Error> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io(format!("open {}", path.display())))
}

impl Journal {
    /// Opens (creating) the journal in `options.dir`, cuts damaged tails off and queues
    /// every record left there for the reader. Starts the sync thread.
    pub fn open(options: JournalOptions) -> Result<Arc<Journal>, Error> {
        let dir = &options.dir;
        fs::create_dir_all(dir).map_err(io(format!("create {}", dir.display())))?;
        let lock = lock_dir(dir)?;
        let id = read_or_create_id(dir)?;
        let mut found: Vec<(u64, PathBuf)> = Vec::new();
        for entry in fs::read_dir(dir).map_err(io(format!("list {}", dir.display())))? {
            let entry = entry.map_err(io(format!("list {}", dir.display())))?;
            let name = entry.file_name();
            if let Some(first) = name.to_str().and_then(segment::parse_file_name) {
                found.push((first, entry.path()));
            }
        }
        found.sort();
        let mut recovery = Recovery::default();
        let mut segments = VecDeque::new();
        let mut next_seq = 0;
        for (first, path) in found {
            let scan =
                segment::scan(&path, first).map_err(io(format!("read {}", path.display())))?;
            if scan.damage.is_some() {
                let file = OpenOptions::new().write(true).open(&path);
                file.and_then(|f| f.set_len(scan.valid_bytes).and_then(|()| f.sync_all()))
                    .map_err(io(format!("cut {}", path.display())))?;
                recovery.bytes_cut += scan.file_bytes - scan.valid_bytes;
                match scan.damage {
                    Some(Next::Torn) => recovery.torn_segments += 1,
                    _ => recovery.corrupt_segments += 1,
                }
            }
            recovery.records += scan.end_seq - scan.first_seq;
            // A later segment never numbers below an earlier one's end.
            next_seq = next_seq.max(scan.end_seq);
            segments.push_back(Segment {
                first_seq: scan.first_seq,
                end_seq: scan.end_seq,
                bytes: scan.valid_bytes,
                first_written_us: scan.first_written_us,
                path: scan.path,
            });
        }
        // Records written since the last sync may be gone after a power loss while the
        // writer has committed them already (DuckDB syncs its own log), so numbers
        // must never be used twice: the new run starts well past every number the
        // cut-off or lost tail could have held (a record is at least a header long).
        next_seq += RESTART_GAP.max(recovery.bytes_cut / segment::HEADER_BYTES as u64 + 1);
        let mut kept = VecDeque::new();
        for s in segments {
            if s.end_seq == s.first_seq {
                fs::remove_file(&s.path).map_err(io(format!("remove {}", s.path.display())))?;
            } else {
                kept.push_back(s);
            }
        }
        let mut segments = kept;
        segments.push_back(Segment {
            first_seq: next_seq,
            end_seq: next_seq,
            bytes: 0,
            first_written_us: None,
            path: dir.join(segment::file_name(next_seq)),
        });
        let active = segments.back().expect("an active segment");
        let file = open_append(&active.path)?;
        // The new file's name must survive a crash: it carries the numbering.
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(format!("sync {}", dir.display())))?;
        let first = segments.front().map_or(next_seq, |s| s.first_seq);
        let bytes = segments.iter().map(|s| s.bytes).sum();
        let acked_below = read_acked(dir).clamp(first, next_seq);
        let unacked: u64 = segments
            .iter()
            .map(|s| s.end_seq - s.first_seq.max(acked_below).min(s.end_seq))
            .sum();
        let journal = Arc::new(Journal {
            lock: Mutex::new(Some(lock)),
            id,
            replay_end: next_seq,
            recovery,
            inner: Mutex::new(Inner {
                segments,
                file,
                unsynced: Vec::new(),
                dirty: false,
                next_seq,
                bytes,
                last_record_bytes: 0,
                window: VecDeque::new(),
                window_rows: 0,
                disk_from: None,
                read_next: first,
                last_read_written_us: 0,
                acked_below,
                acked_written: acked_below,
                acked: BTreeSet::new(),
                unacked,
                io_errors: 0,
                last_error: None,
                write_failing: false,
                closed: false,
            }),
            written: Condvar::new(),
            reader: Mutex::new(DiskReader {
                open: None,
                payload: Vec::new(),
                schema: None,
            }),
            options,
        });
        journal.lock().advance_acked();
        spawn_sync_thread(&journal)?;
        Ok(journal)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The journal's identity, fixed when its directory was first used.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The options it was opened with.
    pub fn options(&self) -> &JournalOptions {
        &self.options
    }

    /// Writes `chunk` as the next record, unless that would pass the size cap. A failed
    /// write is undone (the file cut back) and reported as the error.
    pub fn append(&self, chunk: Chunk) -> Result<Appended, Error> {
        let mut framed = Framed::new(|out| codec::encode(&chunk, out));
        let written_us = now_us();
        let mut inner = self.lock();
        if inner.closed {
            return Err(Error::io(
                "append to the journal",
                std::io::Error::other("the journal is closed"),
            ));
        }
        let len = framed.len() as u64;
        if inner.bytes + len > self.options.max_bytes {
            return Ok(Appended::Full);
        }
        let active = inner.segments.back().expect("an active segment");
        if active.bytes > 0 && active.bytes + len > self.options.segment_bytes {
            if let Err(e) = inner.roll(&self.options.dir) {
                return Err(inner.write_failed(e));
            }
        }
        let seq = inner.next_seq;
        let active = inner.segments.back().expect("an active segment");
        let (offset, segment, path) = (active.bytes, active.first_seq, active.path.clone());
        if let Err(e) = inner.file.write_all(framed.seal(seq, written_us)) {
            // Leave no partial record for the next one to follow (the file is in append
            // mode, so the next write starts at the cut).
            let _ = inner.file.set_len(offset);
            return Err(inner.write_failed(Error::io(format!("write {}", path.display()), e)));
        }
        inner.write_failing = false;
        let active = inner.segments.back_mut().expect("an active segment");
        active.bytes += len;
        active.end_seq = seq + 1;
        active.first_written_us.get_or_insert(written_us);
        inner.bytes += len;
        inner.last_record_bytes = len;
        inner.next_seq = seq + 1;
        inner.unacked += 1;
        inner.dirty = true;
        let rows = chunk.rows();
        if inner.disk_from.is_none() && inner.window_rows + rows <= self.options.window_rows {
            inner.window_rows += rows;
            inner.window.push_back((seq, written_us, chunk));
        } else if inner.disk_from.is_none() {
            inner.disk_from = Some(DiskStart {
                seq,
                segment,
                offset,
            });
        }
        drop(inner);
        self.written.notify_one();
        Ok(Appended::Written(seq))
    }

    /// Waits up to `timeout` for the next record not yet acknowledged, from the window or
    /// from disk. A record that cannot be read back is skipped (counted in `io_errors`)
    /// and acknowledged, as it will never be stored.
    pub fn next(&self, timeout: Duration) -> Option<Record> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut inner = self.lock();
            loop {
                if inner.read_next < inner.next_seq {
                    break;
                }
                // Caught up: new chunks may use the window again.
                inner.disk_from = None;
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                inner = self
                    .written
                    .wait_timeout(inner, left)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            let seq = inner.read_next;
            if inner.window.front().is_some_and(|(s, ..)| *s == seq) {
                let (_, written_us, chunk) = inner.window.pop_front().expect("a front");
                inner.window_rows -= chunk.rows();
                inner.read_next = seq + 1;
                inner.last_read_written_us = written_us;
                if !inner.is_acked(seq) {
                    return Some(self.record(seq, chunk));
                }
                continue;
            }
            let Some(at) = inner.locate(seq) else {
                // Numbers cut off at reopening, or deleted as acknowledged: none to read.
                inner.read_next = inner.segment_at_or_after(seq);
                continue;
            };
            drop(inner);
            let read = self.read_disk(at);
            let mut inner = self.lock();
            inner.read_next = seq + 1;
            match read {
                Ok((written_us, chunk)) => {
                    inner.last_read_written_us = written_us;
                    if !inner.is_acked(seq) {
                        return Some(self.record(seq, chunk));
                    }
                }
                Err(_) => {
                    inner.io_errors += 1;
                    drop(inner);
                    self.ack(seq, seq);
                }
            }
        }
    }

    fn record(&self, seq: u64, chunk: Chunk) -> Record {
        Record {
            seq,
            replayed: seq < self.replay_end,
            chunk,
        }
    }

    /// Reads record `at.seq` from its segment, reusing the open file when it is next there.
    fn read_disk(&self, at: DiskStart) -> Result<(i64, Chunk), String> {
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let DiskReader {
            open,
            payload,
            schema,
        } = &mut *reader;
        let positioned = open
            .as_ref()
            .is_some_and(|(segment, _, next)| *segment == at.segment && *next == at.seq);
        if !positioned {
            let path = self.options.dir.join(segment::file_name(at.segment));
            let mut file = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            file.seek(SeekFrom::Start(at.offset))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            // At the start of a segment the reader skips ahead to `at.seq`.
            let next = if at.offset == 0 { at.segment } else { at.seq };
            *open = Some((at.segment, BufReader::with_capacity(1 << 20, file), next));
        }
        let (_, file, next) = open.as_mut().expect("opened above");
        loop {
            let header = match segment::read_record(file, payload) {
                Ok(Next::Record(h)) => h,
                Ok(other) => {
                    *open = None;
                    return Err(format!("record {}: {other:?}", at.seq));
                }
                Err(e) => {
                    *open = None;
                    return Err(format!("record {}: {e}", at.seq));
                }
            };
            *next = header.seq + 1;
            if header.seq == at.seq {
                let chunk = codec::decode(payload, schema)?;
                return Ok((header.written_us, chunk));
            }
            if header.seq > at.seq {
                *open = None;
                return Err(format!("record {} not found", at.seq));
            }
        }
    }

    /// Acknowledges records `first..=last` (their rows are stored). Deletes segments all
    /// of whose records are acknowledged, except the active one.
    pub fn ack(&self, first: u64, last: u64) {
        let mut inner = self.lock();
        if inner.next_seq == 0 || inner.closed {
            return;
        }
        for seq in first..=last.min(inner.next_seq - 1) {
            if !inner.is_acked(seq) {
                inner.acked.insert(seq);
                inner.unacked -= 1;
            }
        }
        inner.advance_acked();
    }

    /// Ends writing, acknowledging and deleting, and unlocks the directory, so another
    /// journal can open it while this one's owner still exists. Records not acknowledged
    /// stay for that one to replay.
    pub fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        if inner.write_acked(&self.options.dir).is_err() {
            inner.io_errors += 1;
        }
        self.lock.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// True while the journal has room for a record as large as the last one: TCP
    /// receivers wait for it rather than drop.
    pub fn has_room(&self) -> bool {
        let inner = self.lock();
        inner.bytes + inner.last_record_bytes <= self.options.max_bytes
    }

    /// True once every written record has been read.
    pub fn caught_up(&self) -> bool {
        let inner = self.lock();
        inner.read_next >= inner.next_seq
    }

    /// Size, backlog and lag now.
    pub fn stats(&self) -> JournalStats {
        let inner = self.lock();
        let unread = inner.next_seq.saturating_sub(inner.read_next);
        let lag_seconds = if unread == 0 {
            0.0
        } else {
            let oldest = inner
                .segments
                .iter()
                .find(|s| s.end_seq > inner.read_next)
                .and_then(|s| s.first_written_us)
                .unwrap_or(0)
                .max(inner.last_read_written_us);
            (now_us() - oldest).max(0) as f64 / 1e6
        };
        JournalStats {
            bytes: inner.bytes,
            max_bytes: self.options.max_bytes,
            unacked_records: inner.unacked,
            unread_records: unread,
            lag_seconds,
            io_errors: inner.io_errors,
            last_error: inner.last_error.clone(),
            write_failing: inner.write_failing,
            recovery: self.recovery,
        }
    }

    /// Flushes written segments to the device.
    fn sync(&self) {
        let (files, active) = {
            let mut inner = self.lock();
            if !inner.closed && inner.write_acked(&self.options.dir).is_err() {
                inner.io_errors += 1;
            }
            let files = std::mem::take(&mut inner.unsynced);
            let active = if std::mem::take(&mut inner.dirty) {
                inner.file.try_clone().ok()
            } else {
                None
            };
            (files, active)
        };
        for f in files.iter().chain(active.iter()) {
            if f.sync_data().is_err() {
                self.lock().io_errors += 1;
            }
        }
    }
}

/// The number in [`ACKED_FILE`]; 0 when there is none (everything may replay).
fn read_acked(dir: &Path) -> u64 {
    fs::read_to_string(dir.join(ACKED_FILE))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0)
}

impl Inner {
    /// Counts and keeps an append's failure, and hands it back.
    fn write_failed(&mut self, e: Error) -> Error {
        self.io_errors += 1;
        self.last_error = Some(e.to_string());
        self.write_failing = true;
        e
    }

    /// Writes `acked_below` to [`ACKED_FILE`] when it moved (write and rename: never half a number).
    fn write_acked(&mut self, dir: &Path) -> std::io::Result<()> {
        if self.acked_below == self.acked_written {
            return Ok(());
        }
        let tmp = dir.join(format!("{ACKED_FILE}.tmp"));
        fs::write(&tmp, format!("{}\n", self.acked_below))?;
        fs::rename(&tmp, dir.join(ACKED_FILE))?;
        self.acked_written = self.acked_below;
        Ok(())
    }

    fn is_acked(&self, seq: u64) -> bool {
        seq < self.acked_below || self.acked.contains(&seq)
    }

    /// Where record `seq` starts: exactly when the window handed over its predecessors
    /// and it went to disk only, else at the start of its segment (the reader skips ahead).
    fn locate(&self, seq: u64) -> Option<DiskStart> {
        if let Some(d) = self.disk_from.filter(|d| d.seq == seq) {
            return Some(d);
        }
        let s = self
            .segments
            .iter()
            .find(|s| s.first_seq <= seq && seq < s.end_seq)?;
        Some(DiskStart {
            seq,
            segment: s.first_seq,
            offset: 0,
        })
    }

    /// The first written number at or after `seq`.
    fn segment_at_or_after(&self, seq: u64) -> u64 {
        self.segments
            .iter()
            .find(|s| s.end_seq > seq && s.end_seq > s.first_seq)
            .map_or(self.next_seq, |s| s.first_seq.max(seq))
    }

    /// Moves `acked_below` over acknowledged and never-written numbers, then deletes the
    /// segments wholly below it.
    fn advance_acked(&mut self) {
        loop {
            let w = self.acked_below;
            if self.acked.remove(&w) {
                self.acked_below += 1;
            } else if w < self.next_seq
                && !self
                    .segments
                    .iter()
                    .any(|s| s.first_seq <= w && w < s.end_seq)
            {
                self.acked_below = self.segment_at_or_after(w).max(w + 1);
            } else {
                break;
            }
        }
        while self.segments.len() > 1 && self.segments[0].end_seq <= self.acked_below {
            let s = self.segments.pop_front().expect("a front");
            self.bytes -= s.bytes;
            if fs::remove_file(&s.path).is_err() {
                self.io_errors += 1;
            }
        }
    }

    /// Closes the active segment and starts one named after the next number.
    fn roll(&mut self, dir: &Path) -> Result<(), Error> {
        let path = dir.join(segment::file_name(self.next_seq));
        let file = open_append(&path)?;
        let old = std::mem::replace(&mut self.file, file);
        if std::mem::take(&mut self.dirty) {
            self.unsynced.push(old);
        }
        self.dirty = true;
        self.segments.push_back(Segment {
            first_seq: self.next_seq,
            end_seq: self.next_seq,
            bytes: 0,
            first_written_us: None,
            path,
        });
        Ok(())
    }
}

/// Flushes the journal every sync interval while it exists.
fn spawn_sync_thread(journal: &Arc<Journal>) -> Result<(), Error> {
    let weak: Weak<Journal> = Arc::downgrade(journal);
    let interval = journal.options.sync_interval;
    std::thread::Builder::new()
        .name("logsift-journal-sync".into())
        .spawn(move || loop {
            std::thread::sleep(interval);
            match weak.upgrade() {
                Some(j) => j.sync(),
                None => break,
            }
        })
        .map(|_| ())
        .map_err(|e| Error::io("spawn journal sync thread", e))
}

#[cfg(test)]
mod tests;
