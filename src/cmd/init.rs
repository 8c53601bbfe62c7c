//! `zaitaku init DIR [--name NAME] [--city CITY]`: the options, the questions asked at a
//! terminal when `--name` or `--city` is missing, and what is printed afterwards.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use zaitaku::Error;
use zaitaku::init::{InitOptions, init};

/// zaitaku init の引数
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// 新しいサイトのフォルダ（まだないフォルダか、空のフォルダ）
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// センターの名前（例: みなと市在宅医療支援センター）。省略すると、端末では質問し、それ以外は「ここを書き換えてください」の印を付けた例を書きます
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// 市町村の名前（例: みなと市）。住所や団体名の例に使います
    #[arg(long, value_name = "CITY")]
    pub city: Option<String>,
}

/// Asks for a value at a terminal; an empty answer (or no terminal) leaves it to the marked
/// example.
fn ask(question: &str) -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{question}（あとで content/site.yaml で書き換えられます。空のまま Enter で省略）: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok()?;
    let answer = answer.trim();
    (!answer.is_empty()).then(|| answer.to_owned())
}

pub fn run(args: &InitArgs) -> Result<ExitCode, Error> {
    let city = args
        .city
        .clone()
        .or_else(|| ask("市町村の名前（例: みなと市）"));
    let name = args
        .name
        .clone()
        .or_else(|| ask("センターの名前（例: みなと市在宅医療支援センター）"));
    let options = InitOptions {
        dir: args.dir.clone(),
        name,
        city,
        today: super::arguments::tokyo_today(),
    };
    let report = init(&options)?;
    let dir = report.dir.display();
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "完了: 新しいサイトを {dir} に作りました（ファイル {} 件）。\n\n次にすること:\n  1. {dir}/content/site.yaml の「ここを書き換えてください」の行を、センターの情報に書き換えます。\n  2. zaitaku --root {dir} check … まだ書き換えていないところを、ファイル名と行番号つきで表示します。\n  3. zaitaku --root {dir} serve … できあがりをブラウザーで確かめます。\n  4. 公開のしかたは {dir}/README.md にあります。",
        report.files.len()
    );
    Ok(ExitCode::SUCCESS)
}
