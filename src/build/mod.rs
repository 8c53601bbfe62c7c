//! Site assembly: load and validate the content, render the site's plan (`crate::site`) with
//! the theme, write the search index, the feeds and the copied files, all into a staging folder
//! that replaces the output only when the whole build succeeded.

pub mod reserved;

use std::path::{Path, PathBuf};
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
use crate::site::{Rendering, Site, caremane};
use crate::timings::{Phase, Timings};

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
    /// What the search index took.
    pub search: Option<IndexStats>,
    /// The build's phases (`ZAITAKU_TIMINGS=1` prints them).
    pub timings: Vec<Phase>,
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
    load_checked_timed(root, today, &Timings::new())
}

fn load_checked_timed(
    root: &Path,
    today: Date,
    timings: &Timings,
) -> Result<(Option<Content>, Vec<Diagnostic>, usize)> {
    let loaded = timings.phase("load and validate", || content::load(root, today))?;
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
    let mut diagnostics = diagnostics.sorted();
    diagnostics.extend(crate::ja::holidays::staleness(today));
    Ok((content, diagnostics, errors))
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
    let (content, diagnostics, errors) = load_checked_timed(root, today, timings)?;
    match content {
        Some(content) if errors == 0 => Ok((content, diagnostics)),
        _ => Err(Error::Content {
            errors: errors.max(1),
            diagnostics,
        }),
    }
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
    let (mut content, mut diagnostics) = load_valid_timed(&options.root, options.today, &timings)?;
    if let Some(base_url) = base_url {
        content.site.base_url = base_url;
    }
    let theme = timings.phase("theme", || Theme::load(&options.root))?;
    let written = write_site_timed(
        &out,
        &content,
        &theme,
        options.today,
        waiting,
        &timings,
        printer,
    )?;
    diagnostics.extend(written.printed.warnings);
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
        timings: timings.phases(),
        pdfs: written.printed.pdfs,
    })
}

/// What [`write_site`] did.
pub struct Written {
    pub files: usize,
    pub search: Option<IndexStats>,
    pub committed: Committed,
    /// The booklets' PDFs, when a printer was given.
    pub printed: PrintedPdfs,
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
    write_site_timed(out, content, theme, today, waiting, &Timings::new(), None)
}

fn write_site_timed(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
    waiting: &mut dyn FnMut(&str),
    timings: &Timings,
    printer: Option<&dyn PdfPrinter>,
) -> Result<Written> {
    let parent = out.path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(parent)
        .map_err(|e| kept(Error::io(parent, "フォルダを作成", e), out))?;
    let _lock =
        lock::acquire(&out.path, lock::Purpose::Build, waiting).map_err(|e| kept(e, out))?;
    write_site_locked_timed(out, content, theme, today, timings, printer).map_err(|e| kept(e, out))
}

/// [`write_site`] for a caller that holds the output's lock (`serve --out`).
pub fn write_site_locked(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
) -> Result<Written> {
    write_site_locked_timed(out, content, theme, today, &Timings::new(), None)
}

fn write_site_locked_timed(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
    timings: &Timings,
    printer: Option<&dyn PdfPrinter>,
) -> Result<Written> {
    let staging = timings.phase("staging folder", || Staging::new(&out.path))?;
    let mut rendered = render_site_with(content, theme, today, &staging, true, timings)?;
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
    let committed = timings.phase("commit (swap into place)", || staging.commit())?;
    Ok(Written {
        files: rendered.files,
        search: rendered.search,
        committed,
        printed,
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
    render_site_with(content, theme, today, staging, true, &Timings::new())
}

/// Like [`render_site`] but without the search index, for `zaitaku serve`: the preview reloads
/// the pages first and writes the index (`crate::search::write_index`) right after.
pub fn render_site_without_search(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
) -> Result<Rendered> {
    render_site_with(content, theme, today, staging, false, &Timings::new())
}

fn render_site_with(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
    search_index: bool,
    timings: &Timings,
) -> Result<Rendered> {
    theme.ids.check(content)?;
    let site = Site::new(content, today);
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
    let (pages, search) = rayon::join(
        || render_pages(&site, theme, staging, timings),
        || {
            search_index
                .then(|| {
                    timings.phase("search index", || {
                        crate::search::write_index(content, staging)
                    })
                })
                .transpose()
        },
    );
    let mut files = pages?;
    let search = search?;
    files += search.map_or(0, |stats| stats.files);
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

/// Renders every page, feed and theme file and the ケアマネタイム data into `staging`; returns
/// how many files it wrote.
fn render_pages(
    site: &Site<'_>,
    theme: &Theme,
    staging: &Staging,
    timings: &Timings,
) -> Result<usize> {
    let content = site.content;
    let write = |output: Output| -> Result<()> {
        let html = theme.render(output.template, &output.context)?;
        staging.write(&output.file, html.as_bytes())
    };
    let outputs = site.outputs();
    let mut page_files: Vec<String> = outputs.iter().map(|o| o.file.clone()).collect();
    timings.phase("render: fixed pages", || {
        outputs.into_par_iter().try_for_each(write)
    })?;
    // The many pages are built, rendered and dropped one by one, keeping memory flat; a
    // booklet is rendered in parts and streamed to its file.
    let mut jobs = site.jobs();
    page_files.extend(jobs.iter().map(|job| site.file_of(*job)));
    jobs.sort_by_key(|job| job.size_rank());
    for (rank, name) in [
        (0, "render: print booklets"),
        (1, "render: caremane pages"),
        (2, "render: listings"),
        (3, "render: facility pages"),
    ] {
        timings.phase(name, || {
            jobs.par_iter()
                .filter(|job| job.size_rank() == rank)
                .try_for_each(|job| match site.render_job(*job) {
                    Rendering::Page(output) => write(output),
                    Rendering::Booklet(booklet) => staging
                        .write_streamed(&booklet.output.file, |sink| booklet.write(theme, sink)),
                })
        })?;
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
