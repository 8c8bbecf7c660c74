use std::fs;
use std::time::Duration;

use super::codec::tests::{rows_of, sample};
use super::segment::tests::tempdir;
use super::*;

fn options(dir: &Path) -> JournalOptions {
    JournalOptions {
        dir: dir.to_path_buf(),
        max_bytes: 1 << 30,
        segment_bytes: 1 << 20,
        window_rows: 1 << 16,
        sync_interval: Duration::from_millis(50),
    }
}

/// A chunk of `rows` rows whose first row's text names `tag`, so records are told apart.
fn tagged(tag: usize, rows: usize) -> Chunk {
    let mut c = sample(rows);
    c.received_at_us[0] = tag as i64;
    c
}

fn tag_of(r: &Record) -> usize {
    r.chunk.received_at_us[0] as usize
}

fn written(j: &Journal, chunk: Chunk) -> u64 {
    match j.append(chunk).unwrap() {
        Appended::Written(seq) => seq,
        Appended::Full => panic!("journal full"),
    }
}

/// Every record the reader hands over now, as (seq, tag).
fn drain(j: &Journal) -> Vec<(u64, usize)> {
    std::iter::from_fn(|| j.next(Duration::from_millis(20)))
        .map(|r| (r.seq, tag_of(&r)))
        .collect()
}

/// Bytes of the record of a `tagged(_, rows)` chunk.
fn record_bytes(rows: usize) -> u64 {
    let mut b = Vec::new();
    codec::encode(&tagged(0, rows), &mut b);
    (b.len() + segment::HEADER_BYTES) as u64
}

fn segment_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".seg"))
        .collect();
    names.sort();
    names
}

#[test]
fn records_come_back_in_order_from_the_window_and_then_from_disk() {
    let dir = tempdir();
    // The window holds two 4-row chunks; the other eight are read back from disk.
    let j = Journal::open(JournalOptions {
        window_rows: 8,
        ..options(&dir)
    })
    .unwrap();
    let seqs: Vec<u64> = (0..10).map(|i| written(&j, tagged(i, 4))).collect();
    let first = seqs[0];
    assert_eq!(seqs, (first..first + 10).collect::<Vec<_>>());
    let mut got = Vec::new();
    while let Some(r) = j.next(Duration::from_millis(20)) {
        assert!(!r.replayed);
        assert_eq!(rows_of(&r.chunk)[1..], rows_of(&tagged(0, 4))[1..]);
        got.push((r.seq, tag_of(&r)));
    }
    assert_eq!(
        got,
        (0..10).map(|i| (first + i as u64, i)).collect::<Vec<_>>()
    );
    assert!(j.caught_up());
    // Caught up, new chunks use the window again and keep their order.
    written(&j, tagged(10, 4));
    assert_eq!(drain(&j), vec![(first + 10, 10)]);
}

#[test]
fn a_reader_interleaving_with_writes_past_the_window_sees_every_record_once() {
    let dir = tempdir();
    let j = Journal::open(JournalOptions {
        window_rows: 6,
        segment_bytes: 4096,
        ..options(&dir)
    })
    .unwrap();
    let mut got = Vec::new();
    for i in 0..60 {
        written(&j, tagged(i, 3));
        if i % 7 == 0 {
            got.extend(drain(&j).into_iter().map(|(_, t)| t));
        }
    }
    got.extend(drain(&j).into_iter().map(|(_, t)| t));
    assert_eq!(got, (0..60).collect::<Vec<_>>());
}

#[test]
fn a_torn_tail_after_a_crash_is_cut_off_and_the_records_before_it_replay() {
    let dir = tempdir();
    let first = {
        let j = Journal::open(options(&dir)).unwrap();
        let first = written(&j, tagged(0, 5));
        written(&j, tagged(1, 5));
        first
    };
    // A record cut short, as a crash in the middle of its write leaves it.
    let seg = dir.join(segment::file_name(first));
    let whole = fs::metadata(&seg).unwrap().len();
    let mut half = Vec::new();
    segment::frame(first + 2, 0, &[7u8; 100], &mut half);
    half.truncate(60);
    let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(&half).unwrap();
    drop(f);

    let j = Journal::open(options(&dir)).unwrap();
    let r = j.stats().recovery;
    assert_eq!(
        (r.records, r.torn_segments, r.corrupt_segments, r.bytes_cut),
        (2, 1, 0, 60)
    );
    assert_eq!(fs::metadata(&seg).unwrap().len(), whole);
    let replayed: Vec<Record> = std::iter::from_fn(|| j.next(Duration::from_millis(20))).collect();
    assert_eq!(
        replayed
            .iter()
            .map(|r| (r.seq, tag_of(r), r.replayed))
            .collect::<Vec<_>>(),
        vec![(first, 0, true), (first + 1, 1, true)]
    );
    // New records go on after the cut, numbered past anything the lost tail could hold.
    let next = written(&j, tagged(2, 5));
    assert!(next >= first + 2 + RESTART_GAP, "{next}");
    drop(j);
    let j = Journal::open(options(&dir)).unwrap();
    assert_eq!(j.stats().recovery.torn_segments, 0);
    assert_eq!(drain(&j), vec![(first, 0), (first + 1, 1), (next, 2)]);
}

#[test]
fn a_checksum_mismatch_is_detected_and_cuts_the_segment_there() {
    let dir = tempdir();
    let first = {
        let j = Journal::open(options(&dir)).unwrap();
        let first = written(&j, tagged(0, 5));
        written(&j, tagged(1, 5));
        written(&j, tagged(2, 5));
        first
    };
    let seg = dir.join(segment::file_name(first));
    let mut bytes = fs::read(&seg).unwrap();
    let record = bytes.len() / 3;
    bytes[record + segment::HEADER_BYTES + 10] ^= 0x01;
    fs::write(&seg, &bytes).unwrap();

    let j = Journal::open(options(&dir)).unwrap();
    let r = j.stats().recovery;
    assert_eq!((r.records, r.torn_segments, r.corrupt_segments), (1, 0, 1));
    assert_eq!(r.bytes_cut, 2 * record as u64);
    assert_eq!(drain(&j), vec![(first, 0)]);
}

#[test]
fn segments_roll_over_at_their_size_and_read_back_across_files() {
    let dir = tempdir();
    let record = record_bytes(10);
    // One record per segment.
    let j = Journal::open(JournalOptions {
        segment_bytes: record + record / 2,
        window_rows: 0,
        ..options(&dir)
    })
    .unwrap();
    let seqs: Vec<u64> = (0..5).map(|i| written(&j, tagged(i, 10))).collect();
    let names = segment_files(&dir);
    assert_eq!(
        names,
        seqs.iter()
            .map(|s| segment::file_name(*s))
            .collect::<Vec<_>>()
    );
    assert_eq!(j.stats().bytes, 5 * record);
    assert_eq!(
        drain(&j).into_iter().map(|(_, t)| t).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
}

#[test]
fn acknowledging_every_record_of_a_segment_deletes_it_in_any_order() {
    let dir = tempdir();
    let j = Journal::open(JournalOptions {
        segment_bytes: record_bytes(10),
        ..options(&dir)
    })
    .unwrap();
    let seqs: Vec<u64> = (0..4).map(|i| written(&j, tagged(i, 10))).collect();
    let one = j.stats().bytes / 4;
    assert_eq!(drain(&j).len(), 4);
    assert_eq!(j.stats().unacked_records, 4);
    // The lanes commit out of order: the second record first.
    j.ack(seqs[1], seqs[1]);
    assert_eq!(segment_files(&dir).len(), 4);
    assert_eq!(j.stats().unacked_records, 3);
    j.ack(seqs[0], seqs[0]);
    assert_eq!(
        segment_files(&dir),
        vec![segment::file_name(seqs[2]), segment::file_name(seqs[3])]
    );
    assert_eq!(j.stats().bytes, 2 * one);
    // The active segment stays even when all is acknowledged: its name carries the numbering.
    j.ack(seqs[2], seqs[3]);
    assert_eq!(segment_files(&dir), vec![segment::file_name(seqs[3])]);
    assert_eq!((j.stats().unacked_records, j.stats().bytes), (0, one));
    // Acknowledging again changes nothing.
    j.ack(seqs[0], seqs[3]);
    assert_eq!(j.stats().unacked_records, 0);
}

#[test]
fn after_reopening_the_reader_yields_exactly_the_records_not_acknowledged() {
    let dir = tempdir();
    let opts = JournalOptions {
        segment_bytes: 3 * record_bytes(10),
        ..options(&dir)
    };
    let (seqs, committed) = {
        let j = Journal::open(opts.clone()).unwrap();
        let seqs: Vec<u64> = (0..10).map(|i| written(&j, tagged(i, 10))).collect();
        assert_eq!(drain(&j).len(), 10);
        // What the writer committed before the crash, out of order.
        let committed = [0, 1, 2, 3, 5, 8];
        for &i in &committed {
            j.ack(seqs[i], seqs[i]);
        }
        (seqs, committed)
    };
    let j = Journal::open(opts).unwrap();
    // The acknowledged prefix (0..=3) was saved; the writer acknowledges again what its
    // day file says it committed…
    for &i in &committed {
        j.ack(seqs[i], seqs[i]);
    }
    // …and the reader hands over the rest, each once.
    let replayed = drain(&j);
    assert_eq!(replayed, [4, 6, 7, 9].map(|i| (seqs[i], i)).to_vec());
    assert_eq!(j.stats().unacked_records, 4);
    for (seq, _) in &replayed {
        j.ack(*seq, *seq);
    }
    assert_eq!(j.stats().unacked_records, 0);
    drop(j);
    let j = Journal::open(options(&dir)).unwrap();
    assert_eq!(drain(&j), vec![]);
}

#[test]
fn at_the_cap_chunks_are_refused_until_acknowledgements_free_a_segment() {
    let dir = tempdir();
    let record = record_bytes(10);
    let j = Journal::open(JournalOptions {
        max_bytes: 3 * record,
        segment_bytes: record,
        ..options(&dir)
    })
    .unwrap();
    let seqs: Vec<u64> = (0..3).map(|i| written(&j, tagged(i, 10))).collect();
    assert_eq!(j.append(tagged(3, 10)).unwrap(), Appended::Full);
    assert_eq!(j.stats().bytes, 3 * record);
    assert_eq!(drain(&j).len(), 3);
    j.ack(seqs[0], seqs[0]);
    let fourth = written(&j, tagged(4, 10));
    assert_eq!(fourth, seqs[2] + 1);
    assert_eq!(j.append(tagged(5, 10)).unwrap(), Appended::Full);
    assert_eq!(drain(&j), vec![(fourth, 4)]);
}

#[test]
fn the_identity_survives_reopening_and_differs_between_directories() {
    let (a, b) = (tempdir(), tempdir());
    let id = Journal::open(options(&a)).unwrap().id();
    assert_eq!(Journal::open(options(&a)).unwrap().id(), id);
    assert_ne!(Journal::open(options(&b)).unwrap().id(), id);
}

#[test]
fn lag_is_the_age_of_the_oldest_unread_record() {
    let dir = tempdir();
    let j = Journal::open(options(&dir)).unwrap();
    assert_eq!(j.stats().lag_seconds, 0.0);
    written(&j, tagged(0, 1));
    std::thread::sleep(Duration::from_millis(120));
    let lag = j.stats().lag_seconds;
    assert!((0.1..2.0).contains(&lag), "{lag}");
    drain(&j);
    assert_eq!(j.stats().lag_seconds, 0.0);
}

#[test]
fn a_second_journal_on_the_same_directory_is_refused_while_the_first_is_open() {
    let dir = tempdir();
    let first = Journal::open(options(&dir)).unwrap();
    let err = Journal::open(options(&dir)).err().expect("refused");
    assert!(err.to_string().contains("journal.lock"), "{err}");
    // Closing unlocks while the first still exists, and leaves its records to replay.
    written(&first, tagged(7, 2));
    first.close();
    assert!(first.append(tagged(8, 2)).is_err());
    let second = Journal::open(options(&dir)).unwrap();
    assert_eq!(
        drain(&second)
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>(),
        vec![7]
    );
}

#[test]
fn the_acknowledged_prefix_is_saved_so_a_clean_restart_replays_nothing() {
    let dir = tempdir();
    {
        let j = Journal::open(options(&dir)).unwrap();
        let seqs: Vec<u64> = (0..3).map(|i| written(&j, tagged(i, 4))).collect();
        assert_eq!(drain(&j).len(), 3);
        j.ack(seqs[0], seqs[2]);
        j.close();
    }
    let j = Journal::open(options(&dir)).unwrap();
    assert_eq!(j.stats().unacked_records, 0);
    assert_eq!(drain(&j), vec![]);
    // Out of order acknowledgements above the prefix are not saved: those records replay.
    let seqs: Vec<u64> = (0..3).map(|i| written(&j, tagged(i, 4))).collect();
    drain(&j);
    j.ack(seqs[0], seqs[0]);
    j.ack(seqs[2], seqs[2]);
    j.close();
    drop(j);
    let j = Journal::open(options(&dir)).unwrap();
    assert_eq!(drain(&j), vec![(seqs[1], 1), (seqs[2], 2)]);
}

/// A tmpfs of 1 MiB mounted on a fresh directory (the test runs as root, as CI does), so
/// a write can really fail for want of space; unmounted when dropped.
struct TinyDisk {
    mount: PathBuf,
}

impl TinyDisk {
    fn mount() -> TinyDisk {
        let mount = tempdir();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&mount)
            .status()
            .expect("run mount");
        assert!(status.success(), "mount a tmpfs on {}", mount.display());
        TinyDisk { mount }
    }

    fn filler(&self) -> PathBuf {
        self.mount.join("filler")
    }

    /// Writes zeros until the file system has no byte left.
    fn fill(&self) {
        let mut f = File::create(self.filler()).unwrap();
        let block = vec![0u8; 64 << 10];
        while f.write_all(&block).is_ok() {}
    }

    fn free(&self) {
        fs::remove_file(self.filler()).unwrap();
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(&self.mount)
            .status();
        let _ = fs::remove_dir_all(&self.mount);
    }
}

#[test]
fn a_write_the_full_disk_fails_is_cut_back_reported_and_writing_resumes_once_there_is_room() {
    let disk = TinyDisk::mount();
    let dir = disk.mount.join("journal");
    let j = Journal::open(options(&dir)).unwrap();
    let before = written(&j, tagged(0, 10));
    let segment = dir.join(segment::file_name(before));
    let size = || fs::metadata(&segment).unwrap().len();
    let good = size();
    // Larger than the page the segment's tail may still have room in: the write starts,
    // then runs out of space part-way.
    assert!(record_bytes(4000) > 16 << 10);
    disk.fill();
    let err = j.append(tagged(1, 4000)).unwrap_err().to_string();
    assert!(err.contains("No space left on device"), "{err}");
    assert_eq!(size(), good, "the partial record is cut off");
    let s = j.stats();
    assert_eq!(s.io_errors, 1);
    assert_eq!(s.last_error.as_deref(), Some(err.as_str()));
    assert!(s.write_failing);
    assert_eq!((s.bytes, s.unacked_records), (good, 1));

    disk.free();
    let after = written(&j, tagged(2, 4000));
    assert_eq!(after, before + 1, "the failed write took no number");
    let s = j.stats();
    assert!(!s.write_failing);
    assert_eq!(
        s.last_error.as_deref(),
        Some(err.as_str()),
        "the cause stays known"
    );
    assert_eq!(drain(&j), vec![(before, 0), (after, 2)]);
    j.close();
    drop(j);

    // On disk too there is nothing torn between the records.
    let j = Journal::open(options(&dir)).unwrap();
    assert_eq!(j.stats().recovery.torn_segments, 0);
    assert_eq!(j.stats().recovery.corrupt_segments, 0);
    assert_eq!(drain(&j), vec![(before, 0), (after, 2)]);
}
