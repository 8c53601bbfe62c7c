//! Walking and removing a site's folder through folder handles, in parallel: each name is looked
//! up in its own open folder (never the whole path again from `/`), and the folders are shared
//! out between the cores. A site of 100,000 records has 127,000 files in 100,000 folders, and
//! the path lookups of a walk by paths cost more than the walk itself. A walk can keep what it
//! read of each folder ([`walk_listed`]) so that removing the same tree a moment later
//! ([`remove_listed`]) does not read the 100,000 folders again.
//!
//! Nothing here follows a symlink: links are seen (and removed) as links, and a folder that is
//! on another disk than the top one is neither walked into nor emptied.

use std::collections::HashMap;
use std::ffi::{CStr, CString, OsStr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use std::sync::Mutex;

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
    walk_in(fd, PathBuf::new(), true, None, visit, unreadable);
    Ok(())
}

/// What a walk read of each folder: its entries' names and kinds as the folder told them, by
/// the folder's path under the walked one (`""` for the top). Given to [`remove_listed`], it
/// spares the removal reading every folder again.
#[derive(Default)]
pub struct Listing(HashMap<PathBuf, Vec<(CString, FileType)>>);

/// [`walk`], also keeping what it read of each folder.
pub fn walk_listed(
    root: &Path,
    visit: &(dyn Fn(&Found<'_>) + Sync),
    unreadable: &(dyn Fn(Unreadable) + Sync),
) -> std::io::Result<Listing> {
    let fd = open_dir(rustix::fs::CWD, root)?;
    let listing = Mutex::new(HashMap::new());
    walk_in(fd, PathBuf::new(), true, Some(&listing), visit, unreadable);
    Ok(Listing(
        listing.into_inner().unwrap_or_else(|p| p.into_inner()),
    ))
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
    walk_in(fd, PathBuf::new(), false, None, visit, unreadable);
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

/// The folders' entries a walk keeps ([`Listing`]).
type Listed = Mutex<HashMap<PathBuf, Vec<(CString, FileType)>>>;

fn walk_in(
    fd: OwnedFd,
    relative: PathBuf,
    with_stat: bool,
    listing: Option<&Listed>,
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
                    Ok(child) => walk_in(child, path, with_stat, listing, visit, unreadable),
                    Err(_) => unreadable(Unreadable { relative: path }),
                }
            }
        });
    if let Some(listing) = listing {
        listing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(relative, entries);
    }
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

/// [`remove`], taking each folder's entries from `listing` (a walk of `root` made a moment
/// ago) instead of reading the folder again; a folder not listed is read. Anything the listing
/// does not tell right (an entry added since, one of another kind now) makes the removal fail
/// there — call [`remove`] then for the rest. Still never follows a link nor empties a folder
/// on another disk.
pub fn remove_listed(root: &Path, listing: &Listing) -> std::io::Result<()> {
    let fd = open_dir(rustix::fs::CWD, root)?;
    let device = rustix::fs::fstat(&fd)?.st_dev;
    empty_in(fd, Path::new(""), Some(listing), device)?;
    std::fs::remove_dir(root)
}

/// Removes everything in the open folder `fd`, which is on `device`.
fn empty(fd: OwnedFd, device: u64) -> std::io::Result<()> {
    empty_in(fd, Path::new(""), None, device)
}

/// Removes everything in the open folder `fd` (at `relative` in the listing, when there is
/// one and it lists the folder; otherwise the folder is read), which is on `device`.
fn empty_in(
    fd: OwnedFd,
    relative: &Path,
    listing: Option<&Listing>,
    device: u64,
) -> std::io::Result<()> {
    match listing.and_then(|l| l.0.get(relative)) {
        Some(entries) => remove_entries(fd.as_fd(), entries, relative, listing, device),
        None => {
            let (dir, entries) = names(fd)?;
            remove_entries(dir.fd()?, &entries, relative, listing, device)
        }
    }
}

/// Removes `entries` of the open folder `fd`, the folders emptied first.
fn remove_entries(
    fd: BorrowedFd<'_>,
    entries: &[(CString, FileType)],
    relative: &Path,
    listing: Option<&Listing>,
    device: u64,
) -> std::io::Result<()> {
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
                let path = relative.join(OsStr::from_bytes(name.to_bytes()));
                empty_in(child, &path, listing, device)?;
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

    fn site(root: &Path, records: usize) {
        for i in 0..records {
            let folder = root.join(format!("resources/r{i}"));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("index.html"), "x").unwrap();
        }
        std::fs::write(root.join("index.html"), "top").unwrap();
    }

    fn listing(root: &Path) -> Listing {
        walk_listed(root, &|_| {}, &|_| panic!("all readable")).unwrap()
    }

    #[test]
    fn a_listed_removal_removes_what_the_walk_listed_and_stops_at_what_changed_since() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(outside.join("sub")).unwrap();
        std::fs::write(outside.join("sub/keep.txt"), "keep").unwrap();
        let keep = || std::fs::read_to_string(outside.join("sub/keep.txt")).unwrap();

        // As listed: everything goes, folders last.
        let root = dir.path().join("site");
        site(&root, 100);
        let listed = listing(&root);
        assert_eq!(listed.0.len(), 1 + 1 + 100, "every folder once");
        remove_listed(&root, &listed).unwrap();
        assert!(!root.exists());

        // A file added after the walk: its folder is not empty, the listed removal stops there
        // and the reading one removes the rest.
        site(&root, 100);
        let listed = listing(&root);
        std::fs::write(root.join("resources/r5/added.html"), "added").unwrap();
        assert!(remove_listed(&root, &listed).is_err());
        assert!(root.join("resources/r5/added.html").exists());
        remove(&root).unwrap();
        assert!(!root.exists());

        // A listed folder replaced by a link to a folder outside: the link is never followed.
        site(&root, 100);
        let listed = listing(&root);
        std::fs::remove_dir_all(root.join("resources/r7")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("resources/r7")).unwrap();
        assert!(remove_listed(&root, &listed).is_err());
        assert_eq!(keep(), "keep");
        remove(&root).unwrap();
        assert!(!root.exists());
        assert_eq!(keep(), "keep");

        // A listed file replaced by a folder holding something: not emptied from the listing.
        site(&root, 100);
        let listed = listing(&root);
        std::fs::remove_file(root.join("index.html")).unwrap();
        std::fs::create_dir(root.join("index.html")).unwrap();
        std::fs::write(root.join("index.html/inner.txt"), "inner").unwrap();
        assert!(remove_listed(&root, &listed).is_err());
        assert!(root.join("index.html/inner.txt").exists());
        remove(&root).unwrap();
        assert!(!root.exists());

        // A folder the walk did not list (made after it) is read, and removed.
        site(&root, 3);
        let listed = listing(&root);
        std::fs::create_dir(root.join("late")).unwrap();
        std::fs::write(root.join("late/file.html"), "late").unwrap();
        let mut listed = listed;
        listed
            .0
            .get_mut(Path::new(""))
            .unwrap()
            .push((CString::new("late").unwrap(), FileType::Directory));
        remove_listed(&root, &listed).unwrap();
        assert!(!root.exists());
        assert_eq!(keep(), "keep");
    }
}
