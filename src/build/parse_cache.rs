//! The parse cache's file, `.zaitaku-cache/records.bin` (`crate::content::parsed` says what
//! it holds and when an entry is used): read before the load, written after it.
//!
//! Like the rest of the cache, it may only cost time. A file that is cut short, has a byte
//! changed, is another layout's, a FIFO, a link, a folder or larger than a cache can be is not
//! used, with one Japanese warning; another binary's is expected after an update and is
//! replaced quietly. It is written beside and renamed into place, so a build killed mid-way
//! leaves the old file or the new one, and two builds at once each leave a whole file (the
//! last one stays). A folder in its place is not touched.

use std::path::Path;

use crate::content::parsed::{ParseCache, Previous, Unusable};
use crate::diagnostics::{Diagnostic, Position};

use super::cache::{self, CACHE_DIR, Cache, Key};

/// The file in the cache folder.
const FILE: &str = "records.bin";

/// The parse cache of this build, and why the previous one was not used.
pub struct Opened {
    pub cache: ParseCache,
    /// Whether it is saved after the load (not when the cache folder is not ours to write, or
    /// a folder stands where the file goes).
    pub save: bool,
    pub warning: Option<Diagnostic>,
}

/// Reads the previous build's parse cache from the folder of `build` (none when the build
/// cache is not on disk: its warning already says why).
pub fn open(build: &Cache) -> Opened {
    let binary = build.binary().to_owned();
    let Some(folder) = build.folder() else {
        return Opened {
            cache: ParseCache::new(binary, None),
            save: false,
            warning: None,
        };
    };
    let path = folder.join(FILE);
    let fresh = |warning: Option<Diagnostic>| Opened {
        cache: ParseCache::new(binary.clone(), None),
        save: true,
        warning,
    };
    if std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_dir()) {
        return Opened {
            cache: ParseCache::new(binary.clone(), None),
            save: false,
            warning: Some(cache::warning(format!(
                "キャッシュ {CACHE_DIR}/{FILE} がファイルではなくフォルダになっているため、使わず、変更もしませんでした。"
            )).hint(format!("{CACHE_DIR}/{FILE} のフォルダを消してください。次のビルドから、ふつうのファイルとして作り直します。"))),
        };
    }
    match cache::read_regular(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fresh(None),
        Err(e) => fresh(Some(cache::warning(format!(
            "キャッシュ {CACHE_DIR}/{FILE} を読めなかったので、使いませんでした（{}）。",
            cache::unreadable(&e)
        )))),
        Ok((bytes, _)) => match Previous::decode(bytes) {
            Ok(previous) => Opened {
                cache: ParseCache::new(binary, Some(previous)),
                save: true,
                warning: None,
            },
            Err(Unusable::OtherSchema) => fresh(Some(cache::warning(format!(
                "キャッシュ {CACHE_DIR}/{FILE} は別の版の zaitaku のものなので、使いませんでした。"
            )))),
            Err(Unusable::Damaged) => fresh(Some(cache::warning(format!(
                "キャッシュ {CACHE_DIR}/{FILE} が壊れているか途中で切れていたので、使いませんでした。"
            )))),
        },
    }
}

/// Gives each entry its record's key (`keys` by record file) and saves the cache for the next
/// build. A cache that cannot be saved only makes the next build slower: the warning says so.
pub fn save(
    build: &Cache,
    parse: &mut ParseCache,
    keys: &std::collections::HashMap<&str, &Key>,
) -> Option<Diagnostic> {
    let folder = build.folder()?;
    if !parse.started() {
        return None;
    }
    for entry in parse.entries_mut() {
        if entry.key.is_none() {
            entry.key = keys.get(entry.file.as_str()).map(|key| (*key).clone());
        }
    }
    let written = write(folder, parse);
    written.err().map(|e| {
        Diagnostic::warning(
            CACHE_DIR,
            Position::FILE,
            format!(
                "キャッシュ {FILE} を保存できませんでした（{}）。次のビルドは事業所のファイルをすべて読み直します。",
                crate::error::io_reason(&e).what
            ),
        )
        .hint("サイトのフォルダに書き込めるか確かめてください。.zaitaku-cache は消してもかまいません。")
    })
}

fn write(folder: &Path, parse: &ParseCache) -> std::io::Result<()> {
    cache::ensure_folder(folder)?;
    let mut temp = crate::owned::file_in(folder, ".records-", 0o666)?;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, temp.as_file_mut());
        parse.write(&mut out)?;
        std::io::Write::flush(&mut out)?;
    }
    temp.persist(&folder.join(FILE))
}
