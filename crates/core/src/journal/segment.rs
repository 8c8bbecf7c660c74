//! Record framing in a segment file. A record is a 24-byte header — payload length (u32),
//! CRC-32 of everything after the checksum field (u32), sequence number (u64), time
//! written in µs since the epoch (i64), little-endian — and its payload. A crash can
//! leave the last record cut short; a disk can flip bits. [`scan`] finds the longest
//! prefix of whole, intact records, so the journal can cut the file there.
//!
//! A segment is named after the sequence number of its first record
//! (`00000000000000000042.seg`), so the names sort in journal order and an empty segment
//! still says which number comes next.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// Bytes before each payload.
pub const HEADER_BYTES: usize = 24;
/// A longer payload can only be damage: a chunk holds at most a few MB.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 30;

const SUFFIX: &str = ".seg";

/// The file name of the segment whose first record is `first_seq`.
pub fn file_name(first_seq: u64) -> String {
    format!("{first_seq:020}{SUFFIX}")
}

/// The first sequence number a segment file name stands for, if it is one.
pub fn parse_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SUFFIX)?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The checksum covers the payload first, so most of it can be computed before the
/// record has its number (outside the journal's lock).
fn payload_crc(payload: &[u8]) -> crc32fast::Hasher {
    let mut h = crc32fast::Hasher::new();
    h.update(payload);
    h
}

fn finish_crc(mut h: crc32fast::Hasher, len: usize, seq: u64, written_us: i64) -> u32 {
    h.update(&(len as u32).to_le_bytes());
    h.update(&seq.to_le_bytes());
    h.update(&written_us.to_le_bytes());
    h.finalize()
}

fn header(len: usize, crc: u32, seq: u64, written_us: i64) -> [u8; HEADER_BYTES] {
    let mut h = [0u8; HEADER_BYTES];
    h[0..4].copy_from_slice(&(len as u32).to_le_bytes());
    h[4..8].copy_from_slice(&crc.to_le_bytes());
    h[8..16].copy_from_slice(&seq.to_le_bytes());
    h[16..24].copy_from_slice(&written_us.to_le_bytes());
    h
}

/// A record being framed: room for its header, then its payload, whose checksum is
/// computed when it is built; [`Framed::seal`] numbers it.
pub struct Framed {
    bytes: Vec<u8>,
    crc: crc32fast::Hasher,
}

impl Framed {
    /// Frames the payload `fill` writes.
    pub fn new(fill: impl FnOnce(&mut Vec<u8>)) -> Framed {
        let mut bytes = vec![0u8; HEADER_BYTES];
        fill(&mut bytes);
        let crc = payload_crc(&bytes[HEADER_BYTES..]);
        Framed { bytes, crc }
    }

    /// Header and payload bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True for none (never: the header is always there).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Fills in the header for record `seq` and returns the bytes to write.
    pub fn seal(&mut self, seq: u64, written_us: i64) -> &[u8] {
        let len = self.bytes.len() - HEADER_BYTES;
        let crc = finish_crc(self.crc.clone(), len, seq, written_us);
        self.bytes[..HEADER_BYTES].copy_from_slice(&header(len, crc, seq, written_us));
        &self.bytes
    }
}

/// Appends a framed record to `out`.
pub fn frame(seq: u64, written_us: i64, payload: &[u8], out: &mut Vec<u8>) {
    let crc = finish_crc(payload_crc(payload), payload.len(), seq, written_us);
    out.extend_from_slice(&header(payload.len(), crc, seq, written_us));
    out.extend_from_slice(payload);
}

/// A record's header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Sequence number.
    pub seq: u64,
    /// When it was written, µs since the epoch.
    pub written_us: i64,
    /// Header and payload bytes.
    pub bytes: u64,
}

/// What the next read in a segment found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// A whole record whose checksum matches; its payload is in the buffer.
    Record(RecordHeader),
    /// The file ends exactly here.
    End,
    /// The file ends inside a record: a write cut short.
    Torn,
    /// A record whose length is impossible or whose checksum does not match.
    Corrupt,
}

/// Reads as many bytes as `buf` holds unless the file ends first; returns how many.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads the next record into `payload`.
pub fn read_record(r: &mut impl Read, payload: &mut Vec<u8>) -> io::Result<Next> {
    let mut header = [0u8; HEADER_BYTES];
    match read_full(r, &mut header)? {
        0 => return Ok(Next::End),
        HEADER_BYTES => {}
        _ => return Ok(Next::Torn),
    }
    let field = |at: usize, n: usize| &header[at..at + n];
    let len = u32::from_le_bytes(field(0, 4).try_into().expect("4 bytes")) as usize;
    let crc = u32::from_le_bytes(field(4, 4).try_into().expect("4 bytes"));
    let seq = u64::from_le_bytes(field(8, 8).try_into().expect("8 bytes"));
    let written_us = i64::from_le_bytes(field(16, 8).try_into().expect("8 bytes"));
    if len > MAX_PAYLOAD_BYTES {
        return Ok(Next::Corrupt);
    }
    payload.resize(len, 0);
    if read_full(r, payload)? < len {
        return Ok(Next::Torn);
    }
    if finish_crc(payload_crc(payload), len, seq, written_us) != crc {
        return Ok(Next::Corrupt);
    }
    Ok(Next::Record(RecordHeader {
        seq,
        written_us,
        bytes: (HEADER_BYTES + len) as u64,
    }))
}

/// What [`scan`] found in a segment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The file.
    pub path: PathBuf,
    /// Sequence number in the file name: of the first record, or the next one if empty.
    pub first_seq: u64,
    /// One past the last intact record's number (`first_seq` when there is none).
    pub end_seq: u64,
    /// When the first intact record was written, µs since the epoch.
    pub first_written_us: Option<i64>,
    /// Bytes of the intact records: where the file must be cut.
    pub valid_bytes: u64,
    /// Bytes of the file.
    pub file_bytes: u64,
    /// Why the intact prefix ends before the file does, if it does.
    pub damage: Option<Next>,
}

/// Reads a segment's records in order up to the first damage. Records must be numbered
/// from the file name on without gaps; a number out of order is damage too.
pub fn scan(path: &Path, first_seq: u64) -> io::Result<Scan> {
    let file = File::open(path)?;
    let file_bytes = file.metadata()?.len();
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut payload = Vec::new();
    let (mut end_seq, mut valid_bytes) = (first_seq, 0u64);
    let mut first_written_us = None;
    let damage = loop {
        match read_record(&mut r, &mut payload)? {
            Next::Record(h) if h.seq == end_seq => {
                first_written_us.get_or_insert(h.written_us);
                end_seq += 1;
                valid_bytes += h.bytes;
            }
            Next::Record(_) => break Some(Next::Corrupt),
            Next::End => break None,
            other => break Some(other),
        }
    };
    Ok(Scan {
        path: path.to_path_buf(),
        first_seq,
        end_seq,
        first_written_us,
        valid_bytes,
        file_bytes,
        damage,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn framed(records: &[(u64, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (seq, payload) in records {
            frame(*seq, 1000 + *seq as i64, payload, &mut out);
        }
        out
    }

    fn scan_bytes(bytes: &[u8], first_seq: u64) -> Scan {
        let dir = tempdir();
        let path = dir.join(file_name(first_seq));
        std::fs::write(&path, bytes).unwrap();
        let s = scan(&path, first_seq).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        s
    }

    pub(crate) fn tempdir() -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "logsift-journal-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn file_names_sort_in_journal_order_and_parse_back() {
        assert_eq!(file_name(42), "00000000000000000042.seg");
        assert!(file_name(9) < file_name(10));
        assert_eq!(parse_file_name(&file_name(u64::MAX)), Some(u64::MAX));
        assert_eq!(parse_file_name("42.seg"), None);
        assert_eq!(parse_file_name("0000000000000000004x.seg"), None);
    }

    #[test]
    fn whole_records_read_back_with_their_numbers_and_times() {
        let bytes = framed(&[(7, b"alpha"), (8, b""), (9, b"gamma")]);
        let mut r = &bytes[..];
        let mut payload = Vec::new();
        let h = |seq: u64, len: usize| {
            Next::Record(RecordHeader {
                seq,
                written_us: 1000 + seq as i64,
                bytes: (HEADER_BYTES + len) as u64,
            })
        };
        assert_eq!(read_record(&mut r, &mut payload).unwrap(), h(7, 5));
        assert_eq!(payload, b"alpha");
        assert_eq!(read_record(&mut r, &mut payload).unwrap(), h(8, 0));
        assert_eq!(read_record(&mut r, &mut payload).unwrap(), h(9, 5));
        assert_eq!(payload, b"gamma");
        assert_eq!(read_record(&mut r, &mut payload).unwrap(), Next::End);
    }

    #[test]
    fn a_torn_tail_is_found_at_every_cut_inside_the_last_record() {
        let whole = framed(&[(0, b"first"), (1, b"second record")]);
        let first = (HEADER_BYTES + 5) as u64;
        for cut in first as usize + 1..whole.len() {
            let s = scan_bytes(&whole[..cut], 0);
            assert_eq!((s.end_seq, s.valid_bytes), (1, first), "cut at {cut}");
            assert_eq!(s.damage, Some(Next::Torn), "cut at {cut}");
        }
        let s = scan_bytes(&whole, 0);
        assert_eq!(
            (s.end_seq, s.valid_bytes, s.damage),
            (2, whole.len() as u64, None)
        );
    }

    #[test]
    fn a_flipped_bit_anywhere_in_a_record_is_a_checksum_mismatch() {
        let whole = framed(&[(0, b"first"), (1, b"second")]);
        let first = HEADER_BYTES + 5;
        for at in first..whole.len() {
            let mut bad = whole.clone();
            bad[at] ^= 0x10;
            let s = scan_bytes(&bad, 0);
            assert_eq!(s.end_seq, 1, "flip at {at}");
            assert_eq!(s.valid_bytes, first as u64, "flip at {at}");
            assert!(
                matches!(s.damage, Some(Next::Corrupt | Next::Torn)),
                "flip at {at}: {:?}",
                s.damage
            );
        }
        // A flip in the checksum or payload (not the length) is a mismatch, never torn.
        let mut bad = whole.clone();
        bad[first + HEADER_BYTES] ^= 1;
        assert_eq!(scan_bytes(&bad, 0).damage, Some(Next::Corrupt));
    }

    #[test]
    fn a_record_numbered_out_of_order_ends_the_intact_prefix() {
        let s = scan_bytes(&framed(&[(3, b"a"), (5, b"b")]), 3);
        assert_eq!((s.end_seq, s.damage), (4, Some(Next::Corrupt)));
    }
}
