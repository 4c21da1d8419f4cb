//! Throughput and memory of a large import, run on demand (it is slow in debug builds):
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-import cargo test -p leadline-core --release -- \
//!     --ignored --nocapture import_of_a_million_rows
//! ```

use std::io::Read;
use std::time::Instant;

use super::*;

/// A CSV of `rows` made-up leads, generated as it is read so memory stays flat.
struct Generated {
    next_row: u64,
    rows: u64,
    pending: Vec<u8>,
    pos: usize,
}

impl Generated {
    fn new(rows: u64) -> Self {
        let header = "Email,First Name,Last Name,Company,Job Title,Phone Number,Country,\
                      Website,Lead Source,Notes\r\n";
        Generated {
            next_row: 0,
            rows,
            pending: header.as_bytes().to_vec(),
            pos: 0,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.pending.len() && self.next_row < self.rows {
            let i = self.next_row;
            self.pending.clear();
            self.pos = 0;
            let row = format!(
                "person{i}@company{}.example.com,First{i},Last{},Company {} GmbH,Head of Marketing,\
                 +49 30 {i:07},Germany,https://company{}.example.com,Tradeshow,\"Met at booth, \
                 asked about \"\"pricing\"\"\"\r\n",
                i % 5000,
                i % 977,
                i % 5000,
                i % 5000
            );
            self.pending.extend(row.bytes());
            self.next_row += 1;
        }
        let n = (self.pending.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
#[ignore = "a benchmark: run in release with --ignored"]
fn import_of_a_million_rows_streams_fast_in_flat_memory() {
    let rows = 1_000_000;
    let context = ImportContext {
        list_name: "bench".into(),
        campaign: None,
        channel: None,
        on_duplicate: OnDuplicate::Update,
        occurred_at: 0,
        origin: "import:bench".into(),
    };
    let path = std::env::temp_dir().join(format!("leadline-bench-{}.csv", std::process::id()));
    let mut file = std::fs::File::create(&path).unwrap();
    std::io::copy(&mut Generated::new(rows), &mut file).unwrap();
    drop(file);
    let file = std::fs::File::open(&path).unwrap();
    let start = Instant::now();
    let mut it = read_csv(file, &ImportOptions::default(), context).unwrap();
    let (mut events, mut errors) = (0u64, 0u64);
    for row in it.by_ref() {
        match row {
            Ok(e) => {
                events += 1;
                std::hint::black_box(e);
            }
            Err(_) => errors += 1,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    // The CSV layer alone, to tell parsing from building events.
    let start = Instant::now();
    let mut reader =
        records::RecordReader::new(std::fs::File::open(&path).unwrap(), b',', MAX_CELL_BYTES);
    let mut record = records::Record::default();
    let mut records = 0u64;
    while reader.read_record(&mut record).unwrap() {
        records += 1;
    }
    let parse_secs = start.elapsed().as_secs_f64();
    println!(
        "CSV records alone: {:.0} records/s",
        records as f64 / parse_secs
    );
    std::fs::remove_file(&path).unwrap();
    let mb = it.bytes_read() as f64 / 1e6;
    println!(
        "{events} events, {errors} errors, {mb:.0} MB in {secs:.2} s: {:.0} rows/s, {:.0} MB/s; \
         peak RSS {} KiB",
        events as f64 / secs,
        mb / secs,
        peak_rss_kib().map_or("unknown".into(), |k| k.to_string())
    );
    assert_eq!((events, errors), (rows, 0));
    if let Some(kib) = peak_rss_kib() {
        assert!(kib < 200 * 1024, "peak RSS {kib} KiB is over 200 MB");
    }
}
