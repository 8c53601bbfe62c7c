//! `zaitaku pdf`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use zaitaku::Result;
use zaitaku::pdf::{self, PdfArgs};

use super::arguments::{Today, parse_seconds};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// 書き出す PDF ファイル（省略すると <root>/directory-<冊子>.pdf、例: directory-whole.pdf。
    /// パンフレットは pamphlet.pdf、漫画は manga.pdf）
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// どの冊子を作るか: whole（全体版）、caremane（ケアマネタイム一覧・A4 横）、
    /// area:KEY（圏域版、例: area:north）、category:KEY（種別編、例: category:clinic）、
    /// pamphlet（パンフレット「在宅医療と介護」）、manga（漫画で知る在宅医療）
    #[arg(long, value_name = "BOOKLET", default_value = "whole")]
    pub booklet: String,
    /// Chromium の実行ファイル（省略すると環境変数 ZAITAKU_CHROMIUM、なければ PATH の
    /// chromium / chromium-browser / google-chrome）
    #[arg(long, value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    // Also the cover's date of issue.
    #[command(flatten)]
    pub today: Today,
    /// Chromium の 1 回の印刷を待つ秒数（省略すると 60 秒＋事業所 10 件ごとに 1 秒）。
    /// 過ぎたら Chromium を止めて、エラーで終わります
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<u64>,
    /// 書き出し先に PDF ではないファイルがあっても置き換える
    #[arg(long)]
    pub force: bool,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let started = Instant::now();
    let options = PdfArgs {
        out: args.out.clone(),
        booklet: args.booklet.clone(),
        chromium: args.chromium.clone(),
        today: args.today.date(),
        timeout: args.timeout,
        force: args.force,
    };
    let report = pdf::run(root, &options)?;
    let facilities = if report.facilities > 0 {
        format!("事業所 {} 件、", report.facilities)
    } else {
        String::new()
    };
    super::tell(&format!(
        "完了: PDF {} ページ（{}、{facilities}印刷 {} 回、{:.1} 秒）→ {}",
        report.pages,
        report.edition,
        report.passes,
        started.elapsed().as_secs_f64(),
        report.out.display()
    ));
    Ok(ExitCode::SUCCESS)
}
