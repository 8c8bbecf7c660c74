//! Syslog over TLS (RFC 5425), for senders whose lines cross networks that must not read
//! or alter them. A TLS listener is a TCP listener ([`crate::tcp`]) whose connections are
//! wrapped in a rustls session before being read: framing (RFC 5425 §4.3 uses RFC 6587
//! octet counting; LF framing is accepted too, as many senders use it), size cap, idle
//! timeout, connection limit and backpressure are the TCP listener's own, not a copy.
//! The handshake runs on the connection's thread at its first read, so a slow client
//! never holds up the acceptor; a client that does not finish it is closed at the idle
//! timeout like a silent one.

use std::io::Read;
use std::net::TcpStream;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

use crate::error::{Error, ErrorKind};
use crate::tcp::Stream;

/// One TLS listener: where it listens and the PEM files it presents and trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsListen {
    /// `host:port` or `[v6]:port`.
    pub address: String,
    /// The server's certificate chain (PEM), leaf first.
    pub cert: String,
    /// The server's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: String,
    /// CA certificates (PEM) that client certificates must chain to. When set, a client
    /// without a valid certificate is refused in the handshake (RFC 5425 §5.1's
    /// certificate-based authentication of the transport sender).
    pub client_ca: Option<String>,
}

impl TlsListen {
    /// Reads the PEM files and builds the listener's TLS configuration: TLS 1.2 (which
    /// RFC 5425 §4.2 requires) or 1.3, nothing older.
    pub(crate) fn server_config(&self) -> Result<Arc<ServerConfig>, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| self.error(e))?;
        let builder = match &self.client_ca {
            None => builder.with_no_client_auth(),
            Some(path) => {
                let mut roots = RootCertStore::empty();
                for ca in certificates(path).map_err(|m| self.error(m))? {
                    roots
                        .add(ca)
                        .map_err(|e| self.error(format!("client_ca {path}: {e}")))?;
                }
                let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .map_err(|e| self.error(format!("client_ca {path}: {e}")))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let chain = certificates(&self.cert).map_err(|m| self.error(m))?;
        let key = PrivateKeyDer::from_pem_file(&self.key)
            .map_err(|e| self.error(format!("key {}: {e}", self.key)))?;
        let config = builder
            .with_single_cert(chain, key)
            .map_err(|e| self.error(format!("cert {} with key {}: {e}", self.cert, self.key)))?;
        Ok(Arc::new(config))
    }

    fn error(&self, message: impl ToString) -> Error {
        Error::new(ErrorKind::Tls {
            address: self.address.clone(),
            message: message.to_string(),
        })
    }
}

/// The certificates of a PEM file; an error names the file, also when it holds none.
fn certificates(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| format!("{path}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{path}: no certificate in the file"));
    }
    Ok(certs)
}

/// Starts a server session on an accepted socket (no I/O yet); `None` only if rustls
/// cannot create one, and then the connection is closed.
pub(crate) fn open(config: &Arc<ServerConfig>, socket: TcpStream) -> Option<TlsStream> {
    let session = ServerConnection::new(config.clone()).ok()?;
    Some(StreamOwned::new(session, socket))
}

/// A TLS connection: reads decrypt, handshaking first.
pub(crate) type TlsStream = StreamOwned<ServerConnection, TcpStream>;

impl Stream for TlsStream {
    fn socket(&self) -> &TcpStream {
        &self.sock
    }

    /// rustls fails a read when its own write fails (a peer that reset the connection
    /// before reading the session tickets sent after the handshake), and when the peer
    /// closes without close_notify; the text it decrypted before that stays buffered.
    /// Records received but not yet decrypted are decrypted first, and records still in
    /// the kernel's receive queue are read too: the failing write (the session tickets)
    /// can come before rustls has read what the peer sent ahead of its reset.
    fn read_held(&mut self, buf: &mut [u8]) -> usize {
        loop {
            // An error here (a damaged record) leaves the text decrypted before it readable.
            let damaged = self.conn.process_new_packets().is_err();
            if let Ok(n @ 1..) = self.conn.reader().read(buf) {
                return n;
            }
            if damaged {
                return 0;
            }
            match self.conn.read_tls(&mut self.sock) {
                Ok(1..) => {}
                _ => return 0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    use std::sync::Mutex;
    use std::time::Duration;

    use rustls::pki_types::ServerName;
    use rustls::{ClientConfig, ClientConnection};

    use super::*;
    use crate::tcp::{self, Sink, TcpLimits, TcpOptions};

    /// A fresh directory with a CA and a server certificate for 127.0.0.1 it signed,
    /// made with the `openssl` command.
    fn certs(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("logsift-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let run = |args: &[&str]| {
            let ok = Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .output()
                .unwrap();
            assert!(
                ok.status.success(),
                "{}",
                String::from_utf8_lossy(&ok.stderr)
            );
        };
        let key = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        run(&[
            &["req", "-x509"][..],
            &key,
            &["-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=ca"],
        ]
        .concat());
        run(&[
            &["req"][..],
            &key,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=server",
            ],
        ]
        .concat());
        std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ]);
        dir
    }

    fn listen(dir: &Path, client_ca: Option<&str>) -> TlsListen {
        let at = |f: &str| dir.join(f).to_string_lossy().into_owned();
        TlsListen {
            address: "127.0.0.1:0".into(),
            cert: at("server.pem"),
            key: at("server.key"),
            client_ca: client_ca.map(at),
        }
    }

    #[derive(Clone, Default)]
    struct Frames(Arc<Mutex<Vec<String>>>);

    impl Sink for Frames {
        fn frame(&mut self, bytes: &[u8], _cut: tcp::Cut) {
            self.0
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(bytes).into_owned());
        }
        fn tick(&mut self) {}
        fn finish(&mut self) {}
    }

    /// A TLS listener on 127.0.0.1 running the TCP listener's code, collecting frames.
    struct Server {
        port: u16,
        stop: Arc<AtomicBool>,
        frames: Frames,
        acceptor: std::thread::JoinHandle<()>,
    }

    impl Server {
        fn start(dir: &Path) -> Server {
            let config = listen(dir, None).server_config().unwrap();
            let listener = tcp::bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let port = listener.local_addr().unwrap().port();
            let stop = Arc::new(AtomicBool::new(false));
            let frames = Frames::default();
            let acceptor = {
                let (stop, frames) = (stop.clone(), frames.clone());
                std::thread::spawn(move || {
                    let limits = Arc::new(TcpLimits::new(&TcpOptions {
                        max_message_bytes: 1024,
                        idle_timeout: Duration::from_secs(5),
                        max_connections: 4,
                    }));
                    let refused = AtomicU64::new(0);
                    let open = |socket| open(&config, socket);
                    let sink = |_| frames.clone();
                    tcp::accept_loop(&listener, &limits, &refused, &stop, open, sink);
                })
            };
            Server {
                port,
                stop,
                frames,
                acceptor,
            }
        }

        /// Waits (up to 5 s) for `n` frames, stops and returns every frame.
        fn frames_after(self, n: usize) -> Vec<String> {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while self.frames.0.lock().unwrap().len() < n && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            self.stop.store(true, Relaxed);
            self.acceptor.join().unwrap();
            let frames = self.frames.0.lock().unwrap().clone();
            frames
        }
    }

    /// A rustls client session to the server, handshake not yet done.
    fn client(dir: &Path, port: u16) -> StreamOwned<ClientConnection, TcpStream> {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(
            certificates(&dir.join("ca.pem").to_string_lossy()).unwrap(),
        );
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let session = ClientConnection::new(Arc::new(client), name).unwrap();
        let socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
        StreamOwned::new(session, socket)
    }

    /// Waits (up to 5 s) until every byte written to `socket` was acknowledged by the peer.
    fn wait_acknowledged(socket: &TcpStream) {
        use std::os::fd::AsRawFd;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let mut unacknowledged: libc::c_int = 0;
            // SAFETY: TIOCOUTQ on an open TCP socket writes one c_int to the pointer.
            let rc =
                unsafe { libc::ioctl(socket.as_raw_fd(), libc::TIOCOUTQ, &mut unacknowledged) };
            assert_eq!(rc, 0);
            if unacknowledged == 0 {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "never acknowledged");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// A rustls client sends octet-counted frames through the TCP listener's code with
    /// TLS in between; every frame arrives once, intact.
    #[test]
    fn frames_arrive_through_tls() {
        let dir = certs("frames");
        let server = Server::start(&dir);
        let mut stream = client(&dir, server.port);
        stream.write_all(b"5 <13>a11 <13>b\nc d e").unwrap();
        stream.conn.send_close_notify();
        stream.flush().unwrap();
        drop(stream);
        assert_eq!(server.frames_after(2), ["<13>a", "<13>b\nc d e"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Issue 14 item 4: a client that writes its lines right after the handshake and
    /// closes without close_notify — with an RST because it never read the
    /// server's session tickets (half the trials, the other half resets on purpose) —
    /// still has every line it sent stored.
    #[test]
    fn lines_sent_before_a_close_without_close_notify_are_kept() {
        let dir = certs("unclean");
        let server = Server::start(&dir);
        let (trials, lines) = (20, 10);
        for trial in 0..trials {
            let mut stream = client(&dir, server.port);
            while stream.conn.is_handshaking() {
                stream.conn.complete_io(&mut stream.sock).unwrap();
            }
            for i in 0..lines {
                // One record per line, as a sender writing line by line produces.
                writeln!(stream.conn.writer(), "<13>line {trial} {i}").unwrap();
            }
            while stream.conn.wants_write() {
                stream.conn.write_tls(&mut stream.sock).unwrap();
            }
            // A reset discards what the client's kernel has not sent yet: that never
            // reached the server, so wait until the server's kernel acknowledged it all.
            wait_acknowledged(&stream.sock);
            if trial % 2 == 1 {
                socket2::SockRef::from(&stream.sock)
                    .set_linger(Some(Duration::ZERO))
                    .unwrap();
            }
            drop(stream);
        }
        let got = server.frames_after(trials * lines);
        assert_eq!(got.len(), trials * lines, "{got:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Configuration errors name the listener and the file.
    #[test]
    fn errors_name_the_file() {
        let dir = certs("errors");
        let message = |l: &TlsListen| l.server_config().err().unwrap().to_string();

        let mut l = listen(&dir, Some("missing.pem"));
        assert!(message(&l).starts_with("tls listener 127.0.0.1:0: "));
        assert!(message(&l).contains("missing.pem"), "{}", message(&l));
        l.client_ca = None;
        l.cert = dir.join("server.key").to_string_lossy().into_owned();
        assert!(
            message(&l).ends_with("server.key: no certificate in the file"),
            "{}",
            message(&l)
        );
        l.cert = dir.join("ca.pem").to_string_lossy().into_owned();
        assert!(message(&l).contains("ca.pem with key"), "{}", message(&l));
        assert!(l.server_config().unwrap_err().is_config());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
