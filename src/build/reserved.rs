//! The addresses zaitaku generates are reserved: a page or a file of `content/` may not take
//! the address of a file the build makes (`/search/`, `/robots.txt`, `/news/atom.xml`, a
//! lecture's `lecture.ics`, a theme asset, the search index …), nor a folder the build fills
//! with its own files (`/resources/`, `/assets/`, `/print/`, `/caremane-time/` …).
//!
//! The reserved set is not a hand-written list: it is what the build is about to write —
//! the theme's pages ([`Site::outputs`] and [`Site::jobs`]), the feeds and calendars
//! ([`Site::extra_files`]), the theme's static files, the search index folder and the
//! ケアマネタイム data — so it follows the build and the theme. Each collision is an error
//! naming both: the content file and the generated address with what makes it.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::content::Content;
use crate::content::pages::PageKind;
use crate::diagnostics::{Diagnostic, Position};
use crate::render::Theme;
use crate::site::{Job, Site, caremane};

/// The files and folders the build writes of its own, each with what it is.
pub struct Generated {
    pub files: BTreeMap<String, String>,
    /// Folders the build fills whole (`search-index/`), with a trailing `/`.
    pub folders: BTreeMap<String, String>,
}

fn job_label(job: Job) -> &'static str {
    match job {
        Job::Resource(_) => "事業所のページ",
        Job::Listing(..) => "事業所の一覧のページ",
        Job::KanaRow(_) => "五十音順の一覧のページ",
        Job::CaremaneAll | Job::CaremaneDay(_) => "ケアマネタイムのページ",
        Job::Booklet(_) => "印刷用の冊子のページ",
    }
}

fn template_label(template: &str) -> String {
    let what = match template {
        "index.html" => "トップページ",
        "search.html" => "サイト内検索のページ",
        "404.html" => "「ページが見つかりません」のページ",
        "print_index.html" => "印刷用の冊子の一覧のページ",
        "resources_index.html" | "directory.html" => "事業所の一覧のページ",
        "pamphlet_all.html" => "パンフレット全章のページ",
        t if t.ends_with("_index.html") => "一覧のページ",
        _ => "ページ",
    };
    format!("{what}（テーマのテンプレート {template}）")
}

/// Every file the build writes of its own: the theme's fixed pages, listings, ケアマネタイム
/// and print pages (from a site without pages or facilities: their addresses do not depend on
/// them, and each facility page is inside `resources/`, which the listings reserve), the feeds
/// and calendars (each lecture's included), the theme's static files, the search index and
/// the ケアマネタイム data.
pub fn generated(content: &Content, theme: &Theme, today: Date) -> Generated {
    let bare = Content::empty(content.site.clone());
    let lectures = Content {
        pages: content
            .pages
            .iter()
            .filter(|p| p.kind == PageKind::Lecture)
            .cloned()
            .collect(),
        ..bare.clone()
    };
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let site = Site::new(&bare, today);
    for output in site.outputs() {
        files.insert(output.file, template_label(output.template));
    }
    for job in site.jobs() {
        files.insert(site.file_of(job), job_label(job).to_owned());
    }
    for extra in Site::new(&lectures, today).extra_files() {
        files.insert(extra.file, extra.what.to_owned());
    }
    for (name, _) in &theme.static_files {
        files.insert(
            name.clone(),
            format!("テーマのファイル（themes/default/static/{name}）"),
        );
    }
    for (file, what) in caremane::DATA_FILES {
        files.insert(file.to_owned(), what.to_owned());
    }
    files.insert(
        crate::output::marker::MARKER.to_owned(),
        "zaitaku が作ったサイトの目印".to_owned(),
    );
    let mut folders = BTreeMap::new();
    folders.insert(
        format!("{}/", crate::search::format::DIR),
        "サイト内検索の索引".to_owned(),
    );
    Generated { files, folders }
}

/// Folders of the site that only zaitaku writes: the first folder of every generated file,
/// except the folders the content's own pages live in (`news/` holds both the news pages and
/// the generated feed).
pub fn reserved_folders(generated: &Generated) -> BTreeMap<String, String> {
    let content_folders: Vec<&str> = PageKind::ALL
        .iter()
        .map(|kind| kind.url_prefix())
        .filter(|prefix| !prefix.is_empty())
        .collect();
    let mut out: BTreeMap<String, String> = generated.folders.clone();
    for (file, what) in &generated.files {
        if let Some((top, _)) = file.split_once('/') {
            let folder = format!("{top}/");
            if !content_folders.contains(&folder.as_str()) {
                out.entry(folder).or_insert_with(|| what.clone());
            }
        }
    }
    out
}

/// What a content address collides with, if anything.
fn collision(
    claim: &str,
    generated: &Generated,
    folders: &BTreeMap<String, String>,
) -> Option<String> {
    if let Some(what) = generated.files.get(claim) {
        return Some(format!("zaitaku が作る /{claim}（{what}）"));
    }
    // The claim is a file where the build needs a folder.
    let as_folder = format!("{claim}/");
    if let Some((file, what)) = generated
        .files
        .range(as_folder.clone()..)
        .next()
        .filter(|(file, _)| file.starts_with(&as_folder))
    {
        return Some(format!("zaitaku が作る /{file}（{what}）のフォルダ"));
    }
    // A folder of the claim is a generated file, or a folder only zaitaku writes.
    let mut end = 0;
    while let Some(slash) = claim[end..].find('/') {
        end += slash + 1;
        let folder = &claim[..end];
        if let Some(what) = generated.files.get(folder.trim_end_matches('/')) {
            return Some(format!(
                "zaitaku が作るファイル /{}（{what}）",
                folder.trim_end_matches('/')
            ));
        }
        if let Some(what) = folders.get(folder) {
            return Some(format!(
                "zaitaku だけが使うフォルダ /{folder}（{what}など）"
            ));
        }
    }
    None
}

/// Every page and file of `content/` whose address is taken by the build.
pub fn collisions(content: &Content, theme: &Theme, today: Date) -> Vec<Diagnostic> {
    let generated = generated(content, theme, today);
    let folders = reserved_folders(&generated);
    let mut out = Vec::new();
    for page in &content.pages {
        let claim = format!("{}index.html", page.path);
        if let Some(taken) = collision(&claim, &generated, &folders) {
            out.push(
                Diagnostic::error(
                    &page.file,
                    Position::FILE,
                    format!(
                        "このページのアドレス /{} は、{taken}と重なります。",
                        page.path
                    ),
                )
                .hint("ファイル名を変えて、別のアドレスにしてください。"),
            );
        }
    }
    for asset in &content.assets {
        if let Some(taken) = collision(&asset.output, &generated, &folders) {
            out.push(
                Diagnostic::error(
                    &asset.file,
                    Position::FILE,
                    format!(
                        "このファイルの公開先 /{} は、{taken}と重なります。",
                        asset.output
                    ),
                )
                .hint("ファイル名を変えるか、別のフォルダに移してください。"),
            );
        }
    }
    out
}
