//! Rendering with the theme: loading Tera 2 templates and static files from
//! `themes/default/` (or the copy built into the binary), and the view data pages are rendered
//! with.

pub mod feeds;
pub mod jsonld;
pub mod views;

use std::path::Path;

use include_dir::{Dir, include_dir};
use tera::{Context, Kwargs, State, Tera};

use crate::error::{Error, Result};

/// The default theme, built into the binary so `zaitaku build` works in any site folder.
static BUILTIN_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Templates plus the static files (CSS, JS, icons) copied into every site.
pub struct Theme {
    tera: Tera,
    pub static_files: Vec<(String, Vec<u8>)>,
    /// The ids the templates give elements; content may not use them.
    pub ids: ReservedIds,
}

/// The `id`s a theme's templates write: fixed ones (`main-content`) and the fixed beginnings of
/// made ones (`chapter-` of `id="chapter-{{ chapter.slug }}"`).
#[derive(Debug, Clone, Default)]
pub struct ReservedIds {
    exact: std::collections::BTreeSet<String>,
    prefixes: std::collections::BTreeSet<String>,
}

impl ReservedIds {
    /// Collects the ids of the templates' `id="…"` (or `'…'`) attributes.
    pub fn of_templates<'t>(templates: impl IntoIterator<Item = &'t str>) -> ReservedIds {
        let mut ids = ReservedIds::default();
        for template in templates {
            let mut rest = template;
            while let Some(at) = rest.find("id=") {
                let before = rest[..at].chars().next_back();
                rest = &rest[at + 3..];
                if !before.is_some_and(char::is_whitespace) {
                    continue;
                }
                let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
                    continue;
                };
                let Some(end) = rest[1..].find(quote) else {
                    continue;
                };
                let value = &rest[1..1 + end];
                match value.find("{{").or_else(|| value.find("{%")) {
                    None if !value.is_empty() => {
                        ids.exact.insert(value.to_owned());
                    }
                    Some(made) if made > 0 => {
                        ids.prefixes.insert(value[..made].to_owned());
                    }
                    _ => {}
                }
            }
        }
        ids
    }

    /// Whether a template may give an element this id.
    pub fn holds(&self, id: &str) -> bool {
        self.exact.contains(id)
            || self
                .prefixes
                .iter()
                .any(|prefix| id.starts_with(prefix.as_str()))
    }
}

impl Theme {
    /// Loads `<root>/themes/default` when the site has one, else the built-in theme.
    pub fn load(root: &Path) -> Result<Theme> {
        let on_disk = root.join("themes").join("default");
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        if on_disk.is_dir() {
            for entry in walkdir::WalkDir::new(&on_disk).sort_by_file_name() {
                let entry = entry
                    .map_err(|e| Error::Setup(format!("テーマのフォルダを読めません: {e}")))?;
                if entry.file_type().is_file() {
                    let relative = crate::diagnostics::display_path(&on_disk, entry.path());
                    let bytes = std::fs::read(entry.path())
                        .map_err(|e| Error::io(entry.path(), "読み込み", e))?;
                    files.push((relative, bytes));
                }
            }
        } else {
            collect_builtin(&BUILTIN_THEME, &mut files);
            files.sort();
        }
        let mut tera = Tera::new();
        let mut templates = Vec::new();
        let mut static_files = Vec::new();
        for (relative, bytes) in files {
            if let Some(name) = relative.strip_prefix("templates/") {
                let text = String::from_utf8(bytes).map_err(|_| Error::Template {
                    template: name.to_owned(),
                    message: "UTF-8 ではありません".to_owned(),
                })?;
                templates.push((name.to_owned(), text));
            } else if let Some(name) = relative.strip_prefix("static/") {
                static_files.push((name.to_owned(), bytes));
            }
        }
        // Filters first: adding templates checks that every filter they use exists.
        tera.register_filter("tel", tel_filter);
        tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| Error::Template {
                template: "templates/".to_owned(),
                message: error_chain(&e),
            })?;
        let ids = ReservedIds::of_templates(templates.iter().map(|(_, t)| t.as_str()));
        Ok(Theme {
            tera,
            static_files,
            ids,
        })
    }

    pub fn render(&self, template: &str, context: &Context) -> Result<String> {
        self.tera
            .render(template, context)
            .map_err(|e| Error::Template {
                template: template.to_owned(),
                message: error_chain(&e),
            })
    }
}

fn collect_builtin(dir: &Dir<'static>, out: &mut Vec<(String, Vec<u8>)>) {
    for file in dir.files() {
        out.push((
            file.path().to_string_lossy().replace('\\', "/"),
            file.contents().to_vec(),
        ));
    }
    for sub in dir.dirs() {
        collect_builtin(sub, out);
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// `088-600-1234` → `088-600-1234` with only digits, `+` and `-` kept, for `tel:` links.
fn tel_filter(value: &str, _: Kwargs, _: &State) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-' || *c == '+')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_ids_are_collected() {
        let ids = ReservedIds::of_templates([
            "<main id=\"main-content\" class=\"wrap\"><h2 id='f-note'>備考</h2>",
            "<section id=\"chapter-{{ chapter.slug }}\"><a href=\"#x\" data-id=\"no\">",
            "<div id=\"{{ s.anchor }}\">",
        ]);
        assert!(ids.holds("main-content"));
        assert!(ids.holds("f-note"));
        assert!(ids.holds("chapter-intro"));
        assert!(!ids.holds("no"));
        assert!(!ids.holds("program"));
        assert!(!ids.holds("main"));
    }
}
