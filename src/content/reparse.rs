//! The preview's model of `content/` (`zaitaku serve`), kept between saves and brought up to
//! date in place: a save re-reads only the files that changed, replaces only their records and
//! pages in the [`Content`], and the checks across records read normalised keys kept from the
//! previous save. The outcome — the content and every diagnostic, in the same order — is what
//! [`super::load`] gives for the same files.
//!
//! How changes are found ([`Changes`]): the file watcher's paths, each looked at with `lstat`.
//! Without a walk of `content/` only when every path is one of these:
//! - a record or page file the previous walk read, still a regular file (read again when its
//!   size, times or inode changed);
//! - such a file now gone, whose name was not one of two differing only in case;
//! - a path that is not there and that the previous walk did not see (an editor's scratch
//!   file), or one below a name the walk ignores (`.git/`, `~$book.xlsx`).
//!
//! Anything else — a folder, `site.yaml`, a new file, a link or FIFO, a walk that went through
//! a link or failed somewhere, a watcher that says it lost events — walks `content/` again
//! (every file's metadata read; only changed files parsed). A changed `site.yaml` text or
//! another day starts from nothing, since every record is validated against them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

use super::pages::Page;
use super::resource::{Resource, ResourceContext};
use super::{CheckKeys, Content, Found, GroupKey, is_ignored};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::error::Result;
use crate::timings::Timings;

/// What changed since the previous update, as the file watcher tells it.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// The paths of the events (any kind but reads).
    pub paths: Vec<PathBuf>,
    /// The watcher may have lost events (or this is the first update): walk `content/`.
    pub rescan: bool,
}

impl Changes {
    /// Nothing known: walk everything.
    pub fn unknown() -> Changes {
        Changes {
            paths: Vec::new(),
            rescan: true,
        }
    }
}

/// What a file's metadata says about its bytes: when any of these changed, the file is read
/// again (`ctime` changes on every write, even one that keeps `mtime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    ino: u64,
    dev: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        })
    }
}

/// A record file as an update finds it.
enum Look {
    /// No longer a record file of the walk.
    Gone,
    /// There, with its metadata (`None`: unreadable).
    Now(Option<Stamp>),
}

impl Look {
    /// A known record file the watcher named: gone, or there.
    fn of(path: &Path) -> Look {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Look::Gone,
            _ => Look::Now(Stamp::of(path)),
        }
    }
}

/// Where a record is in `Content::resources` (sorted by these, then by path).
struct Placed {
    file: String,
    sort_key: (String, String),
    id: String,
}

struct RecordEntry {
    /// `None`: the metadata could not be read; the file is read again next time.
    stamp: Option<Stamp>,
    diagnostics: Vec<Diagnostic>,
    placed: Option<Placed>,
}

struct PageEntry {
    stamp: Option<Stamp>,
    page: Option<Page>,
    diagnostics: Vec<Diagnostic>,
    /// The files beside the page that it named, and whether each was there.
    asked: Vec<(PathBuf, bool)>,
}

/// The model between saves.
struct State {
    site_text: String,
    found: Found,
    /// The walk's and `site.yaml`'s diagnostics.
    walk_diagnostics: Vec<Diagnostic>,
    /// Those of the tables beside `site.yaml` and of the survey.
    table_diagnostics: Vec<Diagnostic>,
    /// Those of the checks across pages.
    page_check_diagnostics: Vec<Diagnostic>,
    /// In path order (the walk's).
    records: BTreeMap<PathBuf, RecordEntry>,
    /// What the checks across records read, by `Resource::file`.
    checks: HashMap<String, CheckKeys>,
    /// The records (their files, in order) of each id, phone number, name and address.
    groups: HashMap<GroupKey, BTreeSet<String>>,
    /// What the checks across records say, by the group they are about (only groups of more
    /// than one record), made again only for the groups a save touched.
    group_diagnostics: HashMap<GroupKey, Vec<Diagnostic>>,
    /// Each record's path by its `Resource::file`.
    paths: HashMap<String, PathBuf>,
    pages: BTreeMap<PathBuf, PageEntry>,
    content: Arc<Content>,
}

/// Which records changed in the last update (`Resource::file`s), for whoever keeps something
/// per record.
#[derive(Debug, Default)]
pub struct Delta {
    /// Everything was loaded anew: nothing kept per record holds.
    pub fresh: bool,
    /// Records read again (new or changed), present in the content.
    pub changed: Vec<String>,
    /// Records no longer in the content, or replaced (then also in `changed`).
    pub removed: Vec<String>,
    /// Whether `content/` was walked.
    pub walked: bool,
}

/// The preview's content, kept between saves.
pub struct Model {
    today: Date,
    /// The address the preview serves at, in place of `site.yaml`'s.
    base_url: String,
    state: Option<State>,
    delta: Delta,
    parsed: usize,
}

/// Above this many changed records the list is sorted again rather than edited in place.
const IN_PLACE: usize = 64;

impl Model {
    pub fn new(today: Date, base_url: String) -> Model {
        Model {
            today,
            base_url,
            state: None,
            delta: Delta::default(),
            parsed: 0,
        }
    }

    /// What the last update changed.
    pub fn delta(&self) -> &Delta {
        &self.delta
    }

    /// How many record and page files the last update read and parsed.
    pub fn parsed(&self) -> usize {
        self.parsed
    }

    /// The record of `file` (`Resource::file`) in the current content.
    pub fn resource(&self, file: &str) -> Option<&Resource> {
        let state = self.state.as_ref()?;
        let path = state.paths.get(file)?;
        let placed = state.records.get(path)?.placed.as_ref()?;
        let at = locate(&state.content.resources, &state.paths, placed, path)?;
        Some(&state.content.resources[at])
    }

    /// Forgets everything: the next update walks and reads every file.
    pub fn clear(&mut self) {
        self.state = None;
    }

    /// Brings the model up to date with `content/` of `root`, given what the watcher saw.
    /// Returns the content (`None` when `site.yaml` cannot be used) and every diagnostic, as
    /// [`super::load`] would.
    pub fn update(
        &mut self,
        root: &Path,
        changes: &Changes,
        timings: &Timings,
    ) -> Result<(Option<Arc<Content>>, Diagnostics)> {
        let content_dir = super::content_dir(root)?;
        self.delta = Delta::default();
        self.parsed = 0;
        let plan = match &self.state {
            Some(state) if !changes.rescan => state.plan(root, &changes.paths),
            _ => None,
        };
        match plan {
            Some((records, pages)) => {
                let state = self.state.as_mut().expect("planned from it");
                if !(records.is_empty() && pages.is_empty())
                    && Arc::get_mut(&mut state.content).is_none()
                {
                    // The previous save's booklets and index still read it (another thread).
                    timings.phase("content copied (still in use)", || {
                        Arc::make_mut(&mut state.content);
                    });
                }
                let context_site = state.content.site.clone();
                let context = ResourceContext {
                    site: &context_site,
                    today: self.today,
                };
                let records = records.into_iter().map(|p| (Look::of(&p), p)).collect();
                self.parsed += timings.phase("records", || {
                    state.apply_records(root, records, &context, &mut self.delta)
                });
                self.parsed += timings.phase("pages", || state.apply_pages(root, &pages, false));
            }
            None => {
                self.delta.walked = true;
                if let Some(diagnostics) = self.walk(root, &content_dir, timings)? {
                    self.state = None;
                    self.delta.fresh = true;
                    return Ok((None, diagnostics));
                }
            }
        }
        let state = self.state.as_ref().expect("loaded above");
        let diagnostics = timings.phase("checks across records", || state.diagnostics(self.today));
        Ok((Some(state.content.clone()), diagnostics))
    }

    /// Walks `content/` and brings every record and page up to date; when `site.yaml` cannot
    /// be used, the diagnostics that say why (the model is then emptied).
    fn walk(
        &mut self,
        root: &Path,
        content_dir: &Path,
        timings: &Timings,
    ) -> Result<Option<Diagnostics>> {
        let mut diagnostics = Diagnostics::new();
        let found = timings.phase("walk content/", || {
            super::find_files(root, content_dir, &mut diagnostics)
        })?;
        let Some((mut site, site_text)) = super::load_site(root, &found, &mut diagnostics) else {
            return Ok(Some(diagnostics));
        };
        site.base_url = self.base_url.clone();
        let keep = self
            .state
            .as_ref()
            .is_some_and(|state| state.site_text == site_text);
        if !keep {
            self.delta.fresh = true;
            self.state = Some(State {
                site_text,
                found: Found::default(),
                walk_diagnostics: Vec::new(),
                table_diagnostics: Vec::new(),
                page_check_diagnostics: Vec::new(),
                records: BTreeMap::new(),
                checks: HashMap::new(),
                groups: HashMap::new(),
                group_diagnostics: HashMap::new(),
                paths: HashMap::new(),
                pages: BTreeMap::new(),
                content: Arc::new(Content::empty(site)),
            });
        }
        let state = self.state.as_mut().expect("set above");
        state.walk_diagnostics = diagnostics.into_iter().collect();

        // Every record file of the walk, and every one of the model the walk no longer has.
        let listed: HashSet<&PathBuf> = found.resources.iter().collect();
        let mut records: Vec<(Look, PathBuf)> = timings.phase("stat records", || {
            found
                .resources
                .par_iter()
                .map(|path| (Look::Now(Stamp::of(path)), path.clone()))
                .collect()
        });
        records.extend(
            state
                .records
                .keys()
                .filter(|path| !listed.contains(path))
                .map(|path| (Look::Gone, path.clone())),
        );
        let context_site = state.content.site.clone();
        let context = ResourceContext {
            site: &context_site,
            today: self.today,
        };
        let mut tables_diagnostics = Diagnostics::new();
        let tables = super::load_tables(root, &found, &context_site, &mut tables_diagnostics);
        state.table_diagnostics = tables_diagnostics.into_iter().collect();
        let gone: Vec<PathBuf> = state
            .pages
            .keys()
            .filter(|path| !found.pages.iter().any(|(_, p)| p == *path))
            .cloned()
            .collect();
        for path in gone {
            state.pages.remove(&path);
        }
        let pages: Vec<PathBuf> = found.pages.iter().map(|(_, p)| p.clone()).collect();
        state.found = found;
        {
            let content = Arc::make_mut(&mut state.content);
            content.assets = state.found.assets.clone();
            content.dictionary = tables.dictionary;
            content.survey = tables.survey;
            content.synonyms = tables.synonyms;
        }
        self.parsed += timings.phase("records", || {
            state.apply_records(root, records, &context, &mut self.delta)
        });
        self.parsed += timings.phase("pages", || state.apply_pages(root, &pages, true));
        Ok(None)
    }
}

impl State {
    /// The record and page files to look at again for `paths`, or `None` when only a walk
    /// can tell (see the module's header).
    fn plan(&self, root: &Path, paths: &[PathBuf]) -> Option<(Vec<PathBuf>, Vec<PathBuf>)> {
        if self.found.links {
            return None;
        }
        // The watcher names paths from the root as given or made absolute (from the current
        // folder); the walk's paths are from the root as given.
        let absolute_root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let content_dir = root.join("content");
        let mut records = Vec::new();
        let mut pages = Vec::new();
        for path in paths {
            let relative = path
                .strip_prefix(&content_dir)
                .or_else(|_| path.strip_prefix(absolute_root.join("content")));
            let Ok(relative) = relative else {
                let theme = path.starts_with(root.join("themes"))
                    || path.starts_with(absolute_root.join("themes"));
                if theme {
                    // The theme is the caller's.
                    continue;
                }
                return None;
            };
            let path = &content_dir.join(relative);
            if relative.as_os_str().is_empty() {
                return None;
            }
            if relative
                .components()
                .any(|c| is_ignored(&c.as_os_str().to_string_lossy()))
            {
                continue;
            }
            let is_record = self.records.contains_key(path);
            let is_page = self.pages.contains_key(path);
            let known = is_record || is_page;
            match std::fs::symlink_metadata(path) {
                Ok(meta) if known && meta.file_type().is_file() => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if known && self.found.folded.contains(path) {
                        return None;
                    }
                    if !known && self.found.seen.contains(path) {
                        return None;
                    }
                    if !known {
                        continue;
                    }
                }
                _ => return None,
            }
            if is_record {
                records.push(path.clone());
            } else {
                pages.push(path.clone());
            }
        }
        records.sort();
        records.dedup();
        pages.sort();
        pages.dedup();
        Some((records, pages))
    }

    /// Reads again the records of `records` (with their metadata now; `None`: gone) whose
    /// file changed, and puts them in place of the old ones. Returns how many were read.
    fn apply_records(
        &mut self,
        root: &Path,
        records: Vec<(Look, PathBuf)>,
        context: &ResourceContext<'_>,
        delta: &mut Delta,
    ) -> usize {
        // What to read again, and what is gone.
        let mut gone = Vec::new();
        let mut read = Vec::new();
        for (look, path) in records {
            let known = self.records.get(&path);
            match look {
                Look::Gone => {
                    if known.is_some() {
                        gone.push(path);
                    }
                }
                Look::Now(stamp) => {
                    let unchanged = stamp.is_some() && known.is_some_and(|e| e.stamp == stamp);
                    if !unchanged {
                        read.push((stamp, path));
                    }
                }
            }
        }
        let fresh: Vec<(Option<Resource>, Vec<Diagnostic>)> = read
            .par_iter()
            .map(|(_, path)| super::load_resource(root, path, context))
            .collect();

        // The old records of every changed or gone file leave the list.
        let leaving: Vec<&PathBuf> = gone.iter().chain(read.iter().map(|(_, p)| p)).collect();
        if leaving.is_empty() {
            return 0;
        }
        let resources = &mut Arc::make_mut(&mut self.content).resources;
        let mut leave = Vec::new();
        for path in &leaving {
            if let Some(placed) = self.records.get(*path).and_then(|e| e.placed.as_ref()) {
                leave.push((placed, (*path).clone()));
            }
        }
        if leave.len() <= IN_PLACE {
            for (placed, path) in &leave {
                if let Some(at) = locate(resources, &self.paths, placed, path) {
                    resources.remove(at);
                }
            }
        } else {
            let files: HashSet<&str> = leave.iter().map(|(p, _)| p.file.as_str()).collect();
            resources.retain(|r| !files.contains(r.file.as_str()));
        }
        let mut touched: HashSet<GroupKey> = HashSet::new();
        for path in &leaving {
            if let Some(entry) = self.records.remove(*path)
                && let Some(placed) = entry.placed
            {
                if let Some(keys) = self.checks.remove(&placed.file) {
                    for group in keys.groups() {
                        let key = group.key();
                        if let Some(files) = self.groups.get_mut(&key) {
                            files.remove(&placed.file);
                            if files.is_empty() {
                                self.groups.remove(&key);
                            }
                        }
                        touched.insert(key);
                    }
                }
                self.paths.remove(&placed.file);
                delta.removed.push(placed.file);
            }
        }

        // The new ones come in.
        let count = read.len();
        let mut coming = Vec::new();
        for ((stamp, path), (resource, diagnostics)) in read.into_iter().zip(fresh) {
            let placed = resource.as_ref().map(|r| Placed {
                file: r.file.clone(),
                sort_key: r.sort_key.clone(),
                id: r.id.clone(),
            });
            if let Some(resource) = resource {
                let keys = CheckKeys::of(&resource);
                for group in keys.groups() {
                    let key = group.key();
                    self.groups
                        .entry(key.clone())
                        .or_default()
                        .insert(resource.file.clone());
                    touched.insert(key);
                }
                self.checks.insert(resource.file.clone(), keys);
                self.paths.insert(resource.file.clone(), path.clone());
                delta.changed.push(resource.file.clone());
                coming.push((resource, path.clone()));
            }
            self.records.insert(
                path,
                RecordEntry {
                    stamp,
                    diagnostics,
                    placed,
                },
            );
        }
        if coming.len() <= IN_PLACE {
            for (resource, path) in coming {
                let at = resources.partition_point(|r| {
                    order(r, &self.paths) < (&resource.sort_key, resource.id.as_str(), &path)
                });
                resources.insert(at, resource);
            }
        } else {
            resources.extend(coming.into_iter().map(|(r, _)| r));
            let paths = &self.paths;
            resources.sort_by(|a, b| order(a, paths).cmp(&order(b, paths)));
        }
        // The checks of the groups whose records changed.
        for key in touched {
            let members: Vec<&CheckKeys> = self
                .groups
                .get(&key)
                .into_iter()
                .flatten()
                .filter_map(|file| self.checks.get(file))
                .collect();
            if members.len() > 1 {
                let diagnostics = super::check_group(&key.group(), &members);
                self.group_diagnostics.insert(key, diagnostics);
            } else {
                self.group_diagnostics.remove(&key);
            }
        }
        count
    }

    /// Reads again the pages of `changed` and those whose file changed or whose named files
    /// came or went (every page when `all`), and the pages' list and checks. Returns how many
    /// were read.
    fn apply_pages(&mut self, root: &Path, changed: &[PathBuf], all: bool) -> usize {
        let candidates: Vec<&PathBuf> = if all {
            self.found.pages.iter().map(|(_, p)| p).collect()
        } else {
            let mut candidates: Vec<&PathBuf> = changed.iter().collect();
            candidates.extend(self.pages.iter().filter_map(|(path, entry)| {
                let moved = entry.asked.iter().any(|(p, there)| p.is_file() != *there);
                moved.then_some(path)
            }));
            candidates
        };
        let read: Vec<(PathBuf, Option<Stamp>)> = candidates
            .into_iter()
            .map(|path| (path.clone(), Stamp::of(path)))
            .filter(|(path, stamp)| {
                let entry = self.pages.get(path);
                let same = stamp.is_some()
                    && entry.is_some_and(|e| {
                        e.stamp == *stamp && e.asked.iter().all(|(p, there)| p.is_file() == *there)
                    });
                !same
            })
            .collect();
        if read.is_empty() && !all {
            return 0;
        }
        let kinds: HashMap<&PathBuf, super::pages::PageKind> =
            self.found.pages.iter().map(|(k, p)| (p, *k)).collect();
        let fresh: Vec<(PathBuf, Option<Stamp>, Option<PageEntry>)> = read
            .into_par_iter()
            .map(|(path, stamp)| {
                let entry = kinds.get(&path).map(|kind| {
                    let (page, diagnostics, asked) = super::load_page_asking(root, *kind, &path);
                    PageEntry {
                        stamp,
                        page,
                        diagnostics,
                        asked,
                    }
                });
                (path, stamp, entry)
            })
            .collect();
        let count = fresh.len();
        for (path, _, entry) in fresh {
            match entry {
                Some(entry) if path.symlink_metadata().is_ok() => {
                    self.pages.insert(path, entry);
                }
                _ => {
                    self.pages.remove(&path);
                }
            }
        }
        let mut pages: Vec<Page> = self
            .pages
            .values()
            .filter_map(|entry| entry.page.clone())
            .collect();
        let mut diagnostics = Diagnostics::new();
        super::check_pages(&mut pages, &self.found.assets, &mut diagnostics);
        self.page_check_diagnostics = diagnostics.into_iter().collect();
        Arc::make_mut(&mut self.content).pages = pages;
        count
    }

    /// Every diagnostic of the current files, as a whole load gives them.
    fn diagnostics(&self, today: Date) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        diagnostics.extend(self.walk_diagnostics.iter().cloned());
        for entry in self.records.values() {
            diagnostics.extend(entry.diagnostics.iter().cloned());
        }
        for group in self.group_diagnostics.values() {
            diagnostics.extend(group.iter().cloned());
        }
        for entry in self.pages.values() {
            diagnostics.extend(entry.diagnostics.iter().cloned());
        }
        diagnostics.extend(self.page_check_diagnostics.iter().cloned());
        diagnostics.extend(self.table_diagnostics.iter().cloned());
        if let Some(survey) = &self.content.survey {
            diagnostics.extend(super::survey::summary(
                survey,
                &self.content.resources,
                today,
            ));
        }
        diagnostics
    }
}

/// A record's place in the list: its sort key, its id, then its path (a whole load sorts
/// records of the walk's path order stably by the first two).
fn order<'a>(
    resource: &'a Resource,
    paths: &'a HashMap<String, PathBuf>,
) -> (&'a (String, String), &'a str, &'a PathBuf) {
    (
        &resource.sort_key,
        resource.id.as_str(),
        paths
            .get(&resource.file)
            .expect("every listed record has a path"),
    )
}

/// Where the record `placed` (at `path`) is in `resources`.
fn locate(
    resources: &[Resource],
    paths: &HashMap<String, PathBuf>,
    placed: &Placed,
    path: &PathBuf,
) -> Option<usize> {
    resources
        .binary_search_by(|r| order(r, paths).cmp(&(&placed.sort_key, placed.id.as_str(), path)))
        .ok()
}
