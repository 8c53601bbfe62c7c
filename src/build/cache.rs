//! The build cache: what the previous build rendered, so that the next one reuses the files
//! of the previous site instead of rendering them again.
//!
//! Each step of the build that makes files (a page, a booklet, the search index) gets a *key*:
//! a hash of everything its output is made from (`crate::render::key`: values walked by their
//! `Serialize` into tagged bytes in a SHA-256, never Tera's context dump):
//! - a facility's page: its record as loaded (and its rendered note), what every page shares
//!   (`site.yaml` as loaded, the footer, the day), the theme's files, this binary — known
//!   before the page's data is built, so an unchanged page costs no rendering at all;
//! - a page made of the records it lists (a listing, a 五十音 row, a ケアマネタイム page, a
//!   booklet of the printed directory): what every page shares, the theme and the records it
//!   lists, in order (these pages' contexts are not keyed: `view::Context::unkeyed`);
//! - the few fixed pages: their template context, keyed as values go in
//!   (`crate::render::view::Context`);
//! - the search index: [`inputs_key`], the raw bytes of every file under `content/` (hashed in
//!   parallel) with the theme and the shared part.
//!
//! The cache remembers, per step, the key and the hash of every file the step
//! wrote, and the file's stamp once the site is in place ([`Stamp`]: device, inode, size,
//! modification and change time). When the key is the same the next time, the files of the
//! previous site are hard-linked into the new site: a file whose stamp is unchanged is not read
//! (its change time tells no one wrote, linked or replaced it since), any other is read and
//! checked against its hash; any file that is missing, changed by hand, a symlink or not a
//! plain file makes the step run again. So a wrong cache can only cost time, never give a
//! different site.
//!
//! The cache lives in the site's `.zaitaku-cache/` (git-ignored, safe to delete), a folder
//! zaitaku made itself (it holds a `CACHEDIR.TAG`). A folder that is a symlink, a file, or a
//! folder without the tag is not used and not written; a cache file that cannot be read as
//! this version's cache is ignored. Both with a Japanese warning, and the build is a full one.
//! The cache also names the output folder it describes; another folder's cache is not used.
//! `zaitaku serve` keeps one in memory between saves (`crate::build::live`): its steps' files
//! are the ones in the served folder, so an unchanged step is left alone there.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostics::{Diagnostic, Position};
use crate::output::Staging;
use crate::stamp::{RACY, Stamp, keeps_stamps};

/// The site's cache folder.
pub const CACHE_DIR: &str = ".zaitaku-cache";
/// Marks the folder as a cache (<https://bford.info/cachedir/>) that zaitaku made.
const TAG_FILE: &str = "CACHEDIR.TAG";
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n# zaitaku のビルド用キャッシュです。消してもかまいません（次のビルドが少し遅くなるだけです）。\n# This file marks .zaitaku-cache/ as zaitaku's build cache.\n";
/// The cache of `zaitaku build`.
const BUILD_FILE: &str = "build.json";
/// What the cache file says it is.
const FORMAT: &str = "zaitaku-build-cache";
/// The largest cache file read (a larger one is not ours to read whole).
const MAX_FILE: u64 = 1 << 30;

pub use crate::render::key::{Key, KeyHasher};

/// The files one step wrote, with the SHA-256 of their bytes, and (for each, when known) the
/// file's [`Stamp`] once the site was in place.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    key: Key,
    files: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    stamps: Vec<Option<Stamp>>,
}

/// The files a build linked from the old site, as the commit's walk of the old site sees them
/// ([`Cache::linked_check`]).
pub struct LinkedCheck {
    /// Each file's stamp right after the link, and whether the walk saw it so.
    files: HashMap<String, (Option<Stamp>, AtomicBool)>,
}

impl LinkedCheck {
    /// The walk found the regular file `relative` of the old site with the metadata `stat`.
    pub fn seen(&self, relative: &Path, stat: &rustix::fs::Statx) {
        let Some((Some(stamp), same)) = relative.to_str().and_then(|r| self.files.get(r)) else {
            return;
        };
        if Stamp::of_statx(stat) == *stamp {
            same.store(true, Ordering::Relaxed);
        }
    }
}

/// The cache file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    format: String,
    /// The binary that wrote it ([`binary_id`]); another binary's cache is not used.
    binary: String,
    /// The output folder the steps' files are in.
    out: String,
    steps: HashMap<String, Step>,
}

/// The previous build's steps, and this build's as they are made.
pub struct Cache {
    /// Where the cache is saved (`None`: kept in memory, or not to be written).
    file: Option<PathBuf>,
    previous: HashMap<String, Step>,
    current: Mutex<HashMap<String, Step>>,
    binary: String,
    out: String,
    reused: AtomicUsize,
    rendered: AtomicUsize,
    /// Files of reused steps that were read and hashed (no stamp, or it did not match).
    hashed: AtomicUsize,
    /// Files linked from the previous site into this one, with their stamp right after the
    /// link (`None` once [`Cache::check_linked`] saw them changed since).
    linked: Mutex<HashMap<String, Option<Stamp>>>,
    /// The SHA-256 (hex) of the files under `content/` the load read, by their path there
    /// ([`inputs_key`]'s `known`).
    content_digests: Mutex<HashMap<String, Key>>,
    /// Why the cache on disk was not used.
    pub warning: Option<Diagnostic>,
    /// Warnings of the search index's cache ([`Cache::search_store`]).
    warnings: Mutex<Vec<Diagnostic>>,
}

/// What this binary is: its version, and the size and time of its file (a rebuilt binary may
/// render differently, so its cache starts again).
pub fn binary_id() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{}-{}.{}", m.len(), m.mtime(), m.mtime_nsec()))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("{} {exe}", env!("CARGO_PKG_VERSION"))
}

/// The key of everything the build reads: the raw bytes of every file under `content/`
/// (hashed in parallel), with `parts` (the theme, the shared context, the day). `None` when
/// the folder holds anything but folders and regular files (a symlink may lead anywhere, so
/// what it stands for is not keyed): then nothing keyed by it is reused.
///
/// `known` has the SHA-256 (in hex) of files the load read and hashed already, by their path
/// under `content/`: their bytes are not read again (the key is then of the very bytes the build
/// was made from).
pub fn inputs_key(root: &Path, parts: &[&[u8]], known: &HashMap<String, Key>) -> Option<Key> {
    use rayon::prelude::*;
    let content = root.join("content");
    let mut entries = Vec::new();
    for entry in walkdir::WalkDir::new(&content).sort_by_file_name() {
        let entry = entry.ok()?;
        let kind = entry.file_type();
        let relative = entry
            .path()
            .strip_prefix(&content)
            .ok()?
            .to_str()?
            .to_owned();
        if kind.is_dir() {
            entries.push((relative, None));
        } else if kind.is_file() {
            entries.push((relative, Some(entry.into_path())));
        } else {
            return None;
        }
    }
    let hashes: Vec<Option<String>> = entries
        .par_iter()
        .map(|(relative, path)| match path {
            None => Some(String::new()),
            Some(_) if known.contains_key(relative) => known.get(relative).cloned(),
            Some(path) => read_regular(path).ok().map(|(bytes, _)| hash(&bytes)),
        })
        .collect();
    let mut hasher = KeyHasher::new();
    hasher.part(b"inputs");
    for part in parts {
        hasher.part(part);
    }
    for ((relative, _), digest) in entries.iter().zip(hashes) {
        hasher.part(relative.as_bytes()).part(digest?.as_bytes());
    }
    hasher.finish()
}

fn hex(digest: impl AsRef<[u8]>) -> String {
    crate::render::key::hex(digest.as_ref())
}

/// The SHA-256 of some bytes, in hex.
pub fn hash(bytes: &[u8]) -> Key {
    hex(Sha256::digest(bytes))
}

/// A SHA-256 already made ([`crate::content::parsed::digest`]), in hex as [`hash`] gives it.
pub fn hash_hex(digest: &crate::content::parsed::Digest32) -> Key {
    hex(digest)
}

pub(super) fn warning(message: String) -> Diagnostic {
    Diagnostic::warning(CACHE_DIR, Position::FILE, message).hint(
        "今回は全部を作り直しました（できたサイトに影響はありません）。気になるときは .zaitaku-cache を消してください。次のビルドから、zaitaku が作り直したキャッシュを使います。",
    )
}

impl Cache {
    /// A cache that starts empty and is not saved.
    pub fn in_memory() -> Cache {
        Cache {
            file: None,
            previous: HashMap::new(),
            current: Mutex::new(HashMap::new()),
            binary: binary_id(),
            out: String::new(),
            reused: AtomicUsize::new(0),
            rendered: AtomicUsize::new(0),
            hashed: AtomicUsize::new(0),
            linked: Mutex::new(HashMap::new()),
            content_digests: Mutex::new(HashMap::new()),
            warning: None,
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// The cache of the site at `root`. Never fails: a cache that cannot be used gives an
    /// empty one (with [`Cache::warning`] set when the user should know why).
    pub fn open(root: &Path, out: &Path) -> Cache {
        let mut cache = Cache::in_memory();
        cache.out = out.to_string_lossy().into_owned();
        let dir = root.join(CACHE_DIR);
        match std::fs::symlink_metadata(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                cache.file = Some(dir.join(BUILD_FILE));
                return cache;
            }
            Err(e) => {
                cache.warning = Some(warning(format!(
                    "キャッシュのフォルダ .zaitaku-cache を確かめられないため、使いませんでした（{}）。",
                    crate::error::io_reason(&e).what
                )));
                return cache;
            }
            Ok(meta) if meta.file_type().is_symlink() => {
                cache.warning = Some(warning(
                    ".zaitaku-cache がシンボリックリンクになっています。リンク先に書き込まないよう、キャッシュを使わず、書き込みもしませんでした。".to_owned(),
                ).hint("サイトのフォルダの .zaitaku-cache（リンク）を消してください。次のビルドが、ふつうのフォルダとして作り直します。"));
                return cache;
            }
            Ok(meta) if !meta.is_dir() => {
                cache.warning = Some(warning(
                    ".zaitaku-cache がフォルダではなくファイルです。zaitaku のキャッシュではないので、使わず、変更もしませんでした。".to_owned(),
                ).hint("このファイルが要らなければ消してください。次のビルドから、キャッシュのフォルダを作って使います。"));
                return cache;
            }
            Ok(_) => {}
        }
        let tag = dir.join(TAG_FILE);
        if read_small(&tag).ok().as_deref() != Some(TAG.as_bytes()) {
            cache.warning = Some(warning(
                ".zaitaku-cache は zaitaku が作ったキャッシュのフォルダではありません（目印の CACHEDIR.TAG がありません）。中のファイルを守るため、使わず、変更もしませんでした。".to_owned(),
            ).hint("中のファイルを別の場所に移して .zaitaku-cache を消してください。次のビルドから、zaitaku がキャッシュのフォルダを作って使います。"));
            return cache;
        }
        let file = dir.join(BUILD_FILE);
        cache.file = Some(file.clone());
        match read_small(&file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                cache.warning = Some(warning(format!(
                    "キャッシュ .zaitaku-cache/{BUILD_FILE} を読めなかったので、使いませんでした（{}）。",
                    unreadable(&e)
                )));
            }
            Ok(bytes) => match serde_json::from_slice::<Stored>(&bytes) {
                Ok(stored) if stored.format == FORMAT => {
                    // Another binary's cache is expected after an update: used no more, quietly.
                    // So is the cache of another output folder (`--out`).
                    if stored.binary == cache.binary && stored.out == cache.out {
                        cache.previous = stored.steps;
                    }
                }
                _ => {
                    cache.warning = Some(warning(format!(
                        "キャッシュ .zaitaku-cache/{BUILD_FILE} が壊れているか途中で切れていたので、使いませんでした。"
                    )));
                }
            },
        }
        cache
    }

    /// A step's key from its parts (each length-prefixed, so no two lists of parts share one).
    pub fn key(&self, parts: &[&[u8]]) -> Key {
        let mut hasher = Sha256::new();
        hasher.update(self.binary.as_bytes());
        for part in parts {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        hex(hasher.finalize())
    }

    /// Reuses the files step `name` wrote into `previous` (the previous site), when its key
    /// is the same and every file is still what was written. The files are linked into
    /// `staging`, and their number returned; `None` when the step must run (nothing of it is left in `staging` then).
    pub fn reuse(
        &self,
        name: &str,
        key: &Key,
        previous: &Path,
        staging: &Staging,
    ) -> Option<usize> {
        let step = self.previous.get(name).filter(|s| &s.key == key)?;
        let mut linked = Vec::new();
        for (at, (file, digest)) in step.files.iter().enumerate() {
            let stamp = step.stamps.get(at).copied().flatten();
            if !self.link_checked(&previous.join(file), digest, stamp, staging, file) {
                for file in linked {
                    staging.forget(file);
                }
                return None;
            }
            linked.push(file.as_str());
        }
        self.reused.fetch_add(1, Ordering::Relaxed);
        self.remember(
            name,
            Step {
                key: step.key.clone(),
                files: step.files.clone(),
                stamps: Vec::new(),
            },
        );
        Some(step.files.len())
    }

    /// Links `source` into `staging` as `relative` if it is a regular file (not a symlink)
    /// whose bytes have the SHA-256 `digest`, and the link is that very file. When the file's
    /// [`Stamp`] is still `stamp`, its bytes are the ones hashed before and are not read again.
    fn link_checked(
        &self,
        source: &Path,
        digest: &str,
        stamp: Option<Stamp>,
        staging: &Staging,
        relative: &str,
    ) -> bool {
        if let Some(stamp) = stamp
            && let Ok(meta) = std::fs::symlink_metadata(source)
            && meta.is_file()
            && Stamp::of(&meta) == stamp
        {
            match staging.link(source, relative) {
                Ok(linked) if same_file(&linked, &meta) => {
                    self.note_linked(relative, &linked);
                    return true;
                }
                Ok(_) => staging.forget(relative),
                Err(_) => {}
            }
        }
        self.hashed.fetch_add(1, Ordering::Relaxed);
        let Ok((bytes, meta)) = read_regular(source) else {
            return false;
        };
        if hash(&bytes) != digest {
            return false;
        }
        match staging.link(source, relative) {
            Ok(linked) if same_file(&linked, &meta) => {
                self.note_linked(relative, &linked);
                true
            }
            Ok(_) => {
                staging.forget(relative);
                false
            }
            // Another file system, or links not allowed: the checked bytes are written instead.
            Err(_) => staging.write(relative, &bytes).is_ok(),
        }
    }

    fn note_linked(&self, relative: &str, linked: &std::fs::Metadata) {
        self.linked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(relative.to_owned(), Some(Stamp::of(linked)));
    }

    /// The files linked from the old site, to be looked at again just before the new site
    /// replaces it: the commit's check walks the old site and reads the metadata of each of
    /// its files anyway ([`crate::output::Staging::commit_seeing`]), and a linked file is the
    /// same file there. Give it back with [`Cache::check_linked`].
    pub fn linked_check(&self) -> LinkedCheck {
        let linked = std::mem::take(&mut *self.linked.lock().unwrap_or_else(|p| p.into_inner()));
        LinkedCheck {
            files: linked
                .into_iter()
                .map(|(file, stamp)| (file, (stamp, AtomicBool::new(false))))
                .collect(),
        }
    }

    /// Takes back the linked files once the commit's walk saw them: one it did not see in the
    /// old site with the stamp it had right after the link (written to since, through the old
    /// site which shares it; replaced; removed) gets no stamp, so the next build reads it.
    pub fn check_linked(&self, check: LinkedCheck) {
        let checked = check
            .files
            .into_iter()
            .map(|(file, (stamp, same))| (file, stamp.filter(|_| same.into_inner())))
            .collect();
        *self.linked.lock().unwrap_or_else(|p| p.into_inner()) = checked;
    }

    /// Takes the [`Stamp`] of every file of this build's steps, in the site `out` now in place
    /// (after the previous site was removed, which changed the change time of every file it
    /// shared with the new one). Left without a stamp, to be read and hashed next time: a file
    /// linked from the previous site that changed before the swap ([`Cache::check_linked`]),
    /// one that is not a regular file, one changed less than [`RACY`] before, and every file
    /// on a file system not in [`STAMPED_FILE_SYSTEMS`].
    ///
    /// What a stamp cannot tell: a file written through between the swap and this call (the
    /// build's last second) keeps its stamp; so does one changed after the clock was set back to
    /// the very nanosecond of its change time.
    pub fn stamp_files(&self, out: &Path) {
        use rayon::prelude::*;
        if !keeps_stamps(out) {
            return;
        }
        // Every change time the build made is before `settled`; once RACY has passed, a change
        // made after a file was stamped has a later one, whatever the clock's tick.
        let Ok(settled) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) else {
            return;
        };
        std::thread::sleep(RACY);
        let linked = std::mem::take(&mut *self.linked.lock().unwrap_or_else(|p| p.into_inner()));
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        current.par_iter_mut().for_each(|(_, step)| {
            step.stamps = step
                .files
                .iter()
                .map(|(file, _)| {
                    if linked.get(file).is_some_and(Option::is_none) {
                        return None;
                    }
                    let meta = std::fs::symlink_metadata(out.join(file)).ok()?;
                    let stamp = Stamp::of(&meta);
                    (meta.is_file() && stamp.changed_before(settled)).then_some(stamp)
                })
                .collect();
        });
    }

    /// For a cache whose steps' files are where the new ones go (`zaitaku serve`'s folder):
    /// whether step `name` was made with `key` last time, so its files stand as they are.
    pub fn reuse_in_place(&self, name: &str, key: &Key) -> bool {
        let Some(step) = self.previous.get(name).filter(|s| &s.key == key) else {
            return false;
        };
        self.reused.fetch_add(1, Ordering::Relaxed);
        self.remember(name, step.clone());
        true
    }

    /// The steps of this round become the previous ones (a preview's next save starts from
    /// them); the counts start again.
    pub fn advance(&mut self) {
        self.previous = std::mem::take(self.current.get_mut().unwrap_or_else(|p| p.into_inner()));
        self.linked
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.reused.store(0, Ordering::Relaxed);
        self.rendered.store(0, Ordering::Relaxed);
        self.hashed.store(0, Ordering::Relaxed);
    }

    /// Forgets this round's steps (none of its files arrived; the previous ones stand).
    pub fn forget_current(&mut self) {
        self.current
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.reused.store(0, Ordering::Relaxed);
        self.rendered.store(0, Ordering::Relaxed);
    }

    /// The names of this round's steps so far.
    pub fn current_names(&self) -> Vec<String> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// Forgets this round's steps (its files did not all arrive) and the previous ones.
    pub fn forget(&mut self) {
        self.previous.clear();
        self.current
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Remembers what step `name` wrote: each file with the SHA-256 of its bytes.
    pub fn record_hashed(&self, name: &str, key: Key, files: Vec<(String, String)>) {
        self.rendered.fetch_add(1, Ordering::Relaxed);
        self.remember(
            name,
            Step {
                key,
                files,
                stamps: Vec::new(),
            },
        );
    }

    /// Remembers what step `name` wrote (each file with its bytes).
    pub fn record(&self, name: &str, key: Key, files: &[(&str, &[u8])]) {
        let files = files
            .iter()
            .map(|(file, bytes)| ((*file).to_owned(), hash(bytes)))
            .collect();
        self.record_hashed(name, key, files);
    }

    fn remember(&self, name: &str, step: Step) {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned(), step);
    }

    /// Steps whose files were reused.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// Steps that ran.
    pub fn rendered(&self) -> usize {
        self.rendered.load(Ordering::Relaxed)
    }

    /// Files of reused steps that were read and hashed (the others were known by their stamp).
    pub fn hashed(&self) -> usize {
        self.hashed.load(Ordering::Relaxed)
    }

    /// Saves this build's steps for the next one (written beside and renamed into place, so a
    /// killed build leaves the old cache or the new one, never half of one). A cache that
    /// cannot be saved only makes the next build slower: the warning says so.
    pub fn save(&self) -> Option<Diagnostic> {
        let file = self.file.as_ref()?;
        let dir = file.parent()?;
        let stored = Stored {
            format: FORMAT.to_owned(),
            binary: self.binary.clone(),
            out: self.out.clone(),
            steps: self
                .current
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        };
        let written = (|| -> std::io::Result<()> {
            ensure_folder(dir)?;
            let mut temp = crate::owned::file_in(dir, ".build-", 0o666)?;
            serde_json::to_writer(std::io::BufWriter::new(temp.as_file_mut()), &stored)?;
            temp.persist(file)
        })();
        written.err().map(|e| {
            Diagnostic::warning(
                CACHE_DIR,
                Position::FILE,
                format!(
                    "キャッシュを保存できませんでした（{}）。サイトはできています。次のビルドは全部を作り直します。",
                    crate::error::io_reason(&e).what
                ),
            )
            .hint("サイトのフォルダに書き込めるか確かめてください。.zaitaku-cache は消してもかまいません。")
        })
    }
}

/// Why a cache file was not read, in Japanese.
pub(super) use crate::cache_file::reason as unreadable;

/// Makes the cache folder `dir` (with its tag), or checks that it is still the one zaitaku
/// made: it may have become something else since [`Cache::open`].
pub(super) fn ensure_folder(dir: &Path) -> std::io::Result<()> {
    match std::fs::create_dir(dir) {
        Ok(()) => std::fs::write(dir.join(TAG_FILE), TAG),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = std::fs::symlink_metadata(dir)?;
            if !meta.is_dir() || read_small(&dir.join(TAG_FILE))? != TAG.as_bytes() {
                return Err(std::io::Error::other("not our folder"));
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

impl Cache {
    /// Where the search index is kept between builds (`crate::search::store`): in the cache
    /// folder when this cache is read and written on disk; otherwise nowhere (in memory).
    pub fn search_store(&self) -> crate::search::store::Store {
        match self.file.as_ref().and_then(|file| file.parent()) {
            Some(dir) if ensure_folder(dir).is_ok() => {
                crate::search::store::Store::on_disk(dir.to_path_buf(), self.binary.clone())
            }
            _ => crate::search::store::Store::in_memory(),
        }
    }

    /// The cache folder, when this cache is read and written on disk (the parse cache,
    /// `super::parse_cache`, lives there too).
    pub(super) fn folder(&self) -> Option<&Path> {
        self.file.as_ref().and_then(|file| file.parent())
    }

    /// The cache folder as [`Cache::folder`], made now if missing and checked to be still the
    /// folder zaitaku made; for the rows kept between builds (`super::rows_disk`).
    pub(super) fn made_folder(&self) -> Option<&Path> {
        let dir = self.folder()?;
        ensure_folder(dir).ok().map(|()| dir)
    }

    /// Tells the cache the SHA-256 of the files of `content/` the load read (by their path
    /// under `content/`), so that keying every input does not read them again.
    pub(super) fn know_content_digests(&mut self, digests: HashMap<String, Key>) {
        *self
            .content_digests
            .get_mut()
            .unwrap_or_else(|p| p.into_inner()) = digests;
    }

    /// What [`Cache::know_content_digests`] was told, taken (they are used once: 100,000
    /// records' hashes are not kept through the build).
    pub(super) fn take_content_digests(&self) -> HashMap<String, Key> {
        std::mem::take(
            &mut *self
                .content_digests
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }

    /// This binary ([`binary_id`]).
    pub(super) fn binary(&self) -> &str {
        &self.binary
    }

    /// Adds warnings of a step (the search index's cache) to the build's.
    pub fn warn(&self, warnings: Vec<Diagnostic>) {
        self.warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(warnings);
    }

    /// The warnings added by the steps.
    pub fn take_warnings(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Reads a file of the cache folder: not through a symlink, only a regular file, and not a
/// huge one.
fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    read_regular(path).map(|(bytes, _)| bytes)
}

/// The bytes of a regular file (opened without following a symlink or blocking on a FIFO),
/// with the metadata of the very file read; at most [`MAX_FILE`] bytes.
pub(super) fn read_regular(path: &Path) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    crate::cache_file::read_regular(path, MAX_FILE)
}

/// Whether `linked` (the new link) is the file `checked` was read from, unchanged in size and
/// modification time since.
fn same_file(linked: &std::fs::Metadata, checked: &std::fs::Metadata) -> bool {
    linked.dev() == checked.dev()
        && linked.ino() == checked.ino()
        && linked.len() == checked.len()
        && (linked.mtime(), linked.mtime_nsec()) == (checked.mtime(), checked.mtime_nsec())
}

/// The part of every page's key that is the theme: each template and static file.
pub fn theme_key(theme: &crate::render::Theme) -> Key {
    let mut hasher = Sha256::new();
    for (name, bytes) in theme.files() {
        for part in [name.as_bytes(), bytes] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
    }
    hex(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statx(path: &Path) -> rustix::fs::Statx {
        rustix::fs::statx(
            rustix::fs::CWD,
            path,
            rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
            rustix::fs::StatxFlags::BASIC_STATS | rustix::fs::StatxFlags::MNT_ID,
        )
        .unwrap()
    }

    #[test]
    fn a_stamp_from_statx_is_the_stamp_from_the_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("page.html");
        std::fs::write(&file, "<p>page</p>").unwrap();
        assert_eq!(
            Stamp::of_statx(&statx(&file)),
            Stamp::of(&std::fs::symlink_metadata(&file).unwrap())
        );
    }

    /// The commit's walk of the old site tells each linked file's metadata there: a file
    /// written to through the old site since it was linked (the same inode), or replaced, or
    /// not seen at all, loses its stamp; one seen as it was linked keeps it.
    #[test]
    fn a_linked_file_keeps_its_stamp_only_when_the_commit_sees_it_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        std::fs::create_dir(&old).unwrap();
        let staging = Staging::new(&dir.path().join("public")).unwrap();
        let cache = Cache::in_memory();
        for name in ["same.html", "written.html", "replaced.html", "unseen.html"] {
            std::fs::write(old.join(name), name).unwrap();
            let linked = staging.link(&old.join(name), name).unwrap();
            cache.note_linked(name, &linked);
        }
        // Written in place through the old site (the file the new site shares), with its
        // size and modification time put back: only the change time tells.
        let written = old.join("written.html");
        let modified = std::fs::metadata(&written).unwrap().modified().unwrap();
        std::fs::write(&written, "WRITTEN.html").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&written)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        std::fs::remove_file(old.join("replaced.html")).unwrap();
        std::fs::write(old.join("replaced.html"), "replaced.html").unwrap();

        let check = cache.linked_check();
        for name in ["same.html", "written.html", "replaced.html"] {
            check.seen(Path::new(name), &statx(&old.join(name)));
        }
        cache.check_linked(check);
        let linked = cache.linked.lock().unwrap();
        assert!(linked["same.html"].is_some());
        for name in ["written.html", "replaced.html", "unseen.html"] {
            assert_eq!(linked[name], None, "{name}");
        }
    }

    /// Files the load hashed are keyed by that hash, not read again; the others are read.
    #[test]
    fn inputs_are_keyed_by_the_loads_hashes_where_it_has_them() {
        let dir = tempfile::tempdir().unwrap();
        let records = dir.path().join("content/resources/clinic");
        std::fs::create_dir_all(&records).unwrap();
        std::fs::write(records.join("a.yaml"), "id: a\n").unwrap();
        std::fs::write(dir.path().join("content/site.yaml"), "title: x\n").unwrap();
        let none = HashMap::new();
        let read = inputs_key(dir.path(), &[b"theme"], &none).unwrap();
        let mut known = HashMap::new();
        known.insert("resources/clinic/a.yaml".to_owned(), hash(b"id: a\n"));
        assert_eq!(
            inputs_key(dir.path(), &[b"theme"], &known),
            Some(read.clone())
        );
        known.insert("resources/clinic/a.yaml".to_owned(), hash(b"id: b\n"));
        let other = inputs_key(dir.path(), &[b"theme"], &known).unwrap();
        assert_ne!(other, read, "the load's hash is the one keyed");
        // A link under content/ keys nothing, known or not.
        std::os::unix::fs::symlink("a.yaml", records.join("b.yaml")).unwrap();
        known.insert("resources/clinic/b.yaml".to_owned(), hash(b"id: a\n"));
        assert_eq!(inputs_key(dir.path(), &[b"theme"], &known), None);
    }
}
