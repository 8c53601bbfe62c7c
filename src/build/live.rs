//! The preview's builds (`zaitaku serve`): one folder that is served the whole time and kept
//! equal to what `zaitaku build` would write, brought up to date after each save by writing
//! only what changed.
//!
//! Between saves [`Live`] keeps the parsed records (`content::reparse`: a save re-reads only the
//! files that changed), each record's key, and the build cache's steps in memory
//! (`cache::Cache::reuse_in_place`: a page whose key is the one its file was made with is
//! left alone). A save is two steps:
//! 1. [`Live::update`]: load (records re-parsed where changed, every check across files run
//!    again), render the pages whose key changed into a fresh staging folder, then move each
//!    changed file into the served folder (a rename: a reader sees the old file or the new
//!    one, never half of one), remove the files the site no longer has. The pages reload.
//! 2. [`Background::run`] (another thread): the printed directory's booklets whose records
//!    changed, and the search index, written into the served folder the same way, and only
//!    if no newer save came meanwhile (the previous index answers searches until then).
//!
//! On an error nothing of the served folder changes (the error is reported, the previous site
//! stays). A move that fails half-way leaves the cache forgotten, so the next save writes
//! every file again.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use rayon::prelude::*;

use super::cache::{Cache, Key};
use super::reserved;
use super::{Previous, Reuse, Scope, record_key, render_site_with};
use crate::content::Content;
use crate::content::reparse::{Changes, Model};
use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::output::Staging;
use crate::render::Theme;
use crate::site::Site;
use crate::site::rows::{KeptRows, Rows};
use crate::timings::{Phase, Timings};

/// What both steps share: the served folder, and the number of the newest save, under one
/// lock held while files are moved into the folder.
pub struct Served {
    /// The folder being served: `site` in the preview's scratch folder (removed with it).
    folder: PathBuf,
    /// Where each step's own staging folder is made (beside `folder`, on the same disk).
    scratch: PathBuf,
    generation: Mutex<u64>,
}

impl Served {
    pub fn path(&self) -> &Path {
        &self.folder
    }
}

/// The preview's model and caches between saves.
pub struct Live {
    root: PathBuf,
    today: Date,
    served: Arc<Served>,
    /// The content, brought up to date in place on each save.
    model: Model,
    /// Each record's key by its file (`Resource::file`), made again only for the records
    /// the model read again.
    record_keys: HashMap<String, Option<Key>>,
    /// The steps whose files are in the served folder (pages; booklets are the background's).
    pages: Cache,
    /// Every file the first step put in the served folder.
    files: BTreeSet<String>,
    /// Each record's rows (`crate::site::rows`) by its key: a save renders only the rows of
    /// the records that changed, and re-assembles the lists from them.
    rows: KeptRows,
    theme: Option<Arc<Theme>>,
}

/// What one save did.
pub struct Updated {
    pub resources: usize,
    pub pages: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// Record files read and parsed again.
    pub parsed: usize,
    /// Pages rendered (the others were unchanged).
    pub rendered: usize,
    /// Files moved into the served folder, and removed from it.
    pub written: usize,
    pub removed: usize,
    /// The second step, for [`Background::run`].
    pub pending: Pending,
    /// The save's phases.
    pub timings: Vec<Phase>,
}

/// The booklets and the search index still to bring up to date after a save.
pub struct Pending {
    content: Arc<Content>,
    theme: Arc<Theme>,
    records: Vec<Option<Key>>,
    /// The records' rows, shared with the pages' step (the booklets' entries are kept in them).
    rows: Arc<Rows>,
    today: Date,
    generation: u64,
}

impl Live {
    /// A preview of the site at `root`, served from the new folder `site` in `scratch` (a
    /// folder of the preview's own).
    pub fn new(root: &Path, scratch: &Path, today: Date, base_url: String) -> Result<Live> {
        let folder = scratch.join("site");
        std::fs::create_dir(&folder).map_err(|e| Error::io(&folder, "フォルダを作成", e))?;
        Ok(Live {
            root: root.to_path_buf(),
            today,
            served: Arc::new(Served {
                folder,
                scratch: scratch.to_path_buf(),
                generation: Mutex::new(0),
            }),
            model: Model::new(today, base_url),
            record_keys: HashMap::new(),
            pages: Cache::in_memory(),
            files: BTreeSet::new(),
            rows: KeptRows::new(),
            theme: None,
        })
    }

    pub fn served(&self) -> Arc<Served> {
        self.served.clone()
    }

    /// The second step's worker state, for the thread that runs it.
    pub fn background(&self) -> Background {
        Background {
            served: self.served.clone(),
            booklets: Cache::in_memory(),
            search: BTreeSet::new(),
            index: crate::search::store::Store::in_memory(),
            // One thread of its own: the next save's pages never queue behind its work in
            // the shared pool.
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(|_| "zaitaku-serve-background".to_owned())
                .build()
                .ok(),
        }
    }

    /// Brings the served folder up to date with `content/`, given what changed (the theme
    /// read again when `theme_changed`). On an error the served folder is as it was.
    pub fn update(&mut self, theme_changed: bool, changes: &Changes) -> Result<Updated> {
        if theme_changed {
            self.theme = None;
        }
        let timings = Timings::new();
        let loaded = timings.phase("load and validate", || {
            self.model.update(&self.root, changes, &timings)
        });
        let (content, diagnostics) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                self.model.clear();
                self.record_keys.clear();
                return Err(error);
            }
        };
        // Keys of the records read again; the others' from the previous save.
        timings.phase("record keys", || self.update_keys(content.as_deref()));
        // As `build::load_checked_timed`: the addresses the build makes, when the theme loads.
        let theme = match &self.theme {
            Some(theme) => Ok(theme.clone()),
            None => Theme::load(&self.root).map(Arc::new),
        };
        let mut diagnostics = diagnostics;
        if let (Some(content), Ok(theme)) = (&content, &theme) {
            timings.phase("generated addresses", || {
                diagnostics.extend(reserved::collisions(content, theme, self.today));
            });
        }
        let errors = diagnostics.error_count();
        let mut diagnostics = timings.phase("diagnostics sorted", || diagnostics.sorted());
        diagnostics.extend(crate::ja::holidays::staleness(self.today));
        let content = match content {
            Some(content) if errors == 0 => content,
            _ => {
                return Err(Error::Content {
                    errors: errors.max(1),
                    diagnostics,
                });
            }
        };
        let theme = theme?;
        self.theme = Some(theme.clone());
        let records: Vec<Option<Key>> = content
            .resources
            .iter()
            .map(|resource| self.record_keys.get(&resource.file).cloned().flatten())
            .collect();

        let staging = Staging::new(&self.served.scratch.join("site"))?;
        let mut site = timings.phase("site", || Site::new(&content, self.today));
        let reuse = timings.phase("keys", || {
            Reuse::new(
                &self.pages,
                &theme,
                &site,
                None,
                Previous::InPlace,
                Some(records.clone()),
            )
        });
        // The rows are made with the theme and what every page shares.
        let made_with = (!reuse.shared.is_empty()).then(|| {
            self.pages
                .key(&[reuse.theme.as_bytes(), reuse.shared.as_bytes()])
        });
        site.rows = Arc::new(self.rows.rows_for(made_with.as_ref(), &records));
        let rendered = render_site_with(
            &site,
            &theme,
            &staging,
            Scope::Pages,
            &timings,
            Some(&reuse),
        );
        let rendered_pages = self.pages.rendered();
        drop(reuse);
        if let Err(error) = rendered {
            self.pages.forget_current();
            return Err(error);
        }
        let written: Vec<String> = staging.written_under("");
        // Every file of this step: the ones written now and the pages left as they are.
        let mut files: BTreeSet<String> = written.iter().cloned().collect();
        files.extend(self.pages.current_names());
        let gone: Vec<String> = self.files.difference(&files).cloned().collect();

        let generation = {
            let mut generation = self
                .served
                .generation
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            *generation += 1;
            let moved = timings.phase("move into the served folder", || {
                move_changed(&staging, &written, self.served.path())
                    .and_then(|moved| remove_files(self.served.path(), &gone).map(|()| moved))
            });
            match moved {
                Ok(moved) => {
                    self.pages.advance();
                    self.files = files;
                    (*generation, moved)
                }
                Err(error) => {
                    // Some files may have moved: nothing is known to be in place any more.
                    self.pages.forget();
                    self.files = files.union(&self.files).cloned().collect();
                    return Err(error);
                }
            }
        };
        let (generation, moved) = generation;
        let rows = site.rows.clone();
        drop(site);
        Ok(Updated {
            resources: content.resources.len(),
            pages: content.pages.len(),
            diagnostics,
            parsed: self.model.parsed(),
            rendered: rendered_pages,
            written: moved,
            removed: gone.len(),
            pending: Pending {
                content,
                theme,
                records,
                rows,
                today: self.today,
                generation,
            },
            timings: timings.phases(),
        })
    }
}

impl Live {
    /// The records' keys after the model's last update: made again for the records it read
    /// again, forgotten for those it removed.
    fn update_keys(&mut self, content: Option<&Content>) {
        let delta = self.model.delta();
        if delta.fresh {
            self.record_keys = match content {
                Some(content) => content
                    .resources
                    .par_iter()
                    .map(|resource| (resource.file.clone(), record_key(resource)))
                    .collect(),
                None => HashMap::new(),
            };
            return;
        }
        for file in &delta.removed {
            self.record_keys.remove(file);
        }
        let made: Vec<(String, Option<Key>)> = delta
            .changed
            .par_iter()
            .filter_map(|file| {
                let resource = self.model.resource(file)?;
                Some((file.clone(), record_key(resource)))
            })
            .collect();
        self.record_keys.extend(made);
    }
}

/// The second step's state: what of the booklets and the search index is in the served
/// folder. Owned by the one thread that runs it.
pub struct Background {
    served: Arc<Served>,
    booklets: Cache,
    /// The search index's files in the served folder.
    search: BTreeSet<String>,
    /// The search index kept between saves: a save analyses only what it changed.
    index: crate::search::store::Store,
    pool: Option<rayon::ThreadPool>,
}

/// What the second step did.
pub struct Finished {
    /// Booklets rendered again.
    pub booklets: usize,
    /// Files of the search index.
    pub search_files: usize,
}

impl Background {
    /// Writes the search index (`indexed` is told how long that took once it is in place),
    /// then renders the booklets whose records changed; each is moved into the served folder
    /// unless a newer save came meanwhile (`Ok(None)`: then the next `run` does it).
    pub fn run(
        &mut self,
        pending: &Pending,
        indexed: &mut (dyn FnMut(std::time::Duration) + Send),
    ) -> Result<Option<Finished>> {
        match self.pool.take() {
            Some(pool) => {
                let result = pool.install(|| self.run_here(pending, indexed));
                self.pool = Some(pool);
                result
            }
            None => self.run_here(pending, indexed),
        }
    }

    fn run_here(
        &mut self,
        pending: &Pending,
        indexed: &mut (dyn FnMut(std::time::Duration) + Send),
    ) -> Result<Option<Finished>> {
        let started = std::time::Instant::now();
        let staging = Staging::new(&self.served.scratch.join("site"))?;
        crate::search::write_index_with(&pending.content, &staging, &mut self.index)?;
        let search: BTreeSet<String> = staging.written_under("").into_iter().collect();
        let gone: Vec<String> = self.search.difference(&search).cloned().collect();
        {
            let generation = self
                .served
                .generation
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if *generation != pending.generation {
                return Ok(None);
            }
            let written: Vec<String> = search.iter().cloned().collect();
            let moved = move_changed(&staging, &written, self.served.path())
                .and_then(|_| remove_files(self.served.path(), &gone));
            // Whatever moved, every file of the new index and the old one may be there.
            self.search = match moved {
                Ok(()) => search,
                Err(error) => {
                    self.search.extend(search);
                    return Err(error);
                }
            };
        }
        indexed(started.elapsed());
        drop(staging);

        let staging = Staging::new(&self.served.scratch.join("site"))?;
        let mut site = Site::new(&pending.content, pending.today);
        site.rows = pending.rows.clone();
        let reuse = Reuse::new(
            &self.booklets,
            &pending.theme,
            &site,
            None,
            Previous::InPlace,
            Some(pending.records.clone()),
        );
        let rendered = render_site_with(
            &site,
            &pending.theme,
            &staging,
            Scope::Booklets,
            &Timings::new(),
            Some(&reuse),
        );
        let booklets = self.booklets.rendered();
        drop(reuse);
        if let Err(error) = rendered {
            self.booklets.forget_current();
            return Err(error);
        }
        let generation = self
            .served
            .generation
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if *generation != pending.generation {
            self.booklets.forget_current();
            return Ok(None);
        }
        let written = staging.written_under("");
        match move_changed(&staging, &written, self.served.path()) {
            Ok(_) => {
                self.booklets.advance();
                Ok(Some(Finished {
                    booklets,
                    search_files: self.search.len(),
                }))
            }
            Err(error) => {
                self.booklets.forget();
                Err(error)
            }
        }
    }
}

/// Moves the `files` written into `staging` into `served`, each by a rename over the old one,
/// except those whose bytes are already there; returns how many moved.
fn move_changed(staging: &Staging, files: &[String], served: &Path) -> Result<usize> {
    let mut moved = 0;
    for file in files {
        let from = staging.path().join(file);
        let to = served.join(file);
        if let (Ok(new), Ok(old)) = (std::fs::read(&from), std::fs::read(&to))
            && new == old
        {
            continue;
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
        }
        std::fs::rename(&from, &to).map_err(|e| Error::io(&to, "置き換え", e))?;
        moved += 1;
    }
    Ok(moved)
}

/// Removes the `files` of `served` the site no longer has, and the folders they leave empty.
fn remove_files(served: &Path, files: &[String]) -> Result<()> {
    for file in files {
        let path = served.join(file);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, "削除", e)),
        }
        let mut parent = path.parent();
        while let Some(dir) = parent {
            if dir == served || std::fs::remove_dir(dir).is_err() {
                break;
            }
            parent = dir.parent();
        }
    }
    Ok(())
}
