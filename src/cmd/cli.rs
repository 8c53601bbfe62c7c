//! The command line (clap derive): the commands and the options every command shares, and
//! clap's errors told in Japanese.
//!
//! clap prints its own errors in English (`error: invalid value …`, `Usage: …`). [`explain`]
//! says the same in Japanese, by the error's kind: what was wrong, the value as typed, a
//! suggestion when clap has one, and where to read more. `--help` is printed as clap makes it;
//! its texts are the Japanese doc comments below.

use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser, Subcommand};

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
    Build(super::build::Args),
    /// content/ とできあがるサイトを検査する（何も書き出さない）。誤り、リンク切れ、確認が古い事業所、重複のおそれなど
    Check(super::check::Args),
    /// プレビュー用のサーバーを起動する（保存するたびに作り直してページを更新する）
    Serve(super::serve::Args),
    /// 表（Excel・CSV、介護サービス情報公表システムやナビイのデータ）から事業所を取り込む
    Import(super::import::Args),
    /// 事業所の一覧を表（Excel・CSV）に書き出す（zaitaku import でそのまま取り込める形）
    Export(super::export::Args),
    /// 作成済みのサイト（public/）を検索する
    Search(super::search::Args),
    /// 印刷用の資源ガイド（全体版・圏域版・種別編・ケアマネタイム一覧）を PDF にする（Chromium を使う）
    Pdf(super::pdf::Args),
    /// ほかのセンターのための新しいサイトを作る（設定・記入例・説明・公開の手順。空のフォルダにだけ作る）
    Init(super::init::InitArgs),
    /// 年 1 回の確認調査（確認票を作る・回答の状況・「変更なし」の事業所を確認済みにする）
    Survey(super::survey::SurveyArgs),
}

/// Whether clap's "error" is the help or version text the user asked for (printed as is).
pub fn is_requested_output(error: &clap::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    )
}

fn context_text(error: &clap::Error, kind: ContextKind) -> Option<String> {
    match error.get(kind)? {
        ContextValue::String(text) => Some(text.clone()),
        ContextValue::Strings(texts) => texts.first().cloned(),
        ContextValue::StyledStr(text) => Some(text.to_string()),
        ContextValue::StyledStrs(texts) => texts.first().map(ToString::to_string),
        _ => None,
    }
}

fn context_list(error: &clap::Error, kind: ContextKind) -> Vec<String> {
    match error.get(kind) {
        Some(ContextValue::String(text)) => vec![text.clone()],
        Some(ContextValue::Strings(texts)) => texts.clone(),
        Some(ContextValue::StyledStrs(texts)) => texts.iter().map(ToString::to_string).collect(),
        Some(ContextValue::StyledStr(text)) => vec![text.to_string()],
        _ => Vec::new(),
    }
}

/// `--today <YYYY-MM-DD>` → `--today`; `<FILE>` → `FILE`.
fn flag_of(shown: &str) -> String {
    let first = shown.split_whitespace().next().unwrap_or(shown);
    first
        .trim_start_matches('<')
        .trim_end_matches("...")
        .trim_end_matches('>')
        .to_owned()
}

/// The subcommand the user typed (the first argument naming one), for hints.
fn subcommand_in(args: &[String]) -> Option<clap::Command> {
    let root = Cli::command();
    args.iter().skip(1).find_map(|arg| {
        root.get_subcommands()
            .find(|sub| sub.get_name() == arg)
            .cloned()
    })
}

/// The argument `flag` (`--out`, or a value name such as `FILE`) of `sub`, or a global one.
fn find_arg(sub: Option<&clap::Command>, flag: &str) -> Option<clap::Arg> {
    let root = Cli::command();
    let matches = |arg: &clap::Arg| {
        arg.get_long()
            .is_some_and(|long| flag == format!("--{long}"))
            || (arg.is_positional()
                && (arg.get_id().as_str().eq_ignore_ascii_case(flag)
                    || arg
                        .get_value_names()
                        .is_some_and(|names| names.iter().any(|n| n.as_str() == flag))))
    };
    sub.and_then(|sub| sub.get_arguments().find(|a| matches(a)).cloned())
        .or_else(|| root.get_arguments().find(|a| matches(a)).cloned())
}

fn help_of(arg: &clap::Arg) -> Option<String> {
    arg.get_help()
        .map(|help| help.to_string().replace('\n', ""))
        .filter(|help| !help.is_empty())
}

/// `a（説明）、b（説明）` for the values an option takes.
fn choices(arg: Option<&clap::Arg>, names: &[String]) -> String {
    let values = arg.map(|a| a.get_possible_values()).unwrap_or_default();
    let shown: Vec<String> = if values.is_empty() {
        names.to_vec()
    } else {
        values
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| match v.get_help() {
                Some(help) => format!("{}（{help}）", v.get_name()),
                None => v.get_name().to_owned(),
            })
            .collect()
    };
    shown.join("、")
}

fn commands_list() -> String {
    Cli::command()
        .get_subcommands()
        .map(|sub| {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            format!("  {}: {about}", sub.get_name())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A value parser's reason in Japanese: ours are Japanese already; the standard library's
/// number and address errors are told by their kind.
fn validation_detail(error: &clap::Error, value: &str) -> Option<String> {
    use std::error::Error as _;
    let source = error.source()?;
    if let Some(int) = source.downcast_ref::<std::num::ParseIntError>() {
        use std::num::IntErrorKind as K;
        return Some(match int.kind() {
            K::Empty => "値が空です。".to_owned(),
            K::PosOverflow => format!("「{value}」は大きすぎます。"),
            K::NegOverflow => format!("「{value}」は小さすぎます。"),
            K::Zero => "0 は使えません。".to_owned(),
            _ => format!("「{value}」は数として読めません（半角の数字だけで書いてください）。"),
        });
    }
    if source.downcast_ref::<std::net::AddrParseError>().is_some() {
        return Some(format!(
            "「{value}」は IP アドレスとして読めません（例: 127.0.0.1、ほかのパソコンから見せるときは 0.0.0.0）。"
        ));
    }
    let text = source.to_string();
    // clap's own range check: "70000 is not in 0..=65535".
    if let Some((_, range)) = text.split_once(" is not in ") {
        return Some(format!(
            "「{value}」は範囲の外です（{} の数にしてください）。",
            range.replace("..=", "〜").replace("..", "〜")
        ));
    }
    // Our own value parsers answer in Japanese; anything else is not shown.
    (!text.is_ascii()).then_some(text)
}

/// clap's error in Japanese: what was wrong and what to do. `args` is the command line as
/// typed (for the subcommand's name in hints).
pub fn explain(error: &clap::Error, args: &[String]) -> String {
    let sub = subcommand_in(args);
    let sub_name = sub.as_ref().map(|s| s.get_name().to_owned());
    let usage = match &sub_name {
        Some(name) => format!("使い方は zaitaku {name} --help で確かめてください。"),
        None => "使い方は zaitaku --help で確かめてください。".to_owned(),
    };
    let shown_arg = context_text(error, ContextKind::InvalidArg).unwrap_or_default();
    let flag = flag_of(&shown_arg);
    let arg = find_arg(sub.as_ref(), &flag);
    let about = arg.as_ref().and_then(help_of);
    let value = context_text(error, ContextKind::InvalidValue).unwrap_or_default();
    let mut lines: Vec<String> = Vec::new();
    match error.kind() {
        ErrorKind::InvalidValue if value.is_empty() => {
            let what = arg
                .as_ref()
                .and_then(|a| a.get_value_names())
                .and_then(|names| names.first().map(|n| n.to_string()))
                .unwrap_or_else(|| "値".to_owned());
            lines.push(format!(
                "{flag} のあとに {what} を書いてください（値がありません）。"
            ));
            if let Some(about) = &about {
                lines.push(format!("{flag}: {about}"));
            }
            let valid = context_list(error, ContextKind::ValidValue);
            if !valid.is_empty() {
                lines.push(format!("書ける値: {}", choices(arg.as_ref(), &valid)));
            }
        }
        ErrorKind::InvalidValue => {
            lines.push(format!("{flag} に「{value}」は使えません。"));
            if let Some(suggested) = context_text(error, ContextKind::SuggestedValue) {
                lines.push(format!("もしかして {flag} {suggested} ですか？"));
            }
            let valid = context_list(error, ContextKind::ValidValue);
            lines.push(format!(
                "次から選んでください: {}",
                choices(arg.as_ref(), &valid)
            ));
        }
        ErrorKind::ValueValidation => {
            let detail = validation_detail(error, &value)
                .unwrap_or_else(|| format!("「{value}」は {flag} の値として読めません。"));
            lines.push(format!("{flag} の値が正しくありません: {detail}"));
            if let Some(about) = &about {
                lines.push(format!("{flag}: {about}"));
            }
        }
        ErrorKind::UnknownArgument if shown_arg.parse::<f64>().is_ok() => {
            // `--limit -1`: clap takes a negative number for an option of its own.
            let before = args
                .iter()
                .position(|a| *a == shown_arg)
                .and_then(|at| at.checked_sub(1))
                .map(|at| args[at].clone())
                .filter(|a| a.starts_with("--"));
            match before {
                Some(option) => {
                    lines.push(format!(
                        "{option} の値「{shown_arg}」は使えません（マイナスの数は書けません）。"
                    ));
                    if let Some(about) = find_arg(sub.as_ref(), &option).as_ref().and_then(help_of)
                    {
                        lines.push(format!("{option}: {about}"));
                    }
                }
                None => lines.push(format!("余分な引数「{shown_arg}」があります。")),
            }
        }
        ErrorKind::UnknownArgument if shown_arg.starts_with('-') => {
            let place = match &sub_name {
                Some(name) => format!("zaitaku {name} に"),
                None => "zaitaku に".to_owned(),
            };
            lines.push(format!(
                "{place}「{shown_arg}」というオプションはありません。"
            ));
            if let Some(suggested) = context_text(error, ContextKind::SuggestedArg) {
                lines.push(format!("もしかして {suggested} ですか？"));
            }
            for suggested in context_list(error, ContextKind::Suggested) {
                // "'zaitaku build --out' exists": the option belongs to another command.
                if let Some(elsewhere) = suggested.split('\'').nth(1)
                    && suggested.ends_with("exists")
                {
                    lines.push(format!("もしかして {elsewhere} ですか？"));
                }
            }
        }
        ErrorKind::UnknownArgument => {
            lines.push(format!(
                "余分な引数「{shown_arg}」があります。空白を含む名前は \"…\" で囲んでください。"
            ));
        }
        ErrorKind::InvalidSubcommand => {
            let typed = context_text(error, ContextKind::InvalidSubcommand).unwrap_or_default();
            lines.push(format!("「{typed}」というコマンドはありません。"));
            if let Some(suggested) = context_text(error, ContextKind::SuggestedSubcommand) {
                lines.push(format!("もしかして zaitaku {suggested} ですか？"));
            }
            lines.push(format!("コマンド:\n{}", commands_list()));
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            lines.push("コマンドを指定してください（例: zaitaku build）。".to_owned());
            lines.push(format!("コマンド:\n{}", commands_list()));
        }
        ErrorKind::MissingRequiredArgument => {
            let command = sub_name
                .as_ref()
                .map(|n| format!("zaitaku {n}"))
                .unwrap_or_else(|| "zaitaku".to_owned());
            for missing in context_list(error, ContextKind::InvalidArg) {
                let name = flag_of(&missing);
                let about = find_arg(sub.as_ref(), &name).as_ref().and_then(help_of);
                match about {
                    Some(about) => lines.push(format!(
                        "{command} には {name}（{about}）を指定してください。"
                    )),
                    None => lines.push(format!("{command} には {name} を指定してください。")),
                }
            }
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            lines.push(format!(
                "{flag} の値の数が違います{}。",
                if value.is_empty() {
                    String::new()
                } else {
                    format!("（「{value}」は余分です）")
                }
            ));
        }
        ErrorKind::ArgumentConflict => {
            let prior = context_text(error, ContextKind::PriorArg).unwrap_or_default();
            lines.push(format!(
                "{flag} と {} は一緒に使えません。",
                flag_of(&prior)
            ));
        }
        ErrorKind::NoEquals => {
            lines.push(format!("{flag} は {flag}=値 の形で書いてください。"));
        }
        ErrorKind::InvalidUtf8 => {
            lines.push(
                "引数に、文字として読めないもの（UTF-8 でない名前）があります。ファイル名などを確かめてください。"
                    .to_owned(),
            );
        }
        _ => lines.push("コマンドラインを読めませんでした。".to_owned()),
    }
    lines.push(usage);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_for(args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let error = Cli::try_parse_from(&args).unwrap_err();
        explain(&error, &args)
    }

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn errors_keep_the_value_and_say_what_to_do() {
        let text = error_for(&["zaitaku", "export", "--format", "xls"]);
        assert!(text.contains("--format に「xls」は使えません"), "{text}");
        assert!(text.contains("xlsx（Excel ブック（.xlsx））"), "{text}");
        let text = error_for(&["zaitaku", "biuld"]);
        assert!(text.contains("もしかして zaitaku build ですか"), "{text}");
        let text = error_for(&["zaitaku", "import"]);
        assert!(
            text.contains("zaitaku import には FILE（取り込む表"),
            "{text}"
        );
        let text = error_for(&["zaitaku", "serve", "--port", "70000"]);
        assert!(text.contains("「70000」は範囲の外です（0〜65535"), "{text}");
    }
}
