//! `zaitaku import`: prints the report; exit code 1 when some rows could not be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zaitaku::Result;
use zaitaku::error::printable;
use zaitaku::sheet::import::{self, ImportArgs};

use super::arguments::Today;

/// The sheet's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// 見出しから判断する
    Auto,
    /// 事業所の一覧表（zaitaku export と同じ形、または列の対応表で読める表）
    Sheet,
    /// 介護サービス情報公表システムのオープンデータ（CSV）
    Kaigo,
    /// 医療情報ネット（ナビイ）のオープンデータ（施設票の CSV）
    Navii,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// 取り込む表（.xlsx / .csv）。介護サービス情報公表システムやナビイの CSV もそのまま読めます
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 種別のキー（例: home-nursing）。種別の列がない表ではこの種別として取り込み、ほかの種別の行は飛ばします
    #[arg(long, value_name = "KEY")]
    pub category: Option<String>,
    /// 実際にファイルを書き込む（付けなければ、変わる内容を表示するだけ）
    #[arg(long)]
    pub write: bool,
    /// Excel のシート名（省略すると、表示されている最初のシート）
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// 列の見出しと項目の対応表（YAML）。省略時は <root>/import-mapping.yaml があれば使う
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// オープンデータから取り込む市区町村（例: 徳島市、または 36201）。省略すると相談窓口の住所の市
    #[arg(long, value_name = "CITY")]
    pub city: Option<String>,
    /// ナビイの診療科・診療時間票の CSV（施設票と一緒に取り込む）
    #[arg(long, value_name = "FILE")]
    pub hours: Option<PathBuf>,
    /// 表の形式（省略すると見出しから判断）
    #[arg(long, value_enum, default_value = "auto")]
    pub format: Format,
    /// 返ってきた確認票として取り込む: 表にある事業所すべての最終確認日を、変更がなくてもこの日にする（日付を省くと今日）。表にない事業所は新しく登録しません
    #[arg(long, value_name = "YYYY-MM-DD", num_args = 0..=1, value_parser = super::arguments::parse_today)]
    pub verified: Option<Option<jiff::civil::Date>>,
    // Also the 最終確認日 of new records.
    #[command(flatten)]
    pub today: Today,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let options = ImportArgs {
        file: args.file.clone(),
        category: args.category.clone(),
        write: args.write,
        sheet: args.sheet.clone(),
        mapping: args.mapping.clone(),
        city: args.city.clone(),
        hours: args.hours.clone(),
        format: match args.format {
            Format::Auto => import::Format::Auto,
            Format::Sheet => import::Format::Sheet,
            Format::Kaigo => import::Format::Kaigo,
            Format::Navii => import::Format::Navii,
        },
        today: args.today.date(),
        verified: args.verified.map(|date| date.unwrap_or(args.today.date())),
    };
    if options.file.is_dir() || options.verified.is_some() {
        return returned(root, &options);
    }
    if zaitaku::sheet::availability::is_availability_sheet(&options.file, options.sheet.as_deref())
    {
        return availability(root, &options);
    }
    let report = import::run_with(root, &options, &mut |waiting| super::tell(waiting))?;
    // The report quotes the sheet's cells: nothing in them may reach the terminal as a
    // control sequence.
    super::say(&printable(&report.to_string()));
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The command: every file's report, the files left alone, and a last line.
fn returned(root: &Path, args: &ImportArgs) -> Result<ExitCode> {
    let batch = zaitaku::sheet::returned::run(root, args, &mut |waiting| super::tell(waiting))?;
    let mut out = String::new();
    for report in &batch.reports {
        out.push_str(&report.to_string());
        out.push_str("\n\n");
    }
    if !batch.refused.is_empty() {
        out.push_str(&format!(
            "読まなかったファイル {} 件:\n",
            batch.refused.len()
        ));
        for (file, why) in &batch.refused {
            out.push_str(&format!("  ! {file}: {why}\n"));
        }
        out.push('\n');
    }
    let changed: usize = batch.reports.iter().map(|r| r.changed.len()).sum();
    out.push_str(&if batch.written {
        format!(
            "確認票 {} 件を取り込み、{changed} 件の事業所を書き換えました（最終確認日を含む）。",
            batch.reports.len()
        )
    } else {
        format!(
            "確認票 {} 件を読みました。書き換わる事業所は {changed} 件です（最終確認日を含む）。書き込むには --write を付けてください。",
            batch.reports.len()
        )
    });
    // The reports quote the sheets' cells.
    super::say(&printable(&out));
    Ok(if batch.problems() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `zaitaku import` of a vacancy sheet.
fn availability(root: &Path, args: &ImportArgs) -> Result<ExitCode> {
    let today = args.today;
    let report = zaitaku::sheet::availability::run(
        root,
        &args.file,
        args.sheet.as_deref(),
        today,
        args.write,
        &mut |waiting| super::tell(waiting),
    )?;
    super::say(&printable(&report.to_string()));
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
