//! `zaitaku build`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zaitaku::Result;
use zaitaku::build::{self, BuildOptions};

use super::arguments::Today;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// 書き出し先のフォルダ（省略すると <root>/public）
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// site.yaml の base_url の代わりに使うサイトのアドレス
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// 印刷用の冊子（全体版・ケアマネタイム一覧・圏域版・パンフレット・漫画）を PDF にして
    /// <出力先>/print/ に書き出す（Chromium が必要。site.yaml の print: { pdf: true } でも同じ）
    #[arg(long)]
    pub pdf: bool,
    /// PDF を作る Chromium の実行ファイル（省略すると環境変数 ZAITAKU_CHROMIUM、なければ PATH の
    /// chromium / chromium-browser / google-chrome）
    #[arg(long, value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    #[command(flatten)]
    pub today: Today,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let options = BuildOptions {
        root: root.to_path_buf(),
        out: args.out.clone().unwrap_or_else(|| root.join("public")),
        base_url: args.base_url.clone(),
        today: args.today.date(),
    };
    let printer = zaitaku::pdf::SitePrinter {
        asked: args.pdf,
        chromium: args.chromium.clone(),
        timeout: None,
    };
    let report = build::build_printing(
        &options,
        &mut |waiting| super::tell(waiting),
        Some(&printer),
    )?;
    let mut stderr = std::io::stderr().lock();
    super::print_diagnostics(&mut stderr, &report.diagnostics);
    if let Some(leftover) = &report.leftover {
        let _ = writeln!(
            stderr,
            "注意: 前のサイトを {} から消しきれませんでした。次の build で片付けます。",
            leftover.display()
        );
    }
    for pdf in &report.pdfs {
        let _ = writeln!(
            stderr,
            "PDF: {}（{} ページ、{} KB）",
            options.out.join(&pdf.url).display(),
            pdf.pages,
            pdf.kb
        );
    }
    let _ = writeln!(
        stderr,
        "完了: 事業所 {} 件、ページ {} 件、書き出したファイル {} 件、エラー 0 件、警告 {} 件（{:.2} 秒）→ {}",
        report.resources,
        report.pages,
        report.files,
        report.diagnostics.len(),
        report.elapsed.as_secs_f64(),
        options.out.display()
    );
    let asked = |name: &str| std::env::var_os(name).is_some_and(|v| v == "1");
    if asked("ZAITAKU_TIMINGS") {
        print_timings(&mut stderr, &report);
    } else if asked("ZAITAKU_SEARCH_STATS") {
        print_search_stats(&mut stderr, &report);
    }
    Ok(ExitCode::SUCCESS)
}

/// The build's phases, for benchmarks (`ZAITAKU_TIMINGS=1`; docs/benchmarks.md).
fn print_timings(out: &mut impl Write, report: &build::BuildReport) {
    print_phases(out, &report.timings);
    let _ = writeln!(
        out,
        "records: {} parsed, {} from the parse cache ({} by their stamp, not read)",
        report.records.parsed, report.records.reused, report.records.stamped
    );
    print_search_stats(out, report);
    let _ = writeln!(
        out,
        "rows: {} rendered, {} read back from the cache",
        report.rows.rendered, report.rows.read
    );
    let _ = writeln!(out, "total {:.3} s", report.elapsed.as_secs_f64());
}

/// A table of phases (`ZAITAKU_TIMINGS=1`, also `zaitaku serve`'s after each save).
pub(crate) fn print_phases(out: &mut impl Write, phases: &[zaitaku::timings::Phase]) {
    let _ = writeln!(
        out,
        "phase                            start (s)  time (s)   CPU (s)  RSS (MiB)  peak (MiB)"
    );
    for phase in phases {
        let _ = writeln!(
            out,
            "{:<32} {:>9.3} {:>9.3} {:>9.2} {:>10} {:>11}",
            phase.name,
            phase.start.as_secs_f64(),
            phase.elapsed.as_secs_f64(),
            phase.cpu.as_secs_f64(),
            phase.rss_mib,
            phase.peak_rss_mib
        );
    }
}

/// The search index's line (`ZAITAKU_SEARCH_STATS=1`, benches/search/run.sh reads it).
fn print_search_stats(out: &mut impl Write, report: &build::BuildReport) {
    if let Some(search) = &report.search {
        let _ = writeln!(
            out,
            "search index: {} documents ({} analysed, {} keys reused), {} files ({} term chunks, {} encoded), {} bytes, {:.3} s, peak RSS {} → {} MiB",
            search.documents,
            search.analysed,
            search.reused_keys,
            search.files,
            search.chunks,
            search.encoded,
            search.bytes,
            search.elapsed.as_secs_f64(),
            search.peak_rss_before_mib,
            search.peak_rss_after_mib
        );
        let steps: Vec<String> = zaitaku::search::STEPS
            .iter()
            .zip(search.steps)
            .map(|(name, time)| format!("{name} {:.3}", time.as_secs_f64()))
            .collect();
        let _ = writeln!(out, "search index steps (s): {}", steps.join(", "));
    }
}
