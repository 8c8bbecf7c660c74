//! What a receiver thread does with each datagram it reads: match the sender, decode the
//! text, parse the PRI, extract the class fields and append one row to the current chunk.
//! A pipeline is immutable; an engine update builds a new one and receivers pick it up at
//! their next batch, so no queued row is lost or re-processed.

use std::net::IpAddr;
use std::sync::Arc;

use crate::batch::{Chunk, ColumnType, Schema};
use crate::error::Error;
use crate::extract::{Extractor, FieldSpec, Scratch};
use crate::header::parse_pri;
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

/// Index of the first class field column in a chunk.
const FIELDS_START: usize = FIXED_COLUMNS.len();

/// Everything needed to turn a datagram into a row.
pub struct Pipeline {
    /// The compiled class.
    pub extractor: Extractor,
    /// The ordered sender list.
    pub senders: SenderTable,
    /// Whether `original_log` is stored or left NULL.
    pub keep_original_log: bool,
    /// Column layout of the chunks this pipeline builds.
    pub schema: Arc<Schema>,
}

/// What happened to one datagram.
pub enum Outcome {
    /// Appended to the chunk; the flags say what had to be repaired.
    Stored {
        /// Bytes were not valid UTF-8.
        invalid_utf8: bool,
        /// The text contains NUL bytes (kept as they are).
        embedded_nul: bool,
    },
    /// No sender matched the source address.
    Rejected(IpAddr),
}

impl Pipeline {
    /// Compiles the class and the sender list.
    pub fn new(
        class: &str,
        fields: &[FieldSpec],
        senders: &[SenderSpec],
        keep_original_log: bool,
    ) -> Result<Pipeline, Error> {
        let extractor = Extractor::compile(class, fields)?;
        let senders = SenderTable::new(senders)?;
        let mut columns: Vec<(String, ColumnType)> = FIXED_COLUMNS
            .iter()
            .map(|(n, t)| (n.to_string(), *t))
            .collect();
        columns.extend(extractor.columns().iter().map(|c| (c.name.clone(), c.ty)));
        columns.push(("original_log".to_string(), ColumnType::Varchar));
        Ok(Pipeline {
            extractor,
            senders,
            keep_original_log,
            schema: Arc::new(Schema { columns }),
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
        for col in &mut cols[4..FIELDS_START] {
            col.push_null();
        }
        let n = cols.len();
        self.extractor
            .extract_into(text, scratch, &mut cols[FIELDS_START..n - 1]);
        cols[n - 1].push_str(self.keep_original_log.then_some(text));
        Outcome::Stored {
            invalid_utf8: decoded.invalid_utf8,
            embedded_nul: text.contains('\0'),
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
        )
        .unwrap();
        let mut chunk = Chunk::new(p.schema.clone());
        let mut s = p.extractor.scratch();
        let ip: IpAddr = "::ffff:10.1.1.1".parse().unwrap();
        assert!(matches!(
            p.process(b"<13> a->1.2.3.4:5\n", ip, 7, &mut s, &mut chunk),
            Outcome::Stored {
                invalid_utf8: false,
                embedded_nul: false
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
}
