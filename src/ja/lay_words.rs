//! The lay vocabulary of search: `themes/default/static/assets/ja/lay-words.tsv`, the everyday,
//! care-professional and old words people type, mapped to the terms records and pages use (see
//! the file's header for its columns). Read here once (compiled in); the index carries the
//! parsed table (with the site's own `content/synonyms.csv`) to `zaitaku search` and to the
//! browser, so a query expands the same way in both.

/// The shipped file.
pub const LAY_WORDS_TSV: &str = include_str!("../../themes/default/static/assets/ja/lay-words.tsv");

/// Where the file lives in the repository (for messages).
pub const LAY_WORDS_PATH: &str = "themes/default/static/assets/ja/lay-words.tsv";

/// What a line's words mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayKind {
    /// Searched as the words or any of the terms.
    Term,
    /// A time the reader needs a facility open (`terms` are day keys or `night`).
    Day,
    /// Words of a question that are not searched for (診てくれる, やっている); `terms` is `-`.
    Noise,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LayEntry {
    /// What people type (several spellings of one meaning).
    pub words: Vec<String>,
    /// What they are searched as (kind `term`), or day keys (kind `day`).
    pub terms: Vec<String>,
    pub kind: LayKind,
}

/// The keys a `day` line may use: the record's day keys, and `night`.
pub const TIME_KEYS: [&str; 9] = [
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "hol", "night",
];

/// Parses the table; an error names the line (1-based) and what is wrong.
pub fn parse(text: &str) -> Result<Vec<LayEntry>, (usize, String)> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        if columns.len() != 3 {
            return Err((number, "needs 3 tab-separated columns".to_owned()));
        }
        let split = |text: &str, separator: char| -> Vec<String> {
            text.split(separator)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let words = split(columns[0], '|');
        let kind = match columns[2].trim() {
            "term" => LayKind::Term,
            "day" => LayKind::Day,
            "noise" => LayKind::Noise,
            other => return Err((number, format!("unknown kind {other:?}"))),
        };
        let terms = if kind == LayKind::Noise && columns[1].trim() == "-" {
            Vec::new()
        } else {
            split(columns[1], ',')
        };
        if words.is_empty() || (terms.is_empty() != (kind == LayKind::Noise)) {
            return Err((
                number,
                "words and terms may not be empty (terms is - for noise)".to_owned(),
            ));
        }
        if kind == LayKind::Day
            && let Some(bad) = terms.iter().find(|t| !TIME_KEYS.contains(&t.as_str()))
        {
            return Err((number, format!("unknown day key {bad:?}")));
        }
        out.push(LayEntry { words, terms, kind });
    }
    Ok(out)
}

/// The shipped table, parsed (the file is checked by the tests, so it always parses).
pub fn shipped() -> Vec<LayEntry> {
    parse(LAY_WORDS_TSV)
        .unwrap_or_else(|(line, message)| panic!("{LAY_WORDS_PATH}:{line}: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_is_large() {
        let table = shipped();
        let words: usize = table.iter().map(|e| e.words.len()).sum();
        assert!(table.len() >= 230, "{} lines", table.len());
        assert!(words >= 1_250, "{words} words");
        assert!(table.iter().any(|e| e.kind == LayKind::Day));
    }

    #[test]
    fn bad_lines_name_their_line() {
        assert_eq!(parse("# c\nあ\tい\n").unwrap_err().0, 2);
        assert_eq!(parse("あ\tい\tfoo\n").unwrap_err().0, 1);
        assert_eq!(parse("\n日曜\tsunday\tday\n").unwrap_err().0, 2);
        assert_eq!(parse("|\tい\tterm\n").unwrap_err().0, 1);
        let ok = parse("胃瘻|PEG\t胃ろう,経管栄養\tterm\n").unwrap();
        assert_eq!(ok[0].words, ["胃瘻", "PEG"]);
        assert_eq!(ok[0].terms, ["胃ろう", "経管栄養"]);
    }
}
