//! Site assembly: load and validate the content, render the site's plan (`crate::site`) with
//! the theme, write the search index, the feeds and the copied files, all into a staging folder
//! that replaces the output only when the whole build succeeded.

pub mod cache;
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
use crate::site::{Site, caremane};
use cache::Cache;

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
    /// Pages (and the search index) whose files the build cache took from the previous site.
    pub reused: usize,
    /// Pages (and the search index) rendered.
    pub rendered: usize,
}

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
    let loaded = content::load(root, today)?;
    let mut diagnostics = loaded.diagnostics;
    if let Some(content) = &loaded.content
        && let Ok(theme) = Theme::load(root)
    {
        diagnostics.extend(reserved::collisions(content, &theme, today));
    }
    let errors = diagnostics.error_count();
    let content = loaded.content.filter(|_| errors == 0);
    let mut diagnostics = diagnostics.sorted();
    diagnostics.extend(crate::ja::holidays::staleness(today));
    Ok((content, diagnostics, errors))
}

/// Loads the content, or fails with every diagnostic when any is an error.
pub fn load_valid(root: &Path, today: Date) -> Result<(Content, Vec<Diagnostic>)> {
    let (content, diagnostics, errors) = load_checked(root, today)?;
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
    let (mut content, diagnostics) = load_valid(&options.root, options.today)?;
    if let Some(base_url) = base_url {
        content.site.base_url = base_url;
    }
    let theme = Theme::load(&options.root)?;
    let cache = Cache::open(&options.root);
    let mut diagnostics = diagnostics;
    diagnostics.extend(cache.warning.clone());
    let written = write_site(&out, &content, &theme, options.today, Some(&cache), waiting)?;
    diagnostics.extend(cache.save());
    Ok(BuildReport {
        resources: content.resources.len(),
        pages: content.pages.len(),
        files: written.files,
        diagnostics,
        elapsed: started.elapsed(),
        leftover: written.committed.leftover,
        search: written.search,
        reused: cache.reused(),
        rendered: cache.rendered(),
    })
}

/// What [`write_site`] did.
pub struct Written {
    pub files: usize,
    pub search: Option<IndexStats>,
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
    cache: Option<&Cache>,
    waiting: &mut dyn FnMut(&str),
) -> Result<Written> {
    let parent = out.path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(parent)
        .map_err(|e| kept(Error::io(parent, "フォルダを作成", e), out))?;
    let _lock =
        lock::acquire(&out.path, lock::Purpose::Build, waiting).map_err(|e| kept(e, out))?;
    write_site_locked(out, content, theme, today, cache).map_err(|e| kept(e, out))
}

/// [`write_site`] for a caller that holds the output's lock (`serve --out`). With a `cache`,
/// unchanged files of the site in `out` are reused.
pub fn write_site_locked(
    out: &OutputDir,
    content: &Content,
    theme: &Theme,
    today: Date,
    cache: Option<&Cache>,
) -> Result<Written> {
    let staging = Staging::new(&out.path)?;
    let reuse = cache.map(|cache| Reuse::new(cache, theme, &out.path));
    let rendered = render_site_with(content, theme, today, &staging, true, reuse.as_ref())?;
    let committed = staging.commit()?;
    Ok(Written {
        files: rendered.files,
        search: rendered.search,
        committed,
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
    render_site_with(content, theme, today, staging, true, None)
}

/// Like [`render_site`] but without the search index, for `zaitaku serve`: the preview reloads
/// the pages first and writes the index (`crate::search::write_index`) right after.
pub fn render_site_without_search(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
) -> Result<Rendered> {
    render_site_with(content, theme, today, staging, false, None)
}

/// What a build may take from the previous one: the cache, and the previous site's folder.
pub struct Reuse<'a> {
    pub cache: &'a Cache,
    pub previous: &'a Path,
    /// The theme's part of every page's key.
    theme: String,
}

impl<'a> Reuse<'a> {
    pub fn new(cache: &'a Cache, theme: &Theme, previous: &'a Path) -> Reuse<'a> {
        Reuse {
            cache,
            previous,
            theme: cache::theme_key(theme),
        }
    }

    /// Writes one page, or links the previous site's when it was made from the same context,
    /// template and theme.
    fn page(&self, theme: &Theme, output: &Output, staging: &Staging) -> Result<()> {
        let context = cache::context_text(&output.context)?;
        let key = self.cache.key(&[
            b"page",
            self.theme.as_bytes(),
            output.template.as_bytes(),
            output.file.as_bytes(),
            context.as_bytes(),
        ]);
        let step = format!("page {}", output.file);
        if self
            .cache
            .reuse(&step, &key, self.previous, staging)
            .is_some()
        {
            return Ok(());
        }
        let html = theme.render(output.template, &output.context)?;
        staging.write(&output.file, html.as_bytes())?;
        self.cache
            .record(&step, key, &[(&output.file, html.as_bytes())]);
        Ok(())
    }

    /// Writes the search index, or links the previous site's when the content is the same.
    fn search(&self, content: &Content, staging: &Staging) -> Result<(usize, Option<IndexStats>)> {
        let key = self
            .cache
            .key(&[b"search", format!("{content:?}").as_bytes()]);
        if let Some(files) = self.cache.reuse("search", &key, self.previous, staging) {
            return Ok((files, None));
        }
        let before = staging.written_count();
        let stats = crate::search::write_index(content, staging)?;
        let files: Vec<(String, Vec<u8>)> = staging
            .written_since(before)
            .into_iter()
            .map(|file| {
                let path = staging.path().join(&file);
                std::fs::read(&path)
                    .map(|bytes| (file, bytes))
                    .map_err(|e| Error::io(path, "読み込み", e))
            })
            .collect::<Result<_>>()?;
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(file, bytes)| (file.as_str(), bytes.as_slice()))
            .collect();
        self.cache.record("search", key, &files);
        Ok((stats.files, Some(stats)))
    }
}

fn render_site_with(
    content: &Content,
    theme: &Theme,
    today: Date,
    staging: &Staging,
    search_index: bool,
    reuse: Option<&Reuse<'_>>,
) -> Result<Rendered> {
    theme.ids.check(content)?;
    let site = Site::new(content, today);
    let write = |output: Output| -> Result<()> {
        if let Some(reuse) = reuse {
            return reuse.page(theme, &output, staging);
        }
        let html = theme.render(output.template, &output.context)?;
        staging.write(&output.file, html.as_bytes())
    };
    let outputs = site.outputs();
    let mut page_files: Vec<String> = outputs.iter().map(|o| o.file.clone()).collect();
    // Nothing is written when a content file would take the address of a generated one
    // (`reserved` reports it at validation; this keeps the promise if it is skipped).
    let collisions = reserved::collisions(content, theme, today);
    if !collisions.is_empty() {
        return Err(Error::Content {
            errors: collisions.len(),
            diagnostics: collisions,
        });
    }
    outputs.into_par_iter().try_for_each(write)?;
    // The many pages are built, rendered and dropped one by one, keeping memory flat.
    let mut jobs = site.jobs();
    page_files.extend(jobs.iter().map(|job| site.file_of(*job)));
    jobs.sort_by_key(|job| job.size_rank());
    jobs.par_iter()
        .try_for_each(|job| write(site.render_job(*job)))?;
    let mut files = page_files.len();

    let extras = site.extra_files();
    for extra in &extras {
        let text = site.extra_text(extra, &page_files);
        staging.write(&extra.file, text.as_bytes())?;
    }
    files += extras.len();

    for (relative, bytes) in &theme.static_files {
        staging.write(relative, bytes)?;
    }
    files += theme.static_files.len();
    let search = match (search_index, reuse) {
        (false, _) => None,
        (true, Some(reuse)) => {
            let (written, stats) = reuse.search(content, staging)?;
            files += written;
            stats
        }
        (true, None) => {
            let stats = crate::search::write_index(content, staging)?;
            files += stats.files;
            Some(stats)
        }
    };
    for (file, _) in caremane::DATA_FILES {
        staging.write(file, caremane::data_script(file, content).as_bytes())?;
    }
    files += caremane::DATA_FILES.len();
    // Copied last, and never over a generated file.
    for asset in &content.assets {
        copy_asset(staging, asset)?;
    }
    files += content.assets.len();
    Ok(Rendered { files, search })
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
