//! `zaitaku check`, beyond validation: the built site's internal links, anchors and images; the
//! records whose 最終確認日 is over a year old, listed by whom to ask; probable duplicates;
//! facilities with no way to contact them; categories and areas with no facilities; and, with
//! `--external`, the links to other sites (each with a timeout).
//!
//! Output is grouped Japanese for people, or one JSON document with `--json` for scripts. The
//! last line is the same summary as before, and the exit code still says 0 (no errors, warnings
//! allowed), 1 (errors: content errors or broken internal links) or 2 (setup problems).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use jiff::civil::Date;
use scraper::ElementRef;
use serde::Serialize;

use crate::build;
use crate::content::Content;
use crate::content::resource::Resource;
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::ja::loose_text;
use crate::output::Staging;
use crate::render::Theme;

/// What `zaitaku check` checks beyond validation.
#[derive(Debug, Clone, Default)]
pub struct CheckArgs {
    /// Also fetch the links to other sites.
    pub external: bool,
    /// Seconds to wait for one external link.
    pub timeout: u64,
}

/// A link in the built site that leads nowhere.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct BrokenLink {
    /// The page's URL path, e.g. `/resources/x/`.
    pub page: String,
    /// The content file the page comes from, when there is one.
    pub source: Option<String>,
    /// `link`, `anchor` or `image`.
    pub kind: &'static str,
    /// `content` when the link is written in the source file, `theme` when a template makes it.
    pub origin: &'static str,
    /// As written in the page.
    pub href: String,
    /// What is wrong, in Japanese.
    pub message: String,
}

/// A record to confirm with the facility.
#[derive(Debug, Clone, Serialize)]
pub struct StaleRecord {
    pub id: String,
    pub name: String,
    pub file: String,
    pub verified: String,
    /// Days since `verified`.
    pub days: i32,
}

/// Stale records sharing one contact (usually one phone number).
#[derive(Debug, Clone, Serialize)]
pub struct StaleGroup {
    /// 電話 088-… / FAX 088-… / 連絡先なし
    pub contact: String,
    pub records: Vec<StaleRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordRef {
    pub id: String,
    pub name: String,
    pub file: String,
}

impl RecordRef {
    fn of(resource: &Resource) -> RecordRef {
        RecordRef {
            id: resource.id.clone(),
            name: resource.name.clone(),
            file: resource.file.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Duplicate {
    pub first: RecordRef,
    pub second: RecordRef,
    /// Why they look like the same facility.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoContact {
    pub record: RecordRef,
    /// What there is instead (a web site), if anything.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmptyTerm {
    /// `category` or `area`
    pub vocabulary: &'static str,
    pub key: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExternalResult {
    pub url: String,
    /// The content files the link is written in.
    pub pages: Vec<String>,
    /// HTTP status, if the server answered.
    pub status: Option<u16>,
    pub ok: bool,
    pub message: String,
}

/// Everything the site check found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SiteReport {
    pub pages_checked: usize,
    pub links_checked: usize,
    pub broken_links: Vec<BrokenLink>,
    pub stale: Vec<StaleGroup>,
    pub duplicates: Vec<Duplicate>,
    /// Groups of records too large to list pair by pair.
    pub duplicate_groups: Vec<DuplicateGroup>,
    pub no_contact: Vec<NoContact>,
    pub empty: Vec<EmptyTerm>,
    /// External links found in the site (checked only with `--external`).
    pub external_links: usize,
    pub external: Option<Vec<ExternalResult>>,
}

/// Everything `zaitaku check` found; serialised, the whole `--json` document.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub today: String,
    pub resources: usize,
    pub pages: usize,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub site: Option<SiteReport>,
    /// Set when the site could not be built (theme errors).
    pub build_error: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// HTML scanning

/// The elements of the page as a browser parses it (html5ever through `scraper`), in document
/// order: (tag name, [(attribute, value)]) with entities decoded and, of two equal attributes,
/// the first. The inert contents of `<template>` are not part of the page and are left out.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let document = scraper::Html::parse_document(html);
    let mut out = Vec::new();
    // An explicit stack rather than recursion: a page nested ten thousand deep is still read.
    let mut stack = vec![document.root_element()];
    while let Some(element) = stack.pop() {
        let value = element.value();
        let name = value.name().to_ascii_lowercase();
        let attributes = value
            .attrs()
            .map(|(attribute, value)| (attribute.to_ascii_lowercase(), value.to_owned()))
            .collect();
        out.push((name.clone(), attributes));
        if name == "template" {
            continue;
        }
        let children: Vec<_> = element.children().filter_map(ElementRef::wrap).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// Percent-decoded text (invalid UTF-8 replaced).
fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

struct Page {
    /// Site-relative file, e.g. `resources/x/index.html`.
    file: String,
    ids: BTreeSet<String>,
    /// (kind, href)
    links: Vec<(&'static str, String)>,
}

fn scan_page(file: String, html: &str) -> Page {
    let mut ids = BTreeSet::new();
    let mut links = Vec::new();
    for (tag, attributes) in tags(html) {
        for (name, value) in &attributes {
            match name.as_str() {
                "id" => {
                    ids.insert(value.clone());
                }
                "name" if tag == "a" => {
                    ids.insert(value.clone());
                }
                "href" if matches!(tag.as_str(), "a" | "area" | "link") => {
                    let rel = attributes
                        .iter()
                        .find(|(n, _)| n == "rel")
                        .map(|(_, v)| v.as_str())
                        .unwrap_or("");
                    // Hints to the browser, not links a reader follows.
                    if !matches!(rel, "preconnect" | "dns-prefetch") {
                        links.push(("link", value.clone()));
                    }
                }
                "src"
                    if matches!(
                        tag.as_str(),
                        "img" | "source" | "script" | "iframe" | "video" | "audio" | "embed"
                    ) =>
                {
                    let kind = if tag == "img" || tag == "source" {
                        "image"
                    } else {
                        "link"
                    };
                    links.push((kind, value.clone()));
                }
                "srcset" => {
                    for candidate in value.split(',') {
                        if let Some(url) = candidate.split_whitespace().next() {
                            links.push(("image", url.to_owned()));
                        }
                    }
                }
                "poster" => links.push(("image", value.clone())),
                _ => {}
            }
        }
    }
    Page { file, ids, links }
}

/// The URL path of a site file: `a/index.html` → `/a/`.
fn page_url(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{file}"),
    }
}

/// The origin the site's pages are resolved against; no request is ever made to it.
const SITE_ORIGIN: &str = "https://site.zaitaku.invalid";

enum Target {
    Skip,
    External,
    Internal {
        path: String,
        fragment: Option<String>,
    },
}

/// Where `href` on the page `page` (a site URL path) leads, joined as a browser joins it
/// (`url`): a page of this site (its path and fragment percent-decoded), elsewhere, or
/// nothing to check (`mailto:`, `tel:`, `data:`, `javascript:` …).
fn classify(href: &str, page: &str, base_url: &str) -> Target {
    let href = href.trim();
    if href.is_empty() {
        return Target::Skip;
    }
    if let Some(rest) = href.strip_prefix(base_url).filter(|_| !base_url.is_empty()) {
        return classify(&format!("/{rest}"), page, "");
    }
    let Ok(base) = url::Url::parse(&format!("{SITE_ORIGIN}{page}")) else {
        return Target::Skip;
    };
    let Ok(joined) = base.join(href) else {
        // Not a URL a browser could follow either: a missing page, as before.
        return Target::Internal {
            path: href.to_owned(),
            fragment: None,
        };
    };
    if joined.origin() == base.origin() {
        return Target::Internal {
            path: percent_decoded(joined.path()),
            fragment: joined.fragment().map(percent_decoded),
        };
    }
    match joined.scheme() {
        "http" | "https" => Target::External,
        _ => Target::Skip,
    }
}

/// The site file a URL path is served from, if it exists.
fn target_file(site: &Path, path: &str) -> Option<String> {
    let relative = path.trim_start_matches('/');
    let candidates = if relative.is_empty() || relative.ends_with('/') {
        vec![format!("{relative}index.html")]
    } else {
        vec![relative.to_owned(), format!("{relative}/index.html")]
    };
    candidates
        .into_iter()
        .find(|candidate| site.join(candidate).is_file())
}

/// Checks every link in the site built at `site`. Returns the broken ones and how many pages
/// and links were checked.
fn check_links(
    site: &Path,
    base_url: &str,
    sources: &HashMap<String, String>,
) -> (Vec<BrokenLink>, usize, usize) {
    let mut pages: BTreeMap<String, Page> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(site).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let file = crate::diagnostics::display_path(site, entry.path());
        let Ok(html) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        pages.insert(file.clone(), scan_page(file, &html));
    }
    let mut broken = Vec::new();
    let mut links = 0;
    for page in pages.values() {
        // The 404 page is served at any depth; its links are written for that.
        if page.file == "404.html" {
            continue;
        }
        let url = page_url(&page.file);
        let source = sources.get(&page.file).cloned();
        for (kind, href) in &page.links {
            links += 1;
            match classify(href, &url, base_url) {
                Target::Skip | Target::External => {}
                Target::Internal { path, fragment } => {
                    let Some(file) = target_file(site, &path) else {
                        let what = if *kind == "image" {
                            "画像"
                        } else {
                            "ページやファイル"
                        };
                        broken.push(BrokenLink {
                            page: url.clone(),
                            source: source.clone(),
                            kind,
                            origin: "theme",
                            href: href.clone(),
                            message: format!("行き先の{what} {path} がありません。"),
                        });
                        continue;
                    };
                    if let Some(fragment) = fragment.filter(|f| !f.is_empty() && f != "top") {
                        let Some(target) = pages.get(&file) else {
                            continue;
                        };
                        if !target.ids.contains(&fragment) {
                            broken.push(BrokenLink {
                                page: url.clone(),
                                source: source.clone(),
                                kind: "anchor",
                                origin: "theme",
                                href: href.clone(),
                                message: format!(
                                    "ページ {} に見出し（id）「{fragment}」がありません。",
                                    page_url(&file)
                                ),
                            });
                        }
                    }
                }
            }
        }
    }
    broken.sort();
    broken.dedup();
    (broken, pages.len(), links)
}

// ---------------------------------------------------------------------------------------------
// Data checks

fn contact_of(resource: &Resource) -> String {
    if let Some(phone) = &resource.phone {
        format!("電話 {phone}")
    } else if let Some(fax) = &resource.fax {
        format!("FAX {fax}")
    } else if let Some(email) = &resource.email {
        format!("メール {email}")
    } else {
        "連絡先なし".to_owned()
    }
}

fn stale(content: &Content, today: Date) -> Vec<StaleGroup> {
    let mut groups: BTreeMap<String, Vec<StaleRecord>> = BTreeMap::new();
    for resource in &content.resources {
        if crate::content::resource::is_stale(resource.verified, today) {
            let days = (today - resource.verified).get_days();
            groups
                .entry(contact_of(resource))
                .or_default()
                .push(StaleRecord {
                    id: resource.id.clone(),
                    name: resource.name.clone(),
                    file: resource.file.clone(),
                    verified: resource.verified.to_string(),
                    days,
                });
        }
    }
    let mut out: Vec<StaleGroup> = groups
        .into_iter()
        .map(|(contact, mut records)| {
            records.sort_by(|a, b| (&a.verified, &a.id).cmp(&(&b.verified, &b.id)));
            StaleGroup { contact, records }
        })
        .collect();
    // The longest unconfirmed first.
    out.sort_by(|a, b| {
        (&a.records[0].verified, &a.contact).cmp(&(&b.records[0].verified, &b.contact))
    });
    out
}

/// Legal-entity words (`ja`'s 法人格, the list search and import use) and punctuation removed,
/// for comparing names.
fn name_key(name: &str) -> String {
    let mut key = loose_text(name);
    for form in crate::ja::legal_forms() {
        key = key.replace(form.as_str(), "");
    }
    key.chars()
        .filter(|c| !matches!(c, '(' | ')' | '「' | '」' | '-' | '・'))
        .collect()
}

fn distance_m(a: &crate::content::resource::LatLng, b: &crate::content::resource::LatLng) -> f64 {
    let lat = (a.lat - b.lat) * 111_000.0;
    let lng = (a.lng - b.lng) * 111_000.0 * a.lat.to_radians().cos();
    (lat * lat + lng * lng).sqrt()
}

/// Records sharing a key, listed as pairs one by one up to this many per group; a larger group
/// is listed as pairs with its first record, and one line says how many more there are.
pub const MAX_PAIRS_PER_GROUP: usize = 20;

/// A group too large to list: its first record and how many more records share the reason.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateGroup {
    pub first: RecordRef,
    pub reason: String,
    /// Records sharing it that are not listed as pairs.
    pub more: usize,
}

/// The reasons two records look like the same facility, or none.
fn duplicate_reasons(
    resources: &[Resource],
    keys: &[String],
    phones: &[Option<String>],
    addresses: &[String],
    i: usize,
    j: usize,
) -> Vec<String> {
    let (a, b) = (&resources[i], &resources[j]);
    let same_category = a.category.key == b.category.key;
    let mut reasons = Vec::new();
    if let (Some(x), Some(y)) = (&a.source_ids.jigyosho, &b.source_ids.jigyosho)
        && x == y
        && same_category
    {
        reasons.push(format!("事業所番号 {x} が同じ"));
    }
    if let (Some(x), Some(y)) = (&a.source_ids.navii, &b.source_ids.navii)
        && x == y
    {
        reasons.push(format!("ナビイ ID {x} が同じ"));
    }
    if same_category && !keys[i].is_empty() && keys[i] == keys[j] {
        reasons.push("名称が同じ（異体字・空白・法人格の違いを除く）".to_owned());
    }
    if phones[i].is_some() && phones[i] == phones[j] {
        reasons.push(format!(
            "電話番号 {} が同じ",
            a.phone.as_deref().unwrap_or("")
        ));
    }
    if same_category && addresses[i] == addresses[j] && !addresses[i].is_empty() {
        reasons.push("住所が同じ".to_owned());
    }
    if reasons.is_empty()
        && same_category
        && let (Some(x), Some(y)) = (&a.location, &b.location)
    {
        let similar = strsim::normalized_levenshtein(&keys[i], &keys[j]) >= 0.6;
        if similar && distance_m(x, y) < 50.0 {
            reasons.push("場所が 50 m 以内で、名称が似ている".to_owned());
        }
    }
    // Only a shared phone or address is common for facilities of one organisation; it takes a
    // second reason, or the same category, to call them probable duplicates.
    let weak = reasons.len() == 1
        && !same_category
        && (reasons[0].starts_with("電話番号") || reasons[0] == "住所が同じ");
    if weak { Vec::new() } else { reasons }
}

/// Probable duplicates, found without comparing all pairs: records are grouped (blocked) by
/// each normalised key — 事業所番号, ナビイ ID, name, phone, address — and compared only within a
/// group; records with a location are bucketed by a ~55 m grid, and compared with the
/// neighbours of their cell that sort next to them by name (a window, so a building with
/// thousands of records stays linear). A large group is listed as pairs with its first
/// record, up to [`MAX_PAIRS_PER_GROUP`], and summarised.
fn duplicates(content: &Content) -> (Vec<Duplicate>, Vec<DuplicateGroup>) {
    let resources = &content.resources;
    let keys: Vec<String> = resources.iter().map(|r| name_key(&r.name)).collect();
    let phones: Vec<Option<String>> = resources
        .iter()
        .map(|r| {
            r.phone
                .as_ref()
                .map(|p| p.chars().filter(char::is_ascii_digit).collect())
        })
        .collect();
    let addresses: Vec<String> = resources.iter().map(|r| loose_text(&r.address)).collect();
    // In file order, so "first" is the earlier file.
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by(|a, b| resources[*a].file.cmp(&resources[*b].file));

    // Blocking: one map per key kind, key → records in file order.
    let mut blocks: BTreeMap<(u8, String), Vec<usize>> = BTreeMap::new();
    for &index in &order {
        let resource = &resources[index];
        let category = &resource.category.key;
        if let Some(id) = &resource.source_ids.jigyosho {
            blocks.entry((0, id.clone())).or_default().push(index);
        }
        if let Some(id) = &resource.source_ids.navii {
            blocks.entry((1, id.clone())).or_default().push(index);
        }
        if !keys[index].is_empty() {
            blocks
                .entry((2, format!("{category}\u{0}{}", keys[index])))
                .or_default()
                .push(index);
        }
        if let Some(phone) = &phones[index] {
            blocks.entry((3, phone.clone())).or_default().push(index);
        }
        if !addresses[index].is_empty() {
            blocks
                .entry((4, format!("{category}\u{0}{}", addresses[index])))
                .or_default()
                .push(index);
        }
    }
    let mut candidates: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut groups: Vec<DuplicateGroup> = Vec::new();
    let pair = |a: usize, b: usize| if a < b { (a, b) } else { (b, a) };
    for ((kind, _), members) in &blocks {
        if members.len() < 2 {
            continue;
        }
        let small = members.len() * (members.len() - 1) / 2 <= MAX_PAIRS_PER_GROUP;
        if small {
            for (n, &a) in members.iter().enumerate() {
                for &b in &members[n + 1..] {
                    candidates.insert(pair(a, b));
                }
            }
            continue;
        }
        let first = members[0];
        for &other in members.iter().skip(1).take(MAX_PAIRS_PER_GROUP) {
            candidates.insert(pair(first, other));
        }
        let more = members.len() - 1 - MAX_PAIRS_PER_GROUP.min(members.len() - 1);
        if more > 0 {
            let reason = match kind {
                0 => "事業所番号が同じ",
                1 => "ナビイ ID が同じ",
                2 => "名称が同じ",
                3 => "電話番号が同じ",
                _ => "住所が同じ",
            };
            groups.push(DuplicateGroup {
                first: RecordRef::of(&resources[first]),
                reason: reason.to_owned(),
                more,
            });
        }
    }
    // Near duplicates: a grid of ~55 m cells (0.0005° of latitude, 0.0006° of longitude), per
    // category; each record meets the records of its own and the neighbouring cells.
    let mut cells: HashMap<(&str, i64, i64), Vec<usize>> = HashMap::new();
    for &index in &order {
        if let Some(location) = &resources[index].location {
            let cell = (
                resources[index].category.key.as_str(),
                (location.lat / 0.0005).floor() as i64,
                (location.lng / 0.0006).floor() as i64,
            );
            cells.entry(cell).or_default().push(index);
        }
    }
    const WINDOW: usize = 8;
    // Pairs found only by place: they count when place and name are the only reason (a pair
    // with a shared key is the blocking's, with its limit per group).
    let mut near_candidates: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (&(category, lat, lng), members) in &cells {
        let mut near: Vec<usize> = Vec::new();
        for dlat in -1..=1 {
            for dlng in -1..=1 {
                if let Some(list) = cells.get(&(category, lat + dlat, lng + dlng)) {
                    near.extend(list);
                }
            }
        }
        // Compared with the records that sort next to each by name: similar names sort close.
        near.sort_by(|a, b| (&keys[*a], *a).cmp(&(&keys[*b], *b)));
        near.dedup();
        let position: HashMap<usize, usize> =
            near.iter().enumerate().map(|(p, i)| (*i, p)).collect();
        for &index in members {
            let at = position[&index];
            let from = at.saturating_sub(WINDOW);
            let to = (at + WINDOW + 1).min(near.len());
            for &other in &near[from..to] {
                if other != index && !candidates.contains(&pair(index, other)) {
                    near_candidates.insert(pair(index, other));
                }
            }
        }
    }
    let mut out = Vec::new();
    let blocked = candidates.into_iter().map(|pair| (pair, false));
    let placed = near_candidates.into_iter().map(|pair| (pair, true));
    for ((i, j), by_place) in blocked.chain(placed) {
        let reasons = duplicate_reasons(resources, &keys, &phones, &addresses, i, j);
        let place_only = reasons.len() == 1 && reasons[0].starts_with("場所が");
        if !reasons.is_empty() && (!by_place || place_only) {
            let (a, b) = (&resources[i], &resources[j]);
            let (first, second) = if a.file <= b.file { (a, b) } else { (b, a) };
            out.push(Duplicate {
                first: RecordRef::of(first),
                second: RecordRef::of(second),
                reasons,
            });
        }
    }
    out.sort_by(|a, b| (&a.first.file, &a.second.file).cmp(&(&b.first.file, &b.second.file)));
    groups.sort_by(|a, b| (&a.first.file, &a.reason).cmp(&(&b.first.file, &b.reason)));
    (out, groups)
}

fn no_contact(content: &Content) -> Vec<NoContact> {
    content
        .resources
        .iter()
        .filter(|r| r.phone.is_none() && r.fax.is_none() && r.email.is_none())
        .map(|r| NoContact {
            record: RecordRef::of(r),
            note: r
                .url
                .as_ref()
                .map(|u| format!("ホームページ {u} だけがあります")),
        })
        .collect()
}

fn empty_terms(content: &Content) -> Vec<EmptyTerm> {
    let mut out = Vec::new();
    for term in &content.site.categories {
        if !content.resources.iter().any(|r| r.category.key == term.key) {
            out.push(EmptyTerm {
                vocabulary: "category",
                key: term.key.clone(),
                label: term.label.clone(),
            });
        }
    }
    for term in &content.site.areas {
        if !content
            .resources
            .iter()
            .any(|r| r.area.as_ref().is_some_and(|a| a.key == term.key))
        {
            out.push(EmptyTerm {
                vocabulary: "area",
                key: term.key.clone(),
                label: term.label.clone(),
            });
        }
    }
    out
}

/// The links to other sites that editors wrote: records' `url` and the links in Markdown (page
/// bodies and records' notes), each with the files it is in. Links the theme makes (map
/// searches for every address, for example) are not checked: editors cannot change them, and
/// checking them would send a request per facility to someone else's service.
pub fn content_links(content: &Content) -> BTreeMap<String, Vec<String>> {
    fn add(links: &mut BTreeMap<String, Vec<String>>, base: &str, url: &str, file: &str) {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.starts_with(base)
        {
            return;
        }
        let files = links.entry(url.to_owned()).or_default();
        if !files.iter().any(|f| f == file) {
            files.push(file.to_owned());
        }
    }
    let base = content.site.base_url.as_str();
    let mut links: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let markdown = |links: &mut BTreeMap<String, Vec<String>>, text: &str, file: &str| {
        for event in pulldown_cmark::Parser::new(text) {
            if let pulldown_cmark::Event::Start(
                pulldown_cmark::Tag::Link { dest_url, .. }
                | pulldown_cmark::Tag::Image { dest_url, .. },
            ) = event
            {
                add(links, base, &dest_url, file);
            }
        }
    };
    for page in &content.pages {
        markdown(&mut links, &page.body, &page.file);
    }
    for resource in &content.resources {
        if let Some(url) = &resource.url {
            add(&mut links, base, url, &resource.file);
        }
        if let Some(note) = &resource.note {
            markdown(&mut links, note, &resource.file);
        }
    }
    links
}

/// Checks external URLs, a few at a time, each within `timeout`.
pub fn check_external(
    urls: &BTreeMap<String, Vec<String>>,
    timeout: Duration,
) -> Vec<ExternalResult> {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(5)
        .user_agent("zaitaku-check (link checker)")
        .build();
    let agent: ureq::Agent = config.into();
    let list: Vec<(&String, &Vec<String>)> = urls.iter().collect();
    let mut results: Vec<ExternalResult> = Vec::with_capacity(list.len());
    for chunk in list.chunks(8) {
        let chunk_results: Vec<ExternalResult> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(url, pages)| {
                    let agent = agent.clone();
                    scope.spawn(move || {
                        let target = if url.starts_with("//") {
                            format!("https:{url}")
                        } else {
                            (*url).clone()
                        };
                        let mut answer = agent.head(&target).call();
                        // Some servers refuse HEAD; ask again with GET.
                        if let Ok(response) = &answer
                            && matches!(response.status().as_u16(), 405 | 403 | 501)
                        {
                            answer = agent.get(&target).call();
                        }
                        let (status, ok, message) = match answer {
                            Ok(response) => {
                                let code = response.status().as_u16();
                                let ok = code < 400;
                                let message = if ok {
                                    "つながりました。".to_owned()
                                } else {
                                    format!("ページがありません（HTTP {code}）。")
                                };
                                (Some(code), ok, message)
                            }
                            Err(ureq::Error::Timeout(_)) => (
                                None,
                                false,
                                format!("{} 秒待っても応答がありません。", timeout.as_secs()),
                            ),
                            Err(error) => (None, false, format!("つながりません（{error}）。")),
                        };
                        ExternalResult {
                            url: (*url).clone(),
                            pages: (*pages).clone(),
                            status,
                            ok,
                            message,
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("link check thread"))
                .collect()
        });
        results.extend(chunk_results);
    }
    results
}

/// Builds the site into a temporary folder and runs every check on it.
pub fn check_site(
    root: &Path,
    content: &Content,
    today: Date,
    args: &CheckArgs,
) -> Result<SiteReport> {
    let theme = Theme::load(root)?;
    let scratch = crate::output::scratch::scratch_dir("zaitaku-check-")?;
    let staging = Staging::new(&scratch.path().join("site"))?;
    build::render_site(content, &theme, today, &staging)?;
    let mut sources: HashMap<String, String> = HashMap::new();
    for resource in &content.resources {
        sources.insert(
            format!("resources/{}/index.html", resource.id),
            resource.file.clone(),
        );
    }
    for page in &content.pages {
        let path = page.path.trim_start_matches('/');
        sources.insert(format!("{path}index.html"), page.file.clone());
    }
    let (mut broken_links, pages_checked, links_checked) =
        check_links(staging.path(), &content.site.base_url, &sources);
    // A link written in the source file is the editors' to fix; any other comes from the theme.
    let mut texts: HashMap<String, String> = HashMap::new();
    for link in &mut broken_links {
        if let Some(source) = &link.source {
            let text = texts.entry(source.clone()).or_insert_with(|| {
                // Never blocks on a FIFO swapped in since loading, never reads a huge file.
                crate::content::source::read_limited(
                    &root.join(source),
                    crate::content::source::MAX_SOURCE_BYTES as u64,
                )
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .unwrap_or_default()
            });
            // The href as parsed, or as written in HTML with `&amp;`.
            if text.contains(&link.href) || text.contains(&link.href.replace('&', "&amp;")) {
                link.origin = "content";
            }
        }
    }
    drop(staging);
    let external = content_links(content);
    let external_results = args
        .external
        .then(|| check_external(&external, Duration::from_secs(args.timeout.max(1))));
    let (duplicates, duplicate_groups) = duplicates(content);
    Ok(SiteReport {
        pages_checked,
        links_checked,
        broken_links,
        stale: stale(content, today),
        duplicates,
        duplicate_groups,
        no_contact: no_contact(content),
        empty: empty_terms(content),
        external_links: external.len(),
        external: external_results,
    })
}

impl SiteReport {
    /// Broken internal links are errors: the built site would have them.
    pub fn errors(&self) -> usize {
        self.broken_links.len()
    }

    /// The grouped Japanese report.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let mut section = |title: String, lines: Vec<String>| {
            out.push_str(&format!("■ {title}\n"));
            for line in lines {
                out.push_str(&format!("  {line}\n"));
            }
            out.push('\n');
        };
        if self.broken_links.is_empty() {
            section(
                format!(
                    "リンク: ページ {} 件のリンク {} 件を確かめ、切れているものはありません。",
                    self.pages_checked, self.links_checked
                ),
                Vec::new(),
            );
        } else {
            let mut lines = Vec::new();
            for origin in ["content", "theme"] {
                let mut by_page: BTreeMap<(&str, Option<&String>), Vec<&BrokenLink>> =
                    BTreeMap::new();
                for link in self.broken_links.iter().filter(|l| l.origin == origin) {
                    by_page
                        .entry((link.page.as_str(), link.source.as_ref()))
                        .or_default()
                        .push(link);
                }
                if by_page.is_empty() {
                    continue;
                }
                for ((page, source), links) in by_page {
                    let from = match (origin, source) {
                        ("content", Some(source)) => format!("{source}（ページ {page}）"),
                        _ => format!("ページ {page}（テーマのテンプレートが作るリンク）"),
                    };
                    lines.push(from);
                    for link in links {
                        lines.push(format!("  エラー: 「{}」→ {}", link.href, link.message));
                    }
                }
                lines.push(if origin == "content" {
                    "直し方: このファイルのリンク先（Markdown の (...) の中）を、あるページのアドレスか見出しの id に直してください。".to_owned()
                } else {
                    "直し方: テーマ（themes/default/templates）の誤りです。テーマの担当者に知らせてください。".to_owned()
                });
            }
            section(
                format!("リンク切れ {} 件（エラー）", self.broken_links.len()),
                lines,
            );
        }
        if let Some(external) = &self.external {
            let failed: Vec<&ExternalResult> = external.iter().filter(|e| !e.ok).collect();
            let mut lines = Vec::new();
            for result in &failed {
                lines.push(format!("{} — {}", result.url, result.message));
                lines.push(format!(
                    "    書いてあるファイル: {}",
                    result.pages.join("、")
                ));
            }
            section(
                format!(
                    "外部リンク（content に書かれたもの）: {} 件を確かめ、つながらないもの {} 件（警告）",
                    external.len(),
                    failed.len()
                ),
                lines,
            );
        } else if self.external_links > 0 {
            section(
                format!(
                    "外部リンク（content に書かれたもの）{} 件は確かめていません（確かめるには --external を付けます）。",
                    self.external_links
                ),
                Vec::new(),
            );
        }
        if !self.stale.is_empty() {
            let count: usize = self.stale.iter().map(|g| g.records.len()).sum();
            let mut lines = Vec::new();
            for group in &self.stale {
                lines.push(group.contact.clone());
                for record in &group.records {
                    lines.push(format!(
                        "  {}（最終確認 {}、{} 日前）{}",
                        record.name, record.verified, record.days, record.file
                    ));
                }
            }
            lines.push(
                "確認できたら、そのファイルの verified を確認した日付に直してください。".to_owned(),
            );
            section(
                format!("最終確認日が 1 年以上前の事業所 {count} 件（連絡先ごと。警告）"),
                lines,
            );
        }
        if !self.duplicates.is_empty() {
            let mut lines = Vec::new();
            for group in &self.duplicate_groups {
                lines.push(format!(
                    "{}（{}）と{}ものが、ほかに {} 件あります（初めの {MAX_PAIRS_PER_GROUP} 件だけを下に示します）。",
                    group.first.name, group.first.file, group.reason, group.more
                ));
            }
            for duplicate in &self.duplicates {
                lines.push(format!(
                    "{}（{}）と {}（{}）: {}",
                    duplicate.first.name,
                    duplicate.first.file,
                    duplicate.second.name,
                    duplicate.second.file,
                    duplicate.reasons.join("、")
                ));
            }
            lines.push(
                "同じ事業所なら片方のファイルを削除し、別の事業所なら内容を確かめてください。"
                    .to_owned(),
            );
            section(
                format!("重複のおそれ {} 組（警告）", self.duplicates.len()),
                lines,
            );
        }
        if !self.no_contact.is_empty() {
            let mut lines = Vec::new();
            for item in &self.no_contact {
                let note = item
                    .note
                    .as_ref()
                    .map(|n| format!("（{n}）"))
                    .unwrap_or_default();
                lines.push(format!("{}{note} {}", item.record.name, item.record.file));
            }
            lines.push("電話・FAX・メールのどれかを書いてください。".to_owned());
            section(
                format!(
                    "電話・FAX・メールのどれもない事業所 {} 件（警告）",
                    self.no_contact.len()
                ),
                lines,
            );
        }
        if !self.empty.is_empty() {
            let lines: Vec<String> = self
                .empty
                .iter()
                .map(|term| {
                    let vocabulary = if term.vocabulary == "category" {
                        "種別"
                    } else {
                        "圏域"
                    };
                    format!("{vocabulary}「{}」（{}）", term.label, term.key)
                })
                .chain([
                    "事業所を追加するか、使わないなら site.yaml から外してください。".to_owned(),
                ])
                .collect();
            section(
                format!(
                    "事業所が 1 件もない種別・圏域 {} 件（警告）",
                    self.empty.len()
                ),
                lines,
            );
        }
        out
    }

    /// Warnings the site check adds (not counted in the summary's 警告, which is validation's).
    pub fn warnings(&self) -> usize {
        let stale: usize = self.stale.iter().map(|g| g.records.len()).sum();
        let external = self
            .external
            .as_ref()
            .map(|e| e.iter().filter(|r| !r.ok).count())
            .unwrap_or(0);
        stale
            + self.duplicates.len()
            + self.duplicate_groups.len()
            + self.no_contact.len()
            + self.empty.len()
            + external
    }
}

impl CheckReport {
    /// Errors of validation alone (not the site checks').
    pub fn validation_errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Whether the site could not be built for a reason that is not the content's (a theme
    /// that cannot render): a setup problem, as for `zaitaku build`.
    pub fn setup_failed(&self) -> bool {
        self.build_error.is_some() && self.validation_errors() == 0
    }

    /// The last line: the same summary as `zaitaku build`'s, after `seconds`.
    pub fn summary(&self, seconds: f64) -> String {
        let (errors, warnings) = (self.errors, self.warnings);
        if errors > 0 {
            format!(
                "検査結果: エラー {errors} 件、警告 {warnings} 件（{seconds:.2} 秒）。エラーを直してから build してください。"
            )
        } else {
            format!(
                "検査結果: 事業所 {} 件、ページ {} 件、エラー 0 件、警告 {warnings} 件（{seconds:.2} 秒）",
                self.resources, self.pages
            )
        }
    }
}

/// `zaitaku check`: validation, then (when the content is valid) the site checks.
pub fn run(root: &Path, today: Date, args: &CheckArgs) -> Result<CheckReport> {
    // With the holiday-staleness warning of `zaitaku build` (added there, once).
    let (content, mut diagnostics) = build::check(root, today)?;
    if let Some(content) = &content {
        diagnostics.extend(crate::content::placeholders::in_content(root, content));
    }
    let (resources, pages) = content
        .as_ref()
        .map(|c| (c.resources.len(), c.pages.len()))
        .unwrap_or((0, 0));
    let mut build_error = None;
    let valid = !diagnostics.iter().any(Diagnostic::is_error);
    let site = match &content {
        Some(content) if valid => match check_site(root, content, today, args) {
            Ok(report) => Some(report),
            // What only rendering finds (too deep nesting, an id of the theme) is listed
            // like any other content error.
            Err(Error::Content {
                diagnostics: found, ..
            }) => {
                diagnostics.extend(found);
                None
            }
            Err(error) => {
                build_error = Some(error.to_string());
                None
            }
        },
        _ => None,
    };
    let validation_errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - validation_errors;
    let errors = validation_errors
        + site.as_ref().map(SiteReport::errors).unwrap_or(0)
        + usize::from(build_error.is_some());
    Ok(CheckReport {
        ok: errors == 0,
        today: today.to_string(),
        resources,
        pages,
        errors,
        warnings,
        diagnostics,
        site,
        build_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes() {
        let found = tags(
            r#"<a href="../x/#a" class=b>t</a><!-- <a href="no"> --><img src='i.svg' alt="x"><script>var a = "<a href='no'>";</script><p id="top">"#,
        );
        let names: Vec<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(names, ["html", "head", "body", "a", "img", "script", "p"]);
        assert_eq!(found[3].1[0], ("href".to_owned(), "../x/#a".to_owned()));
        assert_eq!(found[4].1[0], ("src".to_owned(), "i.svg".to_owned()));
    }

    fn internal(href: &str, page: &str) -> (String, Option<String>) {
        match classify(href, page, "https://zaitaku.example.jp/") {
            Target::Internal { path, fragment } => (path, fragment),
            _ => panic!("{href} is not internal"),
        }
    }

    #[test]
    fn resolves_relative_links() {
        assert_eq!(internal("../b/", "/resources/a/").0, "/resources/b/");
        assert_eq!(internal("../../", "/resources/a/").0, "/");
        assert_eq!(internal("../../../..", "/resources/a/").0, "/");
        assert_eq!(internal("assets/site.css", "/").0, "/assets/site.css");
        assert_eq!(internal("/about/", "/news/x/").0, "/about/");
        assert_eq!(internal("?q=1", "/news/x/").0, "/news/x/");
        assert_eq!(
            internal("%E7%9B%B8%E8%AB%87/#%E6%99%82%E9%96%93", "/"),
            ("/相談/".to_owned(), Some("時間".to_owned()))
        );
        assert_eq!(
            internal("https://zaitaku.example.jp/about/", "/").0,
            "/about/"
        );
        assert!(matches!(
            classify("https://example.jp/", "/", "https://zaitaku.example.jp/"),
            Target::External
        ));
        assert!(matches!(
            classify("//example.jp/x", "/", ""),
            Target::External
        ));
        assert!(matches!(classify("tel:088", "/", ""), Target::Skip));
        assert!(matches!(
            classify("mailto:a@example.jp", "/", ""),
            Target::Skip
        ));
    }

    #[test]
    fn names_compare_without_forms() {
        assert_eq!(name_key("医療法人 髙橋内科"), name_key("高橋内科"));
    }
}
