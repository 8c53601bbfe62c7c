//! 「ここを書き換えてください」: the marker `zaitaku init` leaves wherever a new site must be
//! filled in (a YAML comment after the value, an HTML comment in a page), and the finding of
//! those still there, which `zaitaku check` lists as warnings naming file, line, column and
//! field. A site with markers builds: they are comments or example values, never errors.

use std::path::Path;

use crate::diagnostics::{Diagnostic, Position};

/// The marker (in the templates of `zaitaku init` too).
pub const MARKER: &str = "ここを書き換えてください";

/// The markers left in the files `content` was loaded from (`site.yaml`, records, pages and
/// the CSV files beside `site.yaml`).
pub fn in_content(root: &Path, content: &super::Content) -> Vec<Diagnostic> {
    let mut files: Vec<String> = ["site.yaml", "dictionary.csv", "synonyms.csv"]
        .iter()
        .map(|name| format!("content/{name}"))
        .filter(|file| root.join(file).is_file())
        .collect();
    files.extend(content.resources.iter().map(|r| r.file.clone()));
    files.extend(content.pages.iter().map(|p| p.file.clone()));
    find(root, &files)
}

/// Every line of `files` (paths relative to `root`, as diagnostics show them) that still holds
/// the marker. Files that cannot be read are left to the loader, which reports them.
pub fn find(root: &Path, files: &[String]) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for file in files {
        let Ok(source) = super::source::read(file, &root.join(file)) else {
            continue;
        };
        found.extend(in_text(file, &source.text));
    }
    found
}

/// The markers in one file's text.
pub fn in_text(file: &str, text: &str) -> Vec<Diagnostic> {
    let lines: Vec<&str> = text.lines().collect();
    let is_markdown = file.ends_with(".md");
    // Markdown: the front matter is YAML between the first two `---` lines.
    let front_matter_end = if is_markdown && lines.first().is_some_and(|l| l.trim() == "---") {
        lines
            .iter()
            .skip(1)
            .position(|l| l.trim() == "---")
            .map(|i| i + 1)
    } else {
        None
    };
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(byte) = line.find(MARKER) else {
            continue;
        };
        let column = line[..byte].chars().count() as u64 + 1;
        let in_yaml = !is_markdown || front_matter_end.is_some_and(|end| index < end);
        let field = if !in_yaml {
            "本文".to_owned()
        } else if file.ends_with(".csv") {
            "コメント".to_owned()
        } else {
            let start = usize::from(is_markdown);
            yaml_field(&lines[start..=index]).unwrap_or_else(|| "コメント".to_owned())
        };
        let hint = hint_after(&line[byte + MARKER.len()..]);
        let message = match &hint {
            Some(hint) => format!("まだ書き換えていないところがあります（{hint}）。"),
            None => "まだ書き換えていないところがあります。".to_owned(),
        };
        let how = if in_yaml {
            "内容を書き換えたら、その行の「# ここを書き換えてください…」も消してください（消すまでこの警告が出ます）。"
        } else {
            "内容を書き換えたら、「<!-- ここを書き換えてください… -->」の行も消してください（消すまでこの警告が出ます）。"
        };
        found.push(
            Diagnostic::warning(file, Position::new(index as u64 + 1, column), message)
                .field(field)
                .hint(how),
        );
    }
    found
}

/// The explanation the templates put after the marker: `（…）`.
fn hint_after(rest: &str) -> Option<String> {
    let inner = rest.trim_start().strip_prefix('（')?;
    let end = inner.rfind('）')?;
    let hint = inner[..end].trim();
    (!hint.is_empty()).then(|| hint.to_owned())
}

/// The dotted path of the block-style YAML key on the last line (`desk.phone`,
/// `areas[1].label`), from the keys and list items above it by indentation; `None` when the
/// last line holds no key (a comment line).
fn yaml_field(lines: &[&str]) -> Option<String> {
    // (indentation, key or list position)
    let mut stack: Vec<(usize, String)> = Vec::new();
    // Items seen per list, by the list's key path.
    let mut items: std::collections::HashMap<String, usize> = Default::default();
    let mut last_key = None;
    for line in lines {
        let code = line.split(" #").next().unwrap_or("");
        let trimmed = code.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
            last_key = None;
            continue;
        }
        let mut indent = code.len() - trimmed.len();
        let mut rest = trimmed;
        if let Some(after) = rest
            .strip_prefix("- ")
            .or(rest.strip_prefix('-').filter(|r| r.is_empty()))
        {
            stack.retain(|(i, _)| *i < indent);
            let list = path(&stack);
            let count = items.entry(list).or_insert(0);
            stack.push((indent, format!("[{count}]")));
            *count += 1;
            indent += 2;
            rest = after.trim_start();
        } else {
            stack.retain(|(i, _)| *i < indent);
        }
        last_key = None;
        if let Some((key, _)) = rest.split_once(':') {
            let key = key.trim();
            if !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                stack.push((indent, key.to_owned()));
                last_key = Some(path(&stack));
            }
        }
    }
    last_key
}

fn path(stack: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (_, part) in stack {
        if !out.is_empty() && !part.starts_with('[') {
            out.push('.');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(file: &str, text: &str) -> Vec<(u64, String)> {
        in_text(file, text)
            .iter()
            .map(|d| {
                let line = d.location();
                (
                    line.split(':').nth(1).unwrap().parse().unwrap(),
                    d.field.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn yaml_fields_by_indentation_and_list_position() {
        let text = "# ここを書き換えてください（記入例）\ntitle: \"x\"  # ここを書き換えてください（名前）\ndesk:\n  name: a\n  phone: 000-000-0000  # ここを書き換えてください（電話）\nareas:\n  - key: a\n    label: 北部  # ここを書き換えてください\n  - key: b\n    label: 南部  # ここを書き換えてください\nbase_url: x # ここを書き換えてください\n";
        assert_eq!(
            fields("content/site.yaml", text),
            [
                (1, "コメント".to_owned()),
                (2, "title".to_owned()),
                (5, "desk.phone".to_owned()),
                (8, "areas[0].label".to_owned()),
                (10, "areas[1].label".to_owned()),
                (11, "base_url".to_owned()),
            ]
        );
        let first = &in_text("content/site.yaml", text)[1];
        assert!(first.to_string().contains("（名前）"), "{first}");
        assert_eq!(first.location(), "content/site.yaml:2:15");
    }

    #[test]
    fn markdown_front_matter_and_body() {
        let text = "---\ntitle: 講座  # ここを書き換えてください（題）\n---\n<!-- ここを書き換えてください（例です） -->\n本文\n";
        assert_eq!(
            fields("content/news/a.md", text),
            [(2, "title".to_owned()), (4, "本文".to_owned())]
        );
        assert!(in_text("content/news/a.md", "---\ntitle: 済み\n---\n本文\n").is_empty());
    }
}
