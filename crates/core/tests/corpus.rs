//! Conformance with the original tool: extracting the shared corpus with the Mikrotik
//! class must give exactly the values Python's `re.search(...).group(1)` gave, mapped to
//! logsift's columns (`../shared/corpus/*.expected.jsonl`).

use std::path::PathBuf;

use logsift_core::batch::ColumnData;
use logsift_core::extract::{Extractor, FieldSpec};
use logsift_core::text::decode;
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("LOGSIFT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    assert!(
        dir.is_dir(),
        "corpus not found at {} (set LOGSIFT_CORPUS)",
        dir.display()
    );
    dir
}

fn mikrotik5() -> Extractor {
    let text = std::fs::read_to_string(corpus_dir().join("mikrotik5.class.json")).unwrap();
    // `preserve_order` keeps the file's field order, which is the stored column order.
    let json: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    let (name, fields) = json.iter().next().unwrap();
    let specs: Vec<FieldSpec> = fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| FieldSpec {
            name: k.clone(),
            pattern: v.as_str().unwrap().to_string(),
        })
        .collect();
    Extractor::compile(name, &specs).unwrap()
}

fn check(log: &str, expected: &str) -> usize {
    let dir = corpus_dir();
    let x = mikrotik5();
    let lines = std::fs::read(dir.join(log)).unwrap();
    let expected = std::fs::read_to_string(dir.join(expected)).unwrap();
    let lines: Vec<&[u8]> = lines
        .strip_suffix(b"\n")
        .unwrap_or(&lines)
        .split(|b| *b == b'\n')
        .collect();
    let expected: Vec<Value> = expected
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), expected.len(), "{log}: line count");
    let mut scratch = x.scratch();
    let mut compared = 0;
    for (i, (line, want)) in lines.iter().zip(&expected).enumerate() {
        let mut cols: Vec<ColumnData> = x.columns().iter().map(|c| ColumnData::new(c.ty)).collect();
        x.extract_into(&decode(line).text, &mut scratch, &mut cols);
        let want = want.as_object().unwrap();
        assert_eq!(
            want.len(),
            x.columns().len(),
            "{log}:{}: column count",
            i + 1
        );
        for (col, data) in x.columns().iter().zip(&cols) {
            let got = match data {
                ColumnData::Integer { values, valid } => {
                    if valid[0] == 1 {
                        Value::from(values[0])
                    } else {
                        Value::Null
                    }
                }
                _ => data.str_at(0).map_or(Value::Null, Value::from),
            };
            assert_eq!(got, want[&col.name], "{log}:{} column {}", i + 1, col.name);
            compared += 1;
        }
    }
    compared
}

#[test]
fn mikrotik_20k_matches_python() {
    assert_eq!(
        check("mikrotik-20k.log", "mikrotik-20k.expected.jsonl"),
        20_000 * 8
    );
}

#[test]
fn edge_cases_match_python() {
    assert_eq!(check("edge.log", "edge.expected.jsonl"), 13 * 8);
}
