//! What a receiver thread does with each datagram it reads: match the sender, decode the
//! text, parse the syslog header, extract the class fields and append one row to the
//! current chunk.
//! A pipeline is immutable; an engine update builds a new one and receivers pick it up at
//! their next batch, so no queued row is lost or re-processed.

use std::net::IpAddr;
use std::sync::Arc;

use crate::batch::{Chunk, ColumnType, Schema};
use crate::error::Error;
use crate::extract::{Extractor, FieldSpec, Scratch};
use crate::header::{parse_pri, HeaderParser};
use crate::sender::{canonical, SenderSpec, SenderTable};
use crate::text::decode;

/// Columns every row has between `received_at` and the class fields (SPEC §4).
const FIXED_COLUMNS: [(&str, ColumnType); 9] = [
    ("sender_ip", ColumnType::Varchar),
    ("sender", ColumnType::Varchar),
    ("facility", ColumnType::UTinyInt),
    ("severity", ColumnType::UTinyInt),
    ("hostname", ColumnType::Varchar),
    ("app_name", ColumnType::Varchar),
    ("proc_id", ColumnType::Varchar),
    ("msg_id", ColumnType::Varchar),
    ("log_time", ColumnType::TimestampTz),
];

/// The optional column after `log_time`: RFC 5424 STRUCTURED-DATA as sent (issue 8).
const STRUCTURED_DATA: &str = "structured_data";

/// Everything needed to turn a datagram into a row.
pub struct Pipeline {
    /// The compiled class.
    pub extractor: Extractor,
    /// The ordered sender list.
    pub senders: SenderTable,
    /// Whether `original_log` is stored or left NULL.
    pub keep_original_log: bool,
    /// Reads hostname … log_time (`syslog_header: auto`); `None` leaves them NULL (`off`).
    /// Facility and severity come from the PRI either way.
    pub header: Option<HeaderParser>,
    /// Whether rows have the `structured_data` column (NULL throughout without a header
    /// parser).
    pub structured_data: bool,
    /// Column layout of the chunks this pipeline builds.
    pub schema: Arc<Schema>,
    /// Index of the first class field column in a chunk.
    fields_start: usize,
}

/// What happened to one datagram.
pub enum Outcome {
    /// Appended to the chunk; the flags say what had to be repaired.
    Stored {
        /// Bytes were not valid UTF-8.
        invalid_utf8: bool,
        /// The text contains NUL bytes (kept as they are).
        embedded_nul: bool,
        /// Fields left NULL because their backtracking search was over budget.
        regex_budget_exceeded: u32,
    },
    /// No sender matched the source address.
    Rejected(IpAddr),
}

impl Pipeline {
    /// Compiles the class and the sender list. With `structured_data`, rows get that
    /// column right after `log_time`.
    pub fn new(
        class: &str,
        fields: &[FieldSpec],
        senders: &[SenderSpec],
        keep_original_log: bool,
        header: Option<HeaderParser>,
        structured_data: bool,
    ) -> Result<Pipeline, Error> {
        let extractor = Extractor::compile(class, fields)?;
        let senders = SenderTable::new(senders)?;
        let mut columns: Vec<(String, ColumnType)> = FIXED_COLUMNS
            .iter()
            .map(|(n, t)| (n.to_string(), *t))
            .collect();
        if structured_data {
            columns.push((STRUCTURED_DATA.to_string(), ColumnType::Varchar));
        }
        let fields_start = columns.len();
        columns.extend(extractor.columns().iter().map(|c| (c.name.clone(), c.ty)));
        columns.push(("original_log".to_string(), ColumnType::Varchar));
        Ok(Pipeline {
            extractor,
            senders,
            keep_original_log,
            header,
            structured_data,
            schema: Arc::new(Schema { columns }),
            fields_start,
        })
    }

    /// Processes one datagram from `source` received at `received_at_us`.
    pub fn process(
        &self,
        bytes: &[u8],
        source: IpAddr,
        received_at_us: i64,
        scratch: &mut Scratch,
        chunk: &mut Chunk,
    ) -> Outcome {
        let source = canonical(source);
        let Some(sender) = self.senders.find(source) else {
            return Outcome::Rejected(source);
        };
        let decoded = decode(bytes);
        let text: &str = &decoded.text;
        chunk.received_at_us.push(received_at_us);
        let cols = &mut chunk.columns;
        cols[0].push_display(&source);
        cols[1].push_str(Some(sender));
        let pri = parse_pri(text);
        cols[2].push_u8(pri.map(|p| p.0));
        cols[3].push_u8(pri.map(|p| p.1));
        let header = self
            .header
            .as_ref()
            .map(|h| h.parse(text, received_at_us))
            .unwrap_or_default();
        cols[4].push_str(header.hostname);
        cols[5].push_str(header.app_name);
        cols[6].push_str(header.proc_id);
        cols[7].push_str(header.msg_id);
        cols[8].push_i64(header.log_time_us);
        if self.structured_data {
            cols[9].push_str(header.structured_data);
        }
        let n = cols.len();
        let regex_budget_exceeded =
            self.extractor
                .extract_into(text, scratch, &mut cols[self.fields_start..n - 1]);
        cols[n - 1].push_str(self.keep_original_log.then_some(text));
        Outcome::Stored {
            invalid_utf8: decoded.invalid_utf8,
            embedded_nul: text.contains('\0'),
            regex_budget_exceeded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_has_every_column() {
        let p = Pipeline::new(
            "c",
            &[FieldSpec {
                name: "dst_ip".into(),
                pattern: r"->(\S+)".into(),
            }],
            &[SenderSpec {
                name: "lan".into(),
                pattern: "10.*".into(),
            }],
            true,
            Some(HeaderParser::new("UTC").unwrap()),
            false,
        )
        .unwrap();
        let mut chunk = Chunk::new(p.schema.clone());
        let mut s = p.extractor.scratch();
        let ip: IpAddr = "::ffff:10.1.1.1".parse().unwrap();
        assert!(matches!(
            p.process(b"<13> a->1.2.3.4:5\n", ip, 7, &mut s, &mut chunk),
            Outcome::Stored {
                invalid_utf8: false,
                embedded_nul: false,
                regex_budget_exceeded: 0
            }
        ));
        assert!(matches!(
            p.process(b"x", "11.0.0.1".parse().unwrap(), 8, &mut s, &mut chunk),
            Outcome::Rejected(_)
        ));
        let row: Vec<_> = chunk.columns.iter().map(|c| c.debug_value(0)).collect();
        assert_eq!(
            row,
            [
                "10.1.1.1",
                "lan",
                "1",
                "5",
                "NULL",
                "NULL",
                "NULL",
                "NULL",
                "NULL",
                "1.2.3.4",
                "5",
                "<13> a->1.2.3.4:5"
            ]
        );
        assert_eq!(chunk.rows(), 1);
    }

    /// A pipeline storing every sender's rows without `original_log`.
    fn any_sender(header: Option<HeaderParser>, structured_data: bool) -> Pipeline {
        let senders = [SenderSpec {
            name: "any".into(),
            pattern: "*".into(),
        }];
        let fields = [FieldSpec {
            name: "who".into(),
            pattern: r"in:<pppoe-(\w+)>".into(),
        }];
        Pipeline::new("c", &fields, &senders, false, header, structured_data).unwrap()
    }

    fn row(p: &Pipeline, line: &str, received_at_us: i64) -> Vec<String> {
        let mut chunk = Chunk::new(p.schema.clone());
        let mut s = p.extractor.scratch();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        p.process(line.as_bytes(), ip, received_at_us, &mut s, &mut chunk);
        chunk.columns[2..]
            .iter()
            .map(|c| c.debug_value(0))
            .collect()
    }

    #[test]
    fn header_columns_auto_and_off() {
        let line = "<14>Nov 27 10:00:00 host1 app[123]: in:<pppoe-sub1> x";
        let now = 1_795_823_700_000_000; // 2026-11-28T00:35:00Z
        let auto = row(&any_sender(HeaderParser::new("UTC").ok(), false), line, now);
        assert_eq!(
            auto,
            [
                "1",
                "6",
                "host1",
                "app",
                "123",
                "NULL",
                "1795773600000000",
                "sub1",
                "NULL"
            ]
        );
        let off = row(&any_sender(None, false), line, now);
        assert_eq!(
            off,
            ["1", "6", "NULL", "NULL", "NULL", "NULL", "NULL", "sub1", "NULL"]
        );
    }

    /// The `structured_data` column sits right after `log_time` when asked for, holds the
    /// SD as sent, NULL for NILVALUE and RFC 3164, and NULL throughout without a header
    /// parser; the class fields still search the whole text.
    #[test]
    fn structured_data_column() {
        let senders = [SenderSpec {
            name: "any".into(),
            pattern: "*".into(),
        }];
        let fields = [FieldSpec {
            name: "class_name".into(),
            pattern: r#"class="(\w+)""#.into(),
        }];
        let with = |header| Pipeline::new("c", &fields, &senders, true, header, true).unwrap();
        let auto = with(HeaderParser::new("UTC").ok());
        let names: Vec<_> = auto
            .schema
            .columns
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(
            names[8..],
            ["log_time", "structured_data", "class_name", "original_log"]
        );
        let sd = r#"[exampleSDID@32473 iut="3"][examplePriority@32473 class="high"]"#;
        let lines = [
            format!("<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 {sd} BOM msg"),
            "<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 - class=\"low\"".to_string(),
            "<14>Nov 27 10:00:00 host1 app[123]: [x@1 class=\"mid\"]".to_string(),
        ];
        let values = |p: &Pipeline| -> Vec<[String; 2]> {
            lines
                .iter()
                .map(|line| {
                    let row = row(p, line, 1_795_823_700_000_000);
                    [row[7].clone(), row[8].clone()]
                })
                .collect()
        };
        assert_eq!(
            values(&auto),
            [[sd, "high"], ["NULL", "low"], ["NULL", "mid"],]
        );
        let off = with(None);
        assert_eq!(
            values(&off),
            [["NULL", "high"], ["NULL", "low"], ["NULL", "mid"],]
        );
    }

    /// 10,000 random mutations of valid headers: no panic, always exactly one row, and the
    /// class fields are what extraction alone gives (header parsing never changes them).
    #[test]
    fn mutated_headers_always_give_a_row() {
        let seeds = [
            "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - in:<pppoe-a> x",
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 [x@1 a=\"b\"] m",
            "<14>Nov 27 10:00:00 host1 app[123]: in:<pppoe-sub1> 1.2.3.4:1->5.6.7.8:2",
            "<13>Feb 29 23:59:59 sshd[42]: in:<pppoe-b>",
            "<13>2026-11-27T10:00:00Z host app: in:<pppoe-c>",
            "<54> 01:05:27 identity prerouting: in:<pppoe-d>",
        ];
        // With structured data, so its parser meets the mutations too.
        let p = any_sender(HeaderParser::new("Europe/Berlin").ok(), true);
        let plain = any_sender(None, false);
        let alphabet = b"<>[]:- .TZ+0123456789JanFebDec\xff\xc3\x00\n\"\\=";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            // xorshift64: deterministic, so a failure reproduces.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut chunk = Chunk::new(p.schema.clone());
        let mut plain_chunk = Chunk::new(plain.schema.clone());
        let mut s = p.extractor.scratch();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for i in 0..10_000 {
            let mut bytes = seeds[i % seeds.len()].as_bytes().to_vec();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % (bytes.len() + 1);
                let c = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if at < bytes.len() => bytes[at] = c,
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, c),
                }
            }
            let at = (next() % (1 << 62)) as i64 - (1 << 61);
            let received = if i % 2 == 0 {
                1_795_823_700_000_000
            } else {
                at
            };
            let stored = p.process(&bytes, ip, received, &mut s, &mut chunk);
            assert!(matches!(stored, Outcome::Stored { .. }));
            plain.process(&bytes, ip, received, &mut s, &mut plain_chunk);
            assert_eq!(chunk.rows(), i + 1);
            let class_field = |c: &Chunk| c.columns[c.columns.len() - 2].debug_value(i);
            assert_eq!(class_field(&chunk), class_field(&plain_chunk));
        }
    }
}
