//! Loading `content/`: finding the files, reading them safely, parsing and validating every
//! record and page, and the checks that span files (unique ids, duplicates, orders).
//!
//! Loading never stops at the first problem: every file is read and every diagnostic kept, so
//! one `zaitaku check` shows the editor the whole list.

pub mod dictionary;
pub mod fields;
pub mod pages;
pub mod resource;
pub mod site;
pub mod source;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics, Position, display_path};
use crate::error::{Error, Result};
use pages::{Page, PageKind};
use resource::{Resource, ResourceContext};
use site::SiteConfig;

/// A file copied to the output as it is (an image beside a page).
#[derive(Debug, Clone)]
pub struct Asset {
    pub source: PathBuf,
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
}

impl Content {
    pub fn pages_of(&self, kind: PageKind) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(move |p| p.kind == kind)
    }
}

/// The outcome of loading: the content when it has no errors, and every diagnostic.
pub struct Loaded {
    pub content: Option<Content>,
    pub diagnostics: Diagnostics,
}

fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("~$") || name.ends_with('~') || name == "Thumbs.db"
}

struct Found {
    site_yaml: Option<PathBuf>,
    dictionary: Option<PathBuf>,
    resources: Vec<PathBuf>,
    pages: Vec<(PageKind, PathBuf)>,
    assets: Vec<Asset>,
}

/// Walks `content/`, refusing links that lead outside it.
fn find_files(root: &Path, content_dir: &Path, diagnostics: &mut Diagnostics) -> Result<Found> {
    let canonical_content = content_dir
        .canonicalize()
        .map_err(|e| Error::io(content_dir, "開く", e))?;
    let mut found = Found {
        site_yaml: None,
        dictionary: None,
        resources: Vec::new(),
        pages: Vec::new(),
        assets: Vec::new(),
    };
    let mut walker = walkdir::WalkDir::new(content_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().map(Path::to_path_buf).unwrap_or_default();
                let message = if error.loop_ancestor().is_some() {
                    "リンクが自分自身を含むフォルダを指していて、無限に続きます。".to_owned()
                } else {
                    format!("読み込めません: {error}")
                };
                diagnostics.push(
                    Diagnostic::error(display_path(root, &path), Position::FILE, message)
                        .hint("このリンク（ショートカット）を削除してください。"),
                );
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        if entry.depth() > 0 && is_ignored(&name) {
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        let shown = display_path(root, path);
        if entry.path_is_symlink() {
            let inside = path
                .canonicalize()
                .map(|target| target.starts_with(&canonical_content))
                .unwrap_or(false);
            if !inside {
                diagnostics.push(
                    Diagnostic::error(&shown, Position::FILE, "リンク（シンボリックリンク）が content フォルダの外を指しているため、読み込みません。")
                        .hint("リンクではなく、ファイルそのものを content フォルダの中に置いてください。"),
                );
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
                continue;
            }
        }
        if entry.file_type().is_dir() {
            if entry.depth() == 1 && name != "resources" && PageKind::from_folder(&name).is_none() {
                diagnostics.push(
                    Diagnostic::warning(&shown, Position::FILE, format!("フォルダ「{name}」は zaitaku が使わないため、読み込みません。"))
                        .hint("ページは pages, pamphlet, manga, lectures, news、事業所は resources のフォルダに置いてください。"),
                );
                walker.skip_current_dir();
            }
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
                _ => diagnostics.push(
                    Diagnostic::warning(
                        &shown,
                        Position::FILE,
                        format!("ファイル「{name}」は zaitaku が使わないため、読み込みません。"),
                    )
                    .hint("content の直下には site.yaml と dictionary.csv だけを置きます。"),
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
        if extension == "md" {
            found.pages.push((kind, path.to_path_buf()));
        } else {
            let inner: Vec<String> = components.collect();
            found.assets.push(Asset {
                source: path.to_path_buf(),
                output: format!("{}{}", kind.url_prefix(), inner.join("/")),
            });
        }
    }
    Ok(found)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Loads and validates the site at `root` as of `today`.
pub fn load(root: &Path, today: Date) -> Result<Loaded> {
    let content_dir = root.join("content");
    if !content_dir.is_dir() {
        return Err(Error::Setup(format!(
            "content フォルダが見つかりません: {}\n  サイトのフォルダで実行するか、--root でサイトのフォルダを指定してください。",
            content_dir.display()
        )));
    }
    let mut diagnostics = Diagnostics::new();
    let found = find_files(root, &content_dir, &mut diagnostics)?;

    let Some(site_path) = found.site_yaml.as_ref() else {
        diagnostics.push(
            Diagnostic::error("content/site.yaml", Position::FILE, "サイトの設定ファイル site.yaml がありません。")
                .hint("content/site.yaml を作り、title, organization, base_url, desk, categories, areas, services を書いてください。"),
        );
        return Ok(Loaded {
            content: None,
            diagnostics,
        });
    };
    let site_file = display_path(root, site_path);
    let site = match source::read(&site_file, site_path) {
        Ok(text) => {
            diagnostics.extend(text.warnings);
            match crate::yaml::parse::<site::SiteFile>(&site_file, &text.text, 0) {
                Ok(raw) => Some(site::validate(&site_file, raw, &mut diagnostics)),
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
    };
    let Some(site) = site else {
        return Ok(Loaded {
            content: None,
            diagnostics,
        });
    };

    let context = ResourceContext { site: &site, today };
    let loaded_resources: Vec<(Option<Resource>, Vec<Diagnostic>)> = found
        .resources
        .par_iter()
        .map(|path| load_resource(root, path, &context))
        .collect();
    let mut resources = Vec::with_capacity(loaded_resources.len());
    for (resource, resource_diagnostics) in loaded_resources {
        diagnostics.extend(resource_diagnostics);
        resources.extend(resource);
    }
    check_across_resources(&resources, &mut diagnostics);
    resources.sort_by(|a, b| (&a.sort_key, &a.id).cmp(&(&b.sort_key, &b.id)));

    let loaded_pages: Vec<(Option<Page>, Vec<Diagnostic>)> = found
        .pages
        .par_iter()
        .map(|(kind, path)| load_page(root, *kind, path))
        .collect();
    let mut pages = Vec::new();
    for (page, page_diagnostics) in loaded_pages {
        diagnostics.extend(page_diagnostics);
        pages.extend(page);
    }
    check_across_pages(&pages, &mut diagnostics);
    pages.sort_by(|a, b| {
        let newest_first = |p: &Page| std::cmp::Reverse(p.date());
        (a.kind, a.order(), newest_first(a), &a.slug).cmp(&(
            b.kind,
            b.order(),
            newest_first(b),
            &b.slug,
        ))
    });

    let dictionary = match &found.dictionary {
        Some(path) => {
            let file = display_path(root, path);
            match source::read(&file, path) {
                Ok(text) => {
                    diagnostics.extend(text.warnings);
                    let (entries, problems) = dictionary::parse(&file, &text.text);
                    diagnostics.extend(problems);
                    entries
                }
                Err(error) => {
                    diagnostics.push(error);
                    Vec::new()
                }
            }
        }
        None => Vec::new(),
    };

    let content = (!diagnostics.has_errors()).then_some(Content {
        site,
        resources,
        pages,
        assets: found.assets,
        dictionary,
    });
    Ok(Loaded {
        content,
        diagnostics,
    })
}

fn load_resource(
    root: &Path,
    path: &Path,
    context: &ResourceContext<'_>,
) -> (Option<Resource>, Vec<Diagnostic>) {
    let file = display_path(root, path);
    let mut diagnostics = Vec::new();
    let id = stem(path);
    if let Err(invalid) = fields::slug(&id) {
        diagnostics
            .push(Diagnostic::error(&file, Position::FILE, invalid.message).hint(invalid.hint));
    }
    let text = match source::read(&file, path) {
        Ok(text) => text,
        Err(error) => {
            diagnostics.push(error);
            return (None, diagnostics);
        }
    };
    diagnostics.extend(text.warnings);
    match crate::yaml::parse::<resource::ResourceFile>(&file, &text.text, 0) {
        Ok(raw) => {
            let (resource, problems) = resource::validate(&id, &file, raw, context);
            diagnostics.extend(problems);
            (Some(resource), diagnostics)
        }
        Err(error) => {
            diagnostics.push(error);
            (None, diagnostics)
        }
    }
}

fn load_page(root: &Path, kind: PageKind, path: &Path) -> (Option<Page>, Vec<Diagnostic>) {
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
            return (None, diagnostics);
        }
    };
    diagnostics.extend(text.warnings);
    let folder = path.parent().unwrap_or(Path::new("."));
    let exists = |name: &str| folder.join(name).is_file();
    let (page, problems) = pages::load(kind, &slug, &file, &text.text, &exists);
    diagnostics.extend(problems);
    (page, diagnostics)
}

fn check_across_resources(resources: &[Resource], diagnostics: &mut Diagnostics) {
    let mut by_id: BTreeMap<&str, &Resource> = BTreeMap::new();
    let mut by_phone: BTreeMap<String, &Resource> = BTreeMap::new();
    let mut by_name_address: BTreeMap<(String, String), &Resource> = BTreeMap::new();
    // Files arrive sorted by path, so "the other file" is always the earlier one.
    let mut in_path_order: Vec<&Resource> = resources.iter().collect();
    in_path_order.sort_by(|a, b| a.file.cmp(&b.file));
    for resource in in_path_order {
        if let Some(first) = by_id.insert(&resource.id, resource) {
            diagnostics.push(
                Diagnostic::error(&resource.file, Position::FILE, format!("ID「{}」が {} と重なっています。", resource.id, first.file))
                    .hint("フォルダが違っても、ファイル名（ID）はすべての事業所で別のものにしてください。"),
            );
            by_id.insert(&first.id, first);
        }
        if let Some(phone) = &resource.phone {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            if let Some(first) = by_phone.get(&digits) {
                diagnostics.push(
                    Diagnostic::warning(&resource.file, resource.phone_position, format!("電話番号 {phone} が {}（{}）と同じです。同じ事業所が 2 回登録されていませんか。", first.file, first.name))
                        .field("phone")
                        .hint("同じ事業所ならどちらかのファイルを削除し、別の事業所なら電話番号を確認してください。"),
                );
            } else {
                by_phone.insert(digits, resource);
            }
        }
        let key = (
            crate::japanese::nfkc(&resource.name).replace([' ', '　'], ""),
            crate::japanese::nfkc(&resource.address).replace([' ', '　'], ""),
        );
        if let Some(first) = by_name_address.get(&key) {
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
        } else {
            by_name_address.insert(key, resource);
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
