//! The printed directory (医療・介護資源ガイド).
//!
//! * `/print/` lists the booklets; each booklet is one HTML page laid out for A4 with CSS paged
//!   media (`assets/print-directory.css`): the whole directory, one per area, one per category,
//!   and the A4-landscape table of every ケアマネタイム window. They are [`Job`]s of the build
//!   like the other big pages, built and dropped one at a time.
//! * [`pdf`]: `zaitaku pdf` prints a booklet with headless Chromium. Chromium cannot fill in
//!   page numbers (no `target-counter()` in print), so the table of contents and the kana index
//!   are numbered in two passes: print once, read on which page each section and facility
//!   landed (the PDF's named destinations, which Chromium writes for every `#id` a link points
//!   to), render again with those numbers, and check the second print put everything on the
//!   same pages.
//! * [`lookup`]: `caremane-time/data.js`, what the "whom can I contact now" lookup filters.
//!
//! [`Job`]: crate::site::Job

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::Site;
use super::rows::{CAREMANE_ENTRY_ROW, ENTRY_ROW, Rows};
use crate::content::Content;
use crate::content::pages::PageKind;
use crate::content::resource::Resource;
use crate::content::site::{SiteConfig, Term};
use crate::error::{Error, Result};
use crate::ja::{self, ROW_SLUGS};
use crate::render::Theme;
use crate::render::view::{self, Output, PageView, home_crumb, root_prefix};

/// The title printed on every booklet's cover and running header.
pub const DIRECTORY_TITLE: &str = "医療・介護資源ガイド";
/// The pamphlet's title (its pages on the site and its printed booklet).
pub const PAMPHLET_TITLE: &str = "在宅医療と介護";
/// The manga's title.
pub const MANGA_TITLE: &str = "漫画で知る在宅医療";

/// A booklet's PDF that `zaitaku build --pdf` wrote into the site, as its pages link it.
#[derive(Debug, Clone, Serialize)]
pub struct PdfFile {
    /// The booklet's key (`whole`, `area:north`, `pamphlet`).
    pub key: String,
    /// Site-relative, e.g. `print/directory-whole.pdf`.
    pub url: String,
    pub pages: u32,
    /// Its size in KB (1,024 bytes), rounded up.
    pub kb: u64,
}

/// One printable booklet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booklet {
    /// Every facility, by category then area.
    Whole,
    /// The A4-landscape table of every ケアマネタイム window.
    Caremane,
    /// One area (index into `site.areas`), by category.
    Area(usize),
    /// One category (index into `site.categories`), by area.
    Category(usize),
    /// The pamphlet 「在宅医療と介護」, chapter by chapter (`zaitaku pdf` only).
    Pamphlet,
    /// The manga, episode by episode (`zaitaku pdf` only).
    Manga,
}

impl Booklet {
    /// Every booklet of a site, in the order `/print/` lists them.
    pub fn all(site: &SiteConfig) -> Vec<Booklet> {
        let mut all = vec![Booklet::Whole, Booklet::Caremane];
        all.extend((0..site.areas.len()).map(Booklet::Area));
        all.extend((0..site.categories.len()).map(Booklet::Category));
        all
    }

    /// Everything `zaitaku pdf --booklet` can print: the directory's booklets, then the
    /// pamphlet and the manga.
    pub fn printable(site: &SiteConfig) -> Vec<Booklet> {
        let mut all = Booklet::all(site);
        all.extend([Booklet::Pamphlet, Booklet::Manga]);
        all
    }

    /// The booklets `zaitaku build --pdf` prints into `print/`: the ones the centre hands out
    /// (the whole directory, the ケアマネタイム list, each area with facilities, the pamphlet
    /// and the manga when the site has them). A category's booklet is printed from its page.
    pub fn published(content: &Content) -> Vec<Booklet> {
        let site = &content.site;
        let has = |kind: PageKind| content.pages.iter().any(|p| p.kind == kind);
        Booklet::printable(site)
            .into_iter()
            .filter(|b| match b {
                Booklet::Whole => !content.resources.is_empty(),
                Booklet::Caremane | Booklet::Area(_) => {
                    content.resources.iter().any(|r| b.includes(r, site))
                }
                Booklet::Category(_) => false,
                Booklet::Pamphlet => has(PageKind::Pamphlet),
                Booklet::Manga => has(PageKind::Manga),
            })
            .collect()
    }

    /// The PDF's file name: `directory-whole.pdf`, `directory-area-north.pdf`, `pamphlet.pdf`.
    pub fn pdf_name(self, site: &SiteConfig) -> String {
        match self {
            Booklet::Pamphlet | Booklet::Manga => format!("{}.pdf", self.key(site)),
            _ => format!("directory-{}.pdf", self.key(site).replace(':', "-")),
        }
    }

    /// Site-relative URL, e.g. `print/area/north/`.
    pub fn url(self, site: &SiteConfig) -> String {
        match self {
            Booklet::Pamphlet => "print/pamphlet/".to_owned(),
            Booklet::Manga => "print/manga/".to_owned(),
            Booklet::Whole => "print/whole/".to_owned(),
            Booklet::Caremane => "print/caremane/".to_owned(),
            Booklet::Area(i) => format!("print/area/{}/", site.areas[i].key),
            Booklet::Category(i) => format!("print/category/{}/", site.categories[i].key),
        }
    }

    /// The pages a pamphlet or manga booklet prints.
    pub fn page_kind(self) -> Option<PageKind> {
        match self {
            Booklet::Pamphlet => Some(PageKind::Pamphlet),
            Booklet::Manga => Some(PageKind::Manga),
            _ => None,
        }
    }

    /// What `--booklet` takes: `whole`, `caremane`, `area:KEY`, `category:KEY`.
    pub fn key(self, site: &SiteConfig) -> String {
        match self {
            Booklet::Pamphlet => "pamphlet".to_owned(),
            Booklet::Manga => "manga".to_owned(),
            Booklet::Whole => "whole".to_owned(),
            Booklet::Caremane => "caremane".to_owned(),
            Booklet::Area(i) => format!("area:{}", site.areas[i].key),
            Booklet::Category(i) => format!("category:{}", site.categories[i].key),
        }
    }

    /// The edition's name: 全体版, 北部版, 病院編, ケアマネタイム一覧.
    pub fn edition(self, site: &SiteConfig) -> String {
        match self {
            Booklet::Whole => "全体版".to_owned(),
            Booklet::Caremane => "ケアマネタイム一覧".to_owned(),
            Booklet::Area(i) => format!("{}版", site.areas[i].label),
            Booklet::Category(i) => format!("{}編", site.categories[i].label),
            Booklet::Pamphlet => PAMPHLET_TITLE.to_owned(),
            Booklet::Manga => MANGA_TITLE.to_owned(),
        }
    }

    /// The page title.
    pub fn title(self, site: &SiteConfig) -> String {
        match self {
            Booklet::Caremane => "ケアマネタイム一覧（印刷用・A4横）".to_owned(),
            Booklet::Pamphlet | Booklet::Manga => format!("{}（印刷用）", self.edition(site)),
            _ => format!("{DIRECTORY_TITLE}（{}・印刷用）", self.edition(site)),
        }
    }

    /// Parses `--booklet`; the error lists every valid value.
    pub fn parse(value: &str, site: &SiteConfig) -> Result<Booklet> {
        let value = value.trim();
        let found = Booklet::printable(site)
            .into_iter()
            .find(|b| b.key(site) == value);
        found.ok_or_else(|| {
            let valid: Vec<String> = Booklet::printable(site)
                .iter()
                .map(|b| b.key(site))
                .collect();
            Error::Setup(format!(
                "--booklet「{}」という冊子はありません。次から選んでください: {}",
                crate::error::printable(value),
                valid.join("、")
            ))
        })
    }

    pub fn includes(self, resource: &Resource, site: &SiteConfig) -> bool {
        match self {
            Booklet::Whole => true,
            Booklet::Caremane => !resource.caremane_time.is_empty(),
            Booklet::Area(i) => resource
                .area
                .as_ref()
                .is_some_and(|a| a.key == site.areas[i].key),
            Booklet::Category(i) => resource.category.key == site.categories[i].key,
            Booklet::Pamphlet | Booklet::Manga => false,
        }
    }
}

/// How the table of contents and the index show page numbers.
#[derive(Debug, Clone, Copy)]
pub enum Numbering<'a> {
    /// On the web: no numbers (a browser's own pagination cannot be known in advance).
    None,
    /// First PDF pass: a stand-in of the same width, so the layout does not change.
    Placeholder,
    /// Second pass: anchor → page number read from the first.
    Pages(&'a HashMap<String, u32>),
}

impl Numbering<'_> {
    fn page(&self, anchor: &str) -> Option<String> {
        match self {
            Numbering::None => None,
            Numbering::Placeholder => Some("0".to_owned()),
            Numbering::Pages(pages) => Some(
                pages
                    .get(anchor)
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "?".to_owned()),
            ),
        }
    }
}

/// A service with its mark (①②…) for the legend.
#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    pub key: String,
    pub mark: String,
    pub label: String,
}

/// ① … ⑳, ㉑ … ㉟, then (36).
pub fn circled(number: usize) -> String {
    match number {
        1..=20 => char::from_u32(0x2460 + number as u32 - 1).map(String::from),
        21..=35 => char::from_u32(0x3251 + number as u32 - 21).map(String::from),
        _ => None,
    }
    .unwrap_or_else(|| format!("({number})"))
}

fn marks(site: &SiteConfig) -> Vec<Mark> {
    site.services
        .iter()
        .enumerate()
        .map(|(i, s)| Mark {
            key: s.key.clone(),
            mark: circled(i + 1),
            label: s.label.clone(),
        })
        .collect()
}

/// A ケアマネタイム window as the directory prints it.
#[derive(Debug, Clone, Serialize)]
pub struct WindowLine {
    pub days: String,
    pub time: String,
    pub methods: String,
    pub contact: Option<String>,
    pub appointment: bool,
    pub note: Option<String>,
}

/// One facility's entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: String,
    pub anchor: String,
    pub name: String,
    pub kana: String,
    pub corporation: Option<String>,
    pub category: String,
    pub area: Option<String>,
    pub postal_code: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
    /// 「月・火・水・金 9:00〜12:30、15:00〜18:00」, one line per set of days with the same hours.
    pub hours: Vec<String>,
    pub closed: Option<String>,
    pub services: Vec<Mark>,
    pub specialties: String,
    pub caremane: Vec<WindowLine>,
    pub verified: String,
}

/// Weekdays with the same hours on one line.
pub fn hours_lines(resource: &Resource) -> Vec<String> {
    let mut lines: Vec<(String, Vec<&str>)> = Vec::new();
    for day in &resource.hours_table {
        if day.bands.is_empty() {
            continue;
        }
        let bands = day.bands.join("、");
        match lines.iter_mut().find(|(b, _)| *b == bands) {
            Some((_, days)) => days.push(day.label),
            None => lines.push((bands, vec![day.label])),
        }
    }
    lines
        .into_iter()
        .map(|(bands, days)| format!("{}　{bands}", days.join("・")))
        .collect()
}

fn methods_label(methods: &[Term]) -> String {
    methods
        .iter()
        .map(|m| m.label.as_str())
        .collect::<Vec<_>>()
        .join("・")
}

impl Entry {
    pub fn of(resource: &Resource, marks: &[Mark]) -> Entry {
        Entry {
            id: resource.id.clone(),
            anchor: format!("f-{}", resource.id),
            name: resource.name.clone(),
            kana: resource.kana.clone(),
            corporation: resource.corporation.clone(),
            category: resource.category.label.clone(),
            area: resource.area.as_ref().map(|a| a.label.clone()),
            postal_code: resource.postal_code.clone(),
            address: resource.address.clone(),
            phone: resource.phone.clone(),
            fax: resource.fax.clone(),
            email: resource.email.clone(),
            url: resource.url.clone(),
            hours: hours_lines(resource),
            closed: resource.closed.clone(),
            services: resource
                .services
                .iter()
                .filter_map(|s| marks.iter().find(|m| m.key == s.key).cloned())
                .collect(),
            specialties: resource.specialties.join("・"),
            caremane: resource
                .caremane_time
                .iter()
                .map(|w| WindowLine {
                    days: w.days_label.clone(),
                    time: format!("{}〜{}", w.from, w.to),
                    methods: methods_label(&w.methods),
                    contact: w.contact.clone(),
                    appointment: w.appointment,
                    note: w.note.clone(),
                })
                .collect(),
            verified: ja::seireki(resource.verified),
        }
    }
}

/// Facilities under a heading inside a section (an area inside a category).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub anchor: String,
    /// The heading (北部（病院）); None when the section has only this group and no heading.
    pub title: Option<String>,
    /// The contents' line (北部).
    pub label: Option<String>,
    pub page: Option<String>,
    pub count: usize,
    /// The entries' HTML: a marker in the page's context, replaced by the entries rendered in
    /// parts with `print_entries.html` ([`BookletPage::write`]).
    pub entries: String,
}

/// A section that starts on a new page (a category, or an area in a category booklet).
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub anchor: String,
    pub title: String,
    pub page: Option<String>,
    pub count: usize,
    pub groups: Vec<Group>,
}

/// A chapter of the pamphlet or an episode of the manga in its printed booklet.
#[derive(Debug, Clone, Serialize)]
pub struct Chapter<'a> {
    pub anchor: String,
    /// 第1章, 第2話: its number as the booklet prints it.
    pub number: String,
    /// The title begins with its number already (「第1話 退院の日」): not printed twice.
    pub numbered_title: bool,
    /// Its page in the contents (printed booklets only).
    pub page: Option<String>,
    #[serde(flatten)]
    pub view: PageView<'a>,
}

/// One line of the kana index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    pub name: String,
    pub kana: String,
    pub category: String,
    pub anchor: String,
    pub page: Option<String>,
}

/// A 五十音 row of the kana index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexRow {
    pub row: String,
    pub anchor: String,
    /// The lines' HTML: a marker, replaced by `print_index_entries.html` rendered in parts.
    pub entries: String,
}

fn by_area(resource: &Resource) -> Option<&str> {
    resource.area.as_ref().map(|a| a.key.as_str())
}

fn by_category(resource: &Resource) -> Option<&str> {
    Some(resource.category.key.as_str())
}

/// Groups `members` (places in `resources`) by `terms` (in their order), with a last group
/// for members without a term.
fn split_by(
    members: &[usize],
    resources: &[Resource],
    terms: &[Term],
    key_of: fn(&Resource) -> Option<&str>,
    none: &str,
) -> Vec<(String, String, Vec<usize>)> {
    let mut out: Vec<(String, String, Vec<usize>)> = terms
        .iter()
        .map(|t| (t.key.clone(), t.label.clone(), Vec::new()))
        .collect();
    let mut rest = Vec::new();
    for &index in members {
        match key_of(&resources[index]).and_then(|k| out.iter_mut().find(|(key, _, _)| key == k)) {
            Some((_, _, list)) => list.push(index),
            None => rest.push(index),
        }
    }
    if !rest.is_empty() {
        out.push(("none".to_owned(), none.to_owned(), rest));
    }
    out.retain(|(_, _, list)| !list.is_empty());
    out
}

/// A list of a booklet rendered apart from its page, in parts: the entries of one group, the
/// lines of one row of the kana index, or the facilities of the ケアマネタイム table (each
/// the places of its facilities in the content).
#[derive(Debug)]
enum Part {
    Entries(Vec<usize>),
    Index(Vec<usize>),
    Caremane(Vec<usize>),
}

/// Parts and the markers that stand for them in the page.
struct Parts {
    /// The beginning of every marker; unique to this booklet, so no text of the content can
    /// be taken for one.
    prefix: String,
    list: Vec<Part>,
}

impl Parts {
    fn new() -> Parts {
        use std::hash::{BuildHasher, Hasher};
        let nonce = std::hash::RandomState::new().build_hasher().finish();
        Parts {
            prefix: format!("\u{0}zaitaku-part-{nonce:016x}-"),
            list: Vec::new(),
        }
    }

    /// Adds a part; returns its marker.
    fn add(&mut self, part: Part) -> String {
        self.list.push(part);
        format!("{}{}\u{0}", self.prefix, self.list.len() - 1)
    }
}

/// The sections of a directory booklet (not the ケアマネタイム table); their entries go to
/// `parts`.
fn sections(
    content: &Content,
    booklet: Booklet,
    numbering: Numbering<'_>,
    parts: &mut Parts,
) -> Vec<Section> {
    let site = &content.site;
    let resources = &content.resources;
    let members = members_of(content, booklet);
    match booklet {
        Booklet::Whole => split_by(&members, resources, &site.categories, by_category, "その他")
            .into_iter()
            .map(|(key, label, list)| {
                let anchor = format!("s-{key}");
                let count = list.len();
                let groups = split_by(&list, resources, &site.areas, by_area, "圏域未設定")
                    .into_iter()
                    .map(|(area_key, area_label, sub)| {
                        let anchor = format!("s-{key}-{area_key}");
                        Group {
                            page: numbering.page(&anchor),
                            anchor,
                            title: Some(format!("{area_label}（{label}）")),
                            label: Some(area_label),
                            count: sub.len(),
                            entries: parts.add(Part::Entries(sub)),
                        }
                    })
                    .collect();
                Section {
                    page: numbering.page(&anchor),
                    anchor,
                    title: label,
                    count,
                    groups,
                }
            })
            .collect(),
        Booklet::Area(_) | Booklet::Category(_) => {
            let split = if matches!(booklet, Booklet::Area(_)) {
                split_by(&members, resources, &site.categories, by_category, "その他")
            } else {
                split_by(&members, resources, &site.areas, by_area, "圏域未設定")
            };
            split
                .into_iter()
                .map(|(key, label, list)| {
                    let anchor = format!("s-{key}");
                    Section {
                        page: numbering.page(&anchor),
                        anchor: anchor.clone(),
                        title: label,
                        count: list.len(),
                        groups: vec![Group {
                            page: None,
                            anchor: format!("{anchor}-list"),
                            title: None,
                            label: None,
                            count: list.len(),
                            entries: parts.add(Part::Entries(list)),
                        }],
                    }
                })
                .collect()
        }
        Booklet::Caremane | Booklet::Pamphlet | Booklet::Manga => Vec::new(),
    }
}

/// The kana index of the facilities of `members`; its rows' lines go to `parts`.
fn kana_index(resources: &[Resource], members: &[usize], parts: &mut Parts) -> Vec<IndexRow> {
    let mut all: Vec<usize> = members.to_vec();
    // Each record's sort key and row were made once, when it was loaded.
    all.sort_by(|&a, &b| {
        let (a, b) = (&resources[a], &resources[b]);
        (&a.sort_key, &a.id).cmp(&(&b.sort_key, &b.id))
    });
    ROW_SLUGS
        .iter()
        .filter_map(|(row, slug)| {
            let entries: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| resources[i].row == *row)
                .collect();
            (!entries.is_empty()).then(|| IndexRow {
                row: (*row).to_owned(),
                anchor: format!("k-{slug}"),
                entries: parts.add(Part::Index(entries)),
            })
        })
        .collect()
}

/// The cover's dates.
fn dates(today: Date, latest: Option<Date>) -> (String, String, Option<String>) {
    (
        today.to_string(),
        format!("{}／{}", ja::seireki(today), ja::wareki(today)),
        latest.map(ja::seireki),
    )
}

/// Context every booklet shares.
fn booklet_context(site: &SiteConfig, booklet: Booklet, url: &str) -> view::Context {
    let mut context = view::Context::unkeyed();
    context.insert("site", site);
    context.insert("root", &root_prefix(url));
    context.insert("url", url);
    context.insert("canonical", &format!("{}{url}", site.base_url));
    context.insert("title", &booklet.title(site));
    context.insert("directory_title", DIRECTORY_TITLE);
    context.insert("edition", &booklet.edition(site));
    context.insert("booklet_key", &booklet.key(site));
    context.insert("holidays_valid_until", &crate::ja::holidays::valid_until());
    let running_title = match booklet.page_kind() {
        Some(_) => format!("{}　{}", site.title, booklet.edition(site)),
        None => format!(
            "{}　{DIRECTORY_TITLE}（{}）",
            site.title,
            booklet.edition(site)
        ),
    };
    context.insert("running_title_css", &css_string(&running_title));
    context
}

/// A CSS string literal (with its quotes) that is also safe inside `<style>`.
pub fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' | '<' | '>' | '&' | '\n' | '\r' => {
                out.push_str(&format!("\\{:x} ", c as u32))
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Facilities rendered together as one part of a list; parts are rendered in parallel.
const PART_ENTRIES: usize = 200;
/// Parts rendered before they are written out: the most of a booklet held in memory.
const PARTS_AT_ONCE: usize = 32;

/// A booklet: its page, with a marker for each long list, and the lists themselves, rendered
/// in parts of [`PART_ENTRIES`] facilities and streamed out in place of their markers
/// ([`BookletPage::write`]), so that no context or string ever holds the whole directory.
pub struct BookletPage<'a> {
    pub output: Output,
    content: &'a Content,
    /// The records' rows ([`rows`]): the entries, rendered once per record.
    rows: Arc<Rows>,
    parts: Parts,
    numbering: Numbering<'a>,
    marks: Vec<Mark>,
    single_level: bool,
}

/// Builds one booklet's page. `numbering` decides what the contents and index show as page
/// numbers.
pub fn booklet_page<'a>(
    whole: &Site<'a>,
    booklet: Booklet,
    numbering: Numbering<'a>,
) -> BookletPage<'a> {
    let content = whole.content;
    let today = whole.today;
    let site = &content.site;
    let url = booklet.url(site);
    let mut context = booklet_context(site, booklet, &url);
    let members = members_of(content, booklet);
    let resources = &content.resources;
    let latest = members.iter().map(|&i| resources[i].verified).max();
    let (issued, issued_label, latest_label) = dates(today, latest);
    context.insert("issued", &issued);
    context.insert("issued_label", &issued_label);
    context.insert("latest_label", &latest_label);
    context.insert("numbered", &!matches!(numbering, Numbering::None));
    let single_level = matches!(booklet, Booklet::Area(_) | Booklet::Category(_));
    let mut parts = Parts::new();
    let template = if let Some(kind) = booklet.page_kind() {
        let chapters: Vec<Chapter> = whole
            .kind(kind)
            .iter()
            .enumerate()
            .map(|(index, page)| {
                let anchor = format!("ch-{}", page.slug);
                let unit = if kind == PageKind::Pamphlet {
                    "章"
                } else {
                    "話"
                };
                let number = format!("第{}{unit}", index + 1);
                Chapter {
                    page: numbering.page(&anchor),
                    anchor,
                    numbered_title: page.title.trim_start().starts_with(&number),
                    number,
                    view: PageView::of(page),
                }
            })
            .collect();
        context.insert("chapters", &chapters);
        context.insert("count", &chapters.len());
        if kind == PageKind::Pamphlet {
            "print_pamphlet.html"
        } else {
            "print_manga.html"
        }
    } else if booklet == Booklet::Caremane {
        context.insert("count", &members.len());
        context.insert(
            "window_count",
            &members
                .iter()
                .map(|&i| resources[i].caremane_time.len())
                .sum::<usize>(),
        );
        context.insert("entries", &parts.add(Part::Caremane(members)));
        "print_caremane.html"
    } else {
        let sections = sections(content, booklet, numbering, &mut parts);
        let count: usize = sections.iter().map(|s| s.count).sum();
        context.insert("count", &count);
        context.insert("index", &kana_index(resources, &members, &mut parts));
        context.insert("index_page", &numbering.page("kana-index"));
        context.insert("legend_page", &numbering.page("legend"));
        context.insert("sections", &sections);
        context.insert("marks", &marks(site));
        context.insert("single_level", &single_level);
        "print_booklet.html"
    };
    BookletPage {
        output: Output {
            file: format!("{url}index.html"),
            template,
            context,
        },
        content,
        rows: whole.rows.clone(),
        parts,
        numbering,
        marks: marks(site),
        single_level,
    }
}

impl BookletPage<'_> {
    /// Renders the page and writes it to `sink` piece by piece: the page up to a marker, then
    /// that marker's list, rendered in parts in parallel, and so on.
    pub fn write(&self, theme: &Theme, sink: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let page = theme.render(self.output.template, &self.output.context)?;
        let prefix = self.parts.prefix.as_str();
        let mut rest = page.as_str();
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            let Some((number, tail)) = after
                .split_once('\u{0}')
                .and_then(|(n, tail)| Some((n.parse::<usize>().ok()?, tail)))
                .filter(|(n, _)| *n < self.parts.list.len())
            else {
                // Not one of ours after all: written as it is.
                sink(&rest.as_bytes()[..at + prefix.len()])?;
                rest = after;
                continue;
            };
            sink(&rest.as_bytes()[..at])?;
            self.write_part(&self.parts.list[number], theme, sink)?;
            rest = tail;
        }
        sink(rest.as_bytes())
    }

    /// The page as one string (`zaitaku pdf`, tests).
    pub fn render(&self, theme: &Theme) -> Result<String> {
        let mut bytes = Vec::new();
        self.write(theme, &mut |piece| {
            bytes.extend_from_slice(piece);
            Ok(())
        })?;
        Ok(String::from_utf8(bytes).expect("templates render UTF-8"))
    }

    fn write_part(
        &self,
        part: &Part,
        theme: &Theme,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let resources = &self.content.resources;
        // Each facility's entry rendered with the row template when the theme has it (kept
        // for the next build where the rows are: `super::rows`).
        let by_row = match part {
            Part::Entries(_) => theme.has(ENTRY_ROW),
            Part::Caremane(_) => theme.has(CAREMANE_ENTRY_ROW),
            Part::Index(_) => false,
        };
        let row = |i: usize, ahead: Option<String>| -> Result<Cow<'_, str>> {
            match part {
                Part::Caremane(_) => self.rows.caremane_entry(i, &resources[i], theme, ahead),
                _ => self.rows.entry(
                    i,
                    &resources[i],
                    theme,
                    &self.marks,
                    self.single_level,
                    ahead,
                ),
            }
        };
        let (Part::Entries(list) | Part::Index(list) | Part::Caremane(list)) = part;
        for batch in list.chunks(PART_ENTRIES * PARTS_AT_ONCE) {
            if by_row {
                // The batch's kept rows read together (`super::rows::Rows::ahead`).
                let ahead = match part {
                    Part::Caremane(_) => self.rows.ahead_caremane_entries(batch, theme),
                    _ => self.rows.ahead_entries(batch, theme, self.single_level),
                };
                let rendered: Vec<Cow<'_, str>> = batch
                    .par_iter()
                    .zip(ahead.into_par_iter())
                    .map(|(&i, ahead)| row(i, ahead))
                    .collect::<Result<_>>()?;
                for html in rendered {
                    sink(html.as_bytes())?;
                }
                continue;
            }
            let rendered: Vec<String> = batch
                .par_chunks(PART_ENTRIES)
                .map(|chunk| self.render_part(part, chunk, theme))
                .collect::<Result<_>>()?;
            for html in rendered {
                sink(html.as_bytes())?;
            }
        }
        Ok(())
    }

    /// A part rendered whole with the theme's list template (`print_entries.html`,
    /// `print_index_entries.html`, `print_caremane_entries.html`).
    fn render_part(&self, part: &Part, chunk: &[usize], theme: &Theme) -> Result<String> {
        let resources = &self.content.resources;
        let chunk = chunk.iter().map(|&i| &resources[i]);
        let mut context = Context::new();
        let template = match part {
            Part::Entries(_) => {
                let entries: Vec<Entry> = chunk.map(|r| Entry::of(r, &self.marks)).collect();
                context.insert("entries", &entries);
                context.insert("single_level", &self.single_level);
                "print_entries.html"
            }
            Part::Index(_) => {
                let entries: Vec<IndexEntry> = chunk
                    .map(|r| {
                        let anchor = format!("f-{}", r.id);
                        IndexEntry {
                            name: r.name.clone(),
                            kana: r.kana.clone(),
                            category: r.category.label.clone(),
                            page: self.numbering.page(&anchor),
                            anchor,
                        }
                    })
                    .collect();
                context.insert("entries", &entries);
                context.insert("numbered", &!matches!(self.numbering, Numbering::None));
                "print_index_entries.html"
            }
            Part::Caremane(_) => {
                let entries: Vec<Entry> = chunk.map(|r| Entry::of(r, &[])).collect();
                context.insert("entries", &entries);
                "print_caremane_entries.html"
            }
        };
        theme.render(template, &context)
    }
}

/// The places in the content of the facilities a booklet lists.
fn members_of(content: &Content, booklet: Booklet) -> Vec<usize> {
    (0..content.resources.len())
        .filter(|&i| booklet.includes(&content.resources[i], &content.site))
        .collect()
}

/// One booklet of `/print/` as a build job.
pub fn booklet_job<'a>(whole: &Site<'a>, index: usize) -> BookletPage<'a> {
    let booklet = Booklet::all(&whole.content.site)[index];
    booklet_page(whole, booklet, Numbering::None)
}

/// The file a booklet job writes.
pub fn booklet_file(site: &SiteConfig, index: usize) -> String {
    format!("{}index.html", Booklet::all(site)[index].url(site))
}

/// A booklet as `/print/` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct BookletLink {
    pub key: String,
    pub title: String,
    pub edition: String,
    pub url: String,
    pub count: usize,
    /// Its PDF, when the build printed one.
    pub pdf: Option<PdfFile>,
}

/// `/print/`: the list of booklets, in the site's layout.
pub fn index_output(whole: &Site<'_>) -> Output {
    let content = whole.content;
    let site = &content.site;
    let links = |filter: &dyn Fn(&Booklet) -> bool| -> Vec<BookletLink> {
        Booklet::all(site)
            .into_iter()
            .filter(|b| filter(b))
            .map(|b| BookletLink {
                key: b.key(site),
                title: b.title(site),
                edition: b.edition(site),
                url: b.url(site),
                count: content
                    .resources
                    .iter()
                    .filter(|r| b.includes(r, site))
                    .count(),
                pdf: whole.pdf_of(&b.key(site)).cloned(),
            })
            .collect()
    };
    let mut context = whole
        .common
        .context("print/", "印刷用の資源ガイド", vec![home_crumb()]);
    context.insert("directory_title", DIRECTORY_TITLE);
    context.insert(
        "main_booklets",
        &links(&|b| matches!(b, Booklet::Whole | Booklet::Caremane)),
    );
    context.insert("area_booklets", &links(&|b| matches!(b, Booklet::Area(_))));
    context.insert(
        "category_booklets",
        &links(&|b| matches!(b, Booklet::Category(_))),
    );
    context.insert("pdfs", &whole.pdfs);
    Output {
        file: "print/index.html".to_owned(),
        template: "print_index.html",
        context,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_strings_are_escaped() {
        assert_eq!(css_string("a\"b</style>"), "\"a\\22 b\\3c /style\\3e \"");
    }

    #[test]
    fn circled_numbers() {
        assert_eq!(circled(1), "①");
        assert_eq!(circled(20), "⑳");
        assert_eq!(circled(21), "㉑");
        assert_eq!(circled(35), "㉟");
        assert_eq!(circled(36), "(36)");
    }
}
