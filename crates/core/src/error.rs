//! The crate's one error type: a struct wrapping a kind, so every failure names its culprit
//! (the class and field of a bad pattern, the address that would not bind) instead of
//! becoming a string lost in a log.

use std::fmt;

/// An error from compiling a class, parsing a sender list or starting a listener.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong. Configuration mistakes are separated from runtime failures so the
/// N-API layer can report the first as `InvalidArg` and the rest as `GenericFailure`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A field's pattern does not compile; `position` is a character offset into the pattern.
    Regex {
        /// Class name.
        class: String,
        /// Field name.
        field: String,
        /// Character offset of the problem in the pattern, when the parser reports one.
        position: Option<usize>,
        /// The regex engine's own explanation.
        message: String,
    },
    /// A class, field, group or column name breaks the naming rule or is reserved or repeated.
    Name {
        /// Class name.
        class: String,
        /// Field name.
        field: String,
        /// Why the name is refused.
        message: String,
    },
    /// A sender's `match` is none of: exact address, CIDR, `10.0.*` wildcard, `*`.
    Sender {
        /// Index in the engine's sender list.
        index: usize,
        /// The offending `match` text.
        pattern: String,
        /// Why it does not parse.
        message: String,
    },
    /// A listen address does not parse as `host:port` / `[v6]:port`.
    ListenAddress {
        /// The address as written.
        address: String,
    },
    /// The engine's time zone is not in the system's time zone database.
    TimeZone {
        /// The IANA name as given.
        name: String,
        /// Why the lookup failed.
        message: String,
    },
    /// A TLS listener's certificate, key or client CA cannot be read or used.
    Tls {
        /// The listener's address as written.
        address: String,
        /// Which file and why.
        message: String,
    },
    /// Another process listens on the port (see `port_lock`): binding beside it would
    /// split the port's messages between two collectors.
    PortHeld {
        /// `udp` or `tcp` (TLS listens on TCP).
        protocol: &'static str,
        /// The address that was to be bound.
        address: std::net::SocketAddr,
        /// The process holding the port, when it could be asked.
        holder: Option<u32>,
    },
    /// A socket call failed (bind, setsockopt, …).
    Io {
        /// What was being done, e.g. `bind 0.0.0.0:5514`.
        context: String,
        /// The OS error text.
        message: String,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    pub(crate) fn io(context: impl Into<String>, err: std::io::Error) -> Error {
        Error::new(ErrorKind::Io {
            context: context.into(),
            message: err.to_string(),
        })
    }

    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// True when the error comes from the caller's configuration rather than the system.
    pub fn is_config(&self) -> bool {
        !matches!(self.kind, ErrorKind::Io { .. } | ErrorKind::PortHeld { .. })
    }
}

impl std::error::Error for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Regex {
                class,
                field,
                position,
                message,
            } => {
                write!(f, "class '{class}', field '{field}': invalid regex")?;
                if let Some(p) = position {
                    write!(f, " at position {p}")?;
                }
                write!(f, ": {message}")
            }
            ErrorKind::Name {
                class,
                field,
                message,
            } => write!(f, "class '{class}', field '{field}': {message}"),
            ErrorKind::Sender {
                index,
                pattern,
                message,
            } => write!(f, "sender #{index} match '{pattern}': {message}"),
            ErrorKind::ListenAddress { address } => write!(
                f,
                "listen address '{address}' is not host:port or [ipv6]:port"
            ),
            ErrorKind::TimeZone { name, message } => {
                write!(f, "time zone '{name}' is unknown: {message}")
            }
            ErrorKind::Tls { address, message } => write!(f, "tls listener {address}: {message}"),
            ErrorKind::PortHeld {
                protocol,
                address,
                holder,
            } => {
                write!(f, "bind {protocol} {address}: another process")?;
                if let Some(pid) = holder {
                    write!(f, " (pid {pid})")?;
                }
                write!(
                    f,
                    " already listens on {protocol} port {}; a second collector there would split its messages",
                    address.port()
                )
            }
            ErrorKind::Io { context, message } => write!(f, "{context}: {message}"),
        }
    }
}
