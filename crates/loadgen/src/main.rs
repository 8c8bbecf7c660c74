//! `logsift-loadgen`: replays the lines of a file as UDP datagrams (one line each, no
//! newline) at a fixed rate for a fixed time, with `sendmmsg` so the generator itself stays
//! cheap next to the collector on a 2-core machine. Prints one JSON object: datagrams
//! sent, seconds, and the CPU time the generator used.
//!
//! Usage: `logsift-loadgen TARGET FILE RATE SECONDS` (TARGET like `127.0.0.1:5514`).

use std::io;
use std::mem::zeroed;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Datagrams per `sendmmsg` call (the kernel caps one call at 1024).
const BATCH: usize = 256;
/// Pacing step: each tick sends what the rate owes since the start, so rounding errors do
/// not accumulate and a late tick catches up.
const TICK: Duration = Duration::from_millis(1);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, target, file, rate, seconds] = &args[..] else {
        eprintln!("usage: logsift-loadgen TARGET FILE RATE SECONDS");
        std::process::exit(2);
    };
    let target: SocketAddr = target.parse().expect("TARGET is host:port");
    let rate: f64 = rate.parse().expect("RATE is datagrams per second");
    let seconds: f64 = seconds.parse().expect("SECONDS is a number");
    let data = std::fs::read(file).expect("read FILE");
    let lines: Vec<&[u8]> = data
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert!(!lines.is_empty(), "FILE has no lines");

    let bind = if target.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(bind).expect("bind");
    socket.connect(target).expect("connect");
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let mut sent: u64 = 0;
    let mut next_line = 0usize;
    let mut send_errors: u64 = 0;
    while Instant::now() < end {
        let owed = (start.elapsed().as_secs_f64() * rate) as u64;
        while sent < owed {
            let n = ((owed - sent) as usize).min(BATCH);
            match send_batch(&socket, &lines, &mut next_line, n) {
                Ok(done) => sent += done as u64,
                // ENOBUFS/EAGAIN: the local queue is full; count it and retry next tick.
                Err(_) => {
                    send_errors += 1;
                    break;
                }
            }
        }
        std::thread::sleep(TICK);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds();
    println!(
        "{{\"sent\":{sent},\"seconds\":{elapsed:.3},\"cpu_seconds\":{cpu:.3},\"send_errors\":{send_errors}}}"
    );
}

fn send_batch(
    socket: &UdpSocket,
    lines: &[&[u8]],
    next_line: &mut usize,
    n: usize,
) -> io::Result<usize> {
    // SAFETY: iovec and mmsghdr are plain C structs; all-zero is a valid value.
    let mut iovecs: Vec<libc::iovec> = vec![unsafe { zeroed() }; n];
    let mut headers: Vec<libc::mmsghdr> = vec![unsafe { zeroed() }; n];
    for i in 0..n {
        let line = lines[(*next_line + i) % lines.len()];
        iovecs[i] = libc::iovec {
            iov_base: line.as_ptr() as *mut libc::c_void,
            iov_len: line.len(),
        };
        headers[i].msg_hdr.msg_iov = &mut iovecs[i];
        headers[i].msg_hdr.msg_iovlen = 1;
    }
    // SAFETY: `headers` holds `n` initialised entries pointing at `iovecs` and at line
    // buffers that outlive the call; the socket is connected, so no address is needed.
    let done = unsafe {
        libc::sendmmsg(
            socket.as_raw_fd(),
            headers.as_mut_ptr(),
            n as libc::c_uint,
            0,
        )
    };
    if done < 0 {
        return Err(io::Error::last_os_error());
    }
    *next_line = (*next_line + done as usize) % lines.len();
    Ok(done as usize)
}

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct we pass.
    let mut usage: libc::rusage = unsafe { zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
