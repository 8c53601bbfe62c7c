//! YAML parsing with serde-saphyr, and turning its errors into Japanese diagnostics.
//!
//! serde-saphyr reports structural problems (unknown or missing fields, wrong types, broken
//! syntax, resource limits) as typed errors. Editors read Japanese, so each kind of error is
//! mapped here to a Japanese message, the position of the fault, the field it belongs to and a
//! suggestion that fits the cause; the library's English text is never shown. An unknown field
//! names the closest known one (`adress` → `address`).
//!
//! Besides the typed parse, a file is read once more as a plain tree of keys and values with
//! their positions ([`Node`]): it names the field at fault exactly (a key under `location` is
//! `location.alt`, not the key before it) and lets [`check_characters`] look at every key and
//! string value, whatever the schema.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::granit_parser::ErrorKind as ScanKind;
use serde_saphyr::{Error, Location, Spanned};

use crate::content::text;
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

// ---------------------------------------------------------------------------------------------
// The plain tree

/// A YAML node as written, whatever the schema: text, list, mapping or another scalar.
#[derive(Debug)]
pub enum Node {
    Text(String),
    List(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
    Other,
}

impl<'de> de::Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML node")
            }
            fn visit_str<E>(self, value: &str) -> Result<Node, E> {
                Ok(Node::Text(value.to_owned()))
            }
            fn visit_string<E>(self, value: String) -> Result<Node, E> {
                Ok(Node::Text(value))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_i128<E>(self, _: i128) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_u128<E>(self, _: u128) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_bytes<E>(self, _: &[u8]) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key()? {
                    let value = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Node::Map(entries))
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

/// One key or value of the tree with its dotted path (`hours[1].close`).
struct Entry<'a> {
    path: String,
    /// Where the key is written (for a value of a mapping) or the item starts.
    key: Option<Location>,
    value: &'a Spanned<Node>,
}

fn parse_tree(text: &str) -> Option<Spanned<Node>> {
    serde_saphyr::from_str::<Spanned<Node>>(text).ok()
}

fn key_text(key: &Spanned<Node>) -> String {
    match &key.value {
        Node::Text(text) => text.clone(),
        _ => "?".to_owned(),
    }
}

/// Every node of the tree in document order, with its path.
fn entries(root: &Spanned<Node>) -> Vec<Entry<'_>> {
    fn walk<'a>(node: &'a Spanned<Node>, path: &str, out: &mut Vec<Entry<'a>>) {
        match &node.value {
            Node::Map(entries) => {
                for (key, value) in entries {
                    let name = key_text(key);
                    let child = if path.is_empty() {
                        name
                    } else {
                        format!("{path}.{name}")
                    };
                    out.push(Entry {
                        path: child.clone(),
                        key: Some(key.referenced),
                        value,
                    });
                    walk(value, &child, out);
                }
            }
            Node::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    let child = format!("{path}[{index}]");
                    out.push(Entry {
                        path: child.clone(),
                        key: None,
                        value: item,
                    });
                    walk(item, &child, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out
}

fn same_place(a: Location, b: Location) -> bool {
    a.line() == b.line() && a.column() == b.column()
}

/// The path of the key written at `at`, or of the value that starts at `at`.
fn path_at(root: &Spanned<Node>, at: Location) -> Option<String> {
    let all = entries(root);
    all.iter()
        .find(|e| e.key.is_some_and(|k| same_place(k, at)))
        .or_else(|| {
            all.iter()
                .rev()
                .find(|e| same_place(e.value.referenced, at))
        })
        .map(|e| e.path.clone())
}

/// The mapping a "missing field" error at `at` is about: `Some(None)` for the top level,
/// `Some(Some(path))` for a nested one, `None` when the tree does not say.
fn mapping_at(root: &Spanned<Node>, at: Location) -> Option<Option<String>> {
    let all = entries(root);
    if let Some(entry) = all
        .iter()
        .find(|e| e.key.is_some_and(|k| same_place(k, at)))
    {
        // `hours[0].open` is in `hours[0]`; a top-level key has no parent.
        return Some(
            entry
                .path
                .rsplit_once('.')
                .map(|(parent, _)| parent.to_owned()),
        );
    }
    if same_place(root.referenced, at) {
        return Some(None);
    }
    all.iter()
        .rev()
        .find(|e| same_place(e.value.referenced, at) && matches!(e.value.value, Node::Map(_)))
        .map(|e| Some(e.path.clone()))
}

/// `hours[1].close` → `hours[].close`: the form multi-line field lists are written in.
pub fn generic_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Characters

/// Every key and string value of `text` checked for characters content may not hold
/// ([`crate::content::text`]). `multiline` says, for a field's generic path (`note`,
/// `caremane_time[].note`), whether tabs and line breaks are allowed in it. A file that does
/// not parse gives nothing here: the parse error is reported by [`parse`].
pub fn check_characters(
    file: &str,
    text: &str,
    line_offset: u64,
    multiline: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    if !may_hold_problem_characters(text, multiline) {
        return Vec::new();
    }
    let Some(root) = parse_tree(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries(&root) {
        if let (Some(key_at), Some((_, key))) = (
            entry.key,
            entry
                .path
                .rsplit_once('.')
                .or(Some(("", entry.path.as_str()))),
        ) {
            let key = key.split('[').next().unwrap_or(key);
            report_characters(
                &mut out,
                file,
                text,
                line_offset,
                &entry.path,
                key,
                key_at,
                false,
            );
        }
        if let Node::Text(value) = &entry.value.value {
            let allowed = multiline(&generic_path(&entry.path));
            // A block scalar (`|`, `>`) ends with a line break: not part of the text.
            let value = if allowed {
                value.as_str()
            } else {
                value.trim_end_matches('\n')
            };
            report_characters(
                &mut out,
                file,
                text,
                line_offset,
                &entry.path,
                value,
                entry.value.referenced,
                allowed,
            );
        }
    }
    out
}

/// Whether any key or value of `text` can hold a character [`check_characters`] reports: one
/// written as itself, one made by an escape (`\e`), or a line break in a one-line field — from
/// a block scalar (`|`, `>`) or a blank line inside a folded value. Most records have none of
/// these outside their multi-line fields, and are not parsed a second time. `multiline` is as
/// for [`check_characters`]; the test errs on the side of parsing.
fn may_hold_problem_characters(text: &str, multiline: &dyn Fn(&str) -> bool) -> bool {
    if text
        .chars()
        .any(|c| c != '\n' && (text::classify(c, false).is_some() || c == '\\'))
    {
        return true;
    }
    // Inside a block scalar of a multi-line field: lines deeper than its key, or blank.
    let lines: Vec<&str> = text.split('\n').collect();
    let indent_of = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let mut block_indent: Option<usize> = None;
    for (index, line) in lines.iter().enumerate() {
        let indent = indent_of(line);
        let blank = line.trim().is_empty();
        if let Some(key_indent) = block_indent {
            if blank || indent > key_indent {
                continue;
            }
            block_indent = None;
        }
        if blank {
            // Outside a block scalar, a blank line followed by an indented line may be inside a
            // folded value, where it becomes a line break.
            let next = lines[index + 1..].iter().find(|l| !l.trim().is_empty());
            if next.is_some_and(|l| indent_of(l) > 0) {
                return true;
            }
            continue;
        }
        let content = line.trim_end();
        let Some(colon) = content
            .find(": ")
            .or_else(|| content.strip_suffix(':').map(|c| c.len()))
        else {
            if content.contains(['|', '>']) {
                return true;
            }
            continue;
        };
        let value = content[colon + 1..].trim_start();
        let value = value.split(" #").next().unwrap_or(value).trim_end();
        let is_block = value.starts_with(['|', '>'])
            && value[1..]
                .chars()
                .all(|c| matches!(c, '-' | '+' | '0'..='9'));
        if is_block {
            let field = field_path_at(text, index + 1, colon + 1);
            if !field.is_some_and(|f| multiline(&generic_path(&f))) {
                return true;
            }
            block_indent = Some(indent + usize::from(line.trim_start().starts_with("- ")) * 2);
        }
    }
    false
}

#[allow(clippy::too_many_arguments)]
fn report_characters(
    out: &mut Vec<Diagnostic>,
    file: &str,
    source: &str,
    line_offset: u64,
    field: &str,
    value: &str,
    at: Location,
    multiline: bool,
) {
    let found = text::problems(value, multiline);
    // Only the first of each kind of character in one value: a pasted block of control
    // characters is one mistake.
    let mut seen: Vec<char> = Vec::new();
    for item in found {
        if seen.contains(&item.problem.character) {
            continue;
        }
        seen.push(item.problem.character);
        let nth = value
            .chars()
            .take(item.index)
            .filter(|c| *c == item.problem.character)
            .count();
        let position = raw_position(source, at, item.problem.character, nth)
            .unwrap_or_else(|| Position::new(at.line(), at.column()));
        let position = Position::new(position.line + line_offset, position.column);
        out.push(
            item.problem
                .diagnostic(file, position, item.problem.message(Some(item.index + 1)))
                .field(field),
        );
    }
}

/// Where the `nth` raw `character` of the scalar at `at` is in `source`, when it is written
/// as itself (not as an escape such as `\e`).
fn raw_position(source: &str, at: Location, character: char, nth: usize) -> Option<Position> {
    let span = at.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    let slice = source.get(start..start.checked_add(len)?)?;
    let (offset, _) = slice.match_indices(character).nth(nth)?;
    Some(position_of(source, start + offset))
}

/// The 1-based line and column of byte `offset` in `text`.
pub fn position_of(text: &str, offset: usize) -> Position {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
    Position::new(line, column)
}

// ---------------------------------------------------------------------------------------------
// Errors

/// What went wrong, in Japanese, with the field and position at fault.
struct Translated {
    message: String,
    hint: String,
    /// Overrides the error's own position (1-based, within `text`).
    position: Option<Position>,
    /// Overrides the field found from the position.
    field: Option<String>,
}

impl Translated {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Translated {
            message: message.into(),
            hint: hint.into(),
            position: None,
            field: None,
        }
    }
}

const SYNTAX_HINT: &str = "「項目: 値」のコロンの後に半角スペースがあるか、字下げ（半角スペース）がそろっているか、引用符 \" が閉じているかを確認してください。";
const TOO_BIG: &str =
    "YAML が大きすぎるか、入れ子やエイリアス（*名前）が多すぎるため読み込みを中止しました。";
const TOO_BIG_HINT: &str =
    "1 件の事業所のデータだけを書き、エイリアスや深い入れ子を使わないでください。";

/// The innermost error: snippets and alias wrappers removed.
fn innermost(error: &Error) -> &Error {
    let mut error = error;
    loop {
        match error {
            Error::WithSnippet { error: inner, .. } | Error::AliasError { error: inner, .. } => {
                error = inner
            }
            other => return other,
        }
    }
}

fn translate(file: &str, text: &str, line_offset: u64, error: &Error) -> Diagnostic {
    let location = error.location().filter(|l| l.line() > 0);
    let (line, column) = location.map(|l| (l.line(), l.column())).unwrap_or((1, 1));
    let tree = parse_tree(text);
    // The field the error is in, from the tree when the file parses as YAML, else from the
    // indentation around the position.
    let field_here = || {
        location
            .zip(tree.as_ref())
            .and_then(|(at, tree)| path_at(tree, at))
            .or_else(|| field_path_at(text, line as usize, column as usize))
    };
    let mapping = location
        .zip(tree.as_ref())
        .and_then(|(at, tree)| mapping_at(tree, at))
        .unwrap_or_else(|| {
            let path = field_path_at(text, line as usize, column as usize);
            path.and_then(|p| p.rsplit_once('.').map(|(parent, _)| parent.to_owned()))
        });
    let inner = innermost(error);
    let mut translated = japanese(inner, text, &mapping, &field_here);
    let field = translated.field.take().or_else(field_here);
    let position = translated
        .position
        .unwrap_or_else(|| Position::new(line, column));
    let mut diagnostic = Diagnostic::error(
        file,
        Position::new(position.line + line_offset, position.column),
        translated.message,
    )
    .hint(translated.hint);
    if let Some(field) = field.filter(|f| f != NO_FIELD) {
        diagnostic = diagnostic.field(field);
    }
    diagnostic
}

fn label(field: Option<&str>) -> String {
    match field {
        Some(field) => format!("「{field}」"),
        None => "この値".to_owned(),
    }
}

/// The diagnostic names no field (the error is about the file, not one value).
const NO_FIELD: &str = "";

fn japanese(
    error: &Error,
    text: &str,
    mapping: &Option<String>,
    field_here: &dyn Fn() -> Option<String>,
) -> Translated {
    match error {
        Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let message = match closest(field, expected.iter().copied()) {
                Some(suggestion) => format!(
                    "「{}」という項目はありません。「{suggestion}」の誤りではありませんか。",
                    crate::error::printable(field)
                ),
                None => format!(
                    "「{}」という項目はありません。",
                    crate::error::printable(field)
                ),
            };
            let hint = if expected.is_empty() {
                "項目名のつづりを確認してください。".to_owned()
            } else {
                format!(
                    "項目名のつづりを確認してください。ここで使える項目: {}",
                    expected.join(", ")
                )
            };
            let mut translated = Translated::new(message, hint);
            // The error is reported at the unknown key itself: its path is the field.
            translated.field = field_here().or_else(|| Some(field.clone()));
            translated
        }
        Error::SerdeMissingField { field, .. } => {
            // Reported where the mapping starts: the mapping's own path is the parent.
            let parent = mapping.clone();
            let mut translated = Translated::new(
                format!("必須の項目「{field}」がありません。"),
                format!("「{field}: 値」の行を追加してください。"),
            );
            translated.field = Some(match &parent {
                Some(parent) => format!("{parent}.{field}"),
                None => (*field).to_owned(),
            });
            if parent.is_none() {
                translated.position = Some(Position::new(1, 1));
            }
            translated
        }
        Error::SerdeUnknownVariant { variant, .. } => Translated::new(
            format!(
                "「{}」は{}に使えない値です。",
                crate::error::printable(variant),
                label(field_here().as_deref())
            ),
            "使える値の一覧から選んでください。",
        ),
        Error::SerdeInvalidType { expected, .. } | Error::SerdeInvalidValue { expected, .. } => {
            wrong_kind(expected, field_here().as_deref())
        }
        Error::SerdeInvalidLength { .. } => Translated::new(
            format!("{}の数が違います。", label(field_here().as_deref())),
            "docs/content-format.md の例と見比べてください。",
        ),
        Error::Unexpected { expected, .. } => wrong_kind(expected, field_here().as_deref()),
        Error::InvalidScalar { ty, .. } => {
            let field = field_here();
            let field = label(field.as_deref());
            if ty.starts_with('i') || ty.starts_with('u') {
                Translated::new(
                    format!("{field}には整数を書いてください。"),
                    "半角数字だけで書いてください（例: 3）。",
                )
            } else if ty.starts_with('f') {
                Translated::new(
                    format!("{field}には数値を書いてください。"),
                    "半角数字で書いてください（例: 34.07）。",
                )
            } else if ty.starts_with("bool") {
                boolean(&field)
            } else {
                Translated::new(
                    format!("{field}の値が読めません。"),
                    "docs/content-format.md の例と見比べてください。",
                )
            }
        }
        Error::NonFiniteFloat { .. } => Translated::new(
            format!(
                "{}には数値を書いてください（無限大や NaN は使えません）。",
                label(field_here().as_deref())
            ),
            "半角数字で書いてください（例: 34.07）。",
        ),
        Error::InvalidBooleanStrict { .. } => boolean(&label(field_here().as_deref())),
        Error::NullIntoString { .. } => Translated::new(
            format!("{}の値が空です。", label(field_here().as_deref())),
            "コロンの後に値を書くか、使わない項目ならその行を消してください。",
        ),
        Error::DuplicateMappingKey { key, .. } => {
            let key = key
                .as_deref()
                .map(|k| crate::error::printable(k).into_owned());
            let mut translated = Translated::new(
                match &key {
                    Some(key) => format!("項目「{key}」が同じ所に 2 回書かれています。"),
                    None => "同じ項目が 2 回書かれています。".to_owned(),
                },
                "どちらか一方を消してください。",
            );
            translated.field = field_here().or(key);
            translated
        }
        Error::MultipleDocuments { .. } => {
            let mut translated = Translated::new(
                "1 つのファイルに複数の YAML 文書（--- 区切り）があります。",
                "1 ファイルに 1 件だけ書き、途中の --- の行を消してください。",
            );
            translated.field = Some(NO_FIELD.to_owned());
            translated
        }
        Error::Eof { .. } => Translated::new(
            "ファイルが途中で終わっています。",
            "かっこ [ ] { } や引用符 \" ' が閉じているか、最後の行が途中で切れていないかを確認してください。",
        ),
        Error::UnknownAnchor { .. } => alias_unknown(),
        Error::Budget { .. }
        | Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::RecursiveReferencesRequireWeakTypes { .. } => {
            Translated::new(TOO_BIG, TOO_BIG_HINT)
        }
        Error::MergeKeyNotAllowed { .. } | Error::MergeValueNotMapOrSeqOfMaps { .. } => {
            Translated::new(
                "「<<」（YAML のマージ）は使えません。",
                "ほかの場所の値を取り込まず、項目を 1 つずつ書いてください。",
            )
        }
        Error::UnsupportedTag { .. }
        | Error::TaggedStructFieldName { .. }
        | Error::TaggedScalarCannotDeserializeIntoString { .. }
        | Error::InvalidBinaryBase64 { .. }
        | Error::BinaryNotUtf8 { .. }
        | Error::TaggedEnumMismatch { .. } => Translated::new(
            format!(
                "{} に「!」で始まる型の指定（タグ）が書かれています。",
                label(field_here().as_deref())
            ),
            "「!」で始まる指定を消すか、値全体を \"…\" で囲んでください。",
        ),
        Error::QuotingRequired { .. } => Translated::new(
            format!(
                "{}の値は数や true/false と読めてしまいます。",
                label(field_here().as_deref())
            ),
            "値を \"…\" で囲んでください。",
        ),
        Error::FoldedBlockScalarMustIndentContent { .. } => Translated::new(
            "「>」や「|」の次の行から始まる文章が字下げされていません。",
            "文章の各行を、項目名より 2 文字（半角スペース 2 つ）下げて書いてください。",
        ),
        Error::IndentationError { .. } => Translated::new(
            "字下げがそろっていません。",
            "同じ階層の項目は同じ数の半角スペースで字下げしてください。",
        ),
        Error::InvalidUtf8Input => Translated::new(
            "UTF-8 として読めない文字があります。",
            "メモ帳やエディタで開き、文字コードを「UTF-8」にして保存し直してください。",
        ),
        Error::ExternalMessage { source, .. } => match source.as_ref() {
            serde_saphyr::localizer::ExternalMessageSource::Parser(scan) => {
                let marker = scan.marker();
                let offset = marker.byte_offset().unwrap_or_else(|| {
                    text.char_indices()
                        .nth(marker.index())
                        .map(|(i, _)| i)
                        .unwrap_or(text.len())
                });
                syntax(scan.kind(), text, offset)
            }
            _ => Translated::new("YAML の書き方に誤りがあります。", SYNTAX_HINT),
        },
        // Free-form messages from serde (`Error::custom`) and kinds this version does not
        // name: the position is known, the English text is not shown.
        _ => Translated::new("YAML の書き方に誤りがあります。", SYNTAX_HINT),
    }
}

fn boolean(field: &str) -> Translated {
    Translated::new(
        format!("{field}には true（はい）か false（いいえ）を書いてください。"),
        "true または false と半角で書いてください。",
    )
}

fn alias_unknown() -> Translated {
    Translated::new(
        "「*名前」（エイリアス）が指す「&名前」がありません。",
        "値が * で始まる場合は \"…\" で囲んでください。エイリアスは使わず、値をそのまま書くのが安全です。",
    )
}

/// A value of the wrong kind: serde's "expected …" says what the field takes.
fn wrong_kind(expected: &str, field: Option<&str>) -> Translated {
    let field = label(field);
    if expected.contains("bool") {
        return boolean(&field);
    }
    if expected.contains("integer") || expected.contains("i64") || expected.contains("u32") {
        return Translated::new(
            format!("{field}には整数を書いてください。"),
            "半角数字だけで書いてください（例: 3）。",
        );
    }
    if expected.contains("f64") || expected.contains("float") {
        return Translated::new(
            format!("{field}には数値を書いてください。"),
            "半角数字で書いてください（例: 34.07）。",
        );
    }
    let (what, hint) = if expected.contains("sequence") || expected.contains("Vec") {
        (
            "一覧（[a, b] または「- 」で始まる行）",
            "[mon, tue] のように [ ] で囲むか、次の行から「- 」で 1 つずつ書いてください。",
        )
    } else if expected.contains("map") || expected.contains("struct") {
        (
            "「項目: 値」の組",
            "次の行から字下げして「項目: 値」を書くか、{ 項目: 値, 項目: 値 } の形で書いてください。",
        )
    } else if expected.contains("str") || expected.contains("scalar") || expected.contains("char") {
        (
            "文字列を 1 つ（一覧や入れ子の項目は書けません）",
            "値を 1 行で書いてください。記号で始まる値は \"…\" で囲んでください。",
        )
    } else {
        (
            "別の種類の値",
            "docs/content-format.md の例と見比べてください。",
        )
    };
    Translated::new(
        format!("{field}の値の種類が違います。ここには{what}を書きます。"),
        hint,
    )
}

/// The first tab at or after `offset` (a tab error is reported where its token starts).
fn tab_position(text: &str, offset: usize) -> Option<Position> {
    let from = text.get(offset..)?;
    let start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let tab = text[start..offset]
        .find('\t')
        .map(|i| start + i)
        .or_else(|| from.find('\t').map(|i| offset + i))?;
    Some(position_of(text, tab))
}

fn syntax(kind: &ScanKind, text: &str, offset: usize) -> Translated {
    let mut translated = match kind {
        ScanKind::TabNotAllowed
        | ScanKind::TabInBlockIndentation
        | ScanKind::TabInIndentation
        | ScanKind::TabAtBlockScalarStart
        | ScanKind::TabInPlainScalar => {
            let mut translated = Translated::new(
                "タブ文字が使われています。YAML の字下げや値の区切りにはタブを使えません。",
                "タブ文字を半角スペースに置き換えてください（エディタの「タブをスペースに変換」も使えます）。",
            );
            translated.position = tab_position(text, offset);
            translated
        }
        ScanKind::UnclosedQuotedScalar | ScanKind::DocumentIndicatorInQuotedScalar => {
            Translated::new(
                "引用符（\" または '）が閉じていません。",
                "値の最後にも同じ引用符を書いてください。値の中に \" を書くときは \\\" と書くか、全体を ' で囲みます。",
            )
        }
        ScanKind::InvalidTrailingSingleQuotedScalar
        | ScanKind::InvalidTrailingDoubleQuotedScalar => Translated::new(
            "引用符で囲んだ値の後ろに、余分な文字があります。",
            "引用符を閉じたら行を終えるか、値全体を引用符の中に入れてください。",
        ),
        ScanKind::UnexpectedEofFlowSequence
        | ScanKind::UnexpectedEofFlowMapping
        | ScanKind::UnexpectedEofImplicitFlowMapping
        | ScanKind::UnclosedFlowCollection { .. } => Translated::new(
            "かっこ [ や { が閉じていません。",
            "[ には ]、{ には } を対にして書いてください。",
        ),
        ScanKind::ExpectedFlowSequenceSeparator
        | ScanKind::ExpectedFlowMappingSeparator
        | ScanKind::MisplacedFlowCollectionEnd
        | ScanKind::MismatchedFlowCollectionEnd { .. }
        | ScanKind::FlowMappingValueAdjacentCollection
        | ScanKind::InvalidColonPlacement
        | ScanKind::InvalidFlowScalarIndent
        | ScanKind::BlockEntryInFlowCollection => Translated::new(
            "かっこ [ ] { } の中の書き方に誤りがあります。",
            "[ ] と { } が対になっているか、値と値の間がコンマ「, 」で区切られているかを確認してください。",
        ),
        ScanKind::UnexpectedEofBlockSequence
        | ScanKind::UnexpectedEofBlockMapping
        | ScanKind::UnexpectedEof => Translated::new(
            "ファイルが途中で終わっています。",
            "最後の行が途中で切れていないか、かっこや引用符が閉じているかを確認してください。",
        ),
        ScanKind::MappingValueNotAllowed => Translated::new(
            "ここに「: 」（コロンと空白）は書けません。値の中に「: 」があるか、字下げがずれています。",
            "値に「: 」を含めるときは値全体を \"…\" で囲んでください。そうでなければ、字下げを上の行とそろえてください。",
        ),
        ScanKind::CommentInterceptedScalar => Translated::new(
            "値の途中に「 #」があり、そこから後ろがコメントとみなされました。",
            "# を含む値は全体を \"…\" で囲んでください。",
        ),
        ScanKind::UnknownAnchor => alias_unknown(),
        ScanKind::MissingAnchorOrAliasName => Translated::new(
            "値が & か * で始まっていて、YAML の記号とみなされました。",
            "& や * で始まる値は \"…\" で囲んでください。",
        ),
        ScanKind::UnknownQuotedScalarEscape
        | ScanKind::InvalidQuotedScalarHexEscape
        | ScanKind::InvalidLowSurrogateHexEscape
        | ScanKind::InvalidLowSurrogate
        | ScanKind::MissingLowSurrogate
        | ScanKind::UnpairedLowSurrogate
        | ScanKind::InvalidUnicodeEscape => Translated::new(
            "\"…\" で囲んだ値の中の「\\」の使い方が正しくありません。",
            "\\ そのものを書くには \\\\ と 2 つ重ねるか、値全体を '…' で囲んでください。",
        ),
        ScanKind::UnexpectedCharacter { character } => match text::classify(*character, false) {
            Some(problem) => Translated::new(
                format!("画面に出ない{}が含まれています。", problem.describe()),
                problem.hint(),
            ),
            None => Translated::new(
                format!("ここに記号「{character}」は書けません。"),
                "記号で始まる値は \"…\" で囲んでください。",
            ),
        },
        ScanKind::BomInsideDocument => Translated::new(
            "ファイルの途中に見えない文字 BOM（U+FEFF）があります。",
            "ファイルをつなぎ合わせたときに紛れ込んだ文字です。その行の先頭の文字を消して打ち直してください。",
        ),
        ScanKind::RecursionLimitExceeded => Translated::new(TOO_BIG, TOO_BIG_HINT),
        ScanKind::InputByteLimitExceeded { .. } => Translated::new(TOO_BIG, TOO_BIG_HINT),
        ScanKind::DuplicateVersionDirective
        | ScanKind::UnsupportedYamlMajorVersion
        | ScanKind::DuplicateTagDirective
        | ScanKind::MissingDocumentEndBeforeDirective
        | ScanKind::InvalidDirectiveTerminator
        | ScanKind::DirectiveDisallowed
        | ScanKind::MissingYamlVersionSeparator
        | ScanKind::MissingDirectiveName
        | ScanKind::InvalidDirectiveName
        | ScanKind::YamlVersionTooLong
        | ScanKind::MissingYamlVersion
        | ScanKind::InvalidTagDirectiveTerminator
        | ScanKind::ExpectedDocumentStart
        | ScanKind::InvalidDocumentEnd
        | ScanKind::MultipleDocumentsUnsupported => Translated::new(
            "「%」で始まる行か「---」「...」の行が、使えない所にあります。",
            "1 ファイルに 1 件だけ書き、行頭の % や途中の --- / ... の行を消してください。% で始まる値は \"…\" で囲みます。",
        ),
        ScanKind::ExpectedTagBang
        | ScanKind::ExpectedTagDirectiveBang
        | ScanKind::InvalidGlobalTagCharacter
        | ScanKind::UndeclaredTagHandle
        | ScanKind::InvalidTagTerminator
        | ScanKind::MissingTagUri
        | ScanKind::UnclosedVerbatimTag
        | ScanKind::InvalidTagEscape
        | ScanKind::InvalidTagUtf8LeadingByte
        | ScanKind::InvalidTagUtf8TrailingByte
        | ScanKind::InvalidTagUtf8 => Translated::new(
            "値が「!」で始まっていて、YAML の型の指定（タグ）とみなされました。",
            "! で始まる値は \"…\" で囲んでください。",
        ),
        ScanKind::ExpectedWhitespace
        | ScanKind::InvalidBlockEntryWhitespace
        | ScanKind::InvalidMappingValueWhitespace => Translated::new(
            "記号「:」や「-」の後に半角スペースがありません。",
            "「項目: 値」のようにコロンの後に、一覧では「- 」のようにハイフンの後に半角スペースを入れてください。",
        ),
        ScanKind::CommentNotSeparated => Translated::new(
            "「#」の前に空白がありません。",
            "コメントは「 # 」のように前に空白を入れるか、# を含む値は \"…\" で囲んでください。",
        ),
        ScanKind::PlainScalarStartsWithDashFlowIndicator | ScanKind::UnexpectedEndOfPlainScalar => {
            Translated::new(
                "記号で始まる値が YAML の記号とみなされました。",
                "記号で始まる値は \"…\" で囲んでください。",
            )
        }
        ScanKind::ZeroBlockScalarIndent
        | ScanKind::InvalidBlockScalarHeader
        | ScanKind::InvalidBlockScalarIndent => Translated::new(
            "「|」や「>」で始まる複数行の値の書き方に誤りがあります。",
            "「note: |」の次の行から、各行を同じ数の半角スペースで字下げして書いてください。",
        ),
        ScanKind::InvalidQuotedScalarIndent => Translated::new(
            "引用符で囲んだ値が複数行にわたり、2 行目以降の字下げが足りません。",
            "値を 1 行で書くか、続きの行を項目名より深く字下げしてください。",
        ),
        ScanKind::InvalidIndentation
        | ScanKind::ExpectedBlockMappingKey
        | ScanKind::ExpectedBlockSequenceEntry
        | ScanKind::SimpleKeyExpected
        | ScanKind::InvalidSimpleKey
        | ScanKind::BlockSequenceEntryNotAllowed
        | ScanKind::MappingKeyNotAllowed
        | ScanKind::ExpectedNodeContent => Translated::new(
            "字下げか「項目: 値」の書き方に誤りがあります。",
            "同じ階層の項目は同じ数の半角スペースで字下げし、項目名の後には「: 」（コロンと半角スペース）を書いてください。",
        ),
        _ => Translated::new("YAML の書き方に誤りがあります。", SYNTAX_HINT),
    };
    if translated.position.is_none()
        && let ScanKind::UnexpectedCharacter { character } = kind
        && let Some(index) = text.get(offset..).and_then(|rest| rest.find(*character))
    {
        translated.position = Some(position_of(text, offset + index));
    }
    translated
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
    fn only_files_that_may_hold_problem_characters_are_parsed_twice() {
        let multiline = |field: &str| field == "note" || field == "caremane_time[].note";
        let plain = "name: a\nhours:\n  - { days: [mon], open: \"09:00\", close: \"12:00\" }\n\ncaremane_time:\n  - days: [mon]\n    note: |\n      一行目\n\n      二行目\nnote: |\n  駐車場\n\n  あり\nverified: 2026-04-01\n";
        assert!(!may_hold_problem_characters(plain, &multiline));
        for risky in [
            "name: \"a\\eb\"\n",
            "name: a\tb\n",
            "name: a\u{202E}b\n",
            "name: |\n  a\n  b\n",
            "  - name: >\n      a\n",
            "name: a\n\n  b\n",
            "name: \"a\n\n  b: c\"\n",
        ] {
            assert!(may_hold_problem_characters(risky, &multiline), "{risky:?}");
            let found = check_characters("a.yaml", risky, 0, &multiline);
            if !risky.starts_with("  -") {
                assert!(!found.is_empty(), "{risky:?}");
            }
        }
    }

    #[test]
    fn finds_flow_style_fields() {
        let text = "location: { lat: 91, lng: 134.5 }\n";
        assert_eq!(field_path_at(text, 1, 27).as_deref(), Some("location.lng"));
    }
}
