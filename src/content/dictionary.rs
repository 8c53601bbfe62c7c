//! `content/dictionary.csv`: the centre's own words for the search dictionary
//! (`surface,part_of_speech,reading`), checked like any other content.

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Position};
use crate::ja;

/// One user-dictionary word.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Entry {
    pub surface: String,
    pub part_of_speech: String,
    /// In katakana.
    pub reading: String,
}

/// Parses the CSV; lines that are blank or start with `#` are skipped.
pub fn parse(file: &str, text: &str) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut entries: Vec<Entry> = Vec::new();
    // A set, not a search of the entries so far: a long dictionary stays linear.
    let mut surfaces: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut diagnostics = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index as u64 + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let problems = super::text::problems(line, false);
        for found in &problems {
            let column_index = line.chars().take(found.index).filter(|c| *c == ',').count();
            let field = ["surface", "part_of_speech", "reading"]
                .get(column_index)
                .copied()
                .unwrap_or("surface");
            diagnostics.push(
                found
                    .problem
                    .diagnostic(
                        file,
                        Position::new(line_number, found.column + 1),
                        found.problem.message(None),
                    )
                    .field(field),
            );
        }
        if problems
            .iter()
            .any(|f| f.problem.severity == super::text::Severity::Error)
        {
            continue;
        }
        let columns: Vec<&str> = trimmed.split(',').map(str::trim).collect();
        if columns.len() != 3 || columns.iter().any(|c| c.is_empty()) {
            diagnostics.push(
                Diagnostic::error(file, Position::new(line_number, 1), format!("「{trimmed}」は 3 つの列（表記,品詞,読み）になっていません。"))
                    .hint("1 行に「ケアマネタイム,名詞,ケアマネタイム」のように、表記・品詞・読み（カタカナ）をコンマで区切って書いてください。"),
            );
            continue;
        }
        let reading = ja::nfkc(columns[2]);
        let reading_column = columns[0].chars().count() + columns[1].chars().count() + 3;
        if !ja::is_kana_reading(&reading) {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    Position::new(line_number, reading_column as u64),
                    format!("読み「{}」にかな以外の文字があります。", columns[2]),
                )
                .field("reading")
                .hint("読みはカタカナで書いてください。"),
            );
            continue;
        }
        let reading: String = reading.chars().map(crate::ja::to_katakana).collect();
        if !surfaces.insert(columns[0].to_owned()) {
            diagnostics.push(
                Diagnostic::warning(
                    file,
                    Position::new(line_number, 1),
                    format!("「{}」が 2 回登録されています。", columns[0]),
                )
                .hint("どちらか一方の行を消してください。"),
            );
            continue;
        }
        entries.push(Entry {
            surface: columns[0].to_owned(),
            part_of_speech: columns[1].to_owned(),
            reading,
        });
    }
    (entries, diagnostics)
}
