//! Syslog over TCP (RFC 6587), for senders that will not lose lines to a full UDP buffer.
//! Each connection has its own thread, reads with a short timeout (to notice idleness,
//! age out partial chunks and stop), and splits the stream with a [`Framer`]: octet
//! counting (§3.4.1) or LF-terminated frames (§3.4.2), detected from the connection's
//! first byte. Backpressure is by reading slower: the [`Sink`] blocks while the engine's
//! queue is full, the kernel's receive window closes and the sender waits — nothing is
//! dropped for a slow consumer, unlike UDP where the kernel would drop instead.
//! The limits ([`TcpLimits`]) are read live, so a config reload changes them without
//! closing a connection; a message cut at the size limit, a counted frame cut short by
//! the connection's end ([`Cut`]) and a connection refused over the connection limit are
//! each reported, for the engine to count.
//! TLS (RFC 5425, [`crate::tls`]) runs the same connection handling over a decrypting
//! [`Stream`].

use std::io::{ErrorKind, Read};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use crate::error::Error;

/// How often a connection or the acceptor wakes without traffic, to check for stop,
/// idleness and chunk age.
const POLL: Duration = Duration::from_millis(50);
/// Bytes read from a connection at a time.
const READ_BYTES: usize = 64 * 1024;

/// Limits of a TCP listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpOptions {
    /// A longer message is cut to this many bytes (the rest of its frame is skipped).
    pub max_message_bytes: usize,
    /// A connection silent for this long is closed.
    pub idle_timeout: Duration,
    /// Connections beyond this many (per address) are closed at once.
    pub max_connections: usize,
}

/// [`TcpOptions`] as the running listeners read them: [`TcpLimits::set`] changes them for
/// every connection at its next read and for the acceptor at its next connection.
#[derive(Debug)]
pub struct TcpLimits {
    max_message_bytes: AtomicUsize,
    idle_timeout_ms: AtomicU64,
    max_connections: AtomicUsize,
}

impl TcpLimits {
    /// Limits starting at `options`.
    pub fn new(options: &TcpOptions) -> TcpLimits {
        let limits = TcpLimits {
            max_message_bytes: AtomicUsize::new(0),
            idle_timeout_ms: AtomicU64::new(0),
            max_connections: AtomicUsize::new(0),
        };
        limits.set(options);
        limits
    }

    /// Replaces the limits; connections already open stay open even if they are now over
    /// `max_connections` (only new ones are refused).
    pub fn set(&self, options: &TcpOptions) {
        self.max_message_bytes
            .store(options.max_message_bytes.max(1), Relaxed);
        let idle_ms = u64::try_from(options.idle_timeout.as_millis()).unwrap_or(u64::MAX);
        self.idle_timeout_ms.store(idle_ms, Relaxed);
        self.max_connections.store(options.max_connections, Relaxed);
    }

    fn max_message_bytes(&self) -> usize {
        self.max_message_bytes.load(Relaxed)
    }

    fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms.load(Relaxed))
    }

    fn max_connections(&self) -> usize {
        self.max_connections.load(Relaxed)
    }
}

/// Whether a message arrived whole, and if not why its bytes are only a part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The whole message.
    Whole,
    /// Longer than the maximum message size: these are its first bytes.
    AtMaxSize,
    /// An octet-counted frame (RFC 6587 §3.4.1) whose connection ended (FIN, RST or the
    /// end of the TLS session) before MSG-LEN bytes came: these are the bytes that came.
    /// A last LF-framed line without its LF is a whole message (§3.4.2 senders often
    /// omit it), not this.
    ByClose,
}

/// Where a connection's messages go.
pub trait Sink {
    /// One message, without its framing, and whether it is whole.
    fn frame(&mut self, bytes: &[u8], cut: Cut);
    /// Called at least every [`POLL`]: hands over a chunk that has grown old. May block
    /// while the engine's queue is full — that is the backpressure.
    fn tick(&mut self);
    /// The connection ended: hand over everything.
    fn finish(&mut self);
}

/// A connection's bytes: the plain socket, or a TLS session over it ([`crate::tls`]).
pub(crate) trait Stream: Read + Send {
    /// The socket underneath, for the read timeout and non-blocking draining.
    fn socket(&self) -> &TcpStream;

    /// After a read failed for good: bytes the stream received before the failure and
    /// still holds, a piece per call, 0 when none are left. A plain socket holds none
    /// (the kernel's queue is what `read` returns); a TLS session may hold decrypted
    /// text, because a failed write of its own (to a peer that is gone) fails the read.
    fn read_held(&mut self, _buf: &mut [u8]) -> usize {
        0
    }
}

impl Stream for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }
}

/// RFC 6587 §3.4: how a connection frames its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// §3.4.1: `MSG-LEN SP SYSLOG-MSG`.
    OctetCounting,
    /// §3.4.2: messages ended by LF (a CR before it is dropped too).
    NonTransparent,
}

/// Splits a byte stream into messages. Detection (§3.4: a digit starts MSG-LEN, a syslog
/// message starts with `<`) happens on the first byte; a malformed MSG-LEN switches the
/// rest of the connection to LF framing rather than dropping it. Messages go to an `out`
/// callback with the [`Cut`] that says whether each is whole.
pub struct Framer {
    framing: Option<Framing>,
    buf: Vec<u8>,
    max: usize,
    /// Bytes of an over-long message still to skip (octet counting)…
    skip: usize,
    /// …or skip until the next LF (LF framing).
    skip_line: bool,
}

impl Framer {
    /// A framer that cuts messages at `max_message_bytes`.
    pub fn new(max_message_bytes: usize) -> Framer {
        Framer {
            framing: None,
            buf: Vec::new(),
            max: max_message_bytes.max(1),
            skip: 0,
            skip_line: false,
        }
    }

    /// Changes the maximum message size for messages not yet cut.
    pub fn set_max_message_bytes(&mut self, max_message_bytes: usize) {
        self.max = max_message_bytes.max(1);
    }

    /// Feeds bytes; calls `out` with each complete message.
    pub fn push(&mut self, mut data: &[u8], out: &mut dyn FnMut(&[u8], Cut)) {
        if self.skip > 0 {
            let n = self.skip.min(data.len());
            self.skip -= n;
            data = &data[n..];
        }
        // Taken out so the frame methods may update the framer's state while reading it.
        let mut buf = std::mem::take(&mut self.buf);
        buf.extend_from_slice(data);
        let mut at = 0;
        loop {
            let rest = &buf[at..];
            let Some(first) = rest.first() else { break };
            let framing = match self.framing {
                Some(f) => f,
                None if first.is_ascii_digit() => *self.framing.insert(Framing::OctetCounting),
                None => *self.framing.insert(Framing::NonTransparent),
            };
            let used = match framing {
                Framing::OctetCounting => self.octet_frame(rest, out),
                Framing::NonTransparent => self.line_frame(rest, out),
            };
            match used {
                Some(n) => at += n,
                None => break,
            }
        }
        buf.drain(..at);
        self.buf = buf;
    }

    /// The stream ended: a last LF-less line is still a message (§3.4.2 senders often
    /// omit the final LF); an incomplete counted frame is kept as far as it came and
    /// reported [`Cut::ByClose`]. A frame whose MSG-LEN came but none of its message
    /// carries nothing to keep.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8], Cut)) {
        let rest = std::mem::take(&mut self.buf);
        match self.framing {
            Some(Framing::NonTransparent) if !self.skip_line => {
                emit_line(
                    &rest[..rest.len().min(self.max)],
                    cut_at(rest.len() > self.max),
                    out,
                );
            }
            Some(Framing::OctetCounting) => {
                if let Some(sp) = rest.iter().position(|&b| b == b' ') {
                    if !rest[sp + 1..].is_empty() {
                        out(&rest[sp + 1..], Cut::ByClose);
                    }
                }
            }
            _ => {}
        }
    }

    /// One counted frame from the start of `rest`; `None` until it is complete.
    fn octet_frame(&mut self, rest: &[u8], out: &mut dyn FnMut(&[u8], Cut)) -> Option<usize> {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == rest.len() && digits <= 9 {
            return None; // MSG-LEN still arriving
        }
        if digits == 0 || digits > 9 || rest[digits] != b' ' || rest[0] == b'0' {
            // Not §3.4.1 after all: read the rest as LF-framed lines.
            self.framing = Some(Framing::NonTransparent);
            return Some(0);
        }
        let len: usize = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
        let body = &rest[digits + 1..];
        if len > self.max && body.len() >= self.max {
            out(&body[..self.max], Cut::AtMaxSize);
            let have = body.len().min(len);
            self.skip = len - have;
            return Some(digits + 1 + have);
        }
        if body.len() < len {
            return None;
        }
        out(&body[..len], Cut::Whole);
        Some(digits + 1 + len)
    }

    /// One LF-ended line from the start of `rest`; `None` until it is complete. A line
    /// is cut once two bytes more than the maximum arrived without an LF, so a line of
    /// exactly the maximum (and a CR) waits for its LF and is not reported as cut.
    fn line_frame(&mut self, rest: &[u8], out: &mut dyn FnMut(&[u8], Cut)) -> Option<usize> {
        match rest.iter().position(|&b| b == b'\n') {
            Some(lf) => {
                if !std::mem::take(&mut self.skip_line) {
                    let line = &rest[..lf];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    emit_line(
                        &line[..line.len().min(self.max)],
                        cut_at(line.len() > self.max),
                        out,
                    );
                }
                Some(lf + 1)
            }
            None if rest.len() > self.max + 1 && !self.skip_line => {
                out(&rest[..self.max], Cut::AtMaxSize);
                self.skip_line = true;
                Some(rest.len())
            }
            None if self.skip_line => Some(rest.len()),
            None => None,
        }
    }
}

/// [`Cut::AtMaxSize`] when `over_max`, else [`Cut::Whole`].
fn cut_at(over_max: bool) -> Cut {
    if over_max {
        Cut::AtMaxSize
    } else {
        Cut::Whole
    }
}

/// A line without its CR; blank lines (keep-alives) are no messages.
fn emit_line(line: &[u8], cut: Cut, out: &mut dyn FnMut(&[u8], Cut)) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !line.is_empty() {
        out(line, cut);
    }
}

/// Binds a listening socket; `SO_REUSEPORT`, so a new listener can be bound before the
/// old one closes on a live update.
pub(crate) fn bind(addr: SocketAddr) -> Result<TcpListener, Error> {
    let context = || format!("bind tcp {addr}");
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| Error::io(context(), e))?;
    if addr.is_ipv6() {
        socket
            .set_only_v6(true)
            .map_err(|e| Error::io(context(), e))?;
    }
    socket
        .set_reuse_address(true)
        .and_then(|()| socket.set_reuse_port(true))
        .and_then(|()| socket.bind(&addr.into()))
        .and_then(|()| socket.listen(1024))
        .and_then(|()| socket.set_nonblocking(true))
        .map_err(|e| Error::io(context(), e))?;
    Ok(socket.into())
}

/// Accepts connections until `stop`, each wrapped by `open` (plain TCP passes the socket
/// through, TLS starts a session on it; `None` closes it) and served on its own thread by
/// a sink from `make_sink`; then waits for every connection to finish. A connection over
/// `max_connections` is closed at once and counted in `refused`.
pub(crate) fn accept_loop<T, O, S, F>(
    listener: &TcpListener,
    limits: &Arc<TcpLimits>,
    refused: &AtomicU64,
    stop: &Arc<AtomicBool>,
    open: O,
    make_sink: F,
) where
    T: Stream + 'static,
    O: Fn(TcpStream) -> Option<T>,
    S: Sink + Send + 'static,
    F: Fn(IpAddr) -> S,
{
    let active = Arc::new(AtomicUsize::new(0));
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Relaxed) {
        match listener.accept() {
            Ok((stream, peer)) => {
                connections.retain(|c| !c.is_finished());
                if active.load(Relaxed) >= limits.max_connections() {
                    // Counted before the close, so whoever sees the close sees the count.
                    refused.fetch_add(1, Relaxed);
                    drop(stream); // over the limit: the sender sees a close and retries
                    continue;
                }
                let Some(stream) = open(stream) else { continue };
                active.fetch_add(1, Relaxed);
                let (limits, stop, active) = (limits.clone(), stop.clone(), active.clone());
                let mut sink = make_sink(peer.ip());
                let spawned = std::thread::Builder::new()
                    .name("logsift-tcp-conn".into())
                    .spawn(move || {
                        serve(stream, &limits, &stop, &mut sink);
                        active.fetch_sub(1, Relaxed);
                    });
                match spawned {
                    Ok(handle) => connections.push(handle),
                    Err(_) => {
                        // No thread for it: the connection closes; the sender retries.
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => std::thread::sleep(POLL),
        }
    }
    for c in connections {
        let _ = c.join();
    }
}

/// Reads one connection to its end, its idle timeout or the engine's stop. On stop, what
/// the kernel already holds for the connection is still read, so an accepted message is
/// not lost on a clean stop. The limits are read again at every wake-up.
fn serve(mut stream: impl Stream, limits: &TcpLimits, stop: &AtomicBool, sink: &mut dyn Sink) {
    let mut framer = Framer::new(limits.max_message_bytes());
    let mut buf = vec![0u8; READ_BYTES];
    let mut last_data = Instant::now();
    let mut draining = false;
    if stream.socket().set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    loop {
        if !draining && stop.load(Relaxed) {
            draining = true;
            if stream.socket().set_nonblocking(true).is_err() {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                last_data = Instant::now();
                framer.set_max_message_bytes(limits.max_message_bytes());
                framer.push(&buf[..n], &mut |f, cut| sink.frame(f, cut));
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if draining || last_data.elapsed() >= limits.idle_timeout() {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => {
                // A reset or a close without TLS close_notify: what arrived before it
                // is still the sender's (issue 14).
                loop {
                    let n = stream.read_held(&mut buf);
                    if n == 0 {
                        break;
                    }
                    framer.push(&buf[..n], &mut |f, cut| sink.frame(f, cut));
                }
                break;
            }
        }
        sink.tick();
    }
    framer.finish(&mut |f, cut| sink.frame(f, cut));
    sink.finish();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames of `chunks` fed one after another, then finished; one cut at the maximum
    /// size ends in `✂`, one cut short by the end of the stream in `…`.
    fn frames(max: usize, chunks: &[&[u8]]) -> Vec<String> {
        let mut f = Framer::new(max);
        let mut out = Vec::new();
        let mut collect = |m: &[u8], cut: Cut| {
            let text = String::from_utf8_lossy(m);
            out.push(match cut {
                Cut::Whole => text.into(),
                Cut::AtMaxSize => format!("{text}✂"),
                Cut::ByClose => format!("{text}…"),
            });
        };
        for c in chunks {
            f.push(c, &mut collect);
        }
        f.finish(&mut collect);
        out
    }

    #[test]
    fn framing() {
        for (max, chunks, want) in [
            // §3.4.2 LF framing, CRLF, blank lines, a final line without LF
            (
                100,
                &[&b"<13>a\n<13>b\r\n\n<13>c"[..]][..],
                &["<13>a", "<13>b", "<13>c"][..],
            ),
            // split anywhere
            (100, &[b"<13>a\n<1", b"3>b", b"\n"], &["<13>a", "<13>b"]),
            // §3.4.1 octet counting, split inside MSG-LEN and body; LF inside a message
            (
                100,
                &[b"5 <13>a6 <13>b\n", b"1", b"2 <13>c d e f"],
                &["<13>a", "<13>b\n", "<13>c d e f…"],
            ),
            // cut at max: the rest of the frame is skipped, in both framings
            (4, &[b"<13>abcdef\n<13>b\n"], &["<13>✂", "<13>✂"]),
            (4, &[b"<13>ab", b"cdef\n<13>b\n"], &["<13>✂", "<13>✂"]),
            (4, &[b"8 <13>abcd", b"4 <13>"], &["<13>✂", "<13>"]),
            (4, &[b"8 <13>", b"abcd4 <13>"], &["<13>✂", "<13>"]),
            // exactly max is not cut, with or without CR, however it arrives
            (4, &[b"<13>", b"\r", b"\n<13>\n"], &["<13>", "<13>"]),
            (4, &[b"<13>\r\n", b"<13>"], &["<13>", "<13>"]),
            (4, &[b"<13>a", b"\r\n"], &["<13>✂"]),
            (4, &[b"<13>a\r", b"bc\n<13>"], &["<13>✂", "<13>"]),
            // a malformed MSG-LEN: the connection continues as LF framing
            (100, &[b"12x\n<13>b\n"], &["12x", "<13>b"]),
            (100, &[b"05 <13>a\n"], &["05 <13>a"]),
            // an incomplete counted frame at the end is kept as far as it came, and said
            // to be cut short; a frame cut at the maximum and then by the end is cut once
            (100, &[b"10 <13>abc"], &["<13>abc…"]),
            (100, &[b"5 <13>a10 "], &["<13>a"]),
            (8, &[b"20 <13>ab"], &["<13>ab…"]),
            (4, &[b"8 <13>abc"], &["<13>✂"]),
            // the last LF-framed line without its LF is whole
            (100, &[b"<13>a\n<13>b"], &["<13>a", "<13>b"]),
            (100, &[b""], &[]),
        ] {
            assert_eq!(frames(max, chunks), want, "{chunks:?}");
        }
    }

    /// Random splits of one stream give the same frames as the whole stream.
    #[test]
    fn any_split_gives_the_same_frames() {
        let lf = b"<13>one\n<13>two\r\n<14>three four\n".to_vec();
        let counted = b"7 <13>one9 <13>two\n12 <14>three fo".to_vec();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for stream in [lf, counted] {
            let whole = frames(100, &[&stream]);
            for _ in 0..500 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let cut = (x as usize) % (stream.len() + 1);
                assert_eq!(frames(100, &[&stream[..cut], &stream[cut..]]), whole);
            }
        }
    }
}
