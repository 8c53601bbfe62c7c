//! Benchmark of `zaitaku serve`: how long from saving one record to the reload event the open
//! pages receive.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example bench-serve -- [--site DIR | --records N] [--runs N]
//!     [--blocks N] [--base BIN] [--phases N]
//! ```
//!
//! It copies the site (default: the sample site of this repository; with `--records N`, a site
//! of N records made by `examples/gen-site`, which must be built) to a folder in RAM
//! (`/dev/shm` when there is one), starts `zaitaku serve --port 0` on it (this repository's
//! `target/release/zaitaku`, or `ZAITAKU_BIN`), listens to the server-sent events like a browser
//! does, then edits one record `--runs` times (a phone number, alternately two values) and
//! measures, for each save, the time until the reload event arrives and until the server says
//! the search index is updated. With `--base BIN` (e.g. main's binary) the two binaries take
//! turns, `--blocks` blocks each (default 2: A B A B), each block a server of its own; the
//! figures are per binary. `--phases N` also times the phases of N whole rebuilds in-process
//! (load and validate; pages; search index; default 0).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut site = repo.clone();
    let mut runs = 20usize;
    let mut phases = 0usize;
    let mut blocks = 2usize;
    let mut base = None;
    let mut records = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--site" => site = PathBuf::from(args.next().expect("--site DIR")),
            "--records" => {
                records = Some(args.next().expect("--records N"));
            }
            "--phases" => phases = args.next().expect("--phases N").parse().expect("a number"),
            "--runs" => runs = args.next().expect("--runs N").parse().expect("a number"),
            "--blocks" => blocks = args.next().expect("--blocks N").parse().expect("a number"),
            "--base" => base = Some(PathBuf::from(args.next().expect("--base BIN"))),
            other => panic!("unknown argument {other}"),
        }
    }
    let generated = tempfile::tempdir().unwrap();
    if let Some(records) = &records {
        let gen_site = repo.join("target/release/examples/gen-site");
        let status = Command::new(&gen_site)
            .args(["--records", records, "--out"])
            .arg(generated.path())
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (cargo build --release --example gen-site)",
                    gen_site.display()
                )
            });
        assert!(status.success(), "gen-site failed");
        site = generated.path().to_path_buf();
    }
    let work = if Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm").unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    copy_tree(&site.join("content"), &work.path().join("content"));
    if site.join("themes").is_dir() {
        copy_tree(&site.join("themes"), &work.path().join("themes"));
    }
    let today = jiff::civil::Date::new(2026, 11, 22).unwrap();

    // Phases of one rebuild, in-process, in RAM (/dev/shm) like the server's own builds.
    let scratch = if Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm").unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let out = scratch.path().join("site");
    let mut load = Vec::new();
    let mut pages = Vec::new();
    let mut index = Vec::new();
    let theme = zaitaku::render::Theme::load(work.path()).unwrap();
    let theme = (phases > 0).then_some(theme);
    for _ in 0..phases {
        let theme = theme.as_ref().expect("loaded");
        let t = Instant::now();
        let (content, _) = zaitaku::build::load_valid(work.path(), today).unwrap();
        load.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let staging = zaitaku::output::Staging::new(&out).unwrap();
        zaitaku::build::render_site_without_search(&content, theme, today, &staging).unwrap();
        pages.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        zaitaku::search::write_index(&content, &staging).unwrap();
        index.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    if phases > 0 {
        println!(
            "rebuild phases of a whole build (median of {phases}): load+validate {:.0} ms, pages+feeds+assets {:.0} ms (then the reload), search index {:.0} ms (after the reload)",
            median(&mut load),
            median(&mut pages),
            median(&mut index)
        );
    }

    let binary = std::env::var_os("ZAITAKU_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target").join("release").join("zaitaku"));
    let mut binaries = vec![("A", binary)];
    if let Some(base) = base {
        binaries.push(("B", base));
    }
    println!(
        "load: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let per_block = runs.div_ceil(blocks);
    let mut results: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); binaries.len()];
    for block in 0..blocks {
        for (which, (name, binary)) in binaries.iter().enumerate() {
            println!("block {} of {name} ({})", block + 1, binary.display());
            let (times, indexed) = session(binary, work.path(), per_block);
            results[which].0.extend(times);
            results[which].1.extend(indexed);
        }
    }
    for ((name, binary), (times, indexed)) in binaries.iter().zip(&mut results) {
        times.sort_by(f64::total_cmp);
        indexed.sort_by(f64::total_cmp);
        println!("{name} = {}:", binary.display());
        println!(
            "  save → reload event over {} saves: median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
            times.len(),
            percentile(times, 0.5),
            percentile(times, 0.9),
            times[times.len() - 1]
        );
        println!(
            "  save → search index updated: median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
            percentile(indexed, 0.5),
            percentile(indexed, 0.9),
            indexed[indexed.len() - 1]
        );
    }
    println!(
        "load: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}

/// One server of `binary` on the site in `work`, `runs` saves: the times (ms) from each save
/// to the reload event, and to the server's line that the search index is updated.
fn session(binary: &Path, work: &Path, runs: usize) -> (Vec<f64>, Vec<f64>) {
    let mut child = Command::new(binary)
        .args(["--root"])
        .arg(work)
        .args(["serve", "--port", "0", "--today", "2026-11-22"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "start {}: {e} (run cargo build --release first)",
                binary.display()
            )
        });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest.trim_end_matches('/').parse().unwrap();
        }
    };
    // What the server says, with the time it was said (the search index's line is waited for).
    let (said, hear) = std::sync::mpsc::channel::<(Instant, String)>();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = said.send((Instant::now(), line));
        }
    });
    let mut events = TcpStream::connect(("127.0.0.1", port)).unwrap();
    events
        .write_all(b"GET /__zaitaku/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut buffer = [0u8; 4096];
    let mut received = String::new();
    let mut next_event = |received: &mut String| -> String {
        loop {
            if let Some(start) = received.find("data:")
                && let Some(end) = received[start..].find('\n')
            {
                let data = received[start + 5..start + end].trim().to_owned();
                received.drain(..start + end);
                return data;
            }
            let n = events.read(&mut buffer).expect("reload event within 120 s");
            assert!(n > 0, "server closed the event stream");
            received.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    };
    let first = next_event(&mut received);
    println!("connected to port {port}, build generation {first}");

    let record = walkdir::WalkDir::new(work.join("content").join("resources"))
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .find(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .unwrap()
        .into_path();
    let original = std::fs::read_to_string(&record).unwrap();
    let phone_line = original
        .lines()
        .find(|l| l.starts_with("phone:"))
        .expect("the record has a phone")
        .to_owned();
    let mut times = Vec::new();
    let mut indexed = Vec::new();
    // The first build's index.
    let _ = wait_for_index(&hear);
    for run in 0..runs {
        // A person saves now and then.
        std::thread::sleep(Duration::from_millis(500));
        while hear.try_recv().is_ok() {}
        let phone = if run % 2 == 0 {
            "phone: 088-699-0001"
        } else {
            "phone: 088-699-0002"
        };
        let edited = original.replace(&phone_line, phone);
        let started = Instant::now();
        std::fs::write(&record, edited).unwrap();
        let generation = next_event(&mut received);
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        times.push(elapsed);
        let index = wait_for_index(&hear)
            .map(|at| at.duration_since(started).as_secs_f64() * 1000.0)
            .unwrap_or(f64::NAN);
        indexed.push(index);
        println!(
            "save {:>2}: reload event (generation {generation}) after {elapsed:.0} ms, search index updated after {index:.0} ms",
            run + 1
        );
    }
    std::fs::write(&record, original).unwrap();
    // SIGTERM, not SIGKILL: the server then removes its scratch folder (a built site in RAM).
    let _ = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status();
    let _ = child.wait();
    (times, indexed)
}

/// When the server next says the search index is updated (`None` after 60 s).
fn wait_for_index(hear: &std::sync::mpsc::Receiver<(Instant, String)>) -> Option<Instant> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match hear.recv_timeout(left) {
            Ok((at, line)) if line.contains("検索の索引") => return Some(at),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}
