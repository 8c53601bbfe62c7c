//! The command line (clap derive): `build` and `check`, with the options every command shares.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// zaitaku: 在宅医療支援センターのサイトを作るツール（静的サイトジェネレーター）
#[derive(Debug, Parser)]
#[command(name = "zaitaku", version, about, long_about = None)]
pub struct Cli {
    /// サイトのフォルダ（content/ があるフォルダ）。省略すると現在のフォルダ
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// サイトを作って public/ に書き出す（失敗したときは前の public/ をそのまま残す）
    Build {
        /// 書き出し先のフォルダ（省略すると <root>/public）
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// site.yaml の base_url の代わりに使うサイトのアドレス
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// 「今日」の日付（YYYY-MM-DD）。省略すると日本時間の今日
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        today: Option<jiff::civil::Date>,
    },
    /// content/ とできあがるサイトを検査する（何も書き出さない）。誤り、リンク切れ、確認が古い事業所、重複のおそれなど
    Check {
        /// 「今日」の日付（YYYY-MM-DD）。省略すると日本時間の今日
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        today: Option<jiff::civil::Date>,
        #[command(flatten)]
        site: zaitaku::site_check::CheckArgs,
    },
    /// プレビュー用のサーバーを起動する（保存するたびに作り直してページを更新する）
    Serve(zaitaku::serve::ServeArgs),
    /// 表（Excel・CSV、介護サービス情報公表システムやナビイのデータ）から事業所を取り込む
    Import(zaitaku::sheet::import::ImportArgs),
    /// 事業所の一覧を表（Excel・CSV）に書き出す（zaitaku import でそのまま取り込める形）
    Export(zaitaku::sheet::export::ExportArgs),
    /// 作成済みのサイト（public/）を検索する
    Search(zaitaku::search::SearchArgs),
    /// 印刷用の資源ガイド（全体版・圏域版・種別編・ケアマネタイム一覧）を PDF にする（Chromium を使う）
    Pdf(zaitaku::print::PdfArgs),
}

fn parse_date(value: &str) -> Result<jiff::civil::Date, String> {
    value
        .parse::<jiff::civil::Date>()
        .map_err(|_| format!("日付「{value}」は YYYY-MM-DD の形で書いてください（例: 2026-11-22）"))
}
