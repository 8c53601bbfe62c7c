//! Site assembly: load and validate the content, render every page with the theme, write the
//! feeds and copy files, all into a staging folder that replaces the output only when the whole
//! build succeeded.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use rayon::prelude::*;

use crate::content::pages::PageKind;
use crate::content::{self, Content};
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::guard::{self, OutputDir};
use crate::lock;
use crate::output::{Committed, Staging};
use crate::render::views::{Output, PageView, Views};
use crate::render::{Theme, feeds};

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
}

/// Today in Asia/Tokyo, where the centre is.
pub fn today_in_tokyo() -> Date {
    jiff::Timestamp::now()
        .in_tz("Asia/Tokyo")
        .map(|zoned| zoned.date())
        .unwrap_or_else(|_| jiff::Zoned::now().date())
}

/// Loads and validates without writing anything (`zaitaku check`).
pub fn check(root: &Path, today: Date) -> Result<(Option<Content>, Vec<Diagnostic>)> {
    let loaded = content::load(root, today)?;
    Ok((loaded.content, loaded.diagnostics.sorted()))
}

/// Loads the content, or fails with every diagnostic when any is an error.
pub fn load_valid(root: &Path, today: Date) -> Result<(Content, Vec<Diagnostic>)> {
    let loaded = content::load(root, today)?;
    let errors = loaded.diagnostics.error_count();
    let diagnostics = loaded.diagnostics.sorted();
    match loaded.content {
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
    let started = Instant::now();
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
    let (mut content, mut diagnostics) = load_valid(&options.root, options.today)?;
    diagnostics.extend(crate::holidays::staleness(options.today));
    if let Some(base_url) = base_url {
        content.site.base_url = base_url;
    }
    let theme = Theme::load(&options.root)?;
    let written = write_site(&out, &content, &theme, options.today, waiting)?;
    Ok(BuildReport {
        resources: content.resources.len(),
        pages: content.pages.len(),
        files: written.files,
        diagnostics,
        elapsed: started.elapsed(),
        leftover: written.committed.leftover,
    })
}

/// What [`write_site`] did.
pub struct Written {
    pub files: usize,
    pub committed: Committed,
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
    let parent = out.path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(parent)
        .map_err(|e| kept(Error::io(parent, "フォルダを作成", e), out))?;
    let _lock =
        lock::acquire(&out.path, lock::Purpose::Build, waiting).map_err(|e| kept(e, out))?;
    write_site_locked(out, content, theme, today).map_err(|e| kept(e, out))
}

/// [`write_site`] for a caller that holds the output's lock (`serve --out`).
pub fn write_site_locked(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
) -> Result<Written> {
    let staging = Staging::new(&out.path)?;
    let files = render_site(content, theme, today, &staging)?;
    let committed = staging.commit()?;
    Ok(Written { files, committed })
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

/// Renders everything into `staging`; returns the number of files written.
pub fn render_site(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
) -> Result<usize> {
    render_site_with(content, theme, today, staging, true)
}

/// Like [`render_site`] but without the search index, for `zaitaku serve`: the preview reloads
/// the pages first and writes the index (`crate::search::write_index`) right after.
pub fn render_site_without_search(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
) -> Result<usize> {
    render_site_with(content, theme, today, staging, false)
}

fn render_site_with(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
    search_index: bool,
) -> Result<usize> {
    let views = Views::new(content, today)?;
    views.check_ids(&theme.ids)?;
    let write = |output: Output| -> Result<()> {
        let html = theme.render(output.template, &output.context)?;
        staging.write(&output.file, html.as_bytes())
    };
    let outputs = views.outputs();
    let mut page_files: Vec<String> = outputs.iter().map(|o| o.file.clone()).collect();
    outputs.into_par_iter().try_for_each(write)?;
    // The many pages are built, rendered and dropped one by one, keeping memory flat.
    let mut jobs = views.jobs();
    page_files.extend(jobs.iter().map(|job| views.file_of(*job)));
    jobs.sort_by_key(|job| job.size_rank());
    jobs.par_iter()
        .try_for_each(|job| write(views.render_job(*job)))?;
    let mut files = page_files.len();

    let site = &content.site;
    let mut extra: Vec<(String, String)> = Vec::new();
    let news: Vec<&PageView> = {
        let mut news: Vec<&PageView> = views
            .pages
            .get(&PageKind::News)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        news.sort_by(|a, b| {
            b.page
                .date()
                .cmp(&a.page.date())
                .then(a.page.slug.cmp(&b.page.slug))
        });
        news
    };
    extra.push(("news/atom.xml".to_owned(), feeds::atom(site, &news)));
    let lectures: Vec<&PageView> = views
        .pages
        .get(&PageKind::Lecture)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    for lecture in &lectures {
        extra.push((
            format!("{}lecture.ics", lecture.url),
            feeds::calendar(site, &lecture.page.title, &[lecture], today),
        ));
    }
    let mut upcoming: Vec<&PageView> = lectures
        .iter()
        .copied()
        .filter(|l| l.page.date().is_some_and(|d| d >= today))
        .collect();
    upcoming.sort_by_key(|l| l.page.date());
    extra.push((
        "lectures/upcoming.ics".to_owned(),
        feeds::calendar(
            site,
            &format!("{} 市民公開講座", site.title),
            &upcoming,
            today,
        ),
    ));
    extra.push((
        "sitemap.xml".to_owned(),
        feeds::sitemap(site, &Views::sitemap_urls(&page_files)),
    ));
    extra.push(("robots.txt".to_owned(), feeds::robots(site)));
    for (file, text) in &extra {
        staging.write(file, text.as_bytes())?;
    }
    files += extra.len();

    for (relative, bytes) in &theme.static_files {
        staging.write(relative, bytes)?;
    }
    files += theme.static_files.len();
    for asset in &content.assets {
        staging.copy(&asset.source, &asset.output)?;
    }
    files += content.assets.len();
    if search_index {
        files += crate::search::write_index(content, &views, staging)?;
    }
    files += crate::print::write_site_data(content, staging)?;
    Ok(files)
}
