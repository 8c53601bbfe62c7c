//! `zaitaku search`: the results on standard output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zaitaku::search::{self, SearchArgs};
use zaitaku::{Error, Result};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// 検索する言葉（いくつか書くと、すべてを含むものを探します）
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// 結果を JSON（[{id, kind, title, url, score, snippet}, …]）で出力する
    #[arg(long)]
    pub json: bool,
    /// 表示する件数
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// 種別（site.yaml の categories の key、例: clinic）で絞り込む
    #[arg(long, value_name = "KEY")]
    pub category: Option<String>,
    /// 圏域（site.yaml の areas の key、例: north）で絞り込む
    #[arg(long, value_name = "KEY")]
    pub area: Option<String>,
    /// できること（site.yaml の services の key、例: home-visit）で絞り込む
    #[arg(long, value_name = "KEY")]
    pub service: Option<String>,
    /// 作成済みのサイトのフォルダ（省略すると <root>/public）
    #[arg(long, value_name = "DIR")]
    pub site: Option<PathBuf>,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let options = SearchArgs {
        query: args.query.clone(),
        json: args.json,
        limit: args.limit,
        category: args.category.clone(),
        area: args.area.clone(),
        service: args.service.clone(),
        site: args.site.clone(),
    };
    let text = search::run(root, &options)?;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| Error::io("標準出力", "書き込み", e))?;
    Ok(ExitCode::SUCCESS)
}
