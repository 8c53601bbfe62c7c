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

/// What an entry of a site is: zaitaku writes files and folders, nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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

/// Writes the marker into a finished site in `dir` whose files are `files` (site-relative,
/// `/` between folders); their folders are listed too.
pub fn write(dir: &Path, files: &[String]) -> std::io::Result<()> {
    let mut hashes: Vec<u64> = Vec::with_capacity(files.len() * 2);
    // Each folder once, however many files it holds.
    let mut folders: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    for file in files {
        let path: PathBuf = Path::new(file).components().collect();
        hashes.push(entry_hash(Kind::File, &path));
        for folder in path.ancestors().skip(1) {
            if folder.as_os_str().is_empty() || folders.contains(folder) {
                break;
            }
            hashes.push(entry_hash(Kind::Folder, folder));
            folders.insert(folder.to_path_buf());
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
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

/// Tells, entry by entry, what in an existing output folder zaitaku made: by its marker, or
/// for a folder without one, by the new site that is to replace it.
pub struct Judge {
    found: Found,
    new: PathBuf,
}

impl Judge {
    /// The judge of the existing output folder `old`, to be replaced by the site in `new`.
    pub fn new(old: &Path, new: &Path) -> std::io::Result<Judge> {
        Ok(Judge {
            found: inspect(old)?,
            new: new.to_path_buf(),
        })
    }

    /// Whether zaitaku made the entry `relative` of the old folder, of kind `kind` (`None` for
    /// a link, pipe or device, which zaitaku never makes). The marker itself counts as made.
    pub fn made(&self, relative: &Path, kind: Option<Kind>) -> bool {
        let Some(kind) = kind else { return false };
        if kind == Kind::File && relative.as_os_str() == MARKER {
            return true;
        }
        match &self.found {
            Found::Empty => false,
            Found::Marked(manifest) => manifest.0.contains(&entry_hash(kind, relative)),
            Found::Unmarked { looks_built } => {
                *looks_built
                    && std::fs::symlink_metadata(self.new.join(relative)).is_ok_and(
                        |m| match kind {
                            Kind::File => m.file_type().is_file(),
                            Kind::Folder => m.file_type().is_dir(),
                        },
                    )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: [&str; 3] = ["index.html", "resources/a/index.html", "news/atom.xml"];

    #[test]
    fn a_marked_site_lists_what_it_wrote_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
        write(dir.path(), &files).unwrap();
        let text = std::fs::read_to_string(dir.path().join(MARKER)).unwrap();
        assert!(text.starts_with(HEADER));
        assert!(!text.contains("resources"), "no names: {text}");
        assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 1 + 6);
        let judge = Judge::new(dir.path(), Path::new("/nonexistent")).unwrap();
        for file in FILES {
            assert!(judge.made(Path::new(file), Some(Kind::File)), "{file}");
        }
        for folder in ["resources", "resources/a", "news"] {
            assert!(
                judge.made(Path::new(folder), Some(Kind::Folder)),
                "{folder}"
            );
        }
        assert!(judge.made(Path::new(MARKER), Some(Kind::File)));
        assert!(!judge.made(Path::new("CNAME"), Some(Kind::File)));
        assert!(
            !judge.made(Path::new("news"), Some(Kind::File)),
            "same name, other kind"
        );
        assert!(
            !judge.made(Path::new("index.html"), None),
            "a link is never zaitaku's"
        );
    }

    #[test]
    fn an_unmarked_folder_is_judged_by_its_fingerprints_and_the_new_site() {
        let site = |dir: &Path| {
            for file in FINGERPRINTS.iter().chain(&["resources/a/index.html"]) {
                let path = dir.join(file);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, file).unwrap();
            }
        };
        let old = tempfile::tempdir().unwrap();
        let new = tempfile::tempdir().unwrap();
        site(old.path());
        site(new.path());
        assert!(matches!(
            inspect(old.path()).unwrap(),
            Found::Unmarked { looks_built: true }
        ));
        let judge = Judge::new(old.path(), new.path()).unwrap();
        assert!(judge.made(Path::new("resources/a/index.html"), Some(Kind::File)));
        assert!(judge.made(Path::new("resources/a"), Some(Kind::Folder)));
        assert!(!judge.made(Path::new("resources/a/photo.jpg"), Some(Kind::File)));

        // Someone's own pages: no fingerprints, so nothing in it counts as zaitaku's.
        let own = tempfile::tempdir().unwrap();
        std::fs::write(own.path().join("index.html"), "my page").unwrap();
        let judge = Judge::new(own.path(), new.path()).unwrap();
        assert!(!judge.made(Path::new("index.html"), Some(Kind::File)));
        // A marker that is a link, or not zaitaku's, is no marker.
        std::os::unix::fs::symlink(old.path().join("index.html"), own.path().join(MARKER)).unwrap();
        assert!(matches!(
            inspect(own.path()).unwrap(),
            Found::Unmarked { .. }
        ));
        std::fs::remove_file(own.path().join(MARKER)).unwrap();
        std::fs::write(own.path().join(MARKER), "my notes\n").unwrap();
        assert!(matches!(
            inspect(own.path()).unwrap(),
            Found::Unmarked { .. }
        ));
    }
}
