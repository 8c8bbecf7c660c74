//! One collector per port: a lock that keeps a second logsift process off a port this one
//! listens on.
//!
//! Every listening socket sets `SO_REUSEPORT`, so an engine's receiver threads share a
//! port and a reload can bind new sockets before closing the old ones. The kernel grants
//! that sharing to any process of the same user, though: a second logsift started on the
//! same UDP port would bind silently and the kernel would split one site's messages
//! between two stores (issue 14). So before binding, a process takes a lock per protocol,
//! IP family and port — an abstract Unix socket named after them, which the kernel
//! releases when the process exits, even on SIGKILL, with no file to clean up. Abstract
//! names are per network namespace, like ports, so the lock covers exactly the ports the
//! sockets would share. Within one process the lock is counted, not exclusive: sibling
//! sockets, a reload's new sockets and an engine replacing another share it.
//!
//! The lock is per port, not per address: `0.0.0.0:5514` in one process and
//! `10.0.0.1:5514` in another would also split the messages sent to `10.0.0.1`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener, UnixStream};
use std::sync::Mutex;

use crate::error::{Error, ErrorKind};

/// What a lock covers: a protocol's port in one IP family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    protocol: &'static str,
    ipv6: bool,
    port: u16,
}

impl Key {
    fn name(&self) -> String {
        let family = if self.ipv6 { "ipv6" } else { "ipv4" };
        format!("logsift/{}/{family}/{}", self.protocol, self.port)
    }
}

/// The locks this process holds, with how many [`PortLock`]s share each.
static HELD: Mutex<Option<HashMap<Key, (UnixListener, usize)>>> = Mutex::new(None);

/// This process's share of the lock on one port; released when the last share drops.
#[derive(Debug)]
pub(crate) struct PortLock {
    key: Option<Key>,
}

impl PortLock {
    /// Takes the lock for `protocol` (`udp` or `tcp`) on `addr`'s port, or fails naming
    /// the address and the process that holds it. Port 0 takes no lock: the kernel picks
    /// a port no other socket uses.
    pub(crate) fn acquire(protocol: &'static str, addr: SocketAddr) -> Result<PortLock, Error> {
        if addr.port() == 0 {
            return Ok(PortLock { key: None });
        }
        let key = Key {
            protocol,
            ipv6: addr.is_ipv6(),
            port: addr.port(),
        };
        let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
        let held = held.get_or_insert_with(HashMap::new);
        if let Some((_, shares)) = held.get_mut(&key) {
            *shares += 1;
            return Ok(PortLock { key: Some(key) });
        }
        let name = key.name();
        let bound = UnixAddr::from_abstract_name(name.as_bytes())
            .and_then(|unix| UnixListener::bind_addr(&unix));
        match bound {
            Ok(listener) => {
                held.insert(key, (listener, 1));
                Ok(PortLock { key: Some(key) })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                Err(Error::new(ErrorKind::PortHeld {
                    protocol,
                    address: addr,
                    holder: holder_pid(&name),
                }))
            }
            Err(e) => Err(Error::io(format!("lock {protocol} port of {addr}"), e)),
        }
    }
}

impl Drop for PortLock {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
        let Some(held) = held.as_mut() else { return };
        if let Some((_, shares)) = held.get_mut(&key) {
            *shares -= 1;
            if *shares == 0 {
                // Dropping the listener releases the name for other processes.
                held.remove(&key);
            }
        }
    }
}

/// The process holding the lock `name`, from the credentials of its listening socket;
/// `None` if it cannot be asked (it exited meanwhile, or its backlog is full).
fn holder_pid(name: &str) -> Option<u32> {
    let unix = UnixAddr::from_abstract_name(name.as_bytes()).ok()?;
    let stream = UnixStream::connect_addr(&unix).ok()?;
    // SAFETY: `ucred` is a plain C struct (all-zero is valid); SO_PEERCRED writes at most
    // `len` bytes into it on an open Unix socket.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(cred.pid as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shares in one process stack; the name is free again after the last one. (Another
    /// process being refused is tested with two real `serve` processes.)
    #[test]
    fn shares_within_the_process_and_releases_after_the_last() {
        // A port the kernel gave this test and keeps from other tests while it runs: the
        // lock names are machine-wide, and other test runs may go on beside this one.
        let holder = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = holder.local_addr().unwrap().port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let name = Key {
            protocol: "udp",
            ipv6: false,
            port,
        }
        .name();
        let taken = || {
            let unix = UnixAddr::from_abstract_name(name.as_bytes()).unwrap();
            UnixListener::bind_addr(&unix).is_err()
        };
        let first = PortLock::acquire("udp", addr).unwrap();
        let second = PortLock::acquire("udp", SocketAddr::from(([0, 0, 0, 0], port))).unwrap();
        assert!(taken());
        assert_eq!(holder_pid(&name), Some(std::process::id()));
        drop(first);
        assert!(taken());
        drop(second);
        assert!(!taken());
        // Other protocols and families are other locks; port 0 takes none.
        let udp6 = PortLock::acquire("udp", SocketAddr::from(([0u16; 8], port))).unwrap();
        let tcp = PortLock::acquire("tcp", addr).unwrap();
        assert!(!taken());
        assert!(PortLock::acquire("udp", "127.0.0.1:0".parse().unwrap())
            .unwrap()
            .key
            .is_none());
        drop((udp6, tcp, holder));
    }
}
