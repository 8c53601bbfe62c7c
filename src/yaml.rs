//! YAML parsing with serde-saphyr, and turning its errors into Japanese diagnostics.
//!
//! serde-saphyr reports structural problems (unknown or missing fields, wrong types, broken
//! syntax, resource limits) in English with a line and column. Editors read Japanese, so each
//! error is translated, given the field it belongs to and a suggestion for how to fix it — an
//! unknown field names the closest known one (`adress` → `address`).

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, Position};

/// Parses `text` (from `file`; its first line is line `1 + line_offset` of the file).
pub fn parse<T: DeserializeOwned>(
    file: &str,
    text: &str,
    line_offset: u64,
) -> Result<T, Diagnostic> {
    serde_saphyr::from_str::<T>(text).map_err(|error| translate(file, text, line_offset, &error))
}

/// Shifts a position inside an embedded YAML block (front matter) to the position in its file.
pub fn shift(location: serde_saphyr::Location, line_offset: u64) -> Position {
    Position::new(location.line() + line_offset, location.column())
}

fn translate(file: &str, text: &str, line_offset: u64, error: &serde_saphyr::Error) -> Diagnostic {
    let (line, column) = error
        .location()
        .map(|l| (l.line(), l.column()))
        .filter(|(line, _)| *line > 0)
        .unwrap_or((1, 1));
    let raw = english_message(error);
    let field = field_path_at(text, line as usize, column as usize);
    let (message, hint) = japanese_message(&raw, field.as_deref());
    let is_missing = raw.starts_with("missing field");
    // A field missing from the top-level mapping belongs to the whole record: point at its
    // first line rather than wherever the parser noticed.
    let (line, column) = if is_missing && parent_path(field.as_deref()).is_none() {
        (1, 1)
    } else {
        (line, column)
    };
    let mut diagnostic =
        Diagnostic::error(file, Position::new(line + line_offset, column), message).hint(hint);
    // A missing field is reported at the start of its mapping: naming the mapping's own key
    // there would mislead, so the field is the missing one.
    if let Some(missing) = between_backticks(&raw).filter(|_| raw.starts_with("missing field")) {
        diagnostic = diagnostic.field(match parent_path(field.as_deref()) {
            Some(parent) => format!("{parent}.{missing}"),
            None => missing.to_owned(),
        });
    } else if let Some(field) = field {
        diagnostic = diagnostic.field(field);
    }
    diagnostic
}

/// serde-saphyr's message without its "error: line L column C:" prefix and source snippet.
fn english_message(error: &serde_saphyr::Error) -> String {
    let rendered = error.without_snippet().to_string();
    let first = rendered.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first.find(": ") {
        Some(index) if first.starts_with("line ") => first[index + 2..].to_owned(),
        _ => first.to_owned(),
    }
}

fn between_backticks(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

fn parent_path(field: Option<&str>) -> Option<&str> {
    let field = field?;
    field.rfind('.').map(|index| &field[..index])
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, candidate)| {
            *distance <= 2.max(candidate.chars().count() / 3) && *distance < candidate.len()
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn japanese_message(raw: &str, field: Option<&str>) -> (String, String) {
    let field_label = field.unwrap_or("この値");
    if raw.starts_with("unknown field") {
        let unknown = between_backticks(raw).unwrap_or("?");
        let expected: Vec<&str> = raw
            .split_once("expected one of ")
            .map(|(_, list)| list.split(", ").map(|s| s.trim_matches('`')).collect())
            .unwrap_or_default();
        let message = match closest(unknown, expected.iter().copied()) {
            Some(suggestion) => format!(
                "「{unknown}」という項目はありません。「{suggestion}」の誤りではありませんか。"
            ),
            None => format!("「{unknown}」という項目はありません。"),
        };
        let hint = if expected.is_empty() {
            "項目名のつづりを確認してください。".to_owned()
        } else {
            format!(
                "項目名のつづりを確認してください。ここで使える項目: {}",
                expected.join(", ")
            )
        };
        return (message, hint);
    }
    if raw.starts_with("missing field") {
        let missing = between_backticks(raw).unwrap_or("?");
        return (
            format!("必須の項目「{missing}」がありません。"),
            format!("「{missing}: 値」の行を追加してください。"),
        );
    }
    if raw.starts_with("unknown variant") {
        let value = between_backticks(raw).unwrap_or("?");
        return (
            format!("「{value}」は {field_label} に使えない値です。"),
            "使える値の一覧から選んでください。".to_owned(),
        );
    }
    if raw.contains("expected string") {
        return (
            format!(
                "{field_label} には文字列を 1 つ書いてください（一覧や入れ子の項目は書けません）。"
            ),
            "値を 1 行で書いてください。記号で始まる値は \"…\" で囲んでください。".to_owned(),
        );
    }
    if raw.starts_with("invalid i") || raw.starts_with("invalid u") {
        return (
            format!("{field_label} には整数を書いてください。"),
            "半角数字だけで書いてください（例: 3）。".to_owned(),
        );
    }
    if raw.starts_with("invalid f") {
        return (
            format!("{field_label} には数値を書いてください。"),
            "半角数字で書いてください（例: 34.07）。".to_owned(),
        );
    }
    if raw.starts_with("invalid bool") || raw.contains("expected a boolean") {
        return (
            format!("{field_label} には true（はい）か false（いいえ）を書いてください。"),
            "true または false と半角で書いてください。".to_owned(),
        );
    }
    if raw.starts_with("invalid type") || raw.starts_with("expected") {
        let expected = if raw.contains("sequence") {
            "一覧（[a, b] または「- 」で始まる行）"
        } else if raw.contains("map") || raw.contains("struct") {
            "「項目: 値」の組"
        } else {
            "別の種類の値"
        };
        return (
            format!("{field_label} の値の種類が違います。ここには{expected}を書きます。"),
            "docs/content-format.md の例と見比べてください。".to_owned(),
        );
    }
    if raw.contains("budget")
        || raw.contains("limit")
        || raw.contains("too many")
        || raw.contains("recursion")
        || raw.contains("depth")
    {
        return (
            "YAML が大きすぎるか、入れ子やエイリアス（*名前）が多すぎるため読み込みを中止しました。".to_owned(),
            "1 件の事業所のデータだけを書き、エイリアスや深い入れ子を使わないでください。".to_owned(),
        );
    }
    if raw.contains("duplicate") {
        return (
            format!("同じ項目が 2 回書かれています（{field_label}）。"),
            "どちらか一方を消してください。".to_owned(),
        );
    }
    if raw.contains("multiple documents") || raw.contains("More than one") {
        return (
            "1 つのファイルに複数の YAML 文書（--- 区切り）があります。".to_owned(),
            "1 ファイルに 1 件だけ書いてください。".to_owned(),
        );
    }
    (
        format!("YAML の書き方に誤りがあります（{raw}）。"),
        "「項目: 値」のコロンの後に半角スペースがあるか、字下げ（半角スペース）がそろっているか、引用符 \" が閉じているかを確認してください。".to_owned(),
    )
}

/// The dotted path of the YAML key that a 1-based line and column fall in, such as
/// `hours[1].close`, found from the text's indentation. Good enough for block style and simple
/// flow style, which is what editors write.
pub fn field_path_at(text: &str, line: usize, column: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let target = lines.get(line.checked_sub(1)?)?;
    // Innermost first; reversed at the end.
    let mut path: Vec<String> = Vec::new();

    let before: String = target.chars().take(column.saturating_sub(1)).collect();
    let keys = key_positions(&before);
    match keys.last() {
        Some((_, key)) => {
            path.push(key.clone());
            // In flow style (`location: { lat: 1 }`) the key before the brace is the parent.
            if let Some(brace) = before.rfind('{') {
                let brace = before[..brace].chars().count();
                if let Some((_, parent)) = keys.iter().rev().find(|(start, _)| *start < brace)
                    && parent != key
                {
                    path.push(parent.clone());
                }
            }
        }
        None => path.extend(first_key(target)),
    }

    let (mut indent, mut in_item) = indentation(target);
    let mut item_index = 0usize;
    for previous in lines[..line - 1].iter().rev() {
        let trimmed = previous.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (previous_indent, previous_item) = indentation(previous);
        if previous_indent > indent {
            continue;
        }
        if in_item && previous_item && previous_indent == indent {
            item_index += 1;
            continue;
        }
        if previous_indent == indent {
            continue;
        }
        if previous_item && !in_item {
            // We are inside the mapping that this list item starts.
            in_item = true;
            indent = previous_indent;
            item_index = 0;
            continue;
        }
        if let Some(key) = last_key(previous) {
            path.push(if in_item {
                format!("{key}[{item_index}]")
            } else {
                key
            });
        }
        indent = previous_indent;
        in_item = previous_item;
        item_index = 0;
        if indent == 0 {
            break;
        }
    }
    if path.is_empty() {
        return None;
    }
    path.reverse();
    Some(path.join("."))
}

/// Indentation of a line, counting a leading `- ` as indentation, and whether it starts a list item.
fn indentation(line: &str) -> (usize, bool) {
    let spaces = line.len() - line.trim_start().len();
    let rest = line.trim_start();
    if rest.starts_with("- ") || rest == "-" {
        (spaces + 1, true)
    } else {
        (spaces, false)
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn key_positions(line: &str) -> Vec<(usize, String)> {
    let mut keys = Vec::new();
    let bytes: Vec<char> = line.chars().collect();
    let mut quote: Option<char> = None;
    for (index, &c) in bytes.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && (index == 0 || bytes[index - 1] == ' ') => break,
            None if c == ':' && bytes.get(index + 1).is_none_or(|n| *n == ' ') => {
                let mut start = index;
                while start > 0 && is_key_char(bytes[start - 1]) {
                    start -= 1;
                }
                if start < index {
                    keys.push((start, bytes[start..index].iter().collect()));
                }
            }
            None => {}
        }
    }
    keys
}

fn last_key(line: &str) -> Option<String> {
    key_positions(line).pop().map(|(_, key)| key)
}

fn first_key(line: &str) -> Option<String> {
    key_positions(line).into_iter().next().map(|(_, key)| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_field() {
        assert_eq!(
            closest("adress", ["name", "address", "area"]),
            Some("address")
        );
        assert_eq!(closest("zzzzzz", ["name", "address"]), None);
    }

    #[test]
    fn finds_nested_field_paths() {
        let text = "name: a\nhours:\n  - days: [mon]\n    open: \"09:00\"\n  - days: [tue]\n    close: 25:00\n";
        assert_eq!(field_path_at(text, 1, 7).as_deref(), Some("name"));
        assert_eq!(
            field_path_at(text, 6, 12).as_deref(),
            Some("hours[1].close")
        );
        assert_eq!(field_path_at(text, 3, 12).as_deref(), Some("hours[0].days"));
    }

    #[test]
    fn finds_flow_style_fields() {
        let text = "location: { lat: 91, lng: 134.5 }\n";
        assert_eq!(field_path_at(text, 1, 27).as_deref(), Some("location.lng"));
    }
}
