//! Writing the site atomically: the whole site is written into a fresh folder beside the
//! output and swapped in only when everything succeeded, so a failed or killed build leaves the
//! previous `public/` exactly as it was.
//!
//! The output is replaced only when zaitaku made it ([`marker`]) and only when it can be
//! removed whole (checked before the swap: a read-only disk, a file marked immutable, a disk
//! mounted inside). A `public/` that is a symlink stays one: the site replaces the folder it
//! points to.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::owned;

pub mod guard;
pub mod marker;
pub mod scratch;
pub mod tree;

/// The prefix of the staging folders beside the output (and what the next build removes when
/// their owner is gone).
pub const STAGING_PREFIX: &str = ".zaitaku-build-";

/// How many of the files zaitaku did not make a refusal names.
const SHOWN_STRANGERS: usize = 10;

/// A folder being filled with the next version of the site.
pub struct Staging {
    dir: owned::Dir,
    target: PathBuf,
    /// Every file written, site-relative: what the marker lists.
    written: Mutex<Vec<String>>,
    /// Folders [`Staging::link`] made or found (a site of 100,000 records links 127,000 files:
    /// the second file of a folder needs no `mkdir` to learn it is there).
    linked_folders: Mutex<std::collections::HashSet<PathBuf>>,
}

/// What replacing the output did.
#[derive(Debug, Default)]
pub struct Committed {
    /// The previous site, when it could not be removed after the swap (the next build removes
    /// it).
    pub leftover: Option<PathBuf>,
}

impl Staging {
    /// Creates the staging folder next to `target` (same file system, so the swap is a rename).
    /// A symlink `target` is followed: the folder it points to is what gets replaced. Staging
    /// folders beside it that killed builds left behind are removed first.
    pub fn new(target: &Path) -> Result<Staging> {
        let target = crate::output::guard::resolve(target)?;
        let parent = target.parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
        let (dir, _removed) = owned::dir_in(parent, STAGING_PREFIX, 0o777)
            .map_err(|e| Error::io(parent, "作業用フォルダを作成", e))?;
        Ok(Staging {
            dir,
            target,
            written: Mutex::new(Vec::new()),
            linked_folders: Mutex::new(std::collections::HashSet::new()),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes one site-relative file, creating its folders.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        write_under(self.path(), relative, bytes)?;
        self.wrote(relative);
        Ok(())
    }

    /// Writes one site-relative file piece by piece: `fill` gets a sink for the pieces, so a
    /// large page never has to be held whole.
    pub fn write_streamed(
        &self,
        relative: &str,
        fill: impl FnOnce(&mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()>,
    ) -> Result<()> {
        use std::io::Write;
        stop_if_stopping()?;
        let path = self.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
        }
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, "作成", e))?;
        let mut file = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut |piece: &[u8]| {
            stop_if_stopping()?;
            file.write_all(piece)
                .map_err(|e| Error::io(&path, "書き込み", e))
        })?;
        file.flush().map_err(|e| Error::io(&path, "書き込み", e))?;
        self.wrote(relative);
        Ok(())
    }

    fn wrote(&self, relative: &str) {
        self.written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(relative.to_owned());
    }

    /// The files written so far whose site-relative path begins with `prefix`.
    pub fn written_under(&self, prefix: &str) -> Vec<String> {
        self.written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter(|file| file.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Hard-links a file of the previous site into this one as `relative` (the build cache
    /// reuses unchanged files so); returns the metadata of the linked file, for the caller to
    /// check it is the file it verified.
    pub fn link(&self, source: &Path, relative: &str) -> std::io::Result<std::fs::Metadata> {
        if owned::stopping() {
            return Err(std::io::Error::other("stopping"));
        }
        let destination = self.path().join(relative);
        if let Some(parent) = destination.parent() {
            let known = |folders: &Mutex<std::collections::HashSet<PathBuf>>| {
                folders
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .contains(parent)
            };
            if !known(&self.linked_folders) {
                std::fs::create_dir_all(parent)?;
                self.linked_folders
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(parent.to_path_buf());
            }
        }
        std::fs::hard_link(source, &destination)?;
        self.wrote(relative);
        std::fs::symlink_metadata(&destination)
    }

    /// Takes back a file [`Staging::link`] linked in (the link is removed, the file it shares
    /// is untouched).
    pub fn forget(&self, relative: &str) {
        let _ = std::fs::remove_file(self.path().join(relative));
        let mut written = self
            .written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(at) = written.iter().rposition(|w| w == relative) {
            written.swap_remove(at);
        }
    }

    /// Copies one file into the site.
    pub fn copy(&self, source: &Path, relative: &str) -> Result<()> {
        stop_if_stopping()?;
        let destination = self.path().join(relative);
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
        }
        std::fs::copy(source, &destination).map_err(|e| Error::io(source, "コピー", e))?;
        self.wrote(relative);
        Ok(())
    }

    /// Streams `source` into a new site-relative file; `Ok(false)` (nothing written) when the
    /// build already made a file there, so a copied file never replaces a generated one.
    pub fn copy_new(&self, source: &mut impl std::io::Read, relative: &str) -> Result<bool> {
        stop_if_stopping()?;
        let destination = self.path().join(relative);
        if destination.symlink_metadata().is_ok() {
            return Ok(false);
        }
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
        }
        let mut target = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&destination)
            .map_err(|e| Error::io(&destination, "作成", e))?;
        std::io::copy(source, &mut target).map_err(|e| Error::io(&destination, "コピー", e))?;
        self.wrote(relative);
        Ok(true)
    }

    /// Replaces the target with the staged site, which gets zaitaku's marker. On Linux both are
    /// swapped in one atomic `renameat2(RENAME_EXCHANGE)`, so there is no moment without a
    /// site; on file systems without it the old site is moved aside first. An error leaves the
    /// previous site exactly as it was; once the new site is in place, nothing fails.
    pub fn commit(self) -> Result<Committed> {
        self.commit_seeing(&|_, _| {})
    }

    /// [`Staging::commit`]; `seen` gets each regular file of the previous site with its
    /// metadata, as the check before the swap read it ([`check_replaceable_seeing`]).
    pub fn commit_seeing(self, seen: &Seen<'_>) -> Result<Committed> {
        let staged = self.path().to_path_buf();
        let target = self.target.clone();
        let written = std::mem::take(
            &mut *self
                .written
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        marker::write(&staged, &written)
            .map_err(|e| Error::io(staged.join(marker::MARKER), "書き込み", e))?;
        let existing = match std::fs::symlink_metadata(&target) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&target, "確認", e)),
        };
        let Some(existing) = existing else {
            owned::critical(|| std::fs::rename(&staged, &target))
                .map_err(|e| Error::io(&target, "作成", e))?;
            self.dir.keep();
            return Ok(Committed::default());
        };
        if !existing.is_dir() {
            return Err(Error::Setup(format!(
                "出力先 {} はフォルダではありません。何も変更していません。",
                target.display()
            )));
        }
        let listing = replaceable(&target, &staged, seen)?;
        keep_mode_and_owner(&existing, &staged);
        swap(&staged, &target)?;
        // `staged` now holds the previous site, under the staging folder's name: if this process
        // is killed while removing it, the next build removes the rest. Its folders are as the
        // check just read them (no second reading of 100,000 folders); whatever changed since
        // makes the listed removal stop, and the rest is read again.
        let removed = tree::remove_listed(&staged, &listing)
            .or_else(|_| tree::remove(&staged))
            .or_else(|_| std::fs::remove_dir_all(&staged));
        match removed {
            Ok(()) => Ok(Committed::default()),
            Err(_) => Ok(Committed {
                leftover: Some(self.dir.keep()),
            }),
        }
    }
}

/// Refuses to replace the existing output `target` with the site in `staged` when zaitaku did
/// not make all of it, or when it cannot be removed whole. (For a marked site, `staged` is not
/// looked at: the check can be made before the build.)
pub fn check_replaceable(target: &Path, staged: &Path) -> Result<()> {
    check_replaceable_seeing(target, staged, &|_, _| {})
}

/// [`check_replaceable`], before a build: which entries zaitaku did not make, told from the
/// kinds the folders give (no metadata of each file read), and the top folder's own checks
/// (read-only disk, attributes, permission). The rest (a disk mounted inside, an entry marked
/// immutable, a folder that may not be changed) is checked at the commit, whose walk reads the
/// metadata of every entry.
pub fn check_strangers(target: &Path) -> Result<()> {
    let survey = survey(target, target, Walk::Kinds, &|_, _| {})
        .map_err(|e| Error::io(target, "中身を確認", e))?;
    refuse(target, survey)
}

/// [`check_replaceable`]; `seen` gets each regular file of `target` with its metadata, as the
/// walk read it (the build cache checks the files it linked from the old site so).
pub fn check_replaceable_seeing(target: &Path, staged: &Path, seen: &Seen<'_>) -> Result<()> {
    replaceable(target, staged, seen).map(drop)
}

/// [`check_replaceable_seeing`]; what the walk read of each folder of `target`, for its
/// removal.
fn replaceable(target: &Path, staged: &Path, seen: &Seen<'_>) -> Result<tree::Listing> {
    let mut survey =
        survey(target, staged, Walk::Full, seen).map_err(|e| Error::io(target, "中身を確認", e))?;
    let listing = std::mem::take(&mut survey.listing);
    refuse(target, survey)?;
    Ok(listing)
}

/// What is told each regular file of the old site a commit's check walks: its path under the
/// site and its metadata.
pub type Seen<'a> = dyn Fn(&Path, &rustix::fs::Statx) + Sync + 'a;

/// How much a survey reads of each entry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Its metadata: what it is, its disk, its attributes, and for a folder whether it may be
    /// changed.
    Full,
    /// Only what it is, as its folder tells.
    Kinds,
}

/// The refusal for what a survey found, if anything.
fn refuse(target: &Path, survey: Survey) -> Result<()> {
    if survey.strangers > 0 {
        let mut list: Vec<String> = survey
            .shown
            .iter()
            .map(|p| format!("  {}", target.join(p).display()))
            .collect();
        if survey.strangers > survey.shown.len() {
            list.push(format!(
                "  ほか {} 件",
                survey.strangers - survey.shown.len()
            ));
        }
        let git = if survey.shown.iter().any(|p| p.starts_with(".git")) {
            "\n  .git は git のリポジトリです。公開用のリポジトリは出力先の外に置き、build のあとで出力先の中身をそこへコピーしてください。"
        } else {
            ""
        };
        return Err(Error::Setup(format!(
            "出力先 {} に、zaitaku が作ったのではないファイルやフォルダが {} 件あります:\n{}\nbuild は出力先のフォルダを丸ごと作り直すため、これらが消えてしまいます。何も変更していません（前のサイトもそのままです）。\n  残したいものは {} の外へ移し、要らないものは削除してから、もう一度実行してください。{git}",
            target.display(),
            survey.strangers,
            list.join("\n"),
            target.display()
        )));
    }
    if let Some(reason) = survey.stuck {
        return Err(Error::Setup(format!(
            "前のサイト {} を消せないため、新しいサイトに入れ替えませんでした（{reason}）。前のサイトはそのまま残っています。\n  消せるようにしてから（書き込めるディスクに移す、chattr -i で属性を外すなど）、もう一度実行してください。",
            target.display()
        )));
    }
    Ok(())
}

/// What one walk through the old site found.
struct Survey {
    /// How many entries zaitaku did not make, and the first few of them.
    strangers: usize,
    shown: Vec<PathBuf>,
    /// Why the old site could not be removed whole, if it could not.
    stuck: Option<String>,
    /// What a full walk read of each folder (empty after a walk for kinds only).
    listing: tree::Listing,
}

/// Walks the old site `dir` once: which entries zaitaku did not make (see [`marker::Judge`]),
/// and whether it could be removed whole — not on a read-only disk, no other disk mounted
/// inside, no entry marked immutable or append-only (`chattr +i`, `+a`), every folder one this
/// user may change. Checked before the swap, so that a failure never comes after the new site
/// is in place. The folders are walked in parallel ([`tree::walk`]); the entries shown are the
/// first in the order of their paths.
fn survey(dir: &Path, staged: &Path, walk: Walk, seen: &Seen<'_>) -> std::io::Result<Survey> {
    use rustix::fs::{Access, AtFlags, FileType, StatVfsMountFlags, StatxAttributes, StatxFlags};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    /// How many strangers' paths are kept to choose the shown ones from.
    const KEPT_STRANGERS: usize = 10_000;
    let judge = marker::Judge::new(dir, staged)?;
    let stuck: OnceLock<String> = OnceLock::new();
    if let Ok(vfs) = rustix::fs::statvfs(dir)
        && vfs.f_flag.contains(StatVfsMountFlags::RDONLY)
    {
        let _ = stuck.set(format!(
            "{} は読み取り専用のディスクにあります",
            dir.display()
        ));
    }
    let top = rustix::fs::statx(
        rustix::fs::CWD,
        dir,
        AtFlags::SYMLINK_NOFOLLOW,
        StatxFlags::BASIC_STATS | StatxFlags::MNT_ID,
    )
    .ok();
    let mount = top
        .as_ref()
        .filter(|s| StatxFlags::from_bits_retain(s.stx_mask).contains(StatxFlags::MNT_ID))
        .map(|s| s.stx_mnt_id);
    let fixed = StatxAttributes::IMMUTABLE | StatxAttributes::APPEND;
    let check_stat = |path: &dyn Fn() -> PathBuf, stat: &rustix::fs::Statx| {
        if stuck.get().is_some() {
            return;
        }
        if mount.is_some_and(|m| m != stat.stx_mnt_id) {
            let _ = stuck.set(format!(
                "{} は別のディスク（マウント）になっています",
                path().display()
            ));
        } else if !(stat.stx_attributes & stat.stx_attributes_mask & fixed).is_empty() {
            let _ = stuck.set(format!(
                "{} に変更できない属性（chattr +i や +a）が付いています",
                path().display()
            ));
        }
    };
    let may_change = |path: &dyn Fn() -> PathBuf, writable: bool| {
        if !writable && stuck.get().is_none() {
            let _ = stuck.set(format!(
                "フォルダ {} を変更する権限がありません",
                path().display()
            ));
        }
    };
    if let Some(top) = &top {
        check_stat(&|| dir.to_path_buf(), top);
    }
    may_change(
        &|| dir.to_path_buf(),
        rustix::fs::access(dir, Access::WRITE_OK | Access::EXEC_OK).is_ok(),
    );
    let strangers = AtomicUsize::new(0);
    let kept: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    // A folder owned by this user with write and search permission for its owner may be
    // changed (read-only disks, other disks inside and `chattr` attributes are checked apart):
    // no `faccessat` for the 100,000 folders of a large site. Any other folder is asked.
    let user = rustix::process::getuid().as_raw();
    let owner_may_change = |stat: &rustix::fs::Statx| {
        stat.stx_uid == user && u32::from(stat.stx_mode) & 0o300 == 0o300
    };
    let visit = |found: &tree::Found<'_>| {
        let kind = found.kind;
        let made = match kind {
            Some(FileType::Directory) => Some(marker::Kind::Folder),
            Some(FileType::RegularFile) => Some(marker::Kind::File),
            _ => None,
        };
        if !judge.made(found.relative, made) {
            strangers.fetch_add(1, Ordering::Relaxed);
            let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
            if kept.len() < KEPT_STRANGERS {
                kept.push(found.relative.to_path_buf());
            }
        }
        let path = || dir.join(found.relative);
        if walk == Walk::Kinds {
            return;
        }
        match found.stat {
            None => {
                let _ = stuck.set(format!("{} を読めません", path().display()));
            }
            Some(stat) => {
                check_stat(&path, stat);
                if kind == Some(FileType::RegularFile) {
                    seen(found.relative, stat);
                }
            }
        }
        if kind == Some(FileType::Directory) && stuck.get().is_none() {
            let writable = found.stat.is_some_and(owner_may_change)
                || rustix::fs::accessat(
                    found.parent,
                    found.name,
                    Access::WRITE_OK | Access::EXEC_OK,
                    AtFlags::empty(),
                )
                .is_ok();
            may_change(&path, writable);
        }
    };
    let unreadable = |unreadable: tree::Unreadable| {
        let _ = stuck.set(format!(
            "{} を読めません",
            dir.join(unreadable.relative).display()
        ));
    };
    let listing = match walk {
        Walk::Full => tree::walk_listed(dir, &visit, &unreadable)?,
        Walk::Kinds => {
            tree::walk_kinds(dir, &visit, &unreadable)?;
            tree::Listing::default()
        }
    };
    let mut shown = kept.into_inner().unwrap_or_else(|p| p.into_inner());
    shown.sort();
    shown.truncate(SHOWN_STRANGERS);
    Ok(Survey {
        strangers: strangers.into_inner(),
        shown,
        stuck: stuck.into_inner(),
        listing,
    })
}

/// Gives the new site's folder the permissions of the one it replaces (and, where allowed, its
/// owner), so a web server that could read the old site reads the new one.
fn keep_mode_and_owner(old: &std::fs::Metadata, staged: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let _ = std::os::unix::fs::chown(staged, Some(old.uid()), Some(old.gid()));
    let _ = std::fs::set_permissions(staged, std::fs::Permissions::from_mode(old.mode() & 0o7777));
}

/// Puts `staged` in the place of `target`: exchanged in one step, or (where the file system
/// cannot) moved aside and back on failure. Afterwards `staged` holds the previous site.
fn swap(staged: &Path, target: &Path) -> Result<()> {
    let exchanged = owned::critical(|| exchange(staged, target));
    let error = match exchanged {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    let unsupported = matches!(error.raw_os_error(), Some(22 | 38 | 95)); // EINVAL ENOSYS EOPNOTSUPP
    if !unsupported {
        return Err(swap_error(target, error));
    }
    // Not under the staging prefix: if the process is killed between the two renames, the
    // previous site stays here for the user instead of being taken for a killed build's.
    let aside = target.with_file_name(format!(
        ".zaitaku-previous-{}-{}",
        target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    owned::critical(|| {
        std::fs::rename(target, &aside).map_err(|e| swap_error(target, e))?;
        if let Err(e) = std::fs::rename(staged, target) {
            let _ = std::fs::rename(&aside, target);
            return Err(swap_error(target, e));
        }
        Ok(())
    })?;
    // Hand the previous site to the caller, who removes it.
    if std::fs::rename(&aside, staged).is_err() {
        let _ = std::fs::remove_dir_all(&aside);
    }
    Ok(())
}

fn swap_error(target: &Path, error: std::io::Error) -> Error {
    match error.raw_os_error() {
        Some(16) => Error::Setup(format!(
            "出力先 {} はマウントポイント（別のディスクの入口）か使用中のため、入れ替えられません。前のサイトはそのまま残っています。\n  その中のフォルダ（例: {}）を --out に指定してください。",
            target.display(),
            target.join("site").display()
        )),
        _ => Error::io(target, "新しいサイトと入れ替え", error),
    }
}

fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        a,
        rustix::fs::CWD,
        b,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(std::io::Error::from)
}

/// Writes `bytes` to `root/relative`, creating folders.
pub fn write_under(root: &Path, relative: &str, bytes: &[u8]) -> Result<()> {
    debug_assert!(
        !relative.contains(".."),
        "output paths come from validated slugs"
    );
    stop_if_stopping()?;
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
    }
    // A new file each time: a file already there may be a hard link to the previous site's
    // (`Staging::link`), which must never be written through.
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
    };
    let mut file = match create() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(&path).and_then(|()| create())
        }
        other => other,
    }
    .map_err(|e| Error::io(&path, "書き込み", e))?;
    std::io::Write::write_all(&mut file, bytes).map_err(|e| Error::io(&path, "書き込み", e))
}

/// Nothing more is written once a signal stops the process (its folders are being removed).
fn stop_if_stopping() -> Result<()> {
    if owned::stopping() {
        return Err(Error::Setup("中断しました。".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn commit_replaces_and_drop_discards() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");

        let first = Staging::new(&target).unwrap();
        first.write("old.html", b"old").unwrap();
        first.commit().unwrap();
        assert!(target.join(marker::MARKER).is_file());

        let abandoned = Staging::new(&target).unwrap();
        abandoned.write("new.html", b"new").unwrap();
        drop(abandoned);
        assert!(target.join("old.html").exists());
        assert_eq!(names(dir.path()), ["public"], "staging folder removed");

        let staging = Staging::new(&target).unwrap();
        staging.write("a/index.html", b"new").unwrap();
        staging.commit().unwrap();
        assert!(!target.join("old.html").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("a/index.html")).unwrap(),
            "new"
        );
        assert_eq!(names(dir.path()), ["public"]);
    }

    #[test]
    fn a_folder_zaitaku_did_not_make_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("memo.txt"), "mine").unwrap();
        let staging = Staging::new(&target).unwrap();
        staging.write("index.html", b"new").unwrap();
        let error = staging.commit().unwrap_err().to_string();
        assert!(error.contains("memo.txt"), "{error}");
        assert_eq!(
            std::fs::read_to_string(target.join("memo.txt")).unwrap(),
            "mine"
        );
        assert_eq!(names(dir.path()), ["public"]);
    }

    #[test]
    fn a_symlinked_output_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let deploy = dir.path().join("deploy");
        std::fs::create_dir(&deploy).unwrap();
        let link = dir.path().join("public");
        std::os::unix::fs::symlink(deploy.join("site"), &link).unwrap();
        for round in ["one", "two"] {
            let staging = Staging::new(&link).unwrap();
            staging.write("index.html", round.as_bytes()).unwrap();
            staging.commit().unwrap();
            assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
            assert_eq!(
                std::fs::read_to_string(link.join("index.html")).unwrap(),
                round
            );
            assert_eq!(names(&deploy), ["site"]);
        }
    }
}
