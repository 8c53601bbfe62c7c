//! `content/synonyms.csv`: the centre's own search words, added to the shared lay vocabulary
//! (`themes/default/static/assets/ja/lay-words.tsv`). One line per word people type:
//! `言葉,検索する言葉,検索する言葉…` — e.g. `おくすり手帳,お薬手帳`. A search for the word also
//! finds what has the other words, and says so. Checked like `dictionary.csv`: every problem
//! names the file, line and column.

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Position};

/// One word and what it is searched as.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Synonym {
    pub word: String,
    pub terms: Vec<String>,
    /// 1-based line in the file (the first, when a word has several lines).
    pub line: u64,
}

/// Longest word or term, in characters (a query is cut at 100).
pub const MAX_CHARS: usize = 30;

const FIELDS: [&str; 2] = ["word", "terms"];

fn field_of(column: usize) -> &'static str {
    FIELDS[column.min(1)]
}

/// Parses the CSV; blank lines, lines starting with `#` and a header line starting with
/// `言葉,` are skipped.
pub fn parse(file: &str, text: &str) -> (Vec<Synonym>, Vec<Diagnostic>) {
    let mut entries: Vec<Synonym> = Vec::new();
    let mut by_word: std::collections::HashMap<String, usize> = Default::default();
    let mut diagnostics = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index as u64 + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("言葉,") {
            continue;
        }
        let problems = super::text::problems(line, false);
        for found in &problems {
            let column = line.chars().take(found.index).filter(|c| *c == ',').count();
            diagnostics.push(
                found
                    .problem
                    .diagnostic(
                        file,
                        Position::new(line_number, found.column + 1),
                        found.problem.message(None),
                    )
                    .field(field_of(column)),
            );
        }
        if problems
            .iter()
            .any(|f| f.problem.severity == super::text::Severity::Error)
        {
            continue;
        }
        // Cells with their 1-based starting column.
        let mut cells: Vec<(String, u64)> = Vec::new();
        let mut column = 1u64;
        for cell in line.split(',') {
            let leading = cell.chars().take_while(|c| c.is_whitespace()).count() as u64;
            cells.push((cell.trim().to_owned(), column + leading));
            column += cell.chars().count() as u64 + 1;
        }
        let mut bad = false;
        for (number, (cell, at)) in cells.iter().enumerate() {
            let position = Position::new(line_number, *at);
            let problem = if cell.starts_with(['=', '+', '@']) {
                Some((
                    format!("「{cell}」は数式のように見えます。"),
                    "表計算ソフトで書いたときは、セルの先頭の =、+、@ を消して言葉だけにしてください。",
                ))
            } else if cell.contains('"') {
                Some((
                    format!("「{cell}」に \" があります。"),
                    "synonyms.csv では \" で囲む書き方は使えません。\" を消し、言葉は 1 つずつ別の列に書いてください。",
                ))
            } else if cell.chars().any(|c| c.is_whitespace()) {
                Some((
                    format!("「{cell}」に空白があります。"),
                    "1 つの列には 1 つの言葉を書きます。2 つの言葉なら列を分けてください。",
                ))
            } else if cell.chars().count() > MAX_CHARS {
                Some((
                    format!("「{cell}」は長すぎます（{MAX_CHARS} 文字まで）。"),
                    "検索で打たれる短い言葉にしてください。",
                ))
            } else {
                None
            };
            if let Some((message, hint)) = problem {
                diagnostics.push(
                    Diagnostic::error(file, position, message)
                        .field(field_of(number))
                        .hint(hint),
                );
                bad = true;
            }
        }
        if bad {
            continue;
        }
        let word = cells[0].0.clone();
        let mut terms: Vec<String> = Vec::new();
        for (cell, at) in &cells[1..] {
            if cell.is_empty() || terms.contains(cell) {
                continue;
            }
            if *cell == word {
                diagnostics.push(
                    Diagnostic::warning(
                        file,
                        Position::new(line_number, *at),
                        format!("「{cell}」は 1 列目の言葉と同じなので使いません。"),
                    )
                    .field("terms")
                    .hint("2 列目からは、1 列目の言葉のかわりに探す別の言葉を書いてください。"),
                );
                continue;
            }
            terms.push(cell.clone());
        }
        if word.is_empty() || terms.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    file,
                    Position::new(line_number, 1),
                    format!("「{trimmed}」には、言葉とそのかわりに探す言葉の 2 つが必要です。"),
                )
                .field(if word.is_empty() { "word" } else { "terms" })
                .hint("1 行に「胃瘻,胃ろう」のように、打たれる言葉と、かわりに探す言葉をコンマで区切って書いてください。"),
            );
            continue;
        }
        match by_word.get(&word) {
            Some(&first) => {
                let entry: &mut Synonym = &mut entries[first];
                diagnostics.push(
                    Diagnostic::warning(
                        file,
                        Position::new(line_number, 1),
                        format!(
                            "「{word}」は {} 行目にもあります。2 つの行の言葉をまとめて使います。",
                            entry.line
                        ),
                    )
                    .field("word")
                    .hint("1 つの言葉は 1 行にまとめてください。"),
                );
                for term in terms {
                    if !entry.terms.contains(&term) {
                        entry.terms.push(term);
                    }
                }
            }
            None => {
                by_word.insert(word.clone(), entries.len());
                entries.push(Synonym {
                    word,
                    terms,
                    line: line_number,
                });
            }
        }
    }
    (entries, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_problems() {
        let text = "言葉,検索する言葉\n# comment\nおくすり手帳,お薬手帳, 手帳\n=SUM(A1),x\n胃瘻\n訪問 歯科,訪問歯科\nおくすり手帳,お薬手帳,くすり手帳\nPEG,PEG,胃ろう\n";
        let (entries, diagnostics) = parse("content/synonyms.csv", text);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].word, "おくすり手帳");
        assert_eq!(entries[0].terms, ["お薬手帳", "手帳", "くすり手帳"]);
        assert_eq!(entries[0].line, 3);
        assert_eq!(entries[1].terms, ["胃ろう"]);
        let lines: Vec<(u64, u64)> = diagnostics
            .iter()
            .map(|d| (d.position.line, d.position.column))
            .collect();
        assert_eq!(
            lines,
            [(4, 1), (5, 1), (6, 1), (7, 1), (8, 5)],
            "{diagnostics:?}"
        );
        assert!(diagnostics[0].message.contains("数式"));
        assert!(diagnostics[2].message.contains("空白"));
    }

    #[test]
    fn control_characters_are_errors_with_their_column() {
        let (entries, diagnostics) = parse("s.csv", "胃瘻,胃\u{1b}ろう\n");
        assert!(entries.is_empty());
        assert_eq!(diagnostics[0].position.column, 5);
        assert_eq!(diagnostics[0].field.as_deref(), Some("terms"));
    }
}
