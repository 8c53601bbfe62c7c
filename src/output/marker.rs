//! zaitaku's mark on the sites it builds, and the judgement of what in an output folder zaitaku
//! made.
//!
//! Every build writes [`MARKER`] at the root of the site: a short note for whoever opens the
//! folder, then one line per file and folder the build wrote — not the name, which a published
//! list would give away (files nothing links to), but the first 64 bits of its SHA-256. The
//! next build replaces the folder only when every file and folder in it is on that list;
//! anything else was put there by someone else, and the build stops and names it.
//!
//! Sites built before the marker existed carry none. Such a folder is taken for a zaitaku site
//! only when it has the files every zaitaku build writes whatever the content and theme
//! ([`FINGERPRINTS`]) and everything in it is also in the new build (same path, same kind):
//! what the new build does not write is left to the user to remove.
//!
//! The file starts with a dot: hosts that skip hidden files (GitHub Pages' Jekyll, Firebase)
//! do not publish it, and it is harmless where they do — it holds no names, paths, dates or
//! versions, so it is the same for the same site on any machine.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The marker's name at the site's root.
pub const MARKER: &str = ".zaitaku-site";

const HEADER: &str = "zaitaku-site 1\n";

const NOTE: &str = "# このフォルダは zaitaku build が作ったサイトです。次の build でフォルダごと作り直します。\n\
# ここに自分のファイルを置かないでください（置くと build が止まって、そのファイルを知らせます）。\n\
# 以下は zaitaku が書いたファイルとフォルダの一覧です（名前ではなく、名前から作った番号）。\n";

/// The largest marker read (a site of a million files has one of 17 MB).
const MAX_MARKER: u64 = 64 << 20;

/// Files every zaitaku build writes, whatever the content and the theme.
pub const FINGERPRINTS: [&str; 6] = [
    "index.html",
    "sitemap.xml",
    "robots.txt",
    "news/atom.xml",
    "lectures/upcoming.ics",
    "search-index/meta.bin",
];

/// What an existing output folder is.
#[derive(Debug)]
pub enum Found {
    /// Nothing in it.
    Empty,
    /// A site zaitaku built, with the list of what it wrote.
    Marked(Manifest),
    /// No (valid) marker; `looks_built` when it has every one of the [`FINGERPRINTS`].
    Unmarked { looks_built: bool },
}

/// The entries a build wrote, as hashes.
#[derive(Debug, Default)]
pub struct Manifest(BTreeSet<u64>);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Folder,
}

fn entry_hash(kind: Kind, relative: &Path) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(b"zaitaku-site\0");
    hasher.update(match kind {
        Kind::File => b"f",
        Kind::Folder => b"d",
    });
    hasher.update(relative.as_os_str().as_encoded_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Every file and folder under `dir` (relative, sorted), with its kind; `None` for anything
/// else (links, pipes, devices), which zaitaku never writes. The root's marker is left out.
fn entries(dir: &Path) -> std::io::Result<Vec<(PathBuf, Option<Kind>)>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(std::io::Error::other)?;
        let relative = entry
            .path()
            .strip_prefix(dir)
            .expect("walked under dir")
            .to_path_buf();
        let kind = entry.file_type();
        let kind = if kind.is_dir() {
            Some(Kind::Folder)
        } else if kind.is_file() {
            Some(Kind::File)
        } else {
            None
        };
        if entry.depth() == 1 && relative.as_os_str() == MARKER && kind == Some(Kind::File) {
            continue;
        }
        out.push((relative, kind));
    }
    Ok(out)
}

/// Writes the marker into a finished site in `dir`.
pub fn write(dir: &Path) -> std::io::Result<()> {
    let mut hashes: Vec<u64> = entries(dir)?
        .into_iter()
        .filter_map(|(path, kind)| kind.map(|kind| entry_hash(kind, &path)))
        .collect();
    hashes.sort_unstable();
    let mut text = String::with_capacity(HEADER.len() + NOTE.len() + hashes.len() * 17);
    text.push_str(HEADER);
    text.push_str(NOTE);
    for hash in hashes {
        text.push_str(&format!("{hash:016x}\n"));
    }
    std::fs::write(dir.join(MARKER), text)
}

/// The marker of `dir`, if it has a valid one (a real file, not a link, starting with the
/// header).
fn read(dir: &Path) -> std::io::Result<Option<Manifest>> {
    let path = dir.join(MARKER);
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() && meta.len() <= MAX_MARKER => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut text = String::new();
    if std::fs::File::open(&path)?
        .take(MAX_MARKER)
        .read_to_string(&mut text)
        .is_err()
    {
        return Ok(None);
    }
    let Some(body) = text.strip_prefix(HEADER) else {
        return Ok(None);
    };
    Ok(Some(Manifest(
        body.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| u64::from_str_radix(l.trim(), 16).ok())
            .collect(),
    )))
}

/// What the existing folder `dir` is (a quick look: its first entry, the marker, the
/// fingerprints).
pub fn inspect(dir: &Path) -> std::io::Result<Found> {
    if std::fs::read_dir(dir)?.next().is_none() {
        return Ok(Found::Empty);
    }
    if let Some(manifest) = read(dir)? {
        return Ok(Found::Marked(manifest));
    }
    let looks_built = FINGERPRINTS.iter().all(|file| {
        std::fs::symlink_metadata(dir.join(file)).is_ok_and(|m| m.file_type().is_file())
    });
    Ok(Found::Unmarked { looks_built })
}

/// What in the existing output folder `old` zaitaku did not make, judged by its marker or, for
/// a folder without one, by the new site `new`: at most `limit` paths (relative), and how many
/// there are in all. Empty when the folder may be replaced.
pub fn strangers(old: &Path, new: &Path, limit: usize) -> std::io::Result<(Vec<PathBuf>, usize)> {
    let found = inspect(old)?;
    let known = |relative: &Path, kind: Kind| -> bool {
        match &found {
            Found::Empty => false,
            Found::Marked(manifest) => manifest.0.contains(&entry_hash(kind, relative)),
            Found::Unmarked { looks_built } => {
                *looks_built
                    && std::fs::symlink_metadata(new.join(relative)).is_ok_and(|m| match kind {
                        Kind::File => m.file_type().is_file(),
                        Kind::Folder => m.file_type().is_dir(),
                    })
            }
        }
    };
    let mut shown = Vec::new();
    let mut count = 0;
    for (relative, kind) in entries(old)? {
        let ours = kind.is_some_and(|kind| known(&relative, kind));
        if !ours {
            count += 1;
            if shown.len() < limit {
                shown.push(relative);
            }
        }
    }
    Ok((shown, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(dir: &Path) {
        for file in FINGERPRINTS {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, file).unwrap();
        }
        std::fs::create_dir_all(dir.join("resources/a")).unwrap();
        std::fs::write(dir.join("resources/a/index.html"), "a").unwrap();
    }

    #[test]
    fn a_marked_site_lists_what_it_wrote_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        site(dir.path());
        write(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(MARKER)).unwrap();
        assert!(text.starts_with(HEADER));
        assert!(!text.contains("resources"), "no names: {text}");
        assert!(matches!(inspect(dir.path()).unwrap(), Found::Marked(_)));
        let new = tempfile::tempdir().unwrap();
        assert_eq!(strangers(dir.path(), new.path(), 5).unwrap().1, 0);

        std::fs::write(dir.path().join("CNAME"), "example.jp").unwrap();
        std::fs::create_dir(dir.path().join("resources/a/index.html.d")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("resources/link")).unwrap();
        let (shown, count) = strangers(dir.path(), new.path(), 2).unwrap();
        assert_eq!(count, 3);
        assert_eq!(
            shown,
            vec![
                PathBuf::from("CNAME"),
                PathBuf::from("resources/a/index.html.d")
            ]
        );
    }

    #[test]
    fn an_unmarked_folder_is_judged_by_its_fingerprints_and_the_new_site() {
        let old = tempfile::tempdir().unwrap();
        let new = tempfile::tempdir().unwrap();
        site(old.path());
        site(new.path());
        assert!(matches!(
            inspect(old.path()).unwrap(),
            Found::Unmarked { looks_built: true }
        ));
        assert_eq!(strangers(old.path(), new.path(), 5).unwrap().1, 0);
        std::fs::write(old.path().join("resources/a/photo.jpg"), "x").unwrap();
        assert_eq!(
            strangers(old.path(), new.path(), 5).unwrap().0,
            vec![PathBuf::from("resources/a/photo.jpg")]
        );

        // Someone's own pages: no fingerprints, so nothing in it counts as zaitaku's.
        let own = tempfile::tempdir().unwrap();
        std::fs::write(own.path().join("index.html"), "my page").unwrap();
        assert!(matches!(
            inspect(own.path()).unwrap(),
            Found::Unmarked { looks_built: false }
        ));
        assert_eq!(strangers(own.path(), new.path(), 5).unwrap().1, 1);
        // A marker that is a link, or not zaitaku's, is no marker.
        std::os::unix::fs::symlink(old.path().join("index.html"), own.path().join(MARKER)).unwrap();
        assert!(matches!(
            inspect(own.path()).unwrap(),
            Found::Unmarked { .. }
        ));
    }
}
