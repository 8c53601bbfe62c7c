//! Walking and removing a site's folder through folder handles, in parallel: each name is looked
//! up in its own open folder (never the whole path again from `/`), and the folders are shared
//! out between the cores. A site of 100,000 records has 127,000 files in 100,000 folders, and
//! the path lookups of a walk by paths cost more than the walk itself.
//!
//! Nothing here follows a symlink: links are seen (and removed) as links, and a folder that is
//! on another disk than the top one is neither walked into nor emptied.

use std::ffi::{CStr, CString, OsStr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, Statx, StatxFlags};

/// One entry found by [`walk`].
pub struct Found<'a> {
    /// Its path under the walked folder.
    pub relative: &'a Path,
    /// Its metadata (`None` when it could not be read: gone meanwhile, or no permission; always
    /// `None` in a walk for kinds only, [`walk_kinds`]).
    pub stat: Option<&'a Statx>,
    /// What it is: from its metadata, or in a walk for kinds only from its folder's entry
    /// (`None` when that could not be told).
    pub kind: Option<FileType>,
    /// The open folder it is in, and its name there (for checks relative to it).
    pub parent: BorrowedFd<'a>,
    pub name: &'a CStr,
}

/// What a walk met besides entries: a folder it could not open or read.
pub struct Unreadable {
    pub relative: PathBuf,
}

/// Calls `visit` for every entry under `root` (not `root` itself), folders before what they
/// hold, from several threads at once and in no set order; `unreadable` for each folder that
/// could not be opened or read (its entries are not visited). The metadata asked for is
/// `BASIC_STATS | MNT_ID`, read without following links.
pub fn walk(
    root: &Path,
    visit: &(dyn Fn(&Found<'_>) + Sync),
    unreadable: &(dyn Fn(Unreadable) + Sync),
) -> std::io::Result<()> {
    let fd = open_dir(rustix::fs::CWD, root)?;
    walk_in(fd, PathBuf::new(), true, visit, unreadable);
    Ok(())
}

/// Like [`walk`], but each entry's kind is the one its folder tells (no metadata is read, but
/// where the file system does not tell the kind): a walk of 127,000 files that only needs to
/// know what is a folder, a file or something else makes no `statx` call for them.
pub fn walk_kinds(
    root: &Path,
    visit: &(dyn Fn(&Found<'_>) + Sync),
    unreadable: &(dyn Fn(Unreadable) + Sync),
) -> std::io::Result<()> {
    let fd = open_dir(rustix::fs::CWD, root)?;
    walk_in(fd, PathBuf::new(), false, visit, unreadable);
    Ok(())
}

fn open_dir<P: rustix::path::Arg>(parent: impl AsFd, name: P) -> std::io::Result<OwnedFd> {
    rustix::fs::openat(
        parent,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(std::io::Error::from)
}

/// The open folder `fd` as a stream, and the names in it (without `.` and `..`) with their
/// kind as the folder tells it (`Unknown` on some file systems).
fn names(fd: OwnedFd) -> std::io::Result<(Dir, Vec<(CString, FileType)>)> {
    let mut dir = Dir::new(fd)?;
    let mut names = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        names.push((name.to_owned(), entry.file_type()));
    }
    Ok((dir, names))
}

fn stat_in(parent: BorrowedFd<'_>, name: &CStr) -> Option<Statx> {
    rustix::fs::statx(
        parent,
        name,
        AtFlags::SYMLINK_NOFOLLOW,
        StatxFlags::BASIC_STATS | StatxFlags::MNT_ID,
    )
    .ok()
}

fn walk_in(
    fd: OwnedFd,
    relative: PathBuf,
    with_stat: bool,
    visit: &(dyn Fn(&Found<'_>) + Sync),
    unreadable: &(dyn Fn(Unreadable) + Sync),
) {
    let (dir, entries) = match names(fd) {
        Ok(read) => read,
        Err(_) => {
            unreadable(Unreadable { relative });
            return;
        }
    };
    let Ok(fd) = dir.fd() else {
        unreadable(Unreadable { relative });
        return;
    };
    entries
        .par_iter()
        .with_min_len(32)
        .for_each(|(name, dirent_kind)| {
            let path = relative.join(OsStr::from_bytes(name.to_bytes()));
            let stat = if with_stat || *dirent_kind == FileType::Unknown {
                stat_in(fd, name)
            } else {
                None
            };
            let kind = match stat.as_ref() {
                Some(stat) => Some(FileType::from_raw_mode(stat.stx_mode.into())),
                None if with_stat || *dirent_kind == FileType::Unknown => None,
                None => Some(*dirent_kind),
            };
            visit(&Found {
                relative: &path,
                stat: stat.as_ref().filter(|_| with_stat),
                kind,
                parent: fd,
                name,
            });
            let is_dir = match kind {
                Some(kind) => kind == FileType::Directory,
                // Metadata not readable: the folder's word (opening it says the rest).
                None => *dirent_kind == FileType::Directory,
            };
            if is_dir {
                match open_dir(fd, name.as_c_str()) {
                    Ok(child) => walk_in(child, path, with_stat, visit, unreadable),
                    Err(_) => unreadable(Unreadable { relative: path }),
                }
            }
        });
}

/// Removes the folder `root` and everything in it, the folders in parallel; links are removed,
/// never followed. A folder on another disk than `root` (something mounted inside) is not
/// emptied: the removal then fails and leaves it, as it does on any error (what was removed
/// until then stays removed: call it only on a folder that may be left half-removed, such as
/// the previous site once it was swapped out under a staging folder's name).
pub fn remove(root: &Path) -> std::io::Result<()> {
    let fd = open_dir(rustix::fs::CWD, root)?;
    let device = rustix::fs::fstat(&fd)?.st_dev;
    empty(fd, device)?;
    std::fs::remove_dir(root)
}

/// Removes everything in the open folder `fd`, which is on `device`.
fn empty(fd: OwnedFd, device: u64) -> std::io::Result<()> {
    let (dir, entries) = names(fd)?;
    let fd = dir.fd()?;
    entries
        .par_iter()
        .with_min_len(32)
        .try_for_each(|(name, kind)| -> std::io::Result<()> {
            let kind = match kind {
                FileType::Unknown => FileType::from_raw_mode(
                    rustix::fs::statat(fd, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW)?.st_mode,
                ),
                kind => *kind,
            };
            if kind == FileType::Directory {
                let child = open_dir(fd, name.as_c_str())?;
                if rustix::fs::fstat(&child)?.st_dev != device {
                    return Err(std::io::Error::other("another disk is mounted inside"));
                }
                empty(child, device)?;
                rustix::fs::unlinkat(fd, name.as_c_str(), AtFlags::REMOVEDIR)?;
            } else {
                rustix::fs::unlinkat(fd, name.as_c_str(), AtFlags::empty())?;
            }
            Ok(())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn walks_every_entry_without_following_links_and_removes_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("keep.txt"), "keep").unwrap();
        for i in 0..100 {
            let folder = root.join(format!("resources/r{i}"));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("index.html"), "x").unwrap();
        }
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let seen = Mutex::new(Vec::new());
        walk(
            &root,
            &|found| {
                let kind = found
                    .stat
                    .map(|s| FileType::from_raw_mode(s.stx_mode.into()));
                seen.lock()
                    .unwrap()
                    .push((found.relative.to_path_buf(), kind));
            },
            &|_| panic!("all readable"),
        )
        .unwrap();
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 1 + 1 + 100 * 2, "{seen:?}");
        assert!(seen.contains(&(PathBuf::from("link"), Some(FileType::Symlink))));
        assert!(seen.contains(&(
            PathBuf::from("resources/r7/index.html"),
            Some(FileType::RegularFile)
        )));
        // A walk for kinds only finds the same entries, of the same kinds, without metadata.
        let kinds = Mutex::new(Vec::new());
        walk_kinds(
            &root,
            &|found| {
                assert!(found.stat.is_none());
                kinds
                    .lock()
                    .unwrap()
                    .push((found.relative.to_path_buf(), found.kind));
            },
            &|_| panic!("all readable"),
        )
        .unwrap();
        let mut kinds = kinds.into_inner().unwrap();
        let mut seen = seen;
        kinds.sort_by(|a, b| a.0.cmp(&b.0));
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(kinds, seen);
        remove(&root).unwrap();
        assert!(!root.exists());
        assert_eq!(
            std::fs::read_to_string(outside.join("keep.txt")).unwrap(),
            "keep"
        );
    }
}
