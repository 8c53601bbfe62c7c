//! `zaitaku serve`: the preview's progress lines on standard output (a failed write, as after
//! SIGHUP when the terminal is gone, never stops the server or its clean-up).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use zaitaku::Result;
use zaitaku::serve::{self, Outcome, Progress, ServeArgs};

use super::arguments::Today;
use super::{say, tell};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// 待ち受けるポート番号（0 なら空いている番号を使う）
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// 待ち受けるアドレス。ほかのパソコンから見せるときだけ 0.0.0.0 にする
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub interface: IpAddr,
    /// プレビュー用にサイトを作るフォルダ（省略すると一時フォルダ。public/ を指定したときだけ public/ に書く）
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub today: Today,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let options = ServeArgs {
        port: args.port,
        interface: args.interface,
        out: args.out.clone(),
        today: args.today.date(),
    };
    serve::run(root, &options, Arc::new(print))?;
    Ok(ExitCode::SUCCESS)
}

fn print(progress: Progress<'_>) {
    match progress {
        Progress::Waiting(waiting) => say(waiting),
        Progress::RemovedAbandoned(removed) => say(&format!(
            "前に止まったプレビューが残した一時フォルダを {removed} 個削除しました。"
        )),
        Progress::Listening { base_url, folder } => say(&format!(
            "プレビュー: {base_url}\n（サイトは {folder} に作ります。content/ と themes/ を保存するたびに作り直して、開いているページを更新します。止めるには Ctrl+C）"
        )),
        Progress::Rebuilt { outcome, waited } => {
            let now = jiff::Zoned::now().strftime("%H:%M:%S").to_string();
            match outcome {
                Outcome::Built {
                    resources,
                    pages,
                    warnings,
                    elapsed,
                    timings,
                } => {
                    let since = waited
                        .map(|w| format!("、保存から {} ミリ秒", w.as_millis()))
                        .unwrap_or_default();
                    say(&format!(
                        "{now} 更新しました: 事業所 {resources} 件、ページ {pages} 件、警告 {warnings} 件（作成 {} ミリ秒{since}）",
                        elapsed.as_millis()
                    ));
                    if std::env::var_os("ZAITAKU_TIMINGS").is_some_and(|v| v == "1") {
                        super::build::print_phases(&mut std::io::stderr(), timings);
                    }
                }
                Outcome::Failed { text, .. } => say(&format!(
                    "{now} サイトを作れませんでした。ブラウザにもエラーを表示しています。\n{text}\n"
                )),
            }
        }
        Progress::Indexed(elapsed) => say(&format!(
            "    検索の索引も更新しました（{} ミリ秒）",
            elapsed.as_millis()
        )),
        Progress::Failed(error) => say(&format!(
            "    印刷用の冊子か検索の索引を更新できませんでした（次に保存したときにもう一度作ります）: {error}"
        )),
        Progress::ServerFailed(error) => tell(&format!("エラー: サーバーが止まりました: {error}")),
        Progress::Stopping => say("プレビューを終わります。"),
        Progress::ScratchLeft(path) => tell(&format!(
            "注意: 一時フォルダ {} を消せませんでした。次に zaitaku serve を起動したときに片付けます。",
            path.display()
        )),
    }
}
