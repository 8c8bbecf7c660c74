//! UDP sockets and batched receive with `recvmmsg(2)`.
//!
//! Each receiver thread owns one `SO_REUSEPORT` socket, so the kernel spreads datagrams
//! over threads without a lock. Every call fetches up to [`MMSG_BATCH`] datagrams together
//! with two control messages: `SO_TIMESTAMP` (the kernel's receive time, so a busy thread
//! does not skew `received_at`) and `SO_RXQ_OVFL` (the socket's running count of datagrams
//! the kernel dropped because the receive buffer was full).

use std::io;
use std::mem::{size_of, zeroed};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::error::{Error, ErrorKind};

/// Datagrams fetched per `recvmmsg` call: enough to amortise the syscall at 200k msg/s
/// (about 3k calls/s) while each thread's buffers stay at 4 MiB.
pub const MMSG_BATCH: usize = 64;

/// Per-datagram buffer: larger than the biggest UDP payload over IPv4 (65,507 bytes), so
/// no datagram is ever truncated.
pub const MAX_DATAGRAM: usize = 65_536;

/// How long a blocked receive waits before the thread checks for stop and flushes a
/// partial chunk.
pub const READ_TIMEOUT: Duration = Duration::from_millis(100);

/// The nice value a receiver thread asks for (the default is 0; lower runs first).
pub const RECEIVER_NICE: i32 = -10;

/// Raises the calling thread's scheduling priority to [`RECEIVER_NICE`] when the process
/// may (root, `CAP_SYS_NICE`, or an `RLIMIT_NICE` such as systemd's `LimitNICE=-10`).
/// A socket's receive buffer is the smallest buffer on the path and the only one whose
/// overflow loses datagrams for good, while storage work that falls behind waits in the
/// native queue; so when the cores are contended the thread draining the socket should
/// run first. Linux keeps nice values per thread. Returns whether the priority was raised.
pub fn raise_receiver_priority() -> bool {
    // SAFETY: plain syscalls on the calling thread's own id.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, RECEIVER_NICE) == 0
    }
}

/// Control buffer per datagram, in u64 words for alignment: room for a timeval and a u32.
const CTRL_WORDS: usize = 16;

/// Parses `host:port` or `[v6]:port`.
pub fn parse_listen(address: &str) -> Result<SocketAddr, Error> {
    address.parse().map_err(|_| {
        Error::new(ErrorKind::ListenAddress {
            address: address.to_string(),
        })
    })
}

/// Opens and binds one receive socket.
///
/// `SO_RCVBUFFORCE` is tried first because it may exceed `net.core.rmem_max` when the
/// process has `CAP_NET_ADMIN`; otherwise `SO_RCVBUF` is capped by the sysctl. Returns the
/// socket and the buffer size the kernel reports (it doubles the request for bookkeeping).
pub fn bind(addr: SocketAddr, receive_buffer_bytes: usize) -> Result<(Socket, usize), Error> {
    let ctx = |what: &str| format!("{what} {addr}");
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| Error::io(ctx("socket for"), e))?;
    socket
        .set_reuse_port(true)
        .map_err(|e| Error::io(ctx("SO_REUSEPORT on"), e))?;
    if addr.is_ipv6() {
        // Keep IPv6 sockets to IPv6 so `0.0.0.0:p` and `[::]:p` can both be listed.
        socket
            .set_only_v6(true)
            .map_err(|e| Error::io(ctx("IPV6_V6ONLY on"), e))?;
    }
    if receive_buffer_bytes > 0 {
        let forced = set_int(
            socket.as_raw_fd(),
            libc::SO_RCVBUFFORCE,
            receive_buffer_bytes as libc::c_int,
        );
        if forced.is_err() {
            socket
                .set_recv_buffer_size(receive_buffer_bytes)
                .map_err(|e| Error::io(ctx("SO_RCVBUF on"), e))?;
        }
    }
    set_int(socket.as_raw_fd(), libc::SO_RXQ_OVFL, 1)
        .map_err(|e| Error::io(ctx("SO_RXQ_OVFL on"), e))?;
    set_int(socket.as_raw_fd(), libc::SO_TIMESTAMP, 1)
        .map_err(|e| Error::io(ctx("SO_TIMESTAMP on"), e))?;
    socket
        .set_read_timeout(Some(READ_TIMEOUT))
        .map_err(|e| Error::io(ctx("SO_RCVTIMEO on"), e))?;
    socket
        .bind(&addr.into())
        .map_err(|e| Error::io(ctx("bind"), e))?;
    let granted = socket
        .recv_buffer_size()
        .map_err(|e| Error::io(ctx("SO_RCVBUF of"), e))?;
    Ok((socket, granted))
}

fn set_int(fd: RawFd, opt: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: `fd` is an open socket, and we pass a pointer to a live c_int with its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            opt,
            (&value as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// One received datagram, borrowed from [`MmsgBuffers`].
pub struct Datagram<'a> {
    /// Payload.
    pub bytes: &'a [u8],
    /// Source address.
    pub source: Option<SocketAddr>,
    /// Kernel receive time, µs since the Unix epoch.
    pub timestamp_us: Option<i64>,
    /// The socket's cumulative kernel drop count at this datagram (`SO_RXQ_OVFL`).
    pub kernel_drops: Option<u32>,
}

/// Buffers for one `recvmmsg` call, allocated once per thread. The `mmsghdr`s point into
/// the other vectors, which are never resized after construction.
pub struct MmsgBuffers {
    data: Vec<u8>,
    iovecs: Vec<libc::iovec>,
    names: Vec<libc::sockaddr_storage>,
    control: Vec<u64>,
    headers: Vec<libc::mmsghdr>,
}

// SAFETY: the raw pointers inside `headers`/`iovecs` point only into this struct's own
// heap buffers, which move with it; nothing else aliases them.
unsafe impl Send for MmsgBuffers {}

impl MmsgBuffers {
    /// Buffers for up to [`MMSG_BATCH`] datagrams.
    pub fn new() -> Box<MmsgBuffers> {
        let n = MMSG_BATCH;
        let mut b = Box::new(MmsgBuffers {
            data: vec![0; n * MAX_DATAGRAM],
            // SAFETY: iovec, sockaddr_storage and mmsghdr are plain C structs for which
            // all-zero bytes are a valid value.
            iovecs: vec![unsafe { zeroed() }; n],
            names: vec![unsafe { zeroed() }; n],
            control: vec![0; n * CTRL_WORDS],
            headers: vec![unsafe { zeroed() }; n],
        });
        for i in 0..n {
            let data = b.data[i * MAX_DATAGRAM..].as_mut_ptr();
            b.iovecs[i] = libc::iovec {
                iov_base: data.cast(),
                iov_len: MAX_DATAGRAM,
            };
        }
        b
    }

    /// Receives up to [`MMSG_BATCH`] datagrams. With `wait`, blocks for the first one (up
    /// to the socket's read timeout) and takes whatever else is queued; without, returns
    /// `WouldBlock` when the queue is empty.
    pub fn recv(&mut self, fd: RawFd, wait: bool) -> io::Result<usize> {
        let n = MMSG_BATCH;
        for i in 0..n {
            let h = &mut self.headers[i].msg_hdr;
            h.msg_name = (&mut self.names[i] as *mut libc::sockaddr_storage).cast();
            h.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            h.msg_iov = &mut self.iovecs[i];
            h.msg_iovlen = 1;
            h.msg_control = self.control[i * CTRL_WORDS..].as_mut_ptr().cast();
            h.msg_controllen = CTRL_WORDS * size_of::<u64>();
            h.msg_flags = 0;
            self.headers[i].msg_len = 0;
        }
        let flags = if wait {
            libc::MSG_WAITFORONE
        } else {
            libc::MSG_DONTWAIT
        };
        // SAFETY: `headers` holds `n` initialised mmsghdrs whose buffers are owned by
        // `self` and outlive the call; a null timeout means the socket's own timeout rules.
        let got = unsafe {
            libc::recvmmsg(
                fd,
                self.headers.as_mut_ptr(),
                n as libc::c_uint,
                flags,
                std::ptr::null_mut(),
            )
        };
        if got < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(got as usize)
        }
    }

    /// Datagram `i` of the last [`MmsgBuffers::recv`].
    pub fn get(&self, i: usize) -> Datagram<'_> {
        let h = &self.headers[i];
        let len = (h.msg_len as usize).min(MAX_DATAGRAM);
        let bytes = &self.data[i * MAX_DATAGRAM..i * MAX_DATAGRAM + len];
        // SAFETY: the kernel filled `names[i]` and set `msg_namelen` to its length.
        let source = unsafe { SockAddr::new(self.names[i], h.msg_hdr.msg_namelen) }.as_socket();
        let (timestamp_us, kernel_drops) = self.control_messages(&h.msg_hdr);
        Datagram {
            bytes,
            source,
            timestamp_us,
            kernel_drops,
        }
    }

    fn control_messages(&self, hdr: &libc::msghdr) -> (Option<i64>, Option<u32>) {
        let mut ts = None;
        let mut drops = None;
        // SAFETY: `hdr` was filled by recvmmsg; CMSG_* walk only within msg_controllen,
        // and each payload is read unaligned with the type its cmsg_type announces.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(hdr);
            while !cmsg.is_null() {
                let c = &*cmsg;
                if c.cmsg_level == libc::SOL_SOCKET {
                    let data = libc::CMSG_DATA(cmsg);
                    if c.cmsg_type == libc::SCM_TIMESTAMP {
                        let tv = std::ptr::read_unaligned(data.cast::<libc::timeval>());
                        ts = Some(tv.tv_sec * 1_000_000 + tv.tv_usec);
                    } else if c.cmsg_type == libc::SO_RXQ_OVFL {
                        drops = Some(std::ptr::read_unaligned(data.cast::<u32>()));
                    }
                }
                cmsg = libc::CMSG_NXTHDR(hdr, cmsg);
            }
        }
        (ts, drops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nice value of the calling thread, from `/proc/thread-self/stat` (field 19).
    fn own_nice() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // The command name may hold spaces; the fields after its closing paren do not.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        after.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[test]
    fn a_receiver_thread_runs_at_its_own_priority_when_permitted() {
        let before = own_nice();
        let (raised, nice) = std::thread::spawn(|| (raise_receiver_priority(), own_nice()))
            .join()
            .unwrap();
        if raised {
            assert_eq!(nice, RECEIVER_NICE);
        } else {
            // Unprivileged without RLIMIT_NICE: refused, and the thread is unchanged.
            assert_eq!(nice, before);
        }
        // Per thread: the test's own thread keeps its value.
        assert_eq!(own_nice(), before);
    }
}
