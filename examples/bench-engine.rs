//! The engine alone, for `scripts/bench-build.sh`: load and validate a site, render every page
//! and write it to a staging folder that is then swapped in — a `zaitaku build` without the
//! search index, whose cost is measured separately in the search section of
//! docs/benchmarks.md.
//!
//! `cargo run --release --example bench-engine -- SITE_DIR OUT_DIR`

use std::path::PathBuf;

use zaitaku::build::{load_valid, render_site_without_search};
use zaitaku::output::Staging;
use zaitaku::render::Theme;

fn main() {
    let mut args = std::env::args().skip(1).map(PathBuf::from);
    let (Some(root), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: bench-engine SITE_DIR OUT_DIR");
        std::process::exit(2);
    };
    let today = jiff::civil::Date::new(2026, 11, 22).unwrap();
    let started = std::time::Instant::now();
    let (content, _) = load_valid(&root, today).unwrap_or_else(|e| panic!("{e}"));
    let loaded = started.elapsed();
    let theme = Theme::load(&root).unwrap();
    let staging = Staging::new(&out).unwrap();
    let files = render_site_without_search(&content, &theme, today, &staging)
        .unwrap()
        .files;
    staging.commit().unwrap();
    eprintln!(
        "records {} files {} load+validate {:.2} s total {:.2} s",
        content.resources.len(),
        files,
        loaded.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
