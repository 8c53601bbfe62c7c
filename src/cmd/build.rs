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
    let report = build::build_with(&options, &mut |waiting| super::tell(waiting))?;
    let mut stderr = std::io::stderr().lock();
    super::print_diagnostics(&mut stderr, &report.diagnostics);
    if let Some(leftover) = &report.leftover {
        let _ = writeln!(
            stderr,
            "注意: 前のサイトを {} から消しきれませんでした。次の build で片付けます。",
            leftover.display()
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
    Ok(ExitCode::SUCCESS)
}
