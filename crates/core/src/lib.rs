//! logsift's ingest pipeline, free of any JavaScript binding so it can be tested and
//! benchmarked on its own (the `logsift-engine` crate is its Node-API surface).
//!
//! The data path runs one way: [`recv`] reads datagrams with `recvmmsg` on `SO_REUSEPORT`
//! sockets, one per receiver thread; [`pipeline`] matches the [`sender`], decodes the
//! [`text`], parses the syslog [`header`] (RFC 5424 or RFC 3164) and runs the class's regexes ([`extract`], each a
//! [`matcher`], with [`address`] for `_ip` fields) on the same thread, appending to a columnar [`batch`]
//! chunk; the [`engine`] queues chunks, bounded in rows, until the consumer pulls them.

#![warn(missing_docs)]

pub mod address;
pub mod ascii_dfa;
pub mod batch;
pub mod engine;
pub mod error;
pub mod extract;
pub mod header;
pub mod journal;
pub mod matcher;
pub mod pipeline;
mod port_lock;
pub mod recv;
mod rfc3164;
mod rfc5424;
pub mod sender;
pub mod tcp;
pub mod text;
pub mod tls;
