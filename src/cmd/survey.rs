//! `zaitaku survey …`: the confirmation round's commands (make, status, confirm), their
//! options and what they print.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::arguments::{parse_today, tokyo_today as today_in_tokyo};
use clap::Subcommand;
use jiff::civil::Date;
use unicode_width::UnicodeWidthStr;
use zaitaku::content::survey::japanese_date;
use zaitaku::error::{Error, Result, printable};
use zaitaku::sheet::export::{ExportFormat, write_table};
use zaitaku::survey::status::Status;

/// `zaitaku survey`
#[derive(Debug, clap::Args)]
pub struct SurveyArgs {
    #[command(subcommand)]
    pub command: SurveyCommand,
}

#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// 確認票を作る（事業所ごとに A4 1 枚の PDF と、記入用の Excel）
    Make(MakeArgs),
    /// 回答のあった事業所・まだの事業所を、種別・圏域ごとに表示する（--out で表にも書き出す）
    Status {
        /// 「今日」の日付（YYYY-MM-DD）。省略すると日本時間の今日
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
        today: Option<Date>,
        /// 催促の電話用に、一覧を表に書き出すファイル（.xlsx か .csv）
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// 書き出し先に .xlsx / .csv ではないファイルがあっても置き換える
        #[arg(long)]
        force: bool,
    },
    /// 「変更なし」と返事のあった事業所の最終確認日（verified）だけを書き換える
    Confirm {
        /// 事業所の ID（ファイル名。複数書けます）
        #[arg(value_name = "ID", required = true)]
        ids: Vec<String>,
        /// 確認した日（YYYY-MM-DD）。省略すると今日
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
        date: Option<Date>,
        /// 「今日」の日付（YYYY-MM-DD）。省略すると日本時間の今日
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
        today: Option<Date>,
    },
}

/// `zaitaku survey make`
#[derive(Debug, clap::Args)]
pub struct MakeArgs {
    /// この種別だけ（site.yaml の categories のキー。省略すると survey.yaml の対象すべて）
    #[arg(long, value_name = "KEY")]
    pub category: Option<String>,
    /// この圏域だけ（site.yaml の areas のキー）
    #[arg(long, value_name = "KEY")]
    pub area: Option<String>,
    /// 回答期限（YYYY-MM-DD）。省略すると survey.yaml の due
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
    pub due: Option<Date>,
    /// 書き出し先のフォルダ（省略すると <root>/確認票）。PDF 1 つと、事業所ごとの .xlsx を書きます
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// 送付状を付けない（確認票だけを印刷する）
    #[arg(long)]
    pub no_letter: bool,
    /// 「今日」の日付（発行日）。省略すると日本時間の今日
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
    pub today: Option<Date>,
    /// Chromium の実行ファイル（省略すると ZAITAKU_CHROMIUM か PATH の chromium）
    #[arg(long, value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    /// Chromium の印刷を待つ秒数（省略すると 60 秒＋事業所 10 件ごとに 1 秒）
    #[arg(long, value_name = "SECS", value_parser = super::arguments::parse_seconds)]
    pub timeout: Option<u64>,
}

pub fn run(root: &Path, args: &SurveyArgs) -> Result<ExitCode> {
    match &args.command {
        SurveyCommand::Make(args) => make(root, args),
        SurveyCommand::Status { today, out, force } => {
            let today = today.unwrap_or_else(today_in_tokyo);
            let status = zaitaku::survey::status::status(root, today)?;
            super::say(&printable(&status_table(&status)));
            if let Some(out) = out {
                let format = sheet_format(out)?;
                write_table(
                    root,
                    out,
                    format,
                    *force,
                    &status.rows(),
                    &zaitaku::survey::status::layout(),
                )?;
                super::say(&format!(
                    "書き出しました: {} 件（未回答 {} 件が先）→ {}",
                    status.entries.len(),
                    status.waiting(),
                    out.display()
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        SurveyCommand::Confirm { ids, date, today } => {
            let today = today.unwrap_or_else(today_in_tokyo);
            let date = date.unwrap_or(today);
            let report =
                zaitaku::survey::confirm::confirm(root, ids, date, today, &mut |w| super::tell(w))?;
            let mut out = String::new();
            for record in &report.records {
                if record.written {
                    let _ = writeln!(
                        out,
                        "  確認済み: {}（{}）最終確認日 {} → {}",
                        record.name, record.file, record.before, report.date
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "  そのまま: {}（{}）最終確認日はすでに {}",
                        record.name, record.file, record.before
                    );
                }
            }
            let written = report.records.iter().filter(|r| r.written).count();
            let _ = write!(
                out,
                "完了: {written} 件の最終確認日を {} にしました（ほかの行は変えていません）。",
                report.date
            );
            super::say(&printable(&out));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The sheet's format from the file's extension.
fn sheet_format(out: &Path) -> Result<ExportFormat> {
    match out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("xlsx") => Ok(ExportFormat::Xlsx),
        Some("csv") => Ok(ExportFormat::Csv),
        _ => Err(Error::Setup(format!(
            "--out {} は .xlsx か .csv の名前にしてください（例: --out 未回答.xlsx）。",
            out.display()
        ))),
    }
}

/// `text` padded with spaces to `width` columns of the terminal (full-width counts 2).
fn pad(text: &str, width: usize) -> String {
    let shown = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

/// The table of counts and the list of facilities that have not answered.
pub fn status_table(status: &Status) -> String {
    let survey = &status.survey;
    let mut out = format!(
        "確認調査「{}」 開始 {}・回答期限 {}（今日 {}）\n\n",
        survey.title,
        japanese_date(survey.start),
        japanese_date(survey.due),
        japanese_date(status.today)
    );
    let header = ["種別", "圏域", "対象", "回答あり", "未回答"];
    let mut rows: Vec<[String; 5]> = status
        .groups
        .iter()
        .map(|g| {
            [
                g.category.label.clone(),
                g.area
                    .as_ref()
                    .map(|a| a.label.clone())
                    .unwrap_or_else(|| "（圏域なし）".to_owned()),
                g.selected.to_string(),
                g.answered.to_string(),
                (g.selected - g.answered).to_string(),
            ]
        })
        .collect();
    rows.push([
        "合計".to_owned(),
        String::new(),
        status.entries.len().to_string(),
        status.answered().to_string(),
        status.waiting().to_string(),
    ]);
    let widths: Vec<usize> = (0..5)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].width())
                .chain([header[c].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        let mut text = String::from("  ");
        for (c, cell) in cells.iter().enumerate() {
            if c < 2 {
                text.push_str(&pad(cell, widths[c] + 2));
            } else {
                text.push_str(&" ".repeat(widths[c].saturating_sub(cell.width()) + 2));
                text.push_str(cell);
            }
        }
        text.trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(header));
    for row in &rows {
        let _ = writeln!(
            out,
            "{}",
            line([&row[0], &row[1], &row[2], &row[3], &row[4]])
        );
    }
    let waiting: Vec<_> = status.entries.iter().filter(|e| !e.answered).collect();
    if waiting.is_empty() {
        let _ = write!(out, "\nすべての事業所から回答がありました。");
        return out;
    }
    let _ = writeln!(out, "\n未回答 {} 件:", waiting.len());
    for entry in waiting {
        let contact = [
            entry.phone.as_ref().map(|p| format!("電話 {p}")),
            entry.fax.as_ref().map(|f| format!("FAX {f}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("・");
        let _ = writeln!(
            out,
            "  {}（{}、最終確認 {}）{} [{}]",
            entry.name, entry.category.label, entry.verified, contact, entry.id
        );
    }
    let _ = write!(
        out,
        "回答が届いたら zaitaku import で取り込むか、「変更なし」なら zaitaku survey confirm ID で確認済みにしてください。"
    );
    out
}

fn make(root: &Path, args: &MakeArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let options = zaitaku::survey::make::MakeOptions {
        category: args.category.clone(),
        area: args.area.clone(),
        due: args.due,
        out: args.out.clone().unwrap_or_else(|| root.join("確認票")),
        letter: !args.no_letter,
        today: args.today.unwrap_or_else(today_in_tokyo),
        chromium: zaitaku::pdf::find_chromium(args.chromium.as_deref())?,
        timeout: args.timeout.map(std::time::Duration::from_secs),
    };
    let report = zaitaku::survey::make::make(root, &options)?;
    super::say(&format!(
        "完了: 確認票 {} 事業所（PDF {} ページ、回答期限 {}、{:.1} 秒）\n  印刷・FAX 用: {}\n  メール用の Excel: {} 件（{} の中の 確認票-<ID>.xlsx）\n返ってきたら zaitaku import <フォルダ> --verified で取り込めます（まず --write なしで確かめてください）。",
        report.facilities,
        report.pages,
        japanese_date(report.due),
        started.elapsed().as_secs_f64(),
        report.pdf.display(),
        report.sheets.len(),
        options.out.display()
    ));
    Ok(ExitCode::SUCCESS)
}
