//! `zaitaku check`: the report grouped in Japanese on standard error, or one JSON document on
//! standard output; exit code 0 (no errors, warnings allowed), 1 (errors: content errors or
//! broken internal links) or 2 (setup problems).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use zaitaku::check::{self, CheckArgs};
use zaitaku::{Error, Result};

use super::arguments::Today;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub today: Today,
    /// 結果を JSON で標準出力に出す（スクリプト用）
    #[arg(long)]
    pub json: bool,
    /// ほかのサイトへのリンクも、実際につないで確かめる
    #[arg(long)]
    pub external: bool,
    /// 外部リンク 1 件を待つ秒数（--external のとき）
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
}

pub fn run(root: &Path, args: &Args, started: Instant) -> Result<ExitCode> {
    let options = CheckArgs {
        external: args.external,
        timeout: args.timeout,
    };
    let report = check::run(root, args.today.date(), &options)?;
    let mut stderr = std::io::stderr().lock();
    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::Setup(format!("JSON を作れません: {e}")))?;
        super::say(&json);
    } else {
        for diagnostic in &report.diagnostics {
            let _ = writeln!(stderr, "{diagnostic}\n");
        }
        if let Some(error) = &report.build_error {
            let _ = writeln!(
                stderr,
                "エラー: サイトを作って確かめることができませんでした: {error}\n"
            );
        }
        if let Some(site) = &report.site {
            let _ = write!(stderr, "{}", site.human());
        }
    }
    let _ = writeln!(
        stderr,
        "{}",
        report.summary(started.elapsed().as_secs_f64())
    );
    // A theme that cannot render is a setup problem, as for `zaitaku build`.
    Ok(if report.setup_failed() {
        ExitCode::from(2)
    } else if report.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
