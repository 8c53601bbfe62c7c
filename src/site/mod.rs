//! The site: every page and file the build writes, described once, and the view data each
//! kind of page is rendered with. Templates only lay out what is here; sorting, grouping,
//! labels and dates are decided in Rust so every theme shows the same facts.
//!
//! [`Site`] gives the build its plan: the few fixed pages with their data
//! ([`Site::outputs`]), the many pages described as cheap [`Job`]s whose data is built only
//! when rendered ([`Site::jobs`], [`Site::render_job`]), the feeds, calendars and sitemap
//! ([`Site::extra_files`]) and the ケアマネタイム scripts ([`caremane::DATA_FILES`]). Each family
//! of pages has its module:
//!
//! * [`directory`]: facility pages, listings by category, area and service, 五十音 rows;
//! * [`articles`]: the home page, pamphlet, manga, lectures, news, plain pages, search, 404;
//! * [`caremane`]: the ケアマネタイム pages and the data their lookup filters;
//! * [`print`]: the printed directory's booklets and `/print/`;
//! * [`feeds`]: the news feed, the lecture calendars, `sitemap.xml` and `robots.txt`.

pub mod articles;
pub mod availability;
pub mod caremane;
pub mod directory;
pub mod feeds;
pub mod print;
pub mod rows;
pub mod today;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;

use crate::content::Content;
use crate::content::pages::{Page, PageKind};
use crate::content::resource::Resource;
use crate::error::Result;
use crate::render::Theme;
use crate::render::view::{Common, Output};
use directory::ListingKind;

/// A page described cheaply; its view data is built only when it is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Resource(usize),
    Listing(ListingKind, usize),
    KanaRow(usize),
    CaremaneAll,
    CaremaneDay(usize),
    /// A booklet of the printed directory (`print::Booklet::all`).
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

/// What a job gives to render: a page's data, or a booklet, whose long lists are rendered in
/// parts and streamed to its file ([`print::BookletPage::write`]).
pub enum Rendering<'a> {
    Page(Output),
    Booklet(print::BookletPage<'a>),
}

/// The whole site of one content, as of one day.
pub struct Site<'a> {
    pub content: &'a Content,
    pub today: Date,
    /// The context every page shares.
    pub common: Common<'a>,
    /// The content's pages by kind, each kind in its load order.
    pages: BTreeMap<PageKind, Vec<&'a Page>>,
    /// News, newest first: the news pages, the home page and the feed all take this order.
    pub news: Vec<&'a Page>,
    /// Lectures from `today` on, soonest first: the lectures page, the home page and the
    /// calendar of coming lectures.
    pub upcoming: Vec<&'a Page>,
    /// The other lectures, newest first (the load order).
    pub past: Vec<&'a Page>,
    /// The booklets' PDFs this build wrote (`zaitaku build --pdf`), linked from `/print/`, the
    /// pamphlet and the manga; empty when none were printed.
    pub pdfs: Vec<print::PdfFile>,
    /// Each record's rows, rendered once and shared by every list that shows it.
    pub rows: Arc<rows::Rows>,
}

impl<'a> Site<'a> {
    pub fn new(content: &'a Content, today: Date) -> Site<'a> {
        let mut pages: BTreeMap<PageKind, Vec<&Page>> = BTreeMap::new();
        for page in &content.pages {
            pages.entry(page.kind).or_default().push(page);
        }
        let mut news: Vec<&Page> = pages.get(&PageKind::News).cloned().unwrap_or_default();
        news.sort_by(|a, b| b.date().cmp(&a.date()).then(a.slug.cmp(&b.slug)));
        let (mut upcoming, past): (Vec<&Page>, Vec<&Page>) = pages
            .get(&PageKind::Lecture)
            .into_iter()
            .flatten()
            .partition(|lecture| lecture.date().is_some_and(|d| d >= today));
        upcoming.sort_by_key(|l| l.date());
        Site {
            content,
            today,
            common: Common::new(content, today),
            pages,
            news,
            upcoming,
            past,
            pdfs: Vec::new(),
            rows: Arc::new(rows::Rows::new(content.resources.len())),
        }
    }

    /// The PDF printed of the booklet `key`, if the build wrote one.
    pub fn pdf_of(&self, key: &str) -> Option<&print::PdfFile> {
        self.pdfs.iter().find(|pdf| pdf.key == key)
    }

    /// The pages of one kind, in their load order.
    pub fn kind(&self, kind: PageKind) -> &[&'a Page] {
        self.pages.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The site's few fixed pages, with their view data. The many pages (facilities,
    /// listings, ケアマネタイム, booklets) are [`Job`]s whose data is built only when rendered.
    pub fn outputs(&self) -> Vec<Output> {
        let mut out = vec![
            self.home(),
            self.directory_index(),
            self.towns_page(),
            self.availability_page(),
        ];
        out.extend(self.pamphlet());
        out.extend(self.manga());
        out.extend(self.lectures());
        out.extend(self.news_pages());
        out.extend(self.plain_pages());
        out.push(self.search_page());
        out.push(print::index_output(self));
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
        for kind in ListingKind::ALL {
            let terms = kind.terms(site);
            jobs.extend((0..terms.len()).map(|index| Job::Listing(kind, index)));
        }
        jobs.extend((0..crate::ja::ROW_SLUGS.len()).map(Job::KanaRow));
        jobs.push(Job::CaremaneAll);
        jobs.extend((0..caremane::CAREMANE_DAYS.len()).map(Job::CaremaneDay));
        jobs.extend((0..print::Booklet::all(site).len()).map(Job::Booklet));
        jobs
    }

    /// The site-relative file a job writes.
    pub fn file_of(&self, job: Job) -> String {
        let site = &self.content.site;
        match job {
            Job::Resource(index) => {
                format!("resources/{}/index.html", self.content.resources[index].id)
            }
            Job::Listing(kind, index) => format!(
                "resources/{}/{}/index.html",
                kind.segment(),
                kind.terms(site)[index].key
            ),
            Job::KanaRow(index) => {
                format!(
                    "resources/kana/{}/index.html",
                    crate::ja::ROW_SLUGS[index].1
                )
            }
            Job::CaremaneAll => "caremane-time/index.html".to_owned(),
            Job::CaremaneDay(index) => {
                format!(
                    "caremane-time/{}/index.html",
                    caremane::CAREMANE_DAYS[index]
                )
            }
            Job::Booklet(index) => print::booklet_file(site, index),
        }
    }

    /// Whether the page of `job` shows `resource`, for the jobs whose page is made of the
    /// records it lists (in the content's order), what every page shares and `site.yaml`
    /// alone, so that the build cache can key them by those records; `None` for the others.
    /// The 五十音 rows also show how many facilities each row has ([`Site::row_counts`]).
    pub fn lists(&self, job: Job, resource: &Resource) -> Option<bool> {
        let site = &self.content.site;
        Some(match job {
            Job::Resource(_) => return None,
            Job::Listing(kind, index) => kind.includes(&kind.terms(site)[index], resource),
            Job::KanaRow(index) => resource.row == crate::ja::ROW_SLUGS[index].0,
            // Each day's page shows a subset of these; more only costs a render.
            Job::CaremaneAll | Job::CaremaneDay(_) => !resource.caremane_time.is_empty(),
            Job::Booklet(index) => print::Booklet::all(site)[index].includes(resource, site),
        })
    }

    /// How many facilities each 五十音 row has (every row page shows them).
    pub fn row_counts(&self) -> Vec<usize> {
        crate::ja::ROW_SLUGS
            .iter()
            .map(|(row, _)| {
                self.content
                    .resources
                    .iter()
                    .filter(|r| r.row == *row)
                    .count()
            })
            .collect()
    }

    /// Builds one job's page data; the rows of its lists are rendered with `theme` (once per
    /// record: [`rows`]).
    pub fn render_job(&self, job: Job, theme: &Theme) -> Result<Rendering<'a>> {
        Ok(Rendering::Page(match job {
            Job::Resource(index) => self.resource_page(index),
            Job::Listing(kind, index) => self.listing(kind, index, theme)?,
            Job::KanaRow(index) => self.kana_row(index, theme)?,
            Job::CaremaneAll => self.caremane_all(theme)?,
            Job::CaremaneDay(index) => self.caremane_day(index, theme)?,
            Job::Booklet(index) => return Ok(Rendering::Booklet(print::booklet_job(self, index))),
        }))
    }
}
