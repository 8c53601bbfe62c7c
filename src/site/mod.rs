//! The view data each kind of page is rendered with. Templates only lay out what is here;
//! sorting, grouping, labels and dates are decided in Rust so every theme shows the same facts.

pub mod caremane;
pub mod feeds;
pub mod print;

use std::collections::BTreeMap;

use rayon::prelude::*;

use jiff::civil::Date;
use serde::Serialize;
use tera::Context;

use crate::render::ReservedIds;
use crate::content::Content;
use crate::content::pages::{Page, PageKind};
use crate::content::resource::{CaremaneWindow, Resource};
use crate::content::site::Term;
use crate::diagnostics::{Diagnostic, Position};
use crate::error::{Error, Result};
use crate::ja;
use crate::content::markdown::{self, Heading, IdUse, Refusal};

/// A link inside the site: `url` is site-relative without a leading slash (`resources/x/`).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

fn link(title: impl Into<String>, url: impl Into<String>) -> Link {
    Link {
        title: title.into(),
        url: url.into(),
    }
}

/// A vocabulary term with the number of facilities that use it.
#[derive(Debug, Clone, Serialize)]
pub struct TermCount {
    pub key: String,
    pub label: String,
    pub count: usize,
    pub url: String,
}

/// What listings show of a facility.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: String,
    pub url: String,
    pub name: String,
    pub kana: String,
    pub category: String,
    pub area: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub services: Vec<String>,
    pub has_caremane_time: bool,
}

impl Summary {
    pub fn of(resource: &Resource) -> Summary {
        Summary {
            id: resource.id.clone(),
            url: format!("resources/{}/", resource.id),
            name: resource.name.clone(),
            kana: resource.kana.clone(),
            category: resource.category.label.clone(),
            area: resource.area.as_ref().map(|a| a.label.clone()),
            address: resource.address.clone(),
            phone: resource.phone.clone(),
            fax: resource.fax.clone(),
            services: resource.services.iter().map(|s| s.label.clone()).collect(),
            has_caremane_time: !resource.caremane_time.is_empty(),
        }
    }
}

/// A group of facilities under a heading (by area, by category, by 五十音 row).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub resources: Vec<Summary>,
}

/// One ケアマネタイム window with the facility it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct CaremaneRow {
    pub resource: Summary,
    pub verified: String,
    pub window: CaremaneWindow,
}

/// A Markdown page with its rendered body.
#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    #[serde(flatten)]
    pub page: Page,
    pub url: String,
    pub html: String,
    /// Pamphlet chapters only: the body with its headings one level deeper (top level h3), for
    /// the one-page version where each chapter's title is an h2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_nested: Option<String>,
    pub toc: Vec<Heading>,
    /// What the page shows of its body, as plain text: the one text search, feeds, calendars
    /// and descriptions use (read back from the sanitised HTML).
    pub text: String,
    /// The body's ids and where they are written, for the check against the theme's ids.
    #[serde(skip)]
    pub ids: Vec<IdUse>,
}

/// Renders a page body so that its highest heading becomes `<h{top}>`, whether the author
/// started at `#` or `##` (a page has its own h1, so the body's sections start at h2).
fn render_body(page: &Page, top: u8) -> Result<markdown::Rendered, Refusal> {
    let prefix = format!("{}-h", page.slug);
    let root = root_prefix(&page.path);
    let highest = markdown::highest_heading(&page.body).unwrap_or(top);
    markdown::render_at(
        &page.body,
        &prefix,
        top.saturating_sub(highest),
        Some(&root),
    )
}

/// The error for a document the renderer refused, at `position` of `file`.
fn refusal_error(file: &str, position: Position, field: &str, refusal: Refusal) -> Diagnostic {
    Diagnostic::error(file, position, refusal.message)
        .field(field)
        .hint(refusal.hint)
}

/// Where a line and column of a facility's note are in its YAML file: the note's text starts
/// at `note_position` (the line after `note: |` for a block), each line as far indented.
fn in_note(resource: &Resource, line: u64, column: u64) -> Position {
    let start = resource.note_position;
    Position::new(
        start.line + line.saturating_sub(1),
        start.column.max(1) + column.saturating_sub(1),
    )
}

/// Gives every id in a chapter's HTML, and the `#` links to them, the chapter's slug as a
/// prefix, so chapters joined on one page keep unique ids (two chapters may both have
/// `{#contact}`). The HTML comes from the sanitiser, so attributes are always `name="…"` and a
/// quote inside text is escaped.
fn prefix_ids(html: &str, slug: &str) -> String {
    const MARKS: [&str; 2] = [" id=\"", " href=\"#"];
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some((at, mark)) = MARKS
        .iter()
        .filter_map(|mark| rest.find(mark).map(|at| (at, *mark)))
        .min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at + mark.len()]);
        out.push_str(slug);
        out.push_str("--");
        rest = &rest[at + mark.len()..];
    }
    out.push_str(rest);
    out
}

impl PageView {
    /// Renders a page, or says why its body cannot be published.
    pub fn of(page: &Page) -> Result<PageView, Diagnostic> {
        let refused = |refusal: Refusal| {
            let line = page.body_line + refusal.line.saturating_sub(1);
            refusal_error(&page.file, Position::new(line, 1), BODY_FIELD, refusal)
        };
        // Pages have their own h1, so the body's highest heading becomes an h2.
        let rendered = render_body(page, 2).map_err(refused)?;
        let html_nested = match page.kind {
            PageKind::Pamphlet => Some(prefix_ids(
                &render_body(page, 3).map_err(refused)?.html,
                &page.slug,
            )),
            _ => None,
        };
        Ok(PageView {
            page: page.clone(),
            url: page.path.clone(),
            html: rendered.html,
            html_nested,
            toc: rendered
                .headings
                .into_iter()
                .filter(|h| h.level == 2)
                .collect(),
            text: rendered.text,
            ids: rendered.ids,
        })
    }
}

/// How diagnostics name a page's Markdown body (it has no key of its own).
const BODY_FIELD: &str = "本文";

/// A facility's `note`, rendered once for its page and for search.
#[derive(Debug, Clone, Default)]
pub struct NoteView {
    pub html: String,
    /// What the page shows of the note, as plain text.
    pub text: String,
    pub ids: Vec<IdUse>,
}

impl NoteView {
    /// Renders a facility's note for its page (`resources/<id>/`).
    pub fn of(resource: &Resource) -> Result<Option<NoteView>, Diagnostic> {
        let Some(note) = resource.note.as_deref() else {
            return Ok(None);
        };
        match markdown::render_note(note, "../../") {
            Ok(rendered) => Ok(Some(NoteView {
                html: rendered.html,
                text: rendered.text,
                ids: rendered.ids,
            })),
            Err(refusal) => Err(refusal_error(
                &resource.file,
                in_note(resource, refusal.line, 1),
                "note",
                refusal,
            )),
        }
    }
}

/// Which facility listing a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingKind {
    Category,
    Area,
    Service,
}

impl ListingKind {
    /// The URL segment and the `listing_kind` templates see.
    pub fn segment(self) -> &'static str {
        match self {
            ListingKind::Category => "category",
            ListingKind::Area => "area",
            ListingKind::Service => "service",
        }
    }
}

/// A page described cheaply; its view data is built only when it is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Resource(usize),
    Listing(ListingKind, usize),
    KanaRow(usize),
    CaremaneAll,
    CaremaneDay(usize),
    /// A booklet of the printed directory (`crate::site::print::Booklet::all`).
    Booklet(usize),
}

impl Job {
    /// Larger jobs rank lower, so they can be started first: a booklet of the whole directory
    /// started last keeps one core busy long after the other has run out of pages.
    pub fn size_rank(self) -> u8 {
        match self {
            Job::Booklet(_) => 0,
            Job::CaremaneAll | Job::CaremaneDay(_) => 1,
            Job::Listing(..) | Job::KanaRow(_) => 2,
            Job::Resource(_) => 3,
        }
    }
}

/// One page of the site to render.
pub struct Output {
    /// Site-relative file path, e.g. `resources/x/index.html`.
    pub file: String,
    pub template: &'static str,
    pub context: Context,
}

/// The "../" prefix that leads from a page at `url` (site-relative, ending in `/`) to the root.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// Builds every page's view data.
pub struct Views<'a> {
    pub content: &'a Content,
    pub today: Date,
    pub pages: BTreeMap<PageKind, Vec<PageView>>,
    /// Each facility's rendered note, by its index in `content.resources`.
    pub notes: Vec<Option<NoteView>>,
    base_path: String,
    /// `site` and the footer, serialised once: every page shares them, and tera's values are
    /// reference-counted, so each page only clones a pointer.
    site_value: tera::Value,
    footer_value: tera::Value,
}

/// The day keys that have their own ケアマネタイム page, and the URL segment for each.
pub const CAREMANE_DAYS: [&str; 8] = ja::DAY_KEYS;

/// Roman names of the 五十音 rows, used in URLs.
pub const ROW_SLUGS: [(&str, &str); 10] = [
    ("あ", "a"),
    ("か", "ka"),
    ("さ", "sa"),
    ("た", "ta"),
    ("な", "na"),
    ("は", "ha"),
    ("ま", "ma"),
    ("や", "ya"),
    ("ら", "ra"),
    ("わ", "wa"),
];

impl<'a> Views<'a> {
    /// Renders every Markdown document of the site (once: the pages, search and feeds all use
    /// this rendering). Fails with every document that cannot be published.
    pub fn new(content: &'a Content, today: Date) -> Result<Views<'a>> {
        let mut problems = Vec::new();
        let mut pages: BTreeMap<PageKind, Vec<PageView>> = BTreeMap::new();
        let rendered: Vec<Result<PageView, Diagnostic>> =
            content.pages.par_iter().map(PageView::of).collect();
        for view in rendered {
            match view {
                Ok(view) => pages.entry(view.page.kind).or_default().push(view),
                Err(problem) => problems.push(problem),
            }
        }
        let notes: Vec<Result<Option<NoteView>, Diagnostic>> =
            content.resources.par_iter().map(NoteView::of).collect();
        let notes: Vec<Option<NoteView>> = notes
            .into_iter()
            .map(|note| {
                note.unwrap_or_else(|problem| {
                    problems.push(problem);
                    None
                })
            })
            .collect();
        if !problems.is_empty() {
            return Err(Error::Content {
                errors: problems.len(),
                diagnostics: problems,
            });
        }
        let footer: Vec<Link> = pages
            .get(&PageKind::Page)
            .map(|list| list.iter().map(|p| link(&p.page.title, &p.url)).collect())
            .unwrap_or_default();
        let base_path = url::Url::parse(&content.site.base_url)
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|_| "/".to_owned());
        Ok(Views {
            site_value: tera::Value::from_serializable(&content.site),
            footer_value: tera::Value::from_serializable(&footer),
            content,
            today,
            pages,
            notes,
            base_path,
        })
    }

    /// Every id written in a page body or note that the theme's templates also use (the page
    /// would have two elements with one id: the skip link or a form would lead to the wrong
    /// one). An error naming the file, line and field, with the id to choose instead.
    pub fn check_ids(&self, reserved: &ReservedIds) -> Result<()> {
        let mut problems = Vec::new();
        let clash = |id: &IdUse| {
            reserved.holds(&id.id).then(|| {
                format!(
                    "id「{}」はサイトのひな形（テーマ）がすでに使っています。同じ id が 1 ページに 2 つあると、「本文へ移動」などのリンクや検索欄が正しく動きません。",
                    id.id
                )
            })
        };
        let hint = |id: &IdUse| {
            format!(
                "ほかと重ならない id に変えてください（例: {{#{}-honbun}}）。この id へのリンク（#{}）を書いていれば、そちらも直してください。",
                id.id, id.id
            )
        };
        for view in self.pages.values().flatten() {
            for id in &view.ids {
                if let Some(message) = clash(id) {
                    let line = view.page.body_line + id.line.saturating_sub(1);
                    problems.push(
                        Diagnostic::error(&view.page.file, Position::new(line, id.column), message)
                            .field(BODY_FIELD)
                            .hint(hint(id)),
                    );
                }
            }
        }
        for (resource, note) in self.content.resources.iter().zip(&self.notes) {
            for id in note.iter().flat_map(|note| &note.ids) {
                if let Some(message) = clash(id) {
                    problems.push(
                        Diagnostic::error(
                            &resource.file,
                            in_note(resource, id.line, id.column),
                            message,
                        )
                        .field("note")
                        .hint(hint(id)),
                    );
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Content {
                errors: problems.len(),
                diagnostics: problems,
            })
        }
    }

    fn kind(&self, kind: PageKind) -> &[PageView] {
        self.pages.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Context shared by every page: site, navigation, breadcrumbs, links' root.
    pub fn common(&self, url: &str, title: &str, breadcrumbs: Vec<Link>) -> Context {
        let mut context = Context::new();
        let site = &self.content.site;
        context.insert_value("site", self.site_value.clone());
        context.insert("root", &root_prefix(url));
        context.insert("url", url);
        context.insert("canonical", &format!("{}{}", site.base_url, url));
        context.insert("title", title);
        context.insert("breadcrumbs", &breadcrumbs);
        context.insert_value("footer_pages", self.footer_value.clone());
        context.insert("today", &self.today.to_string());
        context.insert("today_label", &ja::seireki(self.today));
        context.insert("description", &site.description);
        context.insert("holidays_valid_until", &crate::ja::holidays::valid_until());
        context
    }

    fn home_crumb() -> Link {
        link("ホーム", "")
    }

    fn upcoming(&self) -> (Vec<&PageView>, Vec<&PageView>) {
        let mut upcoming: Vec<&PageView> = Vec::new();
        let mut past: Vec<&PageView> = Vec::new();
        for lecture in self.kind(PageKind::Lecture) {
            if lecture.page.date().is_some_and(|d| d >= self.today) {
                upcoming.push(lecture);
            } else {
                past.push(lecture);
            }
        }
        // Upcoming: soonest first. Past: newest first (the load order).
        upcoming.sort_by_key(|l| l.page.date());
        (upcoming, past)
    }

    fn news_sorted(&self) -> Vec<&PageView> {
        let mut news: Vec<&PageView> = self.kind(PageKind::News).iter().collect();
        news.sort_by(|a, b| {
            b.page
                .date()
                .cmp(&a.page.date())
                .then(a.page.slug.cmp(&b.page.slug))
        });
        news
    }

    fn counts(
        &self,
        terms: &[Term],
        prefix: &str,
        count: impl Fn(&Term) -> usize,
    ) -> Vec<TermCount> {
        terms
            .iter()
            .map(|term| TermCount {
                key: term.key.clone(),
                label: term.label.clone(),
                count: count(term),
                url: format!("resources/{prefix}/{}/", term.key),
            })
            .collect()
    }

    fn category_counts(&self) -> Vec<TermCount> {
        let resources = &self.content.resources;
        self.counts(&self.content.site.categories, "category", |t| {
            resources.iter().filter(|r| r.category.key == t.key).count()
        })
    }

    fn area_counts(&self) -> Vec<TermCount> {
        let resources = &self.content.resources;
        self.counts(&self.content.site.areas, "area", |t| {
            resources
                .iter()
                .filter(|r| r.area.as_ref().is_some_and(|a| a.key == t.key))
                .count()
        })
    }

    fn service_counts(&self) -> Vec<TermCount> {
        let resources = &self.content.resources;
        self.counts(&self.content.site.services, "service", |t| {
            resources
                .iter()
                .filter(|r| r.services.iter().any(|s| s.key == t.key))
                .count()
        })
    }

    fn row_groups(&self) -> Vec<(String, String, Vec<&Resource>)> {
        ROW_SLUGS
            .iter()
            .map(|(row, slug)| {
                let members: Vec<&Resource> = self
                    .content
                    .resources
                    .iter()
                    .filter(|r| r.row == *row)
                    .collect();
                ((*row).to_owned(), (*slug).to_owned(), members)
            })
            .collect()
    }

    /// Every page of the site.
    /// The site's few fixed pages, with their view data. The many pages (facilities,
    /// listings, ケアマネタイム) are [`Job`]s whose data is built only when rendered.
    pub fn outputs(&self) -> Vec<Output> {
        let mut out = Vec::new();
        out.push(self.home());
        out.push(self.directory_index());
        out.extend(self.pamphlet());
        out.extend(self.manga());
        out.extend(self.lectures());
        out.extend(self.news());
        out.extend(self.plain_pages());
        out.push(self.search_page());
        out.push(crate::site::print::index_output(self));
        out.push(self.not_found());
        out
    }

    /// Every page whose data is built on demand, so a 100,000-record site never holds all of
    /// them at once.
    pub fn jobs(&self) -> Vec<Job> {
        let site = &self.content.site;
        let mut jobs: Vec<Job> = (0..self.content.resources.len())
            .map(Job::Resource)
            .collect();
        for (kind, terms) in [
            (ListingKind::Category, &site.categories),
            (ListingKind::Area, &site.areas),
            (ListingKind::Service, &site.services),
        ] {
            jobs.extend((0..terms.len()).map(|index| Job::Listing(kind, index)));
        }
        jobs.extend((0..ROW_SLUGS.len()).map(Job::KanaRow));
        jobs.push(Job::CaremaneAll);
        jobs.extend((0..CAREMANE_DAYS.len()).map(Job::CaremaneDay));
        jobs.extend((0..crate::site::print::Booklet::all(site).len()).map(Job::Booklet));
        jobs
    }

    /// The site-relative file a job writes.
    pub fn file_of(&self, job: Job) -> String {
        let site = &self.content.site;
        match job {
            Job::Resource(index) => {
                format!("resources/{}/index.html", self.content.resources[index].id)
            }
            Job::Listing(kind, index) => {
                let terms = match kind {
                    ListingKind::Category => &site.categories,
                    ListingKind::Area => &site.areas,
                    ListingKind::Service => &site.services,
                };
                format!(
                    "resources/{}/{}/index.html",
                    kind.segment(),
                    terms[index].key
                )
            }
            Job::KanaRow(index) => format!("resources/kana/{}/index.html", ROW_SLUGS[index].1),
            Job::CaremaneAll => "caremane-time/index.html".to_owned(),
            Job::CaremaneDay(index) => format!("caremane-time/{}/index.html", CAREMANE_DAYS[index]),
            Job::Booklet(index) => crate::site::print::booklet_file(site, index),
        }
    }

    /// Builds one job's page data.
    pub fn render_job(&self, job: Job) -> Output {
        match job {
            Job::Resource(index) => self.resource_page(index),
            Job::Listing(kind, index) => self.listing(kind, index),
            Job::KanaRow(index) => self.kana_row(index),
            Job::CaremaneAll => self.caremane_all(),
            Job::CaremaneDay(index) => self.caremane_day(index),
            Job::Booklet(index) => crate::site::print::booklet_job(self, index),
        }
    }

    fn home(&self) -> Output {
        let mut context = self.common("", &self.content.site.title, vec![]);
        let (upcoming, _) = self.upcoming();
        context.insert(
            "upcoming_lectures",
            &upcoming.into_iter().take(3).collect::<Vec<_>>(),
        );
        context.insert(
            "latest_news",
            &self.news_sorted().into_iter().take(5).collect::<Vec<_>>(),
        );
        context.insert("categories", &self.category_counts());
        context.insert("resource_count", &self.content.resources.len());
        Output {
            file: "index.html".to_owned(),
            template: "index.html",
            context,
        }
    }

    fn row_links(&self) -> Vec<TermCount> {
        self.row_groups()
            .iter()
            .map(|(row, slug, members)| TermCount {
                key: slug.clone(),
                label: row.clone(),
                count: members.len(),
                url: format!("resources/kana/{slug}/"),
            })
            .collect()
    }

    fn listing_crumbs() -> Vec<Link> {
        vec![
            Self::home_crumb(),
            link("医療・介護の資源を探す", "resources/"),
        ]
    }

    fn directory_index(&self) -> Output {
        let mut context = self.common(
            "resources/",
            "医療・介護の資源を探す",
            vec![Self::home_crumb()],
        );
        context.insert("categories", &self.category_counts());
        context.insert("areas", &self.area_counts());
        context.insert("services", &self.service_counts());
        context.insert("rows", &self.row_links());
        context.insert("resource_count", &self.content.resources.len());
        Output {
            file: "resources/index.html".to_owned(),
            template: "directory.html",
            context,
        }
    }

    fn group_by(
        members: &[&Resource],
        terms: &[Term],
        key_of: &dyn Fn(&Resource) -> Option<String>,
        none_label: &str,
    ) -> Vec<Group> {
        let mut groups: Vec<Group> = terms
            .iter()
            .map(|t| Group {
                key: t.key.clone(),
                label: t.label.clone(),
                resources: Vec::new(),
            })
            .collect();
        let mut unassigned = Vec::new();
        for resource in members {
            match key_of(resource).and_then(|k| groups.iter_mut().find(|g| g.key == k)) {
                Some(group) => group.resources.push(Summary::of(resource)),
                None => unassigned.push(Summary::of(resource)),
            }
        }
        if !unassigned.is_empty() {
            groups.push(Group {
                key: "none".to_owned(),
                label: none_label.to_owned(),
                resources: unassigned,
            });
        }
        groups.retain(|g| !g.resources.is_empty());
        groups
    }

    fn listing(&self, kind: ListingKind, index: usize) -> Output {
        let site = &self.content.site;
        let (terms, heading_suffix) = match kind {
            ListingKind::Category => (&site.categories, ""),
            ListingKind::Area => (&site.areas, "の医療・介護資源"),
            ListingKind::Service => (&site.services, "ができる事業所"),
        };
        let term = &terms[index];
        let members: Vec<&Resource> = self
            .content
            .resources
            .iter()
            .filter(|r| match kind {
                ListingKind::Category => r.category.key == term.key,
                ListingKind::Area => r.area.as_ref().is_some_and(|a| a.key == term.key),
                ListingKind::Service => r.services.iter().any(|s| s.key == term.key),
            })
            .collect();
        let by_area = |r: &Resource| r.area.as_ref().map(|a| a.key.clone());
        let by_category = |r: &Resource| Some(r.category.key.clone());
        let groups = match kind {
            ListingKind::Category => Self::group_by(&members, &site.areas, &by_area, "圏域未設定"),
            _ => Self::group_by(&members, &site.categories, &by_category, "その他"),
        };
        let url = format!("resources/{}/{}/", kind.segment(), term.key);
        let title = format!("{}{heading_suffix}", term.label);
        let mut context = self.common(&url, &title, Self::listing_crumbs());
        context.insert("listing_kind", kind.segment());
        context.insert("term", term);
        context.insert("groups", &groups);
        context.insert("count", &members.len());
        Output {
            file: format!("{url}index.html"),
            template: "listing.html",
            context,
        }
    }

    fn kana_row(&self, index: usize) -> Output {
        let (row, slug) = ROW_SLUGS[index];
        let members: Vec<Summary> = self
            .content
            .resources
            .iter()
            .filter(|r| r.row == row)
            .map(Summary::of)
            .collect();
        let url = format!("resources/kana/{slug}/");
        let title = format!("{row}行の事業所（五十音順）");
        let mut context = self.common(&url, &title, Self::listing_crumbs());
        let count = members.len();
        let groups = vec![Group {
            key: slug.to_owned(),
            label: format!("{row}行"),
            resources: members,
        }];
        context.insert("listing_kind", "kana");
        context.insert(
            "term",
            &Term {
                key: slug.to_owned(),
                label: format!("{row}行"),
            },
        );
        context.insert("groups", &groups);
        context.insert("count", &count);
        context.insert("rows", &self.row_links());
        Output {
            file: format!("{url}index.html"),
            template: "listing.html",
            context,
        }
    }

    fn resource_page(&self, index: usize) -> Output {
        let resource = &self.content.resources[index];
        let url = format!("resources/{}/", resource.id);
        let mut crumbs = Self::listing_crumbs();
        crumbs.push(link(
            &resource.category.label,
            format!("resources/category/{}/", resource.category.key),
        ));
        let mut context = self.common(&url, &resource.name, crumbs);
        context.insert("resource", resource);
        context.insert(
            "note_html",
            &self
                .notes
                .get(index)
                .and_then(Option::as_ref)
                .map(|note| note.html.as_str()),
        );
        context.insert("map_url", &map_url(resource));
        context.insert(
            "json_ld",
            &crate::render::jsonld::facility(resource, &self.content.site),
        );
        context.insert("verified_label", &ja::seireki(resource.verified));
        Output {
            file: format!("{url}index.html"),
            template: "resource.html",
            context,
        }
    }

    fn caremane_rows(&self, day: Option<&str>) -> Vec<CaremaneRow> {
        let mut rows = Vec::new();
        for resource in &self.content.resources {
            for window in &resource.caremane_time {
                if day.is_some_and(|day| !window.days.iter().any(|d| d == day)) {
                    continue;
                }
                rows.push(CaremaneRow {
                    resource: Summary::of(resource),
                    verified: ja::seireki(resource.verified),
                    window: window.clone(),
                });
            }
        }
        rows
    }

    fn caremane_days() -> Vec<Link> {
        CAREMANE_DAYS
            .iter()
            .map(|d| link(ja::day_long_label(d), format!("caremane-time/{d}/")))
            .collect()
    }

    fn caremane_all(&self) -> Output {
        let mut context = self.common("caremane-time/", "ケアマネタイム", vec![Self::home_crumb()]);
        context.insert("rows", &self.caremane_rows(None));
        context.insert("days", &Self::caremane_days());
        context.insert("categories", &self.content.site.categories);
        context.insert("areas", &self.content.site.areas);
        Output {
            file: "caremane-time/index.html".to_owned(),
            template: "caremane.html",
            context,
        }
    }

    fn caremane_day(&self, index: usize) -> Output {
        let day = CAREMANE_DAYS[index];
        let mut rows = self.caremane_rows(Some(day));
        // Stable: facilities with the same start stay in 五十音順.
        rows.sort_by_key(|r| r.window.from_minutes);
        let url = format!("caremane-time/{day}/");
        let title = format!("{}のケアマネタイム", ja::day_long_label(day));
        let mut context = self.common(
            &url,
            &title,
            vec![Self::home_crumb(), link("ケアマネタイム", "caremane-time/")],
        );
        context.insert("day", day);
        context.insert("day_label", ja::day_long_label(day));
        context.insert(
            "upcoming_holidays",
            &crate::ja::holidays::upcoming(self.today, day, 5),
        );
        context.insert("rows", &rows);
        context.insert("days", &Self::caremane_days());
        Output {
            file: format!("{url}index.html"),
            template: "caremane_day.html",
            context,
        }
    }

    fn sequence(
        &self,
        kind: PageKind,
        template: &'static str,
        section_title: &str,
        section_url: &str,
    ) -> Vec<Output> {
        let list = self.kind(kind);
        list.iter()
            .enumerate()
            .map(|(index, view)| {
                let mut context = self.common(
                    &view.url,
                    &view.page.title,
                    vec![Self::home_crumb(), link(section_title, section_url)],
                );
                context.insert("page", view);
                context.insert(
                    "previous",
                    &index
                        .checked_sub(1)
                        .and_then(|i| list.get(i))
                        .map(|p| link(&p.page.title, &p.url)),
                );
                context.insert(
                    "next",
                    &list.get(index + 1).map(|p| link(&p.page.title, &p.url)),
                );
                Output {
                    file: format!("{}index.html", view.url),
                    template,
                    context,
                }
            })
            .collect()
    }

    fn pamphlet(&self) -> Vec<Output> {
        let title = "在宅医療と介護（パンフレット）";
        let mut out = Vec::new();
        let mut context = self.common("pamphlet/", title, vec![Self::home_crumb()]);
        context.insert("chapters", self.kind(PageKind::Pamphlet));
        out.push(Output {
            file: "pamphlet/index.html".to_owned(),
            template: "pamphlet_index.html",
            context,
        });
        let mut context = self.common(
            "pamphlet/all/",
            "在宅医療と介護（全章を 1 ページで）",
            vec![Self::home_crumb(), link(title, "pamphlet/")],
        );
        context.insert("chapters", self.kind(PageKind::Pamphlet));
        out.push(Output {
            file: "pamphlet/all/index.html".to_owned(),
            template: "pamphlet_all.html",
            context,
        });
        out.extend(self.sequence(
            PageKind::Pamphlet,
            "pamphlet_chapter.html",
            title,
            "pamphlet/",
        ));
        out
    }

    fn manga(&self) -> Vec<Output> {
        let title = "漫画で知る在宅医療";
        let mut out = Vec::new();
        let mut context = self.common("manga/", title, vec![Self::home_crumb()]);
        context.insert("episodes", self.kind(PageKind::Manga));
        out.push(Output {
            file: "manga/index.html".to_owned(),
            template: "manga_index.html",
            context,
        });
        out.extend(self.sequence(PageKind::Manga, "manga_episode.html", title, "manga/"));
        out
    }

    fn lectures(&self) -> Vec<Output> {
        let title = "市民公開講座";
        let (upcoming, past) = self.upcoming();
        let mut out = Vec::new();
        let mut context = self.common("lectures/", title, vec![Self::home_crumb()]);
        context.insert("upcoming", &upcoming);
        context.insert("past", &past);
        out.push(Output {
            file: "lectures/index.html".to_owned(),
            template: "lectures_index.html",
            context,
        });
        for lecture in self.kind(PageKind::Lecture) {
            let mut context = self.common(
                &lecture.url,
                &lecture.page.title,
                vec![Self::home_crumb(), link(title, "lectures/")],
            );
            context.insert("page", lecture);
            context.insert(
                "is_upcoming",
                &lecture.page.date().is_some_and(|d| d >= self.today),
            );
            context.insert(
                "json_ld",
                &crate::render::jsonld::event(lecture, &self.content.site),
            );
            out.push(Output {
                file: format!("{}index.html", lecture.url),
                template: "lecture.html",
                context,
            });
        }
        out
    }

    fn news(&self) -> Vec<Output> {
        let title = "お知らせ";
        let news = self.news_sorted();
        let mut out = Vec::new();
        let mut context = self.common("news/", title, vec![Self::home_crumb()]);
        context.insert("items", &news);
        out.push(Output {
            file: "news/index.html".to_owned(),
            template: "news_index.html",
            context,
        });
        for item in news {
            let mut context = self.common(
                &item.url,
                &item.page.title,
                vec![Self::home_crumb(), link(title, "news/")],
            );
            context.insert("page", item);
            out.push(Output {
                file: format!("{}index.html", item.url),
                template: "news_item.html",
                context,
            });
        }
        out
    }

    fn plain_pages(&self) -> Vec<Output> {
        self.kind(PageKind::Page)
            .iter()
            .map(|page| {
                let mut context =
                    self.common(&page.url, &page.page.title, vec![Self::home_crumb()]);
                context.insert("page", page);
                Output {
                    file: format!("{}index.html", page.url),
                    template: "page.html",
                    context,
                }
            })
            .collect()
    }

    fn search_page(&self) -> Output {
        let mut context = self.common("search/", "サイト内検索", vec![Self::home_crumb()]);
        context.insert("categories", &self.category_counts());
        Output {
            file: "search/index.html".to_owned(),
            template: "search.html",
            context,
        }
    }

    fn not_found(&self) -> Output {
        // A 404 page is served at any depth, so its links are absolute from the site's path.
        let mut context = self.common("", "ページが見つかりません", vec![Self::home_crumb()]);
        context.insert("root", &self.base_path);
        context.insert("categories", &self.category_counts());
        Output {
            file: "404.html".to_owned(),
            template: "404.html",
            context,
        }
    }

    /// Every site-relative URL of an HTML page, for the sitemap.
    pub fn sitemap_urls(files: &[String]) -> Vec<String> {
        files
            .iter()
            .filter(|file| file.ends_with("index.html"))
            .map(|file| file.trim_end_matches("index.html").to_owned())
            .collect()
    }
}

/// An OpenStreetMap link by coordinates, else a search by address. No map script is embedded.
pub fn map_url(resource: &Resource) -> String {
    match resource.location {
        Some(location) => format!(
            "https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=17/{lat}/{lng}",
            lat = location.lat,
            lng = location.lng
        ),
        None => format!(
            "https://www.openstreetmap.org/search?query={}",
            url::form_urlencoded::byte_serialize(resource.address.as_bytes()).collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapter_ids_and_their_links_get_the_chapter_prefix() {
        let html = "<h3 id=\"contact\">相談先</h3><p>id=&quot;x&quot; <a href=\"#contact\">戻る</a> <a href=\"../x/#y\">他</a></p>";
        assert_eq!(
            prefix_ids(html, "hiyou"),
            "<h3 id=\"hiyou--contact\">相談先</h3><p>id=&quot;x&quot; <a href=\"#hiyou--contact\">戻る</a> <a href=\"../x/#y\">他</a></p>"
        );
    }
}
