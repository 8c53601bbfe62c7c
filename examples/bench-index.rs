//! The search index alone, for profiling it (docs/benchmarks.md, issue 12): loads and
//! validates a site, then builds the index files in memory (`search::indexer::build_files`)
//! and prints the time, the peak memory and a checksum of every file name and byte, so two
//! builds of the indexer can be compared without writing a site.
//!
//! With `--again N`, the index is then updated N times in memory (`search::store::Store`, as
//! the preview does), each time after one facility's phone changed, and each update's time is
//! printed.
//!
//! `cargo run --release --example bench-index -- SITE_DIR [--again N]`

use std::path::PathBuf;

use zaitaku::build::load_valid;

/// The binary's allocator, so the figures are the build's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let Some(root) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: bench-index SITE_DIR");
        std::process::exit(2);
    };
    let today = jiff::civil::Date::new(2026, 11, 22).unwrap();
    let (content, _) = load_valid(&root, today).unwrap_or_else(|e| panic!("{e}"));
    let (_, peak_before) = zaitaku::timings::memory_mib();
    let started = std::time::Instant::now();
    let again: usize = match std::env::args().nth(2).as_deref() {
        Some("--again") => std::env::args()
            .nth(3)
            .and_then(|n| n.parse().ok())
            .unwrap_or(3),
        _ => 0,
    };
    let mut store = zaitaku::search::store::Store::in_memory();
    let files = zaitaku::search::indexer::build_files_with(&content, &mut store)
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    let mut content = content;
    for round in 0..again {
        let record = content.resources.len() / 2;
        content.resources[record].phone = Some(format!("088-699-{round:04}"));
        let started = std::time::Instant::now();
        let cpu = zaitaku::timings::cpu_time();
        zaitaku::search::indexer::build_files_with(&content, &mut store)
            .unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "update {round}: {} documents analysed, {:.3} s, CPU {:.3} s",
            store.analysed,
            started.elapsed().as_secs_f64(),
            zaitaku::timings::cpu_time()
                .saturating_sub(cpu)
                .as_secs_f64()
        );
    }
    let mut sum: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, bytes) in &files {
        for byte in name.bytes().chain(bytes.iter().copied()) {
            sum = (sum ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    eprintln!(
        "documents {} files {} bytes {bytes} checksum {sum:016x} index {:.2} s peak RSS {peak_before} → {} MiB",
        content.resources.len() + content.pages.len(),
        files.len(),
        elapsed.as_secs_f64(),
        zaitaku::timings::memory_mib().1
    );
}
