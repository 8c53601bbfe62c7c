//! Loading `content/`: finding the files, reading them safely, parsing and validating every
//! record and page, and the checks that span files (unique ids, duplicates, orders).
//!
//! Loading never stops at the first problem: every file is read and every diagnostic kept, so
//! one `zaitaku check` shows the editor the whole list.

pub mod availability;
pub mod body;
pub mod dictionary;
pub mod fields;
pub mod files;
pub mod markdown;
pub mod pages;
pub mod parsed;
pub mod placeholders;
pub mod record;
pub mod reparse;
pub mod resource;
pub mod site;
pub mod source;
pub mod survey;
pub mod svg;
pub mod synonyms;
pub mod text;
pub mod yaml;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics, Position, display_path};
use crate::error::{Error, Result};
use crate::timings::Timings;
use pages::{Page, PageKind};
use resource::{Resource, ResourceContext};
use site::SiteConfig;
use source::describe_io_error;

/// A file copied to the output as it is (an image beside a page).
#[derive(Debug, Clone)]
pub struct Asset {
    pub source: PathBuf,
    /// The source as shown in messages, e.g. `content/manga/ep1-1.svg`.
    pub file: String,
    /// Site-relative output path, e.g. `manga/ep1-1.svg`.
    pub output: String,
}

/// Everything in `content/`, validated.
#[derive(Debug, Clone)]
pub struct Content {
    pub site: SiteConfig,
    /// In 五十音順 of their readings.
    pub resources: Vec<Resource>,
    /// Ordered by kind, then by order / date / slug.
    pub pages: Vec<Page>,
    pub assets: Vec<Asset>,
    pub dictionary: Vec<dictionary::Entry>,
    /// The confirmation round, when `content/survey.yaml` exists.
    pub survey: Option<survey::Survey>,
    /// The centre's own search words (`content/synonyms.csv`).
    pub synonyms: Vec<synonyms::Synonym>,
}

impl Content {
    /// A content of `site` alone: no records, pages, assets or tables.
    pub fn empty(site: SiteConfig) -> Content {
        Content {
            site,
            resources: Vec::new(),
            pages: Vec::new(),
            assets: Vec::new(),
            dictionary: Vec::new(),
            survey: None,
            synonyms: Vec::new(),
        }
    }

    pub fn pages_of(&self, kind: PageKind) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(move |p| p.kind == kind)
    }
}

/// The outcome of loading: every diagnostic, and the content as far as it could be read
/// (whenever `site.yaml` could be). The content is valid only when the diagnostics hold no
/// error.
pub struct Loaded {
    pub content: Option<Content>,
    pub diagnostics: Diagnostics,
    /// With a parse cache: each record's key for the build cache as the cache held it (`None`:
    /// not held), in the order of `content.resources`. Empty without one.
    pub keys: Vec<Option<String>>,
}

fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("~$") || name.ends_with('~') || name == "Thumbs.db"
}

/// How many folders deep `content/` may go (`content/news/2026/04/photos` is 4).
pub const MAX_DEPTH: usize = 8;

#[derive(Default)]
struct Found {
    site_yaml: Option<PathBuf>,
    dictionary: Option<PathBuf>,
    survey: Option<PathBuf>,
    letter: Option<PathBuf>,
    synonyms: Option<PathBuf>,
    resources: Vec<PathBuf>,
    pages: Vec<(PageKind, PathBuf)>,
    assets: Vec<Asset>,
    /// Every file and folder the walk looked at (ignored names are not), refused or not.
    seen: HashSet<PathBuf>,
    /// Whether the walk went through a link (then a change to the link's target is a change
    /// to the file that links to it).
    links: bool,
    /// Files and folders whose names differ from another's only in case: removing one
    /// changes what the walk says about the other.
    folded: HashSet<PathBuf>,
}

/// The Japanese name of a file type that is neither a file nor a folder.
fn special_kind(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "名前付きパイプ（FIFO）"
    } else if file_type.is_socket() {
        "ソケット"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "デバイス（装置）のファイル"
    } else {
        "ふつうのファイルでもフォルダでもないもの"
    }
}

/// Checks one name of a file or folder in `content/`: UTF-8, no control or invisible
/// characters, and a name Windows can hold. Returns the name when it can be used.
fn checked_name<'a>(
    entry: &'a walkdir::DirEntry,
    shown: &str,
    diagnostics: &mut Diagnostics,
) -> Option<&'a str> {
    let Some(name) = entry.file_name().to_str() else {
        diagnostics.push(
            Diagnostic::error(shown, Position::FILE, "名前に、文字として読めないバイト（UTF-8 ではない文字）が含まれています。")
                .hint("古いパソコンや圧縮ファイルから取り出した名前です。英数字・かな・漢字で名前を付け直してください。"),
        );
        return None;
    };
    if let Some(found) = text::problems(name, false).first() {
        diagnostics.push(
            found
                .problem
                .diagnostic(
                    shown,
                    Position::FILE,
                    format!("名前の {}", found.problem.message(Some(found.index + 1))),
                )
                .hint("名前を付け直してください。"),
        );
        if found.problem.severity == text::Severity::Error {
            return None;
        }
    }
    if let Err(invalid) = fields::file_name(name) {
        diagnostics
            .push(Diagnostic::error(shown, Position::FILE, invalid.message).hint(invalid.hint));
        return None;
    }
    Some(name)
}

/// A record file under `content/resources/` as the build's walk finds it.
#[derive(Debug, Clone)]
pub struct RecordFile {
    pub path: PathBuf,
    /// Whether the walk refused it (a name Windows cannot hold, a link leading outside
    /// `content/`, …): the build stops on it, so it is not a record to compare with or write.
    pub refused: bool,
}

/// The record files under `content/resources/` that a build reads, and the ones it refuses,
/// sorted by path: the one walk import, export and the confirmation round share with the
/// build. What the walk says about other files is the build's and `check`'s to report.
pub fn record_files(root: &Path) -> Result<Vec<RecordFile>> {
    let content_dir = root.join("content");
    let mut diagnostics = Diagnostics::new();
    let found = find_files(root, &content_dir, &mut diagnostics)?;
    let mut files: Vec<RecordFile> = found
        .resources
        .into_iter()
        .map(|path| RecordFile {
            path,
            refused: false,
        })
        .collect();
    let resources = display_path(root, &content_dir.join("resources"));
    for diagnostic in diagnostics.sorted() {
        let inside = diagnostic
            .file
            .strip_prefix(&resources)
            .is_some_and(|rest| rest.starts_with('/'));
        let is_record = [".yaml", ".yml"]
            .iter()
            .any(|ext| diagnostic.file.to_lowercase().ends_with(ext));
        if diagnostic.is_error() && inside && is_record {
            files.push(RecordFile {
                path: root.join(&diagnostic.file),
                refused: true,
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    Ok(files)
}

/// Walks `content/`, refusing links that lead outside it, and never opening anything that is
/// not a regular file (a FIFO, socket or device is reported by its type, read from the
/// folder, so nothing can block).
fn find_files(root: &Path, content_dir: &Path, diagnostics: &mut Diagnostics) -> Result<Found> {
    let canonical_content = content_dir
        .canonicalize()
        .map_err(|e| Error::io(content_dir, "開く", e))?;
    let mut found = Found {
        site_yaml: None,
        dictionary: None,
        survey: None,
        letter: None,
        synonyms: None,
        resources: Vec::new(),
        pages: Vec::new(),
        assets: Vec::new(),
        seen: HashSet::new(),
        links: false,
        folded: HashSet::new(),
    };
    // Names that differ only in case (or Unicode normalisation) are one file on Windows and
    // macOS: `Logo.png` and `logo.png` would overwrite each other there.
    let mut folded: HashMap<String, (String, PathBuf)> = HashMap::new();
    let mut walker = walkdir::WalkDir::new(content_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().map(Path::to_path_buf).unwrap_or_default();
                found.seen.insert(path.clone());
                found.links = true;
                let shown = display_path(root, &path);
                let is_link = path
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink());
                let (message, hint) = if error.loop_ancestor().is_some() {
                    (
                        "リンクが自分自身を含むフォルダを指していて、無限に続きます。".to_owned(),
                        "このリンク（ショートカット）を削除してください。",
                    )
                } else if is_link {
                    let reason = error
                        .io_error()
                        .map(describe_io_error)
                        .unwrap_or_else(|| "リンク先がありません".to_owned());
                    (
                        format!("リンク（シンボリックリンク）の先を読めません: {reason}。"),
                        "このリンクを削除するか、リンクではなくファイルそのものを置いてください。",
                    )
                } else {
                    let reason = error
                        .io_error()
                        .map(describe_io_error)
                        .unwrap_or_else(|| "読み込めません".to_owned());
                    (
                        format!("読み込めません: {reason}。"),
                        "ファイルやフォルダが読める状態か確かめて、もう一度実行してください。",
                    )
                };
                diagnostics.push(Diagnostic::error(shown, Position::FILE, message).hint(hint));
                continue;
            }
        };
        let path = entry.path();
        let shown = display_path(root, path);
        let is_dir = entry.file_type().is_dir();
        if entry.depth() > 0 {
            if is_ignored(&entry.file_name().to_string_lossy()) {
                if is_dir {
                    walker.skip_current_dir();
                }
                continue;
            }
            found.seen.insert(path.to_path_buf());
            if checked_name(&entry, &shown, diagnostics).is_none() {
                if is_dir {
                    walker.skip_current_dir();
                }
                continue;
            }
            let key = crate::ja::nfkc(&shown).to_lowercase();
            if let Some((first, first_path)) =
                folded.insert(key, (shown.clone(), path.to_path_buf()))
            {
                found.folded.insert(first_path);
                found.folded.insert(path.to_path_buf());
                diagnostics.push(
                    Diagnostic::error(&shown, Position::FILE, format!("{first} と大文字・小文字などの違いしかない名前です。Windows や Mac では同じ名前とみなされ、片方が消えます。"))
                        .hint("どちらかの名前を変えてください。"),
                );
                if is_dir {
                    walker.skip_current_dir();
                }
                continue;
            }
        }
        let name = entry.file_name().to_string_lossy();
        if entry.path_is_symlink() {
            found.links = true;
            let inside = path
                .canonicalize()
                .map(|target| target.starts_with(&canonical_content))
                .unwrap_or(false);
            if !inside {
                diagnostics.push(
                    Diagnostic::error(&shown, Position::FILE, "リンク（シンボリックリンク）が content フォルダの外を指しているため、読み込みません。")
                        .hint("リンクではなく、ファイルそのものを content フォルダの中に置いてください。"),
                );
                if is_dir {
                    walker.skip_current_dir();
                }
                continue;
            }
        }
        if is_dir {
            if entry.depth() == 1 && name != "resources" && PageKind::from_folder(&name).is_none() {
                diagnostics.push(
                    Diagnostic::warning(&shown, Position::FILE, format!("フォルダ「{name}」は zaitaku が使わないため、読み込みません。"))
                        .hint("ページは pages, pamphlet, manga, lectures, news、事業所は resources のフォルダに置いてください。"),
                );
                walker.skip_current_dir();
            } else if entry.depth() >= MAX_DEPTH {
                diagnostics.push(
                    Diagnostic::error(&shown, Position::FILE, format!("フォルダが深すぎます（content から {} 階層。上限は {MAX_DEPTH} 階層）。中身は読み込みません。", entry.depth()))
                        .hint("フォルダの中にフォルダを重ねすぎないよう、浅い場所に移してください。"),
                );
                walker.skip_current_dir();
            }
            continue;
        }
        if !entry.file_type().is_file() {
            // Known from the folder listing (or the link's target) without opening it.
            diagnostics.push(
                Diagnostic::warning(
                    &shown,
                    Position::FILE,
                    format!(
                        "{}は読み込みません（開くと止まってしまうおそれがあります）。",
                        special_kind(entry.file_type())
                    ),
                )
                .hint("content フォルダには、ふつうのファイルとフォルダだけを置いてください。"),
            );
            continue;
        }
        let relative = path.strip_prefix(content_dir).unwrap_or(path);
        let mut components = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        let top = components.next().unwrap_or_default();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if entry.depth() == 1 {
            match name.as_ref() {
                "site.yaml" => found.site_yaml = Some(path.to_path_buf()),
                "dictionary.csv" => found.dictionary = Some(path.to_path_buf()),
                survey::FILE_NAME => found.survey = Some(path.to_path_buf()),
                survey::LETTER_NAME => found.letter = Some(path.to_path_buf()),
                "synonyms.csv" => found.synonyms = Some(path.to_path_buf()),
                _ => diagnostics.push(
                    Diagnostic::warning(
                        &shown,
                        Position::FILE,
                        format!("ファイル「{name}」は zaitaku が使わないため、読み込みません。"),
                    )
                    .hint("content の直下には site.yaml、dictionary.csv、synonyms.csv（検索の言い換え）、survey.yaml（確認調査）、survey-letter.md（送付状）だけを置きます。"),
                ),
            }
            continue;
        }
        if top == "resources" {
            if extension == "yaml" || extension == "yml" {
                found.resources.push(path.to_path_buf());
            } else {
                diagnostics.push(
                    Diagnostic::warning(&shown, Position::FILE, "resources フォルダの .yaml 以外のファイルは読み込みません。")
                        .hint("事業所のデータは 1 件ずつ .yaml ファイルに書いてください。表計算のファイルは zaitaku import で取り込めます。"),
                );
            }
            continue;
        }
        let kind = PageKind::from_folder(&top).expect("other folders were skipped");
        let inner: Vec<String> = components.collect();
        let asset = Asset {
            source: path.to_path_buf(),
            file: shown.clone(),
            output: format!("{}{}", kind.url_prefix(), inner.join("/")),
        };
        match files::kind(&extension) {
            files::Kind::Page => found.pages.push((kind, path.to_path_buf())),
            files::Kind::Active(why) => diagnostics.push(
                Diagnostic::error(
                    &shown,
                    Position::FILE,
                    format!("このファイル（.{extension}）は公開できません。{why}ため、サイトの安全のために受け付けません。"),
                )
                .hint(format!("content フォルダから取り除いてください。ページの文章は Markdown（.md）で書きます。公開できるファイル: {}", files::PUBLISHED)),
            ),
            files::Kind::Unknown => diagnostics.push(
                Diagnostic::warning(
                    &shown,
                    Position::FILE,
                    format!("この種類のファイル（{}）は公開しません。", if extension.is_empty() { "拡張子なし".to_owned() } else { format!(".{extension}") }),
                )
                .hint(format!("公開できるファイル: {}。公開しないファイルは content の外に置いてください。", files::PUBLISHED)),
            ),
            files::Kind::Publish | files::Kind::Svg => {
                if let Some(problem) = check_asset(&asset, &extension) {
                    diagnostics.push(problem);
                } else {
                    found.assets.push(asset);
                }
            }
        }
    }
    Ok(found)
}

/// Checks a file to publish: its size (from the file system, before reading anything), and
/// an SVG's content.
fn check_asset(asset: &Asset, extension: &str) -> Option<Diagnostic> {
    let cannot_read = |error: std::io::Error| {
        Diagnostic::error(
            &asset.file,
            Position::FILE,
            format!("ファイルを読み込めません: {}。", describe_io_error(&error)),
        )
        .hint("ファイルが読める状態か確かめて、もう一度実行してください。")
    };
    let size = match std::fs::metadata(&asset.source) {
        Ok(metadata) => metadata.len(),
        Err(error) => return Some(cannot_read(error)),
    };
    if size > files::MAX_ASSET_BYTES {
        return Some(
            Diagnostic::error(
                &asset.file,
                Position::FILE,
                format!(
                    "ファイルが大きすぎます（{} MB。上限は {} MB）。",
                    size / 1024 / 1024,
                    files::MAX_ASSET_BYTES / 1024 / 1024
                ),
            )
            .hint("画像は縮小し、動画は動画サイトに載せてリンクしてください。"),
        );
    }
    if files::kind(extension) != files::Kind::Svg {
        return None;
    }
    if size > files::MAX_SVG_BYTES {
        return Some(
            Diagnostic::error(
                &asset.file,
                Position::FILE,
                format!(
                    "SVG が大きすぎて、安全か確かめられません（{} MB。上限は {} MB）。",
                    size / 1024 / 1024,
                    files::MAX_SVG_BYTES / 1024 / 1024
                ),
            )
            .hint("PNG か JPEG に書き出して置いてください。"),
        );
    }
    let text = match source::read_limited(&asset.source, files::MAX_SVG_BYTES) {
        Ok(bytes) => bytes,
        Err(error) => return Some(cannot_read(error)),
    };
    let Ok(text) = std::str::from_utf8(text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text)) else {
        return Some(
            Diagnostic::error(
                &asset.file,
                Position::FILE,
                "SVG が UTF-8 で保存されていないため、安全か確かめられません。",
            )
            .hint("描画ソフトで UTF-8 の SVG として書き出し直してください。"),
        );
    };
    let refusals = svg::check(text);
    let first = refusals.first()?;
    let reasons: Vec<String> = refusals
        .iter()
        .map(|r| format!("{} 行目: {}", r.line, r.reason))
        .collect();
    Some(
        Diagnostic::error(
            &asset.file,
            Position::new(first.line, 1),
            format!(
                "この SVG は公開できません。開いた人のブラウザでサイトの一部として動くものや、外から読み込むものが含まれています（{}）。",
                reasons.join(" / ")
            ),
        )
        .hint("絵だけの SVG として書き出し直すか（描画ソフトの「スクリプトを含めない」「画像を埋め込む」設定）、PNG に書き出して置いてください。"),
    )
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Loads and validates the site at `root` as of `today`.
pub fn load(root: &Path, today: Date) -> Result<Loaded> {
    load_timed(root, today, &Timings::new())
}

/// Like [`load`], recording its phases in `timings`.
pub fn load_timed(root: &Path, today: Date, timings: &Timings) -> Result<Loaded> {
    load_cached(root, today, timings, None)
}

/// Like [`load_timed`]; with a parse cache, a record file whose result it holds is not parsed
/// again, and the cache gets this load's results (and `Loaded::keys` the records' keys it
/// held).
pub fn load_cached(
    root: &Path,
    today: Date,
    timings: &Timings,
    cache: Option<&mut parsed::ParseCache>,
) -> Result<Loaded> {
    let content_dir = content_dir(root)?;
    let mut diagnostics = Diagnostics::new();
    let found = timings.phase("walk content/", || {
        find_files(root, &content_dir, &mut diagnostics)
    })?;
    let Some((site, _)) = load_site(root, &found, &mut diagnostics) else {
        return Ok(Loaded {
            content: None,
            diagnostics,
            keys: Vec::new(),
        });
    };

    let context = ResourceContext { site: &site, today };
    let mut resources = Vec::with_capacity(found.resources.len());
    let mut keys = Vec::new();
    match cache {
        None => {
            let loaded_resources: Vec<(Option<Resource>, Vec<Diagnostic>)> =
                timings.phase("records", || {
                    found
                        .resources
                        .par_iter()
                        .map(|path| load_resource(root, path, &context))
                        .collect()
                });
            for (resource, resource_diagnostics) in loaded_resources {
                diagnostics.extend(resource_diagnostics);
                resources.extend(resource);
            }
        }
        Some(cache) => {
            cache.start(&context);
            let loaded: Vec<parsed::Loaded> = timings.phase("records", || {
                found
                    .resources
                    .par_iter()
                    .map(|path| load_resource_cached(root, path, &context, cache))
                    .collect()
            });
            let reused = loaded.iter().filter(|l| l.reused).count();
            let stamped = loaded.iter().filter(|l| l.stamped).count();
            let mut entries = Vec::with_capacity(loaded.len());
            keys.reserve(loaded.len());
            for one in loaded {
                diagnostics.extend(one.diagnostics);
                if let Some(resource) = one.resource {
                    keys.push(one.entry.as_ref().and_then(|e| e.key.clone()));
                    resources.push(resource);
                }
                entries.extend(one.entry);
            }
            let parsed = found.resources.len() - reused;
            cache.finish(entries, parsed, reused, stamped);
        }
    }
    timings.phase("checks across records", || {
        let mut keys: Vec<CheckKeys> = resources.iter().map(CheckKeys::of).collect();
        keys.sort_by(|a, b| a.file.cmp(&b.file));
        check_across_resources(keys.iter(), &mut diagnostics)
    });
    // A stable sort of records in path order: equal keys stay in path order.
    let keys = if keys.is_empty() {
        resources.sort_by(|a, b| (&a.sort_key, &a.id).cmp(&(&b.sort_key, &b.id)));
        keys
    } else {
        let mut paired: Vec<(Resource, Option<String>)> = resources.into_iter().zip(keys).collect();
        paired.sort_by(|(a, _), (b, _)| (&a.sort_key, &a.id).cmp(&(&b.sort_key, &b.id)));
        let (sorted, keys) = paired.into_iter().unzip();
        resources = sorted;
        keys
    };

    let loaded_pages: Vec<(Option<Page>, Vec<Diagnostic>)> = timings.phase("pages", || {
        found
            .pages
            .par_iter()
            .map(|(kind, path)| load_page(root, *kind, path))
            .collect()
    });
    let mut pages = Vec::new();
    for (page, page_diagnostics) in loaded_pages {
        diagnostics.extend(page_diagnostics);
        pages.extend(page);
    }
    check_pages(&mut pages, &found.assets, &mut diagnostics);
    let tables = load_tables(root, &found, &site, &mut diagnostics);
    if let Some(survey) = &tables.survey {
        diagnostics.extend(survey::summary(survey, &resources, today));
    }

    // Kept even with errors: the checks that need the whole site (the addresses the build
    // makes, in `crate::build::reserved`) still run, so one run lists every error.
    let content = Some(Content {
        site,
        resources,
        pages,
        assets: found.assets,
        dictionary: tables.dictionary,
        survey: tables.survey,
        synonyms: tables.synonyms,
    });
    Ok(Loaded {
        content,
        diagnostics,
        keys,
    })
}

/// `content/` of the site at `root`, or why there is none.
fn content_dir(root: &Path) -> Result<PathBuf> {
    let content_dir = root.join("content");
    if !content_dir.is_dir() {
        return Err(Error::Setup(format!(
            "content フォルダが見つかりません: {}\n  サイトのフォルダで実行するか、--root でサイトのフォルダを指定してください。",
            content_dir.display()
        )));
    }
    Ok(content_dir)
}

/// `content/site.yaml`, validated, with its text; `None` (and the reason in `diagnostics`)
/// when there is none or it cannot be used.
fn load_site(
    root: &Path,
    found: &Found,
    diagnostics: &mut Diagnostics,
) -> Option<(SiteConfig, String)> {
    let Some(site_path) = found.site_yaml.as_ref() else {
        diagnostics.push(
            Diagnostic::error("content/site.yaml", Position::FILE, "サイトの設定ファイル site.yaml がありません。")
                .hint("content/site.yaml を作り、title, organization, base_url, desk, categories, areas, services を書いてください。"),
        );
        return None;
    };
    let site_file = display_path(root, site_path);
    match source::read(&site_file, site_path) {
        Ok(text) => {
            diagnostics.extend(text.warnings);
            diagnostics.extend(crate::content::yaml::check_characters(
                &site_file,
                &text.text,
                0,
                &site::is_multiline,
            ));
            match crate::content::yaml::parse::<site::SiteFile>(&site_file, &text.text, 0) {
                Ok(raw) => Some((site::validate(&site_file, raw, diagnostics), text.text)),
                Err(error) => {
                    diagnostics.push(error);
                    None
                }
            }
        }
        Err(error) => {
            diagnostics.push(error);
            None
        }
    }
}

/// The checks across pages and their files, then the pages in their order: by kind, then by
/// order / date / slug.
fn check_pages(pages: &mut [Page], assets: &[Asset], diagnostics: &mut Diagnostics) {
    check_across_pages(pages, diagnostics);
    check_page_assets(pages, assets, diagnostics);
    pages.sort_by(|a, b| {
        let newest_first = |p: &Page| std::cmp::Reverse(p.date());
        (a.kind, a.order(), newest_first(a), &a.slug).cmp(&(
            b.kind,
            b.order(),
            newest_first(b),
            &b.slug,
        ))
    });
}

/// The files of the content root beside `site.yaml`.
struct Tables {
    dictionary: Vec<dictionary::Entry>,
    survey: Option<survey::Survey>,
    synonyms: Vec<synonyms::Synonym>,
}

fn load_tables(
    root: &Path,
    found: &Found,
    site: &SiteConfig,
    diagnostics: &mut Diagnostics,
) -> Tables {
    let dictionary = load_table(
        root,
        found.dictionary.as_deref(),
        dictionary::parse,
        diagnostics,
    );
    let survey = load_survey(root, found, site, diagnostics);
    let synonyms = load_table(
        root,
        found.synonyms.as_deref(),
        synonyms::parse,
        diagnostics,
    );
    Tables {
        dictionary,
        survey,
        synonyms,
    }
}

/// `content/survey.yaml` and the cover letter beside it.
fn load_survey(
    root: &Path,
    found: &Found,
    site: &SiteConfig,
    diagnostics: &mut Diagnostics,
) -> Option<survey::Survey> {
    let letter = found.letter.as_ref().and_then(|path| {
        let file = display_path(root, path);
        match source::read(&file, path) {
            Ok(text) => {
                diagnostics.extend(text.warnings);
                diagnostics.extend(survey::check_letter(&file, &text.text));
                Some(survey::Letter {
                    file,
                    source: text.text,
                })
            }
            Err(error) => {
                diagnostics.push(error);
                None
            }
        }
    });
    let path = found.survey.as_ref()?;
    let file = display_path(root, path);
    let text = match source::read(&file, path) {
        Ok(text) => text,
        Err(error) => {
            diagnostics.push(error);
            return None;
        }
    };
    diagnostics.extend(text.warnings);
    diagnostics.extend(crate::content::yaml::check_characters(
        &file,
        &text.text,
        0,
        &|_| false,
    ));
    match crate::content::yaml::parse::<survey::SurveyFile>(&file, &text.text, 0) {
        Ok(raw) => {
            let (survey, problems) = survey::validate(&file, raw, site, letter);
            diagnostics.extend(problems);
            survey
        }
        Err(error) => {
            diagnostics.push(error);
            None
        }
    }
}

fn load_resource(
    root: &Path,
    path: &Path,
    context: &ResourceContext<'_>,
) -> (Option<Resource>, Vec<Diagnostic>) {
    let file = display_path(root, path);
    match source::read_bytes(&file, path) {
        Ok(bytes) => parse_resource(&file, path, &bytes, context),
        Err(error) => (None, unread_resource(&file, path, error)),
    }
}

/// The diagnostics of a record file that could not be read: its name's, then why.
fn unread_resource(file: &str, path: &Path, error: Diagnostic) -> Vec<Diagnostic> {
    let mut diagnostics = slug_problem(file, path);
    diagnostics.push(error);
    diagnostics
}

/// Whether a record's file name can be its id.
fn slug_problem(file: &str, path: &Path) -> Vec<Diagnostic> {
    match fields::slug(&stem(path)) {
        Ok(_) => Vec::new(),
        Err(invalid) => {
            vec![Diagnostic::error(file, Position::FILE, invalid.message).hint(invalid.hint)]
        }
    }
}

/// Parses and validates a record from the bytes of its file (`file` as messages name it).
fn parse_resource(
    file: &str,
    path: &Path,
    bytes: &[u8],
    context: &ResourceContext<'_>,
) -> (Option<Resource>, Vec<Diagnostic>) {
    let mut diagnostics = slug_problem(file, path);
    let text = match source::decode(file, bytes) {
        Ok(text) => text,
        Err(error) => {
            diagnostics.push(error);
            return (None, diagnostics);
        }
    };
    diagnostics.extend(text.warnings);
    diagnostics.extend(crate::content::yaml::check_characters(
        file,
        &text.text,
        0,
        &resource::is_multiline,
    ));
    match crate::content::yaml::parse::<resource::ResourceFile>(file, &text.text, 0) {
        Ok(raw) => {
            let (mut resource, problems) = resource::validate(&stem(path), file, raw, context);
            diagnostics.extend(problems);
            match body::note_body(&resource) {
                Ok(note) => resource.note_rendered = note,
                Err(refused) => diagnostics.push(refused),
            }
            (Some(resource), diagnostics)
        }
        Err(error) => {
            diagnostics.push(error);
            (None, diagnostics)
        }
    }
}

/// [`load_resource`] through the parse cache: the previous result when the file's bytes and
/// the context are the same, else parsed (and kept for the next build).
fn load_resource_cached(
    root: &Path,
    path: &Path,
    context: &ResourceContext<'_>,
    cache: &parsed::ParseCache,
) -> parsed::Loaded {
    let file = display_path(root, path);
    if let Some(hit) = cache.lookup_stamped(&file, path, context.site) {
        return parsed::Loaded {
            resource: hit.resource,
            diagnostics: hit.diagnostics,
            entry: Some(hit.entry),
            reused: true,
            stamped: true,
        };
    }
    let (bytes, meta) = match source::read_bytes_stamped(&file, path) {
        Ok(read) => read,
        Err(error) => {
            return parsed::Loaded {
                resource: None,
                diagnostics: unread_resource(&file, path, error),
                entry: None,
                reused: false,
                stamped: false,
            };
        }
    };
    let digest = parsed::digest(&bytes);
    let stamp = cache.stamp_of(&meta);
    if let Some(mut hit) = cache.lookup(&file, &digest, context.site) {
        hit.entry.stamp = stamp;
        return parsed::Loaded {
            resource: hit.resource,
            diagnostics: hit.diagnostics,
            entry: Some(hit.entry),
            reused: true,
            stamped: false,
        };
    }
    let (resource, diagnostics) = parse_resource(&file, path, &bytes, context);
    let mut entry = parsed::Entry::new(&file, digest, resource.as_ref(), &diagnostics);
    entry.stamp = stamp;
    parsed::Loaded {
        resource,
        diagnostics,
        entry: Some(entry),
        reused: false,
        stamped: false,
    }
}

fn load_page(root: &Path, kind: PageKind, path: &Path) -> (Option<Page>, Vec<Diagnostic>) {
    let (page, diagnostics, _) = load_page_asking(root, kind, path);
    (page, diagnostics)
}

/// Like [`load_page`]; also the files beside the page it asked about, and whether each was
/// there (a preview loads the page again when one of the answers changes).
fn load_page_asking(
    root: &Path,
    kind: PageKind,
    path: &Path,
) -> (Option<Page>, Vec<Diagnostic>, Vec<(PathBuf, bool)>) {
    let file = display_path(root, path);
    let slug = stem(path);
    let mut diagnostics = Vec::new();
    if let Err(invalid) = fields::slug(&slug) {
        diagnostics
            .push(Diagnostic::error(&file, Position::FILE, invalid.message).hint(invalid.hint));
    }
    let text = match source::read(&file, path) {
        Ok(text) => text,
        Err(error) => {
            diagnostics.push(error);
            return (None, diagnostics, Vec::new());
        }
    };
    diagnostics.extend(text.warnings);
    let folder = path.parent().unwrap_or(Path::new("."));
    let asked = std::cell::RefCell::new(Vec::new());
    let exists = |name: &str| {
        let beside = folder.join(name);
        let there = beside.is_file();
        asked.borrow_mut().push((beside, there));
        there
    };
    let (mut page, problems) = pages::load(kind, &slug, &file, &text.text, &exists);
    diagnostics.extend(problems);
    if let Some(page) = &mut page {
        match body::page_body(page) {
            Ok(rendered) => page.rendered = rendered,
            Err(refused) => diagnostics.push(refused),
        }
    }
    (page, diagnostics, asked.into_inner())
}

/// Warnings about one shared value (a phone number, a name and address) listed one by one;
/// beyond this, one line says how many more files share it.
pub const MAX_LISTED_PER_GROUP: usize = 20;

/// Unique ids (errors), and records that share a phone number or a name and address
/// (warnings). Each check is a lookup in a map by a normalised key, never a comparison of all
/// pairs, so 10,000 records with the same name take as long as 10,000 different ones.
/// `records` come in the order of their files (`Resource::file`).
fn check_across_resources<'a>(
    records: impl Iterator<Item = &'a CheckKeys>,
    diagnostics: &mut Diagnostics,
) {
    let mut groups: HashMap<Group<'a>, Vec<&'a CheckKeys>> = HashMap::new();
    for record in records {
        for group in record.groups() {
            groups.entry(group).or_default().push(record);
        }
    }
    for (group, members) in groups {
        if members.len() > 1 {
            diagnostics.extend(check_group(&group, &members));
        }
    }
}

/// A key records must not share (an id), or should not (a phone number, a name and address).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Group<'a> {
    Id(&'a str),
    /// The phone number's digits.
    Phone(&'a str),
    NameAddress(&'a (String, String)),
}

impl Group<'_> {
    fn key(&self) -> GroupKey {
        match self {
            Group::Id(id) => GroupKey::Id((*id).to_owned()),
            Group::Phone(digits) => GroupKey::Phone((*digits).to_owned()),
            Group::NameAddress(key) => GroupKey::NameAddress((*key).clone()),
        }
    }
}

/// A [`Group`] kept between saves (`reparse`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum GroupKey {
    Id(String),
    Phone(String),
    NameAddress((String, String)),
}

impl GroupKey {
    fn group(&self) -> Group<'_> {
        match self {
            GroupKey::Id(id) => Group::Id(id),
            GroupKey::Phone(digits) => Group::Phone(digits),
            GroupKey::NameAddress(key) => Group::NameAddress(key),
        }
    }
}

/// What the records sharing `group` are told, `members` in the order of their files: each
/// after the first names the first ("the other file" is always the earlier one).
fn check_group(group: &Group<'_>, members: &[&CheckKeys]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let Some((first, more)) = members.split_first() else {
        return diagnostics;
    };
    match group {
        Group::Id(_) => {
            for resource in more {
                diagnostics.push(
                    Diagnostic::error(&resource.file, Position::FILE, format!("ID「{}」が {} と重なっています。", resource.id, first.file))
                        .hint("フォルダが違っても、ファイル名（ID）はすべての事業所で別のものにしてください。"),
                );
            }
        }
        Group::Phone(_) => {
            for resource in more.iter().take(MAX_LISTED_PER_GROUP) {
                let phone = resource.phone.as_deref().unwrap_or_default();
                diagnostics.push(
                    Diagnostic::warning(&resource.file, resource.phone_position, format!("電話番号 {phone} が {}（{}）と同じです。同じ事業所が 2 回登録されていませんか。", first.file, first.name))
                        .field("phone")
                        .hint("同じ事業所ならどちらかのファイルを削除し、別の事業所なら電話番号を確認してください。"),
                );
            }
        }
        Group::NameAddress(_) => {
            for resource in more.iter().take(MAX_LISTED_PER_GROUP) {
                diagnostics.push(
                    Diagnostic::warning(
                        &resource.file,
                        resource.name_position,
                        format!(
                            "名称と住所が {} と同じです。同じ事業所が 2 回登録されていませんか。",
                            first.file
                        ),
                    )
                    .field("name")
                    .hint("同じ事業所ならどちらかのファイルを削除してください。"),
                );
            }
        }
    }
    let more = more.len();
    let summary = match group {
        Group::Id(_) => None,
        Group::Phone(_) => Some((first.phone_position, "phone", "電話番号")),
        Group::NameAddress(_) => Some((first.name_position, "name", "名称と住所")),
    };
    if let Some((position, field, label)) = summary
        && more > MAX_LISTED_PER_GROUP
    {
        diagnostics.push(
            Diagnostic::warning(
                &first.file,
                position,
                format!(
                    "ほかに {more} 件のファイルの{label}がこのファイルと同じです（初めの {MAX_LISTED_PER_GROUP} 件だけを個別に示しました）。"
                ),
            )
            .field(field)
            .hint("まとめて取り込んだデータに重複がないか確認してください。"),
        );
    }
    diagnostics
}

/// What the checks across records read of one record, the normalised keys made once (a
/// preview keeps them between saves).
#[derive(Debug, Clone)]
struct CheckKeys {
    id: String,
    file: String,
    name: String,
    name_position: Position,
    phone: Option<String>,
    phone_position: Position,
    /// The phone number's digits.
    phone_digits: String,
    /// The name and the address, NFKC-normalised without spaces.
    name_address: (String, String),
}

impl CheckKeys {
    fn of(resource: &Resource) -> CheckKeys {
        CheckKeys {
            id: resource.id.clone(),
            file: resource.file.clone(),
            name: resource.name.clone(),
            name_position: resource.name_position,
            phone: resource.phone.clone(),
            phone_position: resource.phone_position,
            phone_digits: resource
                .phone
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect(),
            name_address: (
                crate::ja::nfkc(&resource.name).replace([' ', '　'], ""),
                crate::ja::nfkc(&resource.address).replace([' ', '　'], ""),
            ),
        }
    }

    /// The groups this record belongs to.
    fn groups(&self) -> impl Iterator<Item = Group<'_>> {
        [
            Some(Group::Id(&self.id)),
            self.phone
                .as_ref()
                .map(|_| Group::Phone(self.phone_digits.as_str())),
            Some(Group::NameAddress(&self.name_address)),
        ]
        .into_iter()
        .flatten()
    }
}

/// A file beside the pages whose address is a page's own (`news/opening/index.html` can
/// only be refused by type today, but `pages/about` without an extension next to
/// `pages/about.md` takes the folder `/about/` as a file).
fn check_page_assets(pages: &[Page], assets: &[Asset], diagnostics: &mut Diagnostics) {
    let page_files: BTreeMap<String, &Page> = pages
        .iter()
        .map(|page| (format!("{}index.html", page.path), page))
        .collect();
    for asset in assets {
        let folder = format!("{}/", asset.output);
        let clash = page_files.get(&asset.output).copied().or_else(|| {
            page_files
                .range(folder.clone()..)
                .next()
                .filter(|(file, _)| file.starts_with(&folder))
                .map(|(_, page)| *page)
        });
        if let Some(page) = clash {
            diagnostics.push(
                Diagnostic::error(
                    &asset.file,
                    Position::FILE,
                    format!(
                        "このファイルの公開先 /{} が、{} のページ /{} と重なります。",
                        asset.output, page.file, page.path
                    ),
                )
                .hint("ファイル名を変えるか、別のフォルダに移してください。"),
            );
        }
    }
}

fn check_across_pages(pages: &[Page], diagnostics: &mut Diagnostics) {
    let mut seen: BTreeMap<(PageKind, i64), &Page> = BTreeMap::new();
    let mut paths: BTreeMap<&str, &Page> = BTreeMap::new();
    let mut sorted: Vec<&Page> = pages.iter().collect();
    sorted.sort_by(|a, b| a.file.cmp(&b.file));
    for page in sorted {
        if matches!(page.kind, PageKind::Pamphlet | PageKind::Manga) {
            let (field, label) = if page.kind == PageKind::Pamphlet {
                ("order", "章の順番")
            } else {
                ("episode", "話数")
            };
            if let Some(first) = seen.insert((page.kind, page.order()), page) {
                diagnostics.push(
                    Diagnostic::error(
                        &page.file,
                        page.order_position,
                        format!(
                            "{label}（{field}: {}）が {} と重なっています。",
                            page.order(),
                            first.file
                        ),
                    )
                    .field(field)
                    .hint(format!("{label}はページごとに別の数にしてください。")),
                );
            }
        }
        if let Some(first) = paths.insert(&page.path, page) {
            diagnostics.push(
                Diagnostic::error(
                    &page.file,
                    Position::FILE,
                    format!(
                        "ページのアドレス /{} が {} と重なっています。",
                        page.path, first.file
                    ),
                )
                .hint("ファイル名を変えてください。"),
            );
        }
    }
}

/// A parser of one of the content root's CSV tables: its entries and its problems.
type TableParser<T> = fn(&str, &str) -> (Vec<T>, Vec<Diagnostic>);

/// A CSV table of the content root (`dictionary.csv`, `synonyms.csv`): read, decoded and parsed,
/// its problems added to `diagnostics`; no file, or one that cannot be read, gives no entries.
fn load_table<T>(
    root: &Path,
    path: Option<&Path>,
    parse: TableParser<T>,
    diagnostics: &mut Diagnostics,
) -> Vec<T> {
    let Some(path) = path else {
        return Vec::new();
    };
    let file = display_path(root, path);
    match source::read(&file, path) {
        Ok(text) => {
            diagnostics.extend(text.warnings);
            let (entries, problems) = parse(&file, &text.text);
            diagnostics.extend(problems);
            entries
        }
        Err(error) => {
            diagnostics.push(error);
            Vec::new()
        }
    }
}
