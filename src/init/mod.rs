//! `zaitaku init DIR`: a new site for another centre, from the templates in `templates/init/`
//! (built into the binary): `content/site.yaml` with the 13 categories and the standard
//! services, an example record per family of categories, a page of each kind, the two CSV
//! files, a README for the staff, `.gitignore` and a GitHub Pages workflow. Whatever the centre
//! must fill in is marked 「ここを書き換えてください」 (see [`crate::content::placeholders`]).
//!
//! Never touches what is there: DIR must not exist or be an empty folder (not a link, a file,
//! a FIFO, `/` or the home folder). The site is written into a temporary folder beside DIR,
//! named after this process ([`crate::owned`]: removed on any exit, and a killed run's by the
//! next run), and renamed into place in one step, so DIR is either absent or complete.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use jiff::civil::Date;

use crate::error::{Error, Result};

/// The templates; names without their leading dot (`gitignore`, `github/`), so that they do
/// not act in this repository.
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates/init");

/// Longest centre or city name accepted, in characters.
const MAX_NAME: usize = 40;

/// What `zaitaku init` is asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The folder to create.
    pub dir: PathBuf,
    /// The centre's name (`site.yaml` title); a marked example when absent.
    pub name: Option<String>,
    /// The city (in addresses and the organisation's name); a marked example when absent.
    pub city: Option<String>,
    /// The date of the example records' `verified` and of the first news.
    pub today: Date,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct InitReport {
    pub dir: PathBuf,
    /// The files written, relative to `dir`, in order.
    pub files: Vec<String>,
}

/// The file name a template is written under (`gitignore` → `.gitignore`).
fn target_name(template: &Path) -> PathBuf {
    let text = template.to_string_lossy();
    if text == "gitignore" {
        PathBuf::from(".gitignore")
    } else if let Some(rest) = text.strip_prefix("github/") {
        Path::new(".github").join(rest)
    } else {
        template.to_path_buf()
    }
}

/// A name given on the command line, checked: it goes into YAML strings, Markdown and page
/// titles as it is.
fn checked_name(value: &str, option: &str) -> Result<String> {
    let value = value.trim();
    let refuse = |why: &str| {
        Err(Error::Setup(format!(
            "{option} の値「{}」は使えません: {why}\n  {option} \"{}\" のように、名前だけを書いてください。",
            crate::error::printable(value),
            if option == "--name" {
                "○○市在宅医療支援センター"
            } else {
                "○○市"
            }
        )))
    };
    if value.is_empty() {
        return refuse("空です。");
    }
    if value.chars().count() > MAX_NAME {
        return refuse(&format!("{MAX_NAME} 文字までにしてください。"));
    }
    if !crate::content::text::problems(value, false).is_empty() {
        return refuse("制御文字や見えない文字が入っています。");
    }
    if let Some(c) = value
        .chars()
        .find(|c| matches!(c, '"' | '\\' | '<' | '>' | '{' | '}'))
    {
        return refuse(&format!("「{c}」は名前に使えません。"));
    }
    Ok(value.to_owned())
}

/// The values put into the templates, in the order they are replaced.
fn substitutions(options: &InitOptions) -> Result<Vec<(&'static str, String)>> {
    let name = options
        .name
        .as_deref()
        .map(|n| checked_name(n, "--name"))
        .transpose()?;
    let city = options
        .city
        .as_deref()
        .map(|c| checked_name(c, "--city"))
        .transpose()?;
    let marker = crate::content::placeholders::MARKER;
    let name_todo = match &name {
        Some(_) => String::new(),
        None => format!("  # {marker}（センターの名前）"),
    };
    let city_todo = match &city {
        Some(_) => String::new(),
        None => format!("  # {marker}（市町村の名前）"),
    };
    let city_text = city.unwrap_or_else(|| "○○市".to_owned());
    let name_text = name.unwrap_or_else(|| format!("{city_text}在宅医療支援センター"));
    let lecture = options
        .today
        .checked_add(jiff::Span::new().days(60))
        .unwrap_or(options.today);
    Ok(vec![
        ("{{name_todo}}", name_todo),
        ("{{city_todo}}", city_todo),
        ("{{name}}", name_text),
        ("{{city}}", city_text),
        ("{{today}}", options.today.to_string()),
        ("{{lecture_date}}", lecture.to_string()),
    ])
}

fn fill(template: &str, substitutions: &[(&str, String)]) -> String {
    substitutions
        .iter()
        .fold(template.to_owned(), |text, (token, value)| {
            text.replace(token, value)
        })
}

/// Why `dir` cannot become a new site, if it cannot.
fn refusal(dir: &Path) -> Option<String> {
    let shown = dir.display();
    let metadata = match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            return Some(format!(
                "{shown} を確かめられません: {}",
                crate::content::source::describe_io_error(&e)
            ));
        }
        Ok(metadata) => metadata,
    };
    let file_type = metadata.file_type();
    if file_type.is_symlink() {
        return Some(format!(
            "{shown} はリンクです。リンクの先は書き換えません。新しいフォルダの名前を指定してください。"
        ));
    }
    if !file_type.is_dir() {
        return Some(format!(
            "{shown} はフォルダではなくファイルです（名前付きパイプなども含みます）。何も変更していません。新しいフォルダの名前を指定してください。"
        ));
    }
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if canonical == Path::new("/") {
        return Some(
            "/（ルート）にはサイトを作りません。新しいフォルダの名前を指定してください。"
                .to_owned(),
        );
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .and_then(|h| PathBuf::from(h).canonicalize().ok());
    if home.is_some_and(|home| home == canonical) {
        return Some(format!(
            "{shown} はホームフォルダです。ホームフォルダにはサイトを作りません。新しいフォルダの名前を指定してください（例: zaitaku init ~/zaitaku-site）。"
        ));
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_some().then(|| {
            format!(
                "{shown} にはもうファイルがあります。zaitaku init は空のフォルダか、まだないフォルダにだけサイトを作ります（中のものは何も変更していません）。新しいフォルダの名前を指定してください。"
            )
        }),
        Err(e) => Some(format!(
            "{shown} の中を確かめられません: {}",
            crate::content::source::describe_io_error(&e)
        )),
    }
}

/// Every template file: (path in the new site, contents filled in).
fn files(substitutions: &[(&str, String)]) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Dir<'static>, out: &mut Vec<&'static include_dir::File<'static>>) {
        out.extend(dir.files());
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut templates = Vec::new();
    walk(&TEMPLATES, &mut templates);
    let mut files: Vec<(PathBuf, String)> = templates
        .into_iter()
        .map(|file| {
            let text = file.contents_utf8().expect("the init templates are UTF-8");
            (target_name(file.path()), fill(text, substitutions))
        })
        .collect();
    files.sort();
    files
}

/// Writes the new site. Errors are [`Error::Setup`] (exit code 2) with a Japanese message.
pub fn init(options: &InitOptions) -> Result<InitReport> {
    let substitutions = substitutions(options)?;
    let dir = &options.dir;
    if let Some(why) = refusal(dir) {
        return Err(Error::Setup(why));
    }
    let name = dir.file_name().ok_or_else(|| {
        Error::Setup(format!(
            "{} にはサイトを作れません。新しいフォルダの名前を指定してください（例: zaitaku init my-site）。",
            dir.display()
        ))
    })?;
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Error::Setup(format!(
            "{} を入れるフォルダ {} がありません。先にフォルダを作るか、ある場所を指定してください。",
            Path::new(name).display(),
            parent.display()
        )));
    }
    let (work, _) = crate::owned::dir_in(&parent, ".zaitaku-init-", 0o777)
        .map_err(|e| Error::io(&parent, "作業用のフォルダを作成", e))?;
    let files = files(&substitutions);
    for (path, text) in &files {
        let target = work.path().join(path);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, "フォルダを作成", e))?;
        }
        std::fs::write(&target, text).map_err(|e| Error::io(&target, "書き込み", e))?;
        if crate::owned::stopping() {
            return Err(Error::Setup("中断しました。".to_owned()));
        }
    }
    // One step: DIR appears complete, or not at all. rename(2) replaces only an empty folder,
    // so files someone put into DIR meanwhile make it fail, and nothing of theirs is touched.
    crate::owned::critical(|| std::fs::rename(work.path(), dir)).map_err(|e| {
        Error::Setup(format!(
            "{} にサイトを置けませんでした: {}\n  フォルダにほかのファイルが入れられていないか確かめ、新しいフォルダの名前でやり直してください。",
            dir.display(),
            crate::content::source::describe_io_error(&e)
        ))
    })?;
    let _ = work.keep();
    Ok(InitReport {
        dir: dir.clone(),
        files: files
            .iter()
            .map(|(path, _)| path.to_string_lossy().into_owned())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_is_filled() {
        let options = InitOptions {
            dir: PathBuf::from("unused"),
            name: Some("みなと市在宅医療支援センター".into()),
            city: Some("みなと市".into()),
            today: Date::new(2026, 11, 26).unwrap(),
        };
        for (path, text) in files(&substitutions(&options).unwrap()) {
            // The workflow's own `${{ … }}` expressions stay.
            let without_expressions = text.replace("${{", "");
            assert!(!without_expressions.contains("{{"), "{}", path.display());
        }
    }

    #[test]
    fn names_that_would_break_the_files_are_refused() {
        for bad in ["", "a\"b", "市\n名", "<b>", "{{name}}", "a\u{202e}b"] {
            assert!(checked_name(bad, "--name").is_err(), "{bad:?}");
        }
        assert_eq!(checked_name(" 港市 ", "--city").unwrap(), "港市");
    }
}
