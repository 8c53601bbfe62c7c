//! The records of the previous load, kept for the next one (`zaitaku serve`): a record file
//! whose size, times and inode are what they were is not read or parsed again; its record and
//! diagnostics are taken from the previous load. Everything that spans files (unique ids,
//! duplicates, the survey's summary) is still checked on every load.
//!
//! A record is validated against `site.yaml` and the day, so a changed `site.yaml` (or
//! another day) empties the cache.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rayon::prelude::*;

use super::resource::{Resource, ResourceContext};
use crate::diagnostics::Diagnostic;

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

struct Entry {
    stamp: Stamp,
    /// Increased each time the file is parsed again (see [`RecordCache::version`]).
    version: u64,
    resource: Option<Resource>,
    diagnostics: Vec<Diagnostic>,
}

/// The parsed records of the previous load, by path.
#[derive(Default)]
pub struct RecordCache {
    /// `site.yaml`'s text and the day the entries were validated with.
    valid_for: Option<(String, Date)>,
    entries: HashMap<PathBuf, Entry>,
    /// The version of each record by its file as shown (`Resource::file`).
    versions: HashMap<String, u64>,
    next_version: u64,
    /// Files parsed by the last load.
    parsed: usize,
}

impl RecordCache {
    pub fn new() -> RecordCache {
        RecordCache::default()
    }

    /// A number that changes whenever the record of `file` (as in `Resource::file`) was read
    /// again; the same number means the same record as before.
    pub fn version(&self, file: &str) -> Option<u64> {
        self.versions.get(file).copied()
    }

    /// How many record files the last load read and parsed.
    pub fn parsed(&self) -> usize {
        self.parsed
    }

    /// Forgets everything (the next load reads every file).
    pub fn clear(&mut self) {
        *self = RecordCache {
            next_version: self.next_version,
            ..RecordCache::default()
        };
    }

    /// Empties the cache unless it was made with this `site.yaml` text and day.
    pub(super) fn keep_if(&mut self, site_text: &str, today: Date) {
        let same = self
            .valid_for
            .as_ref()
            .is_some_and(|(text, day)| text == site_text && *day == today);
        if !same {
            self.clear();
            self.valid_for = Some((site_text.to_owned(), today));
        }
    }

    /// The records of `paths`, parsed again only where the file changed.
    pub(super) fn load(
        &mut self,
        root: &Path,
        paths: &[PathBuf],
        context: &ResourceContext<'_>,
    ) -> Vec<(Option<Resource>, Vec<Diagnostic>)> {
        let stamps: Vec<Option<Stamp>> = paths.par_iter().map(|p| Stamp::of(p)).collect();
        let fresh: Vec<Option<(Option<Resource>, Vec<Diagnostic>)>> = paths
            .par_iter()
            .zip(&stamps)
            .map(|(path, stamp)| {
                let cached = self
                    .entries
                    .get(path)
                    .is_some_and(|entry| stamp.is_some() && Some(entry.stamp) == *stamp);
                (!cached).then(|| super::load_resource(root, path, context))
            })
            .collect();
        let mut entries = HashMap::with_capacity(paths.len());
        let mut out = Vec::with_capacity(paths.len());
        self.versions.clear();
        self.parsed = 0;
        for ((path, stamp), fresh) in paths.iter().zip(stamps).zip(fresh) {
            let entry = match fresh {
                Some((resource, diagnostics)) => {
                    self.parsed += 1;
                    self.next_version += 1;
                    Entry {
                        // A file whose metadata cannot be read is read again next time.
                        stamp: stamp.unwrap_or(Stamp {
                            len: u64::MAX,
                            mtime: (0, 0),
                            ctime: (0, 0),
                            ino: 0,
                            dev: 0,
                        }),
                        version: self.next_version,
                        resource,
                        diagnostics,
                    }
                }
                None => self.entries.remove(path).expect("checked above"),
            };
            if let Some(resource) = &entry.resource {
                self.versions.insert(resource.file.clone(), entry.version);
            }
            out.push((entry.resource.clone(), entry.diagnostics.clone()));
            entries.insert(path.clone(), entry);
        }
        // Files no longer there are forgotten.
        self.entries = entries;
        out
    }
}
