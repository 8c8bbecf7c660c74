//! Time per line of the look-around patterns of issue 16 on 60 KB lines, and of ordinary
//! look-around on an ordinary line: what the backtracking budget bounds.
//!
//! Usage: `cargo run --release -p logsift-core --example backtrack_budget` — prints one
//! line per case: the pattern, the line length, the median time of 5 runs and the outcome.

use std::time::{Duration, Instant};

use logsift_core::batch::ColumnData;
use logsift_core::extract::{Extractor, FieldSpec};

fn main() {
    let no_z = format!("id=1 {}", "a".repeat(60_000));
    let digits = format!("id=1 {}", "1 ".repeat(30_000));
    let ordinary =
        "<13> 01:05:27 gw prerouting: user=bob in:<pppoe-ann> 1.2.3.4:5->6.7.8.9:10 len 52";
    // A long ordinary line whose look-ahead is tried at every digit: how long a line the
    // budget allows for that kind of pattern.
    let long_ordinary = |n: usize| format!("{} took 12 ms", "x=1 ".repeat(n / 4));
    let (kb1, kb2) = (long_ordinary(1000), long_ordinary(16000));
    let cases = [
        (r"(?=.*z)\w+", no_z.as_str()),
        (r"(\d+)(?!.*\d)", digits.as_str()),
        (r"(?<=user=)(\w+)", ordinary),
        (r"(\d+)(?!.*\d)", ordinary),
        (r"(\w)\1", ordinary),
        (r"(\d+)(?= ms)", kb1.as_str()),
        (r"(\d+)(?= ms)", kb2.as_str()),
        (r"(\w+ \d+)(?= ms)", kb1.as_str()),
        (r"(\w+ \d+)(?= ms)", kb2.as_str()),
    ];
    for (pattern, line) in cases {
        let fields = [FieldSpec {
            name: "f".into(),
            pattern: pattern.into(),
        }];
        let x = Extractor::compile("c", &fields).unwrap_or_else(|e| panic!("{e}"));
        let mut scratch = x.scratch();
        let mut times: Vec<Duration> = Vec::new();
        let mut outcome = String::new();
        for _ in 0..5 {
            let mut cols: Vec<ColumnData> =
                x.columns().iter().map(|c| ColumnData::new(c.ty)).collect();
            let start = Instant::now();
            let over = x.extract_into(line, &mut scratch, &mut cols);
            times.push(start.elapsed());
            outcome = if over > 0 {
                "over budget (NULL)".into()
            } else {
                format!("value {}", cols[0].debug_value(0))
            };
        }
        times.sort();
        println!(
            "{pattern:<18} {:>6} B  median {:>10.3?}  {outcome}",
            line.len(),
            times[2]
        );
    }
}
