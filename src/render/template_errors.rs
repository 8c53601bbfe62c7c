//! Tera's errors told in Japanese: which template file, which line and column, what is wrong
//! (syntax, an undefined variable, a missing template or filter) and the line itself.
//!
//! Tera 2 reports in English, either as a structured report (syntax and rendering errors carry
//! the file name and the span) or, for the checks made after every template is parsed, as the
//! text of those reports joined together; both are read here. Its messages are translated by
//! their shape; a message of an unknown shape gets a general Japanese sentence and the names
//! it quoted.

use std::collections::HashMap;

use tera::ErrorKind;

use crate::error::{IoReason, TemplateProblem};

/// Turns Tera errors into [`TemplateProblem`]s with the files as the user finds them.
pub struct Reporter<'a> {
    /// `themes/default/templates/` or the built-in theme's folder, put before template names.
    pub origin: &'a str,
    /// Template name → its text, for quoting the line.
    pub sources: &'a HashMap<String, String>,
}

impl Reporter<'_> {
    /// The problems in `error`; `template` is the template being loaded or rendered, named
    /// when Tera does not say where.
    pub fn problems(&self, error: &tera::Error, template: &str) -> Vec<TemplateProblem> {
        match error.kind() {
            ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
                let name = if report.filename().is_empty() {
                    template
                } else {
                    report.filename()
                };
                let span = report.span();
                vec![self.at(
                    name,
                    Some(span.start_line),
                    Some(span.start_col + 1),
                    japanese(report.message()),
                )]
            }
            ErrorKind::Msg(text) => {
                let parsed = self.parse_reports(text);
                if parsed.is_empty() {
                    vec![self.at(template, None, None, japanese(text))]
                } else {
                    parsed
                }
            }
            ErrorKind::TemplateNotFound(name) => vec![self.at(
                template,
                None,
                None,
                format!(
                    "テンプレート「{name}」がありません。テーマの templates/ に {name} を置いてください（zaitaku の組み込みのテーマ themes/default/templates/{name} からコピーできます）。"
                ),
            )],
            ErrorKind::MissingParent { current, parent } => vec![self.at(
                current,
                None,
                None,
                format!(
                    "extends で受け継ぐテンプレート「{parent}」がありません。名前を確かめるか、{parent} を templates/ に置いてください。"
                ),
            )],
            ErrorKind::CircularExtend {
                tpl,
                inheritance_chain,
            } => vec![self.at(
                tpl,
                None,
                None,
                format!(
                    "extends がループしています（{}）。どこかで受け継ぎを止めてください。",
                    inheritance_chain.join(" → ")
                ),
            )],
            ErrorKind::CircularInclude { tpl, include_chain } => vec![self.at(
                tpl,
                None,
                None,
                format!(
                    "include がループしています（{}）。どこかで読み込みを止めてください。",
                    include_chain.join(" → ")
                ),
            )],
            ErrorKind::ComponentNotFound(name) => vec![self.at(
                template,
                None,
                None,
                format!("コンポーネント「{name}」がありません。"),
            )],
            ErrorKind::InvalidArgument {
                expected_type,
                actual_type,
            } => vec![self.at(
                template,
                None,
                None,
                format!(
                    "値の種類が違います（{expected_type} が必要なところに {actual_type} が渡されました）。"
                ),
            )],
            ErrorKind::MissingArgument { arg_name } => vec![self.at(
                template,
                None,
                None,
                format!("引数 {arg_name} がありません。"),
            )],
            ErrorKind::Io(kind) => vec![self.at(
                template,
                None,
                None,
                IoReason::of(&std::io::Error::from(*kind)).to_string(),
            )],
            ErrorKind::Utf8Conversion => vec![self.at(
                template,
                None,
                None,
                "出力に UTF-8 の文字として正しくないものがあります。".to_owned(),
            )],
            _ => vec![self.at(
                template,
                None,
                None,
                "テンプレートの処理でエラーが起きました。テンプレートを確かめてください。"
                    .to_owned(),
            )],
        }
    }

    fn at(
        &self,
        name: &str,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    ) -> TemplateProblem {
        TemplateProblem {
            file: format!("{}{name}", self.origin),
            line,
            column,
            message,
            excerpt: line.and_then(|l| self.excerpt(name, l, column)),
        }
    }

    /// `  12 | {{ page.titel }}` and a mark under the column.
    fn excerpt(&self, name: &str, line: usize, column: Option<usize>) -> Option<String> {
        let text = self.sources.get(name)?.lines().nth(line.checked_sub(1)?)?;
        let number = line.to_string();
        let pad = " ".repeat(number.len());
        let mut out = format!("  {number} | {text}");
        if let Some(column) = column {
            let before: String = text
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("\n  {pad} | {before}^"));
        }
        Some(out)
    }

    /// The reports Tera joins into one message after checking every template: each starts
    /// with `error: <message>` and has `--> <file>:<line>:<column>` on the next line.
    fn parse_reports(&self, text: &str) -> Vec<TemplateProblem> {
        let mut problems = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            let Some(message) = line.strip_prefix("error: ") else {
                continue;
            };
            let place = lines
                .peek()
                .and_then(|next| next.split_once("--> "))
                .map(|(_, place)| place.to_owned());
            let located = place.as_deref().and_then(|place| {
                let mut parts = place.rsplitn(3, ':');
                let column = parts.next()?.trim().parse::<usize>().ok()?;
                let line = parts.next()?.trim().parse::<usize>().ok()?;
                Some((parts.next()?.to_owned(), line, column))
            });
            match located {
                Some((name, line, column)) => {
                    problems.push(self.at(&name, Some(line), Some(column), japanese(message)))
                }
                None => problems.push(TemplateProblem {
                    file: self.origin.trim_end_matches('/').to_owned(),
                    line: None,
                    column: None,
                    message: japanese(message),
                    excerpt: None,
                }),
            }
        }
        problems
    }
}

/// The parts of a message in backticks (or, when there are none, in single quotes): names,
/// tokens, types.
fn quoted(message: &str) -> Vec<String> {
    let message = message.replace("n't", " not");
    for quote in ['`', '\''] {
        let mut inside: Vec<String> = Vec::new();
        for part in message.split(quote).skip(1).step_by(2) {
            if !part.is_empty() && !inside.iter().any(|i| i == part) {
                inside.push(part.to_owned());
            }
        }
        if !inside.is_empty() {
            return inside;
        }
    }
    Vec::new()
}

/// A Tera message in Japanese, by its shape.
pub fn japanese(message: &str) -> String {
    let names = quoted(message);
    let first = names.first().map(String::as_str).unwrap_or("");
    let second = names.get(1).map(String::as_str).unwrap_or("");
    let has = |part: &str| message.contains(part);
    if message.starts_with("Variable") && has("is not defined") {
        format!(
            "変数「{first}」は定義されていません（テンプレートに渡されない名前か、書き間違いです）。"
        )
    } else if message.starts_with("Variable") && has("value is undefined") {
        format!("変数「{first}」の値がありません。")
    } else if message.starts_with("Field") && has("is not defined") {
        format!("項目「{first}」はありません（書き間違いか、この値にない項目です）。")
    } else if message.starts_with("Unexpected end of input") {
        "テンプレートが途中で終わっています。{% if %}・{% for %}・{% block %} などの閉じ（{% endif %} など）や、{{ }}・{% %} の閉じ忘れがないか確かめてください。".to_owned()
    } else if message.starts_with("Found") && (has("but expected") || has("but was expecting")) {
        let found = message
            .strip_prefix("Found ")
            .and_then(|rest| rest.split(" but ").next())
            .unwrap_or("")
            .trim_matches('`');
        let expected: Vec<&String> = names.iter().filter(|n| n.as_str() != found).collect();
        let mut text = format!("書き方が正しくありません。ここに「{found}」は書けません。");
        if !expected.is_empty() {
            let list: Vec<String> = expected.iter().map(|n| format!("「{n}」")).collect();
            text.push_str(&format!("ここに書けるのは {} などです。", list.join("・")));
        }
        text
    } else if (message.starts_with("Unknown filter") || message.starts_with("Filter"))
        && !has("argument")
    {
        format!("フィルター「{first}」はありません（書き間違いか、zaitaku にないフィルターです）。")
    } else if message.starts_with("Unknown test") {
        format!("テスト「{first}」はありません（書き間違いを確かめてください）。")
    } else if message.starts_with("Unknown function") {
        format!("関数「{first}」はありません（書き間違いを確かめてください）。")
    } else if message.starts_with("Unknown component") {
        format!("コンポーネント「{first}」はありません。")
    } else if message.starts_with("Unknown template") {
        format!("テンプレート「{first}」がありません（include・import の名前を確かめてください）。")
    } else if message.starts_with("Block") && has("not defined in any parent") {
        format!(
            "ブロック「{first}」は受け継ぐ元のテンプレートにありません（名前を確かめてください）。"
        )
    } else if has("already contains a block named") {
        format!("ブロック「{first}」が 2 回あります。")
    } else if message.starts_with("Template is already extending") {
        "extends が 2 回あります。1 つにしてください。".to_owned()
    } else if message.starts_with("String opened with") {
        format!("文字列の引用符 {first} が閉じていません。")
    } else if message.starts_with("Closing comment tag") {
        "コメント {# … #} の閉じ #} がありません。".to_owned()
    } else if message.starts_with("Closing tag") {
        format!("閉じるタグ「{first}」が、開いたタグ「{second}」と合っていません。")
    } else if message.starts_with("Unclosed component") {
        format!("コンポーネント「{first}」が閉じていません。")
    } else if message.starts_with("Math operations") {
        format!("計算は数にしかできません（{first} の値です）。")
    } else if message.starts_with("Iteration not possible") || has("iteration is not possible") {
        format!("{first} の値は for で繰り返せません。")
    } else if message.starts_with("Cannot compare") {
        format!("{first} と {second} は比べられません。")
    } else if message.starts_with("Unknown tag") {
        "ここには書けないタグです。{% if %}・{% for %} などの閉じ忘れや、タグの名前の書き間違いがないか確かめてください。".to_owned()
    } else if has("can only be used in a for loop") {
        format!(
            "{} は {{% for %}} の中でしか使えません。",
            message.split_whitespace().next().unwrap_or("")
        )
    } else if has("nesting is too deep") {
        "入れ子が深すぎます。{% if %} や {% for %} の重なりを減らしてください。".to_owned()
    } else if message.starts_with("This content would be ignored") {
        "この部分は表示されません。extends するテンプレートの一番外には、extends・block・component だけを書いてください。".to_owned()
    } else if has("in the opening tag, found") {
        format!("開くタグの名前「{first}」と、閉じるタグの名前「{second}」が違います。")
    } else if message.starts_with("Expected") && has("but found") {
        let found = message
            .rsplit("but found ")
            .next()
            .unwrap_or("")
            .trim_matches('`');
        format!("書き方が正しくありません。ここに「{found}」は書けません。")
    } else if names.is_empty() {
        "書き方に誤りがあります。Tera 2 の書き方を確かめてください。".to_owned()
    } else {
        let list: Vec<String> = names.iter().map(|n| format!("「{n}」")).collect();
        format!(
            "書き方に誤りがあります（{} のところ）。Tera 2 の書き方を確かめてください。",
            list.join("・")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_by_shape() {
        assert_eq!(
            japanese("Variable `titel` is not defined."),
            "変数「titel」は定義されていません（テンプレートに渡されない名前か、書き間違いです）。"
        );
        assert!(japanese("Found `}}` but expected `endif`.").contains("「}}」は書けません"));
        assert!(japanese("Unknown filter `upper2`").contains("フィルター「upper2」"));
        assert!(japanese("Something new `x`").contains("「x」"));
        for message in [
            "Variable `a` is not defined. Did you mean `b`?",
            "Unexpected end of input",
            "Found `}}` but was expecting `elif`, `else` or `endif`.",
        ] {
            let text = japanese(message);
            assert!(
                !text.contains("Did you") && !text.contains("expect"),
                "{text}"
            );
        }
    }
}
