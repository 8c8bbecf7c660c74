//! Extraction speed of the kernel the receiver threads run (no JS, no sockets), for
//! `npm run bench:extract`, which prints it beside V8's `RegExp`.
//!
//! Usage: `extract_speed CLASS_JSON LOG_FILE ROUNDS` — prints one JSON object with the
//! lines/s of each round on one thread.

use std::time::Instant;

use logsift_core::batch::ColumnData;
use logsift_core::extract::{Extractor, FieldSpec};
use logsift_core::text::decode;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, class_json, log, rounds] = &args[..] else {
        eprintln!("usage: extract_speed CLASS_JSON LOG_FILE ROUNDS");
        std::process::exit(2);
    };
    let rounds: usize = rounds.parse().expect("ROUNDS is a number");
    let (name, specs) = read_class(class_json);
    let x = Extractor::compile(&name, &specs).unwrap_or_else(|e| panic!("{e}"));
    let data = std::fs::read(log).expect("read LOG_FILE");
    let lines: Vec<&[u8]> = data
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut scratch = x.scratch();
    let mut round = || {
        let mut cols: Vec<ColumnData> = x.columns().iter().map(|c| ColumnData::new(c.ty)).collect();
        let start = Instant::now();
        // Five passes so one round lasts long enough to swamp timer noise.
        for _ in 0..5 {
            for line in &lines {
                x.extract_into(&decode(line).text, &mut scratch, &mut cols);
                std::hint::black_box(&cols);
            }
            // As a receiver thread hands a chunk over and starts the next one sized like it.
            cols.iter_mut().for_each(|c| *c = c.empty_like());
        }
        (5 * lines.len()) as f64 / start.elapsed().as_secs_f64()
    };
    round(); // warm the lazy DFAs' caches
    let rates: Vec<String> = (0..rounds).map(|_| format!("{:.0}", round())).collect();
    println!(
        "{{\"lines\":{},\"rates\":[{}]}}",
        lines.len() * 5,
        rates.join(",")
    );
}

/// Reads `{"class": {"field": "pattern", …}}` keeping field order (no JSON crate needed
/// for this flat shape: keys and values are JSON strings).
fn read_class(path: &str) -> (String, Vec<FieldSpec>) {
    let text = std::fs::read_to_string(path).expect("read CLASS_JSON");
    let mut strings = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some(other) => s.push(other),
                    None => break,
                },
                _ => s.push(c),
            }
        }
        strings.push(s);
    }
    let name = strings.remove(0);
    let specs = strings
        .chunks(2)
        .map(|kv| FieldSpec {
            name: kv[0].clone(),
            pattern: kv[1].clone(),
        })
        .collect();
    (name, specs)
}
