//! `zaitaku export`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zaitaku::Result;
use zaitaku::sheet::export::{self, ExportArgs, ExportFormat};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Excel ブック（.xlsx）
    Xlsx,
    /// CSV（UTF-8、BOM 付き。Excel でそのまま開けます）
    Csv,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// 書き出す形式
    #[arg(long, value_enum, default_value = "xlsx")]
    pub format: Format,
    /// 書き出すファイル（省略すると現在のフォルダの 事業所一覧.xlsx / 事業所一覧.csv）
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// 書き出し先に .xlsx / .csv ではないファイルがあっても置き換える
    #[arg(long)]
    pub force: bool,
    /// 空き情報の表を書き出す（空き状況・空きの数・メモ・時点。直して zaitaku import で取り込めます）
    #[arg(long)]
    pub availability: bool,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let options = ExportArgs {
        format: match args.format {
            Format::Xlsx => ExportFormat::Xlsx,
            Format::Csv => ExportFormat::Csv,
        },
        out: args.out.clone(),
        force: args.force,
        availability: args.availability,
    };
    let (out, count) = export::run(root, &options)?;
    super::say(&format!(
        "書き出しました: 事業所 {count} 件 → {}\n表を直したら zaitaku import {} で取り込めます（まず --write なしで、変わる内容を確かめてください）。",
        out.display(),
        out.display()
    ));
    Ok(ExitCode::SUCCESS)
}
