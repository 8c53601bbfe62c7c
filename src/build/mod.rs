//! Site assembly: load and validate the content, render the site's plan (`crate::site`) with
//! the theme, write the search index, the feeds and the copied files, all into a staging folder
//! that replaces the output only when the whole build succeeded.

pub mod cache;
pub mod live;
pub mod parse_cache;
pub mod reserved;
mod rows_bulk;
pub mod rows_disk;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::content::{self, Content};
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::lock;
use crate::output::guard::{self, OutputDir};
use crate::output::{Committed, Staging};
use crate::render::Theme;
use crate::render::view::Output;
use crate::search::IndexStats;
use crate::site::print::PdfFile;
use crate::site::rows::Rows;
use crate::site::{Job, Rendering, Site, caremane};
use crate::timings::{Phase, Timings};
use cache::{Cache, Key, KeyHasher};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder (with `content/` and optionally `themes/`).
    pub root: PathBuf,
    /// Where the site goes; replaced as a whole.
    pub out: PathBuf,
    /// Overrides `site.yaml`'s `base_url` (for previews and staging hosts).
    pub base_url: Option<String>,
    /// "Today" for upcoming lectures and stale-data warnings.
    pub today: Date,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub resources: usize,
    pub pages: usize,
    pub files: usize,
    /// Warnings only (a build with errors returns `Error::Content`).
    pub diagnostics: Vec<Diagnostic>,
    pub elapsed: Duration,
    /// The previous site, when it could not be removed after the new one was in place (the
    /// next build removes it).
    pub leftover: Option<PathBuf>,
    /// What the search index took (`None` when the previous one was reused).
    pub search: Option<IndexStats>,
    /// Steps (pages, booklets, the search index) whose files the build cache took from the
    /// previous site.
    pub reused: usize,
    /// Steps that were made (and recorded in the cache).
    pub rendered: usize,
    /// Record files parsed, and taken from the parse cache (`content::parsed`).
    pub records: ParseCounts,
    /// Files of reused steps that were read and hashed to be checked (the others were known
    /// unchanged by their file system metadata: `cache::Stamp`).
    pub hashed: usize,
    /// The build's phases (`ZAITAKU_TIMINGS=1` prints them).
    pub timings: Vec<Phase>,
    /// The facilities' rows rendered, and read back from the cache (`rows_disk`).
    pub rows: RowCounts,
    /// The booklets' PDFs written into `print/` (`--pdf`).
    pub pdfs: Vec<PdfFile>,
}

/// Prints the booklets' PDFs into the staging folder before it is committed (`zaitaku build
/// --pdf`; `crate::pdf::SitePrinter`, a layer above, does the printing).
pub trait PdfPrinter {
    /// Writes PDFs under `print/` of `staging`; says which, and why some were not made.
    fn print(
        &self,
        content: &Content,
        theme: &Theme,
        today: Date,
        staging: &Staging,
    ) -> Result<PrintedPdfs>;
}

/// What a [`PdfPrinter`] wrote, and its warnings (no Chromium, a failed print).
#[derive(Debug, Default)]
pub struct PrintedPdfs {
    pub pdfs: Vec<PdfFile>,
    pub warnings: Vec<Diagnostic>,
}

/// The pages that link the booklets' PDFs, written again once the PDFs are there.
const LINKING_PAGES: [&str; 3] = [
    "print/index.html",
    "pamphlet/index.html",
    "manga/index.html",
];

/// Loads and validates without writing anything (`zaitaku check`). The content is returned
/// only when it has no errors.
pub fn check(root: &Path, today: Date) -> Result<(Option<Content>, Vec<Diagnostic>)> {
    let (content, diagnostics, _) = load_checked(root, today)?;
    Ok((content, diagnostics))
}

/// Loads and validates `content/`, including the addresses the build would generate
/// ([`reserved`]), which needs the theme. A theme that cannot be loaded is reported by the
/// build itself; then only that check is left out. The diagnostics come sorted, with the
/// warning about the holiday table last: the one place it is added, so that build, check,
/// serve and pdf all give it. Also returns the number of errors.
fn load_checked(root: &Path, today: Date) -> Result<(Option<Content>, Vec<Diagnostic>, usize)> {
    let checked = load_checked_timed(root, today, &Timings::new(), None)?;
    Ok((checked.content, checked.diagnostics, checked.errors))
}

/// What [`load_checked_timed`] found.
struct Checked {
    /// The content, when it has no error.
    content: Option<Content>,
    diagnostics: Vec<Diagnostic>,
    errors: usize,
    /// The records' keys the parse cache held, in the order of the loaded records (empty
    /// without a parse cache, and when the content has an error).
    keys: Vec<Option<Key>>,
}

fn load_checked_timed(
    root: &Path,
    today: Date,
    timings: &Timings,
    parse: Option<&mut content::parsed::ParseCache>,
) -> Result<Checked> {
    let loaded = timings.phase("load and validate", || {
        content::load_cached(root, today, timings, parse)
    })?;
    let keys = loaded.keys;
    let mut diagnostics = loaded.diagnostics;
    if let Some(content) = &loaded.content {
        timings.phase("generated addresses", || {
            if let Ok(theme) = Theme::load(root) {
                diagnostics.extend(reserved::collisions(content, &theme, today));
            }
        });
    }
    let errors = diagnostics.error_count();
    let content = loaded.content.filter(|_| errors == 0);
    let mut diagnostics = timings.phase("diagnostics sorted", || diagnostics.sorted());
    diagnostics.extend(crate::ja::holidays::staleness(today));
    Ok(Checked {
        keys: if content.is_some() { keys } else { Vec::new() },
        content,
        diagnostics,
        errors,
    })
}

/// Loads the content, or fails with every diagnostic when any is an error.
pub fn load_valid(root: &Path, today: Date) -> Result<(Content, Vec<Diagnostic>)> {
    load_valid_timed(root, today, &Timings::new())
}

fn load_valid_timed(
    root: &Path,
    today: Date,
    timings: &Timings,
) -> Result<(Content, Vec<Diagnostic>)> {
    valid(load_checked_timed(root, today, timings, None)?)
}

/// The content when it has no error; else every diagnostic.
fn valid(checked: Checked) -> Result<(Content, Vec<Diagnostic>)> {
    match checked.content {
        Some(content) if checked.errors == 0 => Ok((content, checked.diagnostics)),
        _ => Err(Error::Content {
            errors: checked.errors.max(1),
            diagnostics: checked.diagnostics,
        }),
    }
}

/// Loads the content for a build through the parse cache (`parse_cache`): a record whose
/// file did not change is not parsed again. The cache is saved whether the content has errors
/// or not (after a fix, only the fixed files are read again), with the key of every record
/// (made here for the records it did not hold). The diagnostics have the parse cache's
/// warnings last.
fn load_valid_cached(options: &BuildOptions, cache: &Cache, timings: &Timings) -> Result<ForBuild> {
    let mut opened = timings.phase("parse cache read", || parse_cache::open(cache));
    let mut checked = load_checked_timed(
        &options.root,
        options.today,
        timings,
        Some(&mut opened.cache),
    )?;
    let mut warnings: Vec<Diagnostic> = opened.warning.take().into_iter().collect();
    let mut keys = std::mem::take(&mut checked.keys);
    if let Some(content) = &checked.content {
        timings.phase("record keys", || {
            keys.resize(content.resources.len(), None);
            content
                .resources
                .par_iter()
                .zip(keys.par_iter_mut())
                .filter(|(_, key)| key.is_none())
                .for_each(|(resource, key)| *key = record_key(resource));
        });
    }
    let counts = ParseCounts {
        parsed: opened.cache.parsed,
        reused: opened.cache.reused,
        stamped: opened.cache.stamped,
    };
    // The record files' bytes were hashed by the load: keying every input reuses that.
    let digests = opened
        .cache
        .entries_mut()
        .iter()
        .filter_map(|entry| {
            let relative = entry.file.strip_prefix("content/")?;
            Some((relative.to_owned(), cache::hash_hex(&entry.digest)))
        })
        .collect();
    if opened.save {
        let by_file: std::collections::HashMap<&str, &Key> = checked
            .content
            .iter()
            .flat_map(|content| content.resources.iter().zip(&keys))
            .filter_map(|(resource, key)| Some((resource.file.as_str(), key.as_ref()?)))
            .collect();
        warnings.extend(timings.phase("parse cache saved", || {
            parse_cache::save(cache, &mut opened.cache, &by_file)
        }));
    }
    drop(opened);
    checked.diagnostics.extend(warnings);
    let (content, diagnostics) = valid(checked)?;
    Ok(ForBuild {
        content,
        diagnostics,
        keys,
        counts,
        digests,
    })
}

/// The content a build writes ([`load_valid_cached`]).
struct ForBuild {
    content: Content,
    diagnostics: Vec<Diagnostic>,
    /// Each record's key ([`record_key`]), in the order of `content.resources`.
    keys: Vec<Option<Key>>,
    counts: ParseCounts,
    /// The SHA-256 (hex) of the record files the load read, by their path under `content/`.
    digests: std::collections::HashMap<String, Key>,
}

/// How many record files a build parsed, and how many it took from the parse cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseCounts {
    pub parsed: usize,
    pub reused: usize,
    /// Of the reused, the files known by their stamp (not opened).
    pub stamped: usize,
}

/// Builds the site. On any error the previous output is left untouched.
pub fn build(options: &BuildOptions) -> Result<BuildReport> {
    build_with(options, &mut |_| {})
}

/// Like [`build`]; `waiting` gets a Japanese line when another run uses the output folder and
/// this build waits for it.
pub fn build_with(options: &BuildOptions, waiting: &mut dyn FnMut(&str)) -> Result<BuildReport> {
    build_printing(options, waiting, None)
}

/// Like [`build_with`]; `printer` (when given) adds the booklets' PDFs to the site before it
/// replaces the output.
pub fn build_printing(
    options: &BuildOptions,
    waiting: &mut dyn FnMut(&str),
    printer: Option<&dyn PdfPrinter>,
) -> Result<BuildReport> {
    let started = Instant::now();
    let timings = Timings::new();
    // The output is judged before anything is read or written: a wrong --out is refused at
    // once, whatever the content.
    let out = guard::output_dir(&options.root, &options.out)?;
    // The same rule as `site.yaml`'s `base_url`, checked before anything is read.
    let base_url = match &options.base_url {
        Some(base_url) => Some(
            crate::content::fields::base_url(base_url).map_err(|invalid| {
                Error::Setup(format!(
                    "--base-url: {}\n  直し方: {}",
                    invalid.message, invalid.hint
                ))
            })?,
        ),
        None => None,
    };
    let mut cache = Cache::open(&options.root, &out.path);
    let ForBuild {
        mut content,
        diagnostics,
        keys,
        counts: parse_counts,
        digests,
    } = load_valid_cached(options, &cache, &timings)?;
    cache.know_content_digests(digests);
    if let Some(base_url) = base_url {
        content.site.base_url = base_url;
    }
    let theme = timings.phase("theme", || Theme::load(&options.root))?;
    let mut diagnostics = diagnostics;
    diagnostics.extend(cache.warning.clone());
    let with_cache = WithCache {
        cache: &cache,
        root: &options.root,
        records: Some(&keys),
    };
    let written = write_site_timed(
        &out,
        &content,
        &theme,
        options.today,
        waiting,
        &timings,
        printer,
        Some(with_cache),
    )?;
    diagnostics.extend(written.printed.warnings);
    diagnostics.extend(cache.take_warnings());
    // Saved only once the new site is in place: until then the cache describes the old one.
    timings.phase("build cache stamps", || cache.stamp_files(&out.path));
    diagnostics.extend(timings.phase("build cache saved", || cache.save()));
    let resources = content.resources.len();
    let pages = content.pages.len();
    // Hundreds of thousands of small allocations at 100,000 records: freed on another
    // thread while the report goes out (the process may end before it finishes).
    std::thread::spawn(move || drop(content));
    Ok(BuildReport {
        resources,
        pages,
        files: written.files,
        diagnostics,
        elapsed: started.elapsed(),
        leftover: written.committed.leftover,
        search: written.search,
        reused: cache.reused(),
        rendered: cache.rendered(),
        records: parse_counts,
        hashed: cache.hashed(),
        timings: timings.phases(),
        pdfs: written.printed.pdfs,
        rows: written.rows,
    })
}

/// The facilities' rows of a build (`crate::site::rows`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RowCounts {
    /// Rendered with a row template.
    pub rendered: usize,
    /// Read back from the rows kept by the previous build (or earlier in this one).
    pub read: usize,
}

/// What [`write_site`] did.
pub struct Written {
    pub files: usize,
    pub search: Option<IndexStats>,
    pub committed: Committed,
    /// The booklets' PDFs, when a printer was given.
    pub printed: PrintedPdfs,
    pub rows: RowCounts,
}

/// Writes the complete site into the judged output folder `out`: one run at a time per
/// folder, the whole site staged beside it and swapped in at the end. On an error the
/// previous site is left as it was, and the message says so.
pub fn write_site(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
    waiting: &mut dyn FnMut(&str),
) -> Result<Written> {
    write_site_timed(
        out,
        content,
        theme,
        today,
        waiting,
        &Timings::new(),
        None,
        None,
    )
}

/// The build cache of the site at `root`, for one build.
#[derive(Clone, Copy)]
struct WithCache<'a> {
    cache: &'a Cache,
    root: &'a Path,
    /// Each record's key ([`record_key`]), in order, when the load made them.
    records: Option<&'a [Option<Key>]>,
}

// The build's parts (content, theme, day) and its options (printer, cache) as they come.
#[allow(clippy::too_many_arguments)]
fn write_site_timed(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
    waiting: &mut dyn FnMut(&str),
    timings: &Timings,
    printer: Option<&dyn PdfPrinter>,
    cache: Option<WithCache<'_>>,
) -> Result<Written> {
    let parent = out.path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(parent)
        .map_err(|e| kept(Error::io(parent, "フォルダを作成", e), out))?;
    let _lock =
        lock::acquire(&out.path, lock::Purpose::Build, waiting).map_err(|e| kept(e, out))?;
    write_site_locked_timed(out, content, theme, today, timings, printer, cache)
        .map_err(|e| kept(e, out))
}

/// [`write_site`] for a caller that holds the output's lock (`serve --out`).
pub fn write_site_locked(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
) -> Result<Written> {
    write_site_locked_timed(out, content, theme, today, &Timings::new(), None, None)
}

fn write_site_locked_timed(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
    timings: &Timings,
    printer: Option<&dyn PdfPrinter>,
    cache: Option<WithCache<'_>>,
) -> Result<Written> {
    let staging = timings.phase("staging folder", || Staging::new(&out.path))?;
    let mut site = Site::new(content, today);
    let reuse = cache.map(|cache| {
        timings.phase("build cache keys", || {
            Reuse::new(
                cache.cache,
                theme,
                &site,
                Some(cache.root),
                Previous::Folder(&out.path),
                cache.records.map(<[_]>::to_vec),
            )
        })
    });
    // Every row goes to the cache's file as it is rendered, and is read back from it.
    let disk_rows = reuse
        .as_ref()
        .and_then(|reuse| timings.phase("rows kept, opened", || rows_disk::open(reuse)));
    if let Some(disk_rows) = &disk_rows {
        site.rows = Arc::new(Rows::stored(disk_rows.clone()));
    }
    let mut rendered =
        render_site_with(&site, theme, &staging, Scope::All, timings, reuse.as_ref())?;
    let rows = RowCounts {
        rendered: site.rows.rendered(),
        read: disk_rows.as_ref().map_or(0, |rows| rows.read()),
    };
    if let (Some(disk_rows), Some(reuse)) = (disk_rows, &reuse) {
        timings.phase("rows kept, saved", || {
            reuse.cache.warn(disk_rows.save(&reuse.records));
        });
    }
    let printed = match printer {
        Some(printer) => timings.phase("print PDFs", || {
            printer.print(content, theme, today, &staging)
        })?,
        None => PrintedPdfs::default(),
    };
    if !printed.pdfs.is_empty() {
        rendered.files += printed.pdfs.len();
        // The pages that list the booklets now link their PDFs.
        let mut site = Site::new(content, today);
        site.pdfs = printed.pdfs.clone();
        for output in site.outputs() {
            if LINKING_PAGES.contains(&output.file.as_str()) {
                let html = theme.render(output.template, &output.context)?;
                staging.write(&output.file, html.as_bytes())?;
            }
        }
    }
    // The files linked from the old site are looked at once more as the commit's check sees
    // them there (one written to since is read next time).
    let linked = reuse.as_ref().map(|reuse| reuse.cache.linked_check());
    let committed = timings.phase("commit (swap into place)", || {
        staging.commit_seeing(&|file, stat| {
            if let Some(linked) = &linked {
                linked.seen(file, stat);
            }
        })
    })?;
    if let (Some(reuse), Some(linked)) = (&reuse, linked) {
        reuse.cache.check_linked(linked);
    }
    Ok(Written {
        files: rendered.files,
        search: rendered.search,
        committed,
        printed,
        rows,
    })
}

/// Adds to a write error that the previous site is still there.
fn kept(error: Error, out: &OutputDir) -> Error {
    match error {
        Error::Io { .. } => Error::Setup(format!(
            "{error}\n  サイトを書き出せませんでした。出力先 {} は何も変更していません（前のサイトがあれば、そのまま残っています）。",
            out.given.display()
        )),
        other => other,
    }
}

/// What [`render_site`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct Rendered {
    pub files: usize,
    /// The search index, when it was written.
    pub search: Option<IndexStats>,
}

/// Renders everything into `staging`.
pub fn render_site(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
) -> Result<Rendered> {
    let site = Site::new(content, today);
    render_site_with(&site, theme, staging, Scope::All, &Timings::new(), None)
}

/// Like [`render_site`] but without the search index, for `zaitaku serve`: the preview reloads
/// the pages first and writes the index (`crate::search::write_index`) right after.
pub fn render_site_without_search(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
) -> Result<Rendered> {
    let site = Site::new(content, today);
    render_site_with(
        &site,
        theme,
        staging,
        Scope::WithoutSearch,
        &Timings::new(),
        None,
    )
}

/// What a build may take from the previous one: the build cache, the previous site's folder
/// and the parts every key shares (module `cache` says what each step's key is made of).
struct Reuse<'a> {
    cache: &'a Cache,
    previous: Previous<'a>,
    /// The theme's files.
    theme: Key,
    /// What every page shows besides its own data (`site.yaml` as loaded, footer, the day).
    shared: Key,
    /// Every input ([`cache::inputs_key`]); `None` when it cannot be keyed.
    inputs: Option<Key>,
    /// Each facility's record as its page and the booklets show it (`None`: not keyed).
    records: Vec<Option<Key>>,
}

/// Where the files of the previous build's steps are.
#[derive(Clone, Copy)]
enum Previous<'a> {
    /// The previous site (`zaitaku build`): unchanged files are checked and linked from it.
    Folder(&'a Path),
    /// Already where the new ones go (`zaitaku serve`'s folder, [`live`]): an unchanged step
    /// is left alone.
    InPlace,
}

/// Each facility's record as its page and the booklets show it (`None`: not keyed).
pub(crate) fn record_key(resource: &content::resource::Resource) -> Option<Key> {
    let mut record = KeyHasher::new();
    crate::render::key::resource(&mut record, resource);
    record.finish()
}

impl<'a> Reuse<'a> {
    /// `root` (to key the search index by every input; `None`: not reused), and the records'
    /// keys when the caller knows them ([`record_key`] of each resource, in order).
    fn new(
        cache: &'a Cache,
        theme: &Theme,
        site: &Site<'_>,
        root: Option<&Path>,
        previous: Previous<'a>,
        records: Option<Vec<Option<Key>>>,
    ) -> Reuse<'a> {
        let theme = cache::theme_key(theme);
        let shared = site.common.key();
        let known = cache.take_content_digests();
        let inputs = shared.as_ref().zip(root).and_then(|(shared, root)| {
            cache::inputs_key(root, &[theme.as_bytes(), shared.as_bytes()], &known)
        });
        drop(known);
        let records =
            records.unwrap_or_else(|| site.content.resources.par_iter().map(record_key).collect());
        Reuse {
            cache,
            previous,
            theme,
            shared: shared.unwrap_or_default(),
            inputs,
            records,
        }
    }

    /// The key of a step that may show anything of the content: `None` (not reusable) when
    /// the inputs cannot be keyed.
    fn whole_key(&self, kind: &str, file: &str) -> Option<Key> {
        let inputs = self.inputs.as_ref()?;
        Some(self.cache.key(&[
            kind.as_bytes(),
            file.as_bytes(),
            self.theme.as_bytes(),
            inputs.as_bytes(),
        ]))
    }

    /// The key of a facility's page: its record as loaded, what every page shares, the
    /// theme. Known without building the page's data.
    fn facility_key(&self, file: &str, index: usize) -> Option<Key> {
        if self.shared.is_empty() {
            return None;
        }
        Some(self.cache.key(&[
            b"facility",
            file.as_bytes(),
            self.theme.as_bytes(),
            self.shared.as_bytes(),
            self.records[index].as_ref()?.as_bytes(),
        ]))
    }

    /// The key of a page made of the records it lists (`Site::lists`: a listing, a 五十音
    /// row, a ケアマネタイム page, a booklet of the printed directory): what it is, what every
    /// page shares (`site.yaml`, the day), the theme, and the records it lists, in order;
    /// a 五十音 row also by every row's count (`row_counts`, computed once by the caller).
    fn members_key(
        &self,
        file: &str,
        site: &Site<'_>,
        job: Job,
        row_counts: &[usize],
    ) -> Option<Key> {
        if self.shared.is_empty() {
            return None;
        }
        let mut members = KeyHasher::new();
        for (resource, key) in site.content.resources.iter().zip(&self.records) {
            if site.lists(job, resource)? {
                members.part(key.as_ref()?.as_bytes());
            }
        }
        if let Job::KanaRow(_) = job {
            for count in row_counts {
                members.part(&count.to_le_bytes());
            }
        }
        Some(self.cache.key(&[
            b"members",
            file.as_bytes(),
            self.theme.as_bytes(),
            self.shared.as_bytes(),
            members.finish()?.as_bytes(),
        ]))
    }

    /// The key of a page from its data: everything put into its context, its template, the
    /// theme.
    fn page_key(&self, output: &Output) -> Option<Key> {
        Some(self.cache.key(&[
            b"page",
            output.file.as_bytes(),
            output.template.as_bytes(),
            self.theme.as_bytes(),
            output.context.key()?.as_bytes(),
        ]))
    }

    /// Links the files of step `file` from the previous site when `key` is the one it was
    /// made with.
    fn reused(&self, file: &str, key: Option<&Key>, staging: &Staging) -> bool {
        key.is_some_and(|key| match self.previous {
            Previous::Folder(previous) => self.cache.reuse(file, key, previous, staging).is_some(),
            Previous::InPlace => self.cache.reuse_in_place(file, key),
        })
    }

    /// Records the search index just written into `staging`.
    fn record_search(&self, key: Key, staging: &Staging) -> Result<()> {
        let files = staging
            .written_under(SEARCH_DIR)
            .into_iter()
            .map(|file| {
                let path = staging.path().join(&file);
                std::fs::read(&path)
                    .map(|bytes| (file, cache::hash(&bytes)))
                    .map_err(|e| Error::io(path, "読み込み", e))
            })
            .collect::<Result<_>>()?;
        self.cache.record_hashed("search", key, files);
        Ok(())
    }
}

/// Where the search index is written (`crate::search::write_index`).
const SEARCH_DIR: &str = "search-index/";

fn render_site_with(
    site: &Site<'_>,
    theme: &Theme,
    staging: &Staging,
    scope: Scope,
    timings: &Timings,
    reuse: Option<&Reuse<'_>>,
) -> Result<Rendered> {
    let search_index = scope == Scope::All;
    let content = site.content;
    let today = site.today;
    theme.ids.check(content)?;
    // Nothing is written when a content file would take the address of a generated one
    // (`reserved` reports it at validation; this keeps the promise if it is skipped).
    let collisions = timings.phase("generated addresses, again", || {
        reserved::collisions(content, theme, today)
    });
    if !collisions.is_empty() {
        return Err(Error::Content {
            errors: collisions.len(),
            diagnostics: collisions,
        });
    }
    // The search index is built beside the pages: it reads only the model, and it leaves a
    // core free whenever the pages wait on the disk or on the last big job.
    let search_key = reuse.and_then(|reuse| reuse.whole_key("search", ""));
    let (pages, search) = rayon::join(
        || render_pages(site, theme, staging, scope, timings, reuse),
        || -> Result<Option<IndexStats>> {
            if !search_index {
                return Ok(None);
            }
            timings.phase("search index", || {
                if let Some(reuse) = reuse
                    && reuse.reused("search", search_key.as_ref(), staging)
                {
                    return Ok(None);
                }
                let Some(reuse) = reuse else {
                    return crate::search::write_index(content, staging).map(Some);
                };
                let mut store = reuse.cache.search_store();
                store.record_keys = Some(reuse.records.clone());
                let written = crate::search::write_index_with(content, staging, &mut store);
                reuse.cache.warn(std::mem::take(&mut store.warnings));
                written.map(Some)
            })
        },
    );
    let mut files = pages?;
    let search = search?;
    if let (Some(reuse), Some(key), Some(_)) = (reuse, search_key, search) {
        reuse.record_search(key, staging)?;
    }
    files += match (search_index, search) {
        (false, _) => 0,
        (true, Some(stats)) => stats.files,
        (true, None) => staging.written_under(SEARCH_DIR).len(),
    };
    if scope == Scope::Booklets {
        return Ok(Rendered { files, search });
    }
    // Copied last, and never over a generated file.
    timings.phase("content assets", || -> Result<()> {
        for asset in &content.assets {
            copy_asset(staging, asset)?;
        }
        Ok(())
    })?;
    files += content.assets.len();
    Ok(Rendered { files, search })
}

/// What a render makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The whole site (`zaitaku build`).
    All,
    /// All but the search index.
    WithoutSearch,
    /// All but the search index and the printed directory's booklets (the preview's first
    /// step: the pages reload before the slow parts are made).
    Pages,
    /// Only the printed directory's booklets (the preview's second step).
    Booklets,
}

impl Scope {
    fn pages(self) -> bool {
        self != Scope::Booklets
    }

    fn booklets(self) -> bool {
        self != Scope::Pages
    }
}

/// Renders every page, feed and theme file and the ケアマネタイム data into `staging`; returns
/// how many files it wrote.
fn render_pages(
    site: &Site<'_>,
    theme: &Theme,
    staging: &Staging,
    scope: Scope,
    timings: &Timings,
    reuse: Option<&Reuse<'_>>,
) -> Result<usize> {
    let content = site.content;
    let write = |output: Output, key: Option<Key>| -> Result<()> {
        let html = theme.render(output.template, &output.context)?;
        staging.write(&output.file, html.as_bytes())?;
        if let (Some(reuse), Some(key)) = (reuse, key) {
            reuse
                .cache
                .record(&output.file, key, &[(&output.file, html.as_bytes())]);
        }
        Ok(())
    };
    let outputs = if scope.pages() {
        site.outputs()
    } else {
        Vec::new()
    };
    let mut page_files: Vec<String> = outputs.iter().map(|o| o.file.clone()).collect();
    timings.phase("render: fixed pages", || {
        outputs.into_par_iter().try_for_each(|output| {
            let key = reuse.and_then(|reuse| reuse.page_key(&output));
            if let Some(reuse) = reuse
                && reuse.reused(&output.file, key.as_ref(), staging)
            {
                return Ok(());
            }
            write(output, key)
        })
    })?;
    // The many pages are built, rendered and dropped one by one, keeping memory flat; a
    // booklet is rendered in parts and streamed to its file.
    let mut jobs = site.jobs();
    page_files.extend(jobs.iter().map(|job| site.file_of(*job)));
    jobs.retain(|job| match job {
        Job::Booklet(_) => scope.booklets(),
        _ => scope.pages(),
    });
    jobs.sort_by_key(|job| job.size_rank());
    let row_counts = site.row_counts();
    for (rank, name) in [
        (0, "render: print booklets"),
        (1, "render: caremane pages"),
        (2, "render: listings"),
        (3, "render: facility pages"),
    ] {
        timings.phase(name, || {
            jobs.par_iter()
                .filter(|job| job.size_rank() == rank)
                .try_for_each(|job| {
                    // Facility pages and booklets are keyed before their data is built.
                    let early = reuse.and_then(|reuse| early_key(reuse, site, *job, &row_counts));
                    if let (Some(reuse), Some((file, key))) = (reuse, &early)
                        && reuse.reused(file, Some(key), staging)
                    {
                        return Ok(());
                    }
                    let key = early.map(|(_, key)| key);
                    match site.render_job(*job, theme)? {
                        Rendering::Page(output) if key.is_some() => write(output, key),
                        Rendering::Page(output) => {
                            let key = reuse.and_then(|reuse| reuse.page_key(&output));
                            if let Some(reuse) = reuse
                                && reuse.reused(&output.file, key.as_ref(), staging)
                            {
                                return Ok(());
                            }
                            write(output, key)
                        }
                        Rendering::Booklet(booklet) => {
                            let file = &booklet.output.file;
                            let mut hasher = reuse.and(key.as_ref()).map(|_| KeyHasher::new());
                            staging.write_streamed(file, |sink| {
                                booklet.write(theme, &mut |piece| {
                                    if let Some(hasher) = &mut hasher {
                                        std::io::Write::write_all(hasher, piece)
                                            .expect("hashing does not fail");
                                    }
                                    sink(piece)
                                })
                            })?;
                            if let (Some(reuse), Some(key), Some(digest)) =
                                (reuse, key, hasher.and_then(KeyHasher::finish))
                            {
                                reuse
                                    .cache
                                    .record_hashed(file, key, vec![(file.clone(), digest)]);
                            }
                            Ok(())
                        }
                    }
                })
        })?;
    }
    if !scope.pages() {
        return Ok(jobs.len());
    }
    let mut files = page_files.len();

    let extras = timings.phase("feeds, calendars, sitemap", || -> Result<_> {
        let extras = site.extra_files();
        for extra in &extras {
            let text = site.extra_text(extra, &page_files);
            staging.write(&extra.file, text.as_bytes())?;
        }
        Ok(extras)
    })?;
    files += extras.len();

    timings.phase("theme files", || -> Result<()> {
        for (relative, bytes) in &theme.static_files {
            staging.write(relative, bytes)?;
        }
        Ok(())
    })?;
    files += theme.static_files.len();
    timings.phase("caremane data", || -> Result<()> {
        for (file, _) in caremane::DATA_FILES {
            staging.write(file, caremane::data_script(file, content).as_bytes())?;
        }
        Ok(())
    })?;
    files += caremane::DATA_FILES.len();
    Ok(files)
}

/// The file and key of a job known before its data is built: a facility's page is keyed by
/// its record ([`Reuse::facility_key`]); listings, 五十音 rows, ケアマネタイム pages and
/// booklets by the records they list ([`Reuse::members_key`]). The few other pages are
/// keyed by their data ([`Reuse::page_key`]).
fn early_key(
    reuse: &Reuse<'_>,
    site: &Site<'_>,
    job: Job,
    row_counts: &[usize],
) -> Option<(String, Key)> {
    let file = site.file_of(job);
    let key = match job {
        Job::Resource(index) => reuse.facility_key(&file, index),
        _ => reuse.members_key(&file, site, job, row_counts),
    }?;
    Some((file, key))
}

/// Copies a file of `content/` into the site: opened without blocking and only if it is
/// still a regular file (it may have been replaced since the walk), streamed rather than read
/// whole, and never over a file the build made.
fn copy_asset(staging: &Staging, asset: &content::Asset) -> Result<()> {
    let (mut source, _) = content::source::open_regular(&asset.source)
        .map_err(|e| Error::io(&asset.source, "読み込み", e))?;
    if staging.copy_new(&mut source, &asset.output)? {
        return Ok(());
    }
    Err(Error::Content {
        errors: 1,
        diagnostics: vec![
            Diagnostic::error(
                &asset.file,
                crate::diagnostics::Position::FILE,
                format!(
                    "このファイルの公開先 /{} は、zaitaku が作るファイルと重なります。",
                    asset.output
                ),
            )
            .hint("ファイル名を変えるか、別のフォルダに移してください。"),
        ],
    })
}
