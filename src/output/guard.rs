//! Judging every path a command writes, after resolving symlinks (for a path that does not exist
//! yet, its nearest existing folder): an output folder that would take the site, the home folder
//! or someone's files with it, a sheet or PDF that would land in `content/` or `themes/` or
//! replace a file of another kind, and a record that `import` would write outside `content/`
//! are refused before anything is written.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::marker::{self, Found};

/// `path` made absolute with every symlink resolved. The part that does not exist yet is added
/// as written (`..` removing the folder before it, as creating the folders would).
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(".", "現在のフォルダを確認", e))?
            .join(path)
    };
    resolve_absolute(&absolute, 0).map_err(|e| Error::io(path, "場所を確認", e))
}

fn resolve_absolute(path: &Path, links: usize) -> std::io::Result<PathBuf> {
    let components: Vec<Component> = path.components().collect();
    let mut rest: Vec<OsString> = Vec::new();
    let mut base = None;
    for end in (1..=components.len()).rev() {
        let prefix: PathBuf = components[..end].iter().collect();
        match std::fs::canonicalize(&prefix) {
            Ok(resolved) => {
                base = Some(resolved);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A link to nothing yet: writing there creates its target.
                if std::fs::symlink_metadata(&prefix).is_ok_and(|m| m.file_type().is_symlink()) {
                    if links >= 40 {
                        return Err(std::io::Error::from_raw_os_error(40)); // ELOOP
                    }
                    let target = std::fs::read_link(&prefix)?;
                    let parent = prefix.parent().unwrap_or(Path::new("/"));
                    base = Some(resolve_absolute(&parent.join(target), links + 1)?);
                    break;
                }
                rest.push(components[end - 1].as_os_str().to_owned());
            }
            Err(e) => return Err(e),
        }
    }
    let mut resolved = base.unwrap_or_else(|| PathBuf::from("/"));
    for part in rest.iter().rev() {
        match Path::new(part).components().next() {
            Some(Component::ParentDir) => {
                resolved.pop();
            }
            Some(Component::CurDir) | None => {}
            _ => resolved.push(part),
        }
    }
    Ok(resolved)
}

/// A folder that no output may be, contain or (for `content/` and `themes/`) lie inside.
struct Place {
    path: PathBuf,
    /// How messages call it: 「content フォルダ（/site/content）」.
    name: String,
    /// Whether nothing may be written inside it either.
    closed: bool,
}

fn places(root: &Path) -> Result<Vec<Place>> {
    let root = resolve(root)?;
    let mut places = vec![Place {
        name: format!("サイトのフォルダ（{}）", root.display()),
        path: root.clone(),
        closed: false,
    }];
    for (folder, label) in [
        ("content", "content フォルダ"),
        ("themes", "themes フォルダ"),
    ] {
        let path = resolve(&root.join(folder))?;
        places.push(Place {
            name: format!("{label}（{}）", path.display()),
            path,
            closed: true,
        });
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
        && let Ok(home) = resolve(Path::new(&home))
    {
        places.push(Place {
            name: format!("ホームフォルダ（{}）", home.display()),
            path: home,
            closed: false,
        });
    }
    places.push(Place {
        name: "ルートフォルダ（/）".to_owned(),
        path: PathBuf::from("/"),
        closed: false,
    });
    Ok(places)
}

/// Why `resolved` may not be written, if it may not: it is, contains, or lies inside (for the
/// closed places) one of the places.
fn conflict(resolved: &Path, places: &[Place]) -> Option<String> {
    if let Some(place) = places.iter().find(|p| resolved == p.path) {
        return Some(format!("{}そのものです", place.name));
    }
    if let Some(place) = places.iter().find(|p| p.path.starts_with(resolved)) {
        return Some(format!("{}を中に含んでいます", place.name));
    }
    places
        .iter()
        .find(|p| p.closed && resolved.starts_with(&p.path))
        .map(|p| format!("{}の中です", p.name))
}

/// An output folder that may be replaced: where it really is, and how it was given.
#[derive(Debug, Clone)]
pub struct OutputDir {
    /// Absolute, with symlinks resolved: the folder that is replaced.
    pub path: PathBuf,
    /// As the user gave it, for messages.
    pub given: PathBuf,
}

/// Judges an output folder of `build` or `serve --out` before anything is written: refused
/// (exit code 2) when it is, contains or lies inside a place it must not, when it is not a
/// folder, or when it holds files and is not a site zaitaku made.
pub fn output_dir(root: &Path, out: &Path) -> Result<OutputDir> {
    refuse_tilde(out)?;
    let path = resolve(out)?;
    let shown = shown(out, &path);
    if let Some(why) = conflict(&path, &places(root)?) {
        return Err(Error::Setup(format!(
            "出力先 {shown} は、{why}。build は出力先のフォルダを丸ごと作り直すため、中のファイルが消えてしまいます。何も変更していません。\n  --out には public のような、サイト専用の新しいフォルダを指定してください（省略するとサイトのフォルダの中の public）。"
        )));
    }
    match std::fs::metadata(&path) {
        Ok(meta) if !meta.is_dir() => {
            let what = if meta.is_file() {
                "フォルダではなくファイルです"
            } else {
                "フォルダではありません（名前付きパイプや装置などの特別なファイルです）"
            };
            return Err(Error::Setup(format!(
                "出力先 {shown} は{what}。何も変更していません。\n  --out にはサイトを書き出すフォルダ（まだないフォルダか、zaitaku が作ったフォルダ）を指定してください。"
            )));
        }
        Ok(_) => match marker::inspect(&path).map_err(|e| Error::io(&path, "中身を確認", e))? {
            // A site without a marker is judged against the new site, once it is built.
            Found::Empty | Found::Unmarked { looks_built: true } => {}
            // Files put into a marked site are named now, not after a build of minutes (told by
            // the kinds the folders give; whether it can be removed whole is checked at the
            // commit, whose walk reads every entry's metadata).
            Found::Marked(_) => crate::output::check_strangers(&path)?,
            Found::Unmarked { looks_built: false } => {
                return Err(not_ours(&shown));
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&path, "確認", e)),
    }
    Ok(OutputDir {
        path,
        given: out.to_path_buf(),
    })
}

/// Refuses a path that starts with a `~` the shell did not expand (`--out=~/site`, `"~/site"`):
/// it would make a folder named `~` here, and removing that later with `rm -rf ~` would remove
/// the home folder instead.
fn refuse_tilde(given: &Path) -> Result<()> {
    let first = given.components().next();
    if first.is_some_and(|c| c.as_os_str().to_string_lossy().starts_with('~')) {
        return Err(Error::Setup(format!(
            "{} の「~」はホームフォルダに置き換わっていません（--out=~/… の形や引用符の中では置き換わりません）。このままでは「~」という名前のフォルダができてしまうため、何も変更していません。\n  --out ~/site のように = を使わずに書くか、/home/… のような絶対パスで指定してください。",
            given.display()
        )));
    }
    Ok(())
}

/// The refusal for a folder with files in it that zaitaku did not make.
fn not_ours(shown: &str) -> Error {
    Error::Setup(format!(
        "出力先 {shown} には zaitaku が作ったのではないファイルがあります（zaitaku の目印のファイル {} がありません）。build は出力先のフォルダを丸ごと作り直すため、中のファイルが消えてしまいます。何も変更していません。\n  まだないフォルダか空のフォルダを --out に指定してください。このフォルダを使いたいときは、中のファイルをほかの場所へ移して空にしてください。",
        marker::MARKER
    ))
}

/// A path for messages: as given, and where it really is when that differs.
fn shown(given: &Path, resolved: &Path) -> String {
    if given == resolved {
        given.display().to_string()
    } else {
        format!("{}（実際の場所: {}）", given.display(), resolved.display())
    }
}

/// What kind of file an export or PDF is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    Csv,
    Pdf,
}

impl FileKind {
    fn extension(self) -> &'static str {
        match self {
            FileKind::Xlsx => "xlsx",
            FileKind::Csv => "csv",
            FileKind::Pdf => "pdf",
        }
    }

    fn label(self) -> &'static str {
        match self {
            FileKind::Xlsx => "Excel ブック（.xlsx）",
            FileKind::Csv => "CSV ファイル（.csv）",
            FileKind::Pdf => "PDF ファイル（.pdf）",
        }
    }

    /// Whether the file's bytes are of this kind (not only its name).
    fn holds(self, path: &Path) -> std::io::Result<bool> {
        let mut file = std::fs::File::open(path)?;
        let mut head = Vec::with_capacity(8192);
        file.by_ref().take(8192).read_to_end(&mut head)?;
        Ok(match self {
            FileKind::Pdf => head.starts_with(b"%PDF-"),
            FileKind::Xlsx => {
                head.starts_with(b"PK\x03\x04")
                    && zip::ZipArchive::new(std::fs::File::open(path)?)
                        .is_ok_and(|mut zip| zip.by_name("xl/workbook.xml").is_ok())
            }
            // Text, as Excel and zaitaku write CSV: no NUL and no control characters besides
            // tab, line breaks and the end-of-file mark some programs add.
            FileKind::Csv => !head
                .iter()
                .any(|b| matches!(b, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x19 | 0x1B..=0x1F | 0x7F)),
        })
    }
}

/// Judges the file an export or a PDF is written to: never in `content/` or `themes/` (after
/// resolving symlinks, the file's and its folders'), never a folder or a special file, and an
/// existing file is replaced only when it is of the same kind (by its name and its bytes) or
/// with `force`. Returns where to write: the resolved path, so a symlink stays a symlink and
/// its target gets the new file.
pub fn output_file(root: &Path, out: &Path, kind: FileKind, force: bool) -> Result<PathBuf> {
    refuse_tilde(out)?;
    let path = resolve(out)?;
    let shown = shown(out, &path);
    let places = places(root)?;
    if let Some(place) = places
        .iter()
        .find(|p| p.closed && path.starts_with(&p.path))
    {
        return Err(Error::Setup(format!(
            "書き出し先 {shown} は、{}の中です。content と themes の中はサイトの元になるファイルの場所なので、書き出したファイルは置けません。何も変更していません。\n  --out には content と themes の外の場所を指定してください（例: --out ~/{}）。",
            place.name,
            out.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("export.{}", kind.extension()))
        )));
    }
    let meta = match std::fs::metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path),
        Err(e) => return Err(Error::io(&path, "確認", e)),
    };
    if meta.is_dir() {
        return Err(Error::Setup(format!(
            "書き出し先 {shown} はフォルダです。何も変更していません。\n  --out にはファイルの名前まで指定してください（例: --out {}）。",
            Path::new(out)
                .join(format!("directory.{}", kind.extension()))
                .display()
        )));
    }
    if !meta.is_file() {
        return Err(Error::Setup(format!(
            "書き出し先 {shown} は普通のファイルではありません（名前付きパイプや装置など）。何も書き込んでいません。\n  --out には普通のファイルの名前を指定してください。"
        )));
    }
    if force {
        return Ok(path);
    }
    let named = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(kind.extension()));
    let holds = kind
        .holds(&path)
        .map_err(|e| Error::io(&path, "中身を確認", e))?;
    if !(named && holds) {
        let why = if named {
            format!(
                "名前は .{} ですが、中身は {}ではありません",
                kind.extension(),
                kind.label()
            )
        } else {
            format!("{}ではありません", kind.label())
        };
        return Err(Error::Setup(format!(
            "書き出し先 {shown} にはすでにファイルがあり、{why}。ほかの大事なファイルかもしれないため、上書きしませんでした。\n  別の名前を --out に指定してください。このファイルを置き換えてよいときは --force を付けてください。"
        )));
    }
    Ok(path)
}

/// Judges a file `import --write` writes: its folder (after resolving symlinks) must lie inside
/// `content/`, and the file itself, when there, must be a real file (not a link, which would
/// write outside or replace the link). Returns where to write.
pub fn content_file(root: &Path, file: &Path) -> Result<PathBuf> {
    let content = resolve(&root.join("content"))?;
    let name = file.file_name().ok_or_else(|| {
        Error::Setup(format!(
            "{} はファイルの名前になっていません。",
            file.display()
        ))
    })?;
    let folder = resolve(file.parent().unwrap_or(Path::new(".")))?;
    let path = folder.join(name);
    let inside = folder.starts_with(&content) && path != content;
    if !inside {
        return Err(Error::Setup(format!(
            "{} は content フォルダ（{}）の外（実際の場所: {}）を指しています。途中のフォルダがリンク（シンボリックリンク）になっていないか確かめてください。content の外には書き込みません。",
            file.display(),
            content.display(),
            path.display()
        )));
    }
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::Setup(format!(
            "{} はリンク（シンボリックリンク）です。リンクの先やリンクそのものを書き換えないよう、書き込みませんでした。\n  リンクではなく、ファイルそのものを content フォルダの中に置いてください。",
            file.display()
        ))),
        Ok(meta) if !meta.is_file() => Err(Error::Setup(format!(
            "{} は普通のファイルではありません（フォルダや名前付きパイプなど）。書き込みませんでした。",
            file.display()
        ))),
        _ => Ok(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_links_and_paths_that_do_not_exist_yet() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(base.join("content")).unwrap();
        std::os::unix::fs::symlink(base.join("content"), base.join("link")).unwrap();
        std::os::unix::fs::symlink(base.join("content/new"), base.join("dangling")).unwrap();
        assert_eq!(resolve(&base.join("link")).unwrap(), base.join("content"));
        assert_eq!(
            resolve(&base.join("link/a/b")).unwrap(),
            base.join("content/a/b")
        );
        assert_eq!(
            resolve(&base.join("dangling")).unwrap(),
            base.join("content/new")
        );
        assert_eq!(
            resolve(&base.join("new/../content")).unwrap(),
            base.join("content")
        );
        std::os::unix::fs::symlink(base.join("loop"), base.join("loop")).unwrap();
        assert!(resolve(&base.join("loop")).is_err());
    }

    #[test]
    fn places_an_output_may_not_take() {
        let site = Path::new("/site");
        let places = vec![
            Place {
                path: site.join("content"),
                name: "content".into(),
                closed: true,
            },
            Place {
                path: site.to_path_buf(),
                name: "site".into(),
                closed: false,
            },
            Place {
                path: PathBuf::from("/"),
                name: "/".into(),
                closed: false,
            },
        ];
        assert!(conflict(Path::new("/site/public"), &places).is_none());
        assert!(conflict(Path::new("/elsewhere/out"), &places).is_none());
        for bad in ["/site", "/", "/site/content", "/site/content/pages/x", "/"] {
            assert!(conflict(Path::new(bad), &places).is_some(), "{bad}");
        }
    }
}
