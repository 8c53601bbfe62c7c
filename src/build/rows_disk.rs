//! The rows of `zaitaku build` kept between builds (`crate::site::rows`), in the build cache's
//! folder: `.zaitaku-cache/rows/`. A second build renders only the rows of the records that
//! changed, and assembles the listings, 五十音 rows, ケアマネタイム pages and booklets that show
//! a changed record from the kept rows of the others.
//!
//! No build holds all rows in memory: each row is appended to `rows.data` as it is rendered
//! (through a small buffer) and read back by its offset (`pread`) whenever a page needs it.
//! What the build keeps is one packed offset and length per record and kind of row.
//!
//! * `rows.data`: a header (what it is, and an id of its own), then the rows, each as
//!   `[CRC-32 of the rest][kind][length of root][root][HTML]`. Only ever appended to while
//!   the lock is held; cut back to the length the index names before a build appends.
//! * `rows.index`: what the rows were made with (the binary, the theme, what every page
//!   shares: a row made with anything else is not used), the data file's id and length, and
//!   for each record key the place of each of its rows; a SHA-256 of all of it at the end.
//!   Written beside and renamed into place.
//! * `rows.lock`: held (`flock`) while a build uses the folder.
//!
//! When the data holds more dropped rows than live ones, the live rows are copied into a new
//! data file. A cache that cannot be trusted only costs time, with one Japanese warning naming
//! `.zaitaku-cache`: a damaged, truncated or foreign file, a symlink, FIFO or folder in a file's
//! place (removed itself, never followed), a row whose check fails (rendered again). Another
//! binary, theme, `site.yaml` or day makes the rows again quietly. While another run holds the
//! lock, this build keeps its rows as a build without the cache does.

use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use super::Reuse;
use super::cache::{CACHE_DIR, Key};
use super::rows_bulk as bulk;
use crate::cache_file::{NOT_REGULAR, flags, lock, read_regular, reason, remove};
use crate::diagnostics::{Diagnostic, Position};
use crate::site::rows::{Kind, Store};

/// The rows' folder in the cache folder, and its files.
const ROOT: &str = "rows";
const DATA: &str = "rows.data";
const INDEX: &str = "rows.index";
const LOCK: &str = "rows.lock";
const DATA_MAGIC: &[u8] = b"zaitaku-rows-data-1\n";
const INDEX_MAGIC: &[u8] = b"zaitaku-rows-index-1\n";
const ID_LEN: usize = 16;
/// A record key as the index holds it (hex of a SHA-256).
const KEY_LEN: usize = 64;
const ENTRY_LEN: usize = KEY_LEN + 8 * Kind::COUNT;
/// A row's place: its offset in the upper bits, its length in the lower ones.
const LENGTH_BITS: u32 = 24;
const MAX_ROW: usize = (1 << LENGTH_BITS) - 1;
/// The most the rows wait in memory before they are written out.
const BUFFER: usize = 1 << 20;
/// The largest index read.
const MAX_INDEX: u64 = 1 << 30;
/// Dropped rows tolerated before the data is copied anew (beyond as many as the live ones).
const SLACK: u64 = 16 << 20;

fn warning(message: String) -> Diagnostic {
    Diagnostic::warning(format!("{CACHE_DIR}/{ROOT}"), Position::FILE, message).hint(
        "行は作り直したので、できたサイトに影響はありません。続くときは .zaitaku-cache を消してください。",
    )
}

fn pack(offset: u64, length: usize) -> u64 {
    (offset << LENGTH_BITS) | length as u64
}

fn unpack(place: u64) -> (u64, usize) {
    (place >> LENGTH_BITS, (place & MAX_ROW as u64) as usize)
}

/// The rows kept for the build that `reuse` describes, when its cache is on disk and what
/// every page shares can be keyed (a folder that cannot be used adds a warning to the cache's).
pub(super) fn open(reuse: &Reuse<'_>) -> Option<std::sync::Arc<DiskRows>> {
    if reuse.shared.is_empty() {
        return None;
    }
    let folder = reuse.cache.made_folder()?;
    let made_with = reuse
        .cache
        .key(&[b"rows", reuse.theme.as_bytes(), reuse.shared.as_bytes()]);
    match DiskRows::open(folder, &made_with, &reuse.records) {
        Ok(rows) => Some(std::sync::Arc::new(rows)),
        Err(warning) => {
            reuse.cache.warn(vec![warning]);
            None
        }
    }
}

/// The rows of one build, kept in (and read back from) the data file.
pub struct DiskRows {
    dir: PathBuf,
    _lock: std::fs::File,
    /// The data file appended to: `rows.data`, or a new one (`fresh`) renamed into place at
    /// the end.
    data: std::fs::File,
    fresh: Mutex<Option<crate::owned::File>>,
    id: [u8; ID_LEN],
    made_with: Key,
    /// Each record's rows, by kind ([`pack`]; 0: none).
    places: Vec<[AtomicU64; Kind::COUNT]>,
    appender: Mutex<Appender>,
    /// The data file's length: every row below it is in the file.
    flushed: AtomicU64,
    /// Its length when opened: the rows below it were made by earlier builds.
    earlier: u64,
    /// Writing failed: rows are no longer kept, and the index is not saved.
    broken: AtomicBool,
    damaged: AtomicBool,
    read: AtomicUsize,
    warnings: Mutex<Vec<Diagnostic>>,
}

struct Appender {
    buffer: Vec<u8>,
    /// Where the next row goes.
    end: u64,
}

/// What [`DiskRows::open`] found.
enum Found {
    /// Rows to use, and the data file to append them to.
    Kept {
        data: std::fs::File,
        id: [u8; ID_LEN],
        length: u64,
        places: Vec<[AtomicU64; Kind::COUNT]>,
    },
    /// Nothing to use (`Some`: why, for a warning).
    Nothing(Option<String>),
}

impl DiskRows {
    /// The rows kept in the cache folder `cache` (checked by the caller) for records with the
    /// keys `keys` (in the content's order), made with `made_with`. `Err`: the warning of a
    /// folder that cannot be used (this build keeps its rows without it).
    pub fn open(
        cache: &Path,
        made_with: &Key,
        keys: &[Option<Key>],
    ) -> Result<DiskRows, Diagnostic> {
        let dir = cache.join(ROOT);
        let mut warnings = Vec::new();
        let folder = match std::fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => Ok(()),
            found => {
                if found.is_ok() {
                    warnings.push(warning(format!(
                        "行のキャッシュ {CACHE_DIR}/{ROOT} がフォルダではありません（シンボリックリンクかファイル）。リンク先には触れず、作り直しました。"
                    )));
                }
                remove(&dir).and_then(|()| std::fs::create_dir(&dir))
            }
        };
        let lock = folder.and_then(|()| lock(&dir.join(LOCK))).map_err(|e| {
            warning(format!(
                "行のキャッシュ {CACHE_DIR}/{ROOT} を使えませんでした。同じサイトで別の zaitaku が動いているかもしれません（{}）。",
                crate::error::io_reason(&e).what
            ))
        })?;
        let found = read_kept(&dir, made_with, keys);
        let (data, fresh, id, length, places) = match found {
            Found::Kept {
                data,
                id,
                length,
                places,
            } => (data, None, id, length, places),
            Found::Nothing(why) => {
                warnings.extend(why.map(warning));
                let id = new_id(made_with);
                let mut temp = crate::owned::file_in(&dir, ".rows-", 0o666).map_err(|e| {
                    warning(format!(
                        "行のキャッシュ {CACHE_DIR}/{ROOT} に書き込めませんでした（{}）。",
                        crate::error::io_reason(&e).what
                    ))
                })?;
                let header = [DATA_MAGIC, &id].concat();
                temp.as_file_mut().write_all(&header).map_err(|e| {
                    warning(format!(
                        "行のキャッシュ {CACHE_DIR}/{ROOT} に書き込めませんでした（{}）。",
                        crate::error::io_reason(&e).what
                    ))
                })?;
                let data = temp.as_file().try_clone().map_err(|e| {
                    warning(format!(
                        "行のキャッシュ {CACHE_DIR}/{ROOT} を開けませんでした（{}）。",
                        crate::error::io_reason(&e).what
                    ))
                })?;
                let places = keys.iter().map(|_| Default::default()).collect();
                (data, Some(temp), id, header.len() as u64, places)
            }
        };
        Ok(DiskRows {
            dir,
            _lock: lock,
            data,
            fresh: Mutex::new(fresh),
            id,
            made_with: made_with.clone(),
            places,
            appender: Mutex::new(Appender {
                buffer: Vec::with_capacity(BUFFER),
                end: length,
            }),
            flushed: AtomicU64::new(length),
            earlier: length,
            broken: AtomicBool::new(false),
            damaged: AtomicBool::new(false),
            read: AtomicUsize::new(0),
            warnings: Mutex::new(warnings),
        })
    }

    /// Rows read back from the file this build.
    pub fn read(&self) -> usize {
        self.read.load(Ordering::Relaxed)
    }

    fn warn(&self, message: String) {
        self.warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(warning(message));
    }

    /// The bytes at `offset` (a row's place), from the file or the rows not yet written out.
    fn bytes(&self, offset: u64, length: usize) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; length];
        if offset + length as u64 <= self.flushed.load(Ordering::Acquire) {
            self.data.read_exact_at(&mut bytes, offset)?;
            return Ok(bytes);
        }
        let appender = self.appender.lock().unwrap_or_else(|p| p.into_inner());
        let flushed = self.flushed.load(Ordering::Acquire);
        if offset >= flushed {
            let start = (offset - flushed) as usize;
            let source = appender
                .buffer
                .get(start..start + length)
                .ok_or_else(|| std::io::Error::other("beyond the rows written"))?;
            bytes.copy_from_slice(source);
        } else {
            drop(appender);
            self.data.read_exact_at(&mut bytes, offset)?;
        }
        Ok(bytes)
    }

    /// The row `kind` of the record at `index` made for `root`, from its bytes as read back
    /// (`None`: they could not be read): a row whose check fails is forgotten (rendered again)
    /// with one warning for the build, and no earlier build's row is kept after it.
    fn accept(&self, index: usize, kind: Kind, root: &str, bytes: Option<&[u8]>) -> Option<String> {
        match bytes.and_then(|bytes| check(bytes, kind)) {
            Some((made_for, html)) if made_for == root => {
                self.read.fetch_add(1, Ordering::Relaxed);
                Some(html)
            }
            // Made for another root: this one is made now, and not kept.
            Some(_) => None,
            None => {
                self.places[index][kind as usize].store(0, Ordering::Relaxed);
                if !self.damaged.swap(true, Ordering::Relaxed) {
                    self.warn(format!(
                        "行のキャッシュ {CACHE_DIR}/{ROOT}/{DATA} が壊れていたので、その行を作り直しました。"
                    ));
                }
                None
            }
        }
    }

    /// Writes out the rows waiting in `appender`.
    fn flush(&self, appender: &mut Appender) -> std::io::Result<()> {
        let flushed = self.flushed.load(Ordering::Acquire);
        self.data.write_all_at(&appender.buffer, flushed)?;
        self.flushed
            .store(flushed + appender.buffer.len() as u64, Ordering::Release);
        appender.buffer.clear();
        Ok(())
    }

    /// Saves the index of this build's rows for the next one (`keys`: each record's key, as
    /// given to [`DiskRows::open`]), copying the live rows into a new data file first when
    /// the data holds more dropped rows than live ones. Returns the warnings of the whole
    /// build's use of the rows.
    pub fn save(&self, keys: &[Option<Key>]) -> Vec<Diagnostic> {
        let saved = self.save_index(keys);
        let mut warnings =
            std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|p| p.into_inner()));
        if let Err(e) = saved {
            warnings.push(warning(format!(
                "行のキャッシュ {CACHE_DIR}/{ROOT} を保存できませんでした（{}）。次のビルドで作り直します。",
                crate::error::io_reason(&e).what
            )));
        }
        warnings
    }

    fn save_index(&self, keys: &[Option<Key>]) -> std::io::Result<()> {
        if self.broken.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("rows not written"));
        }
        let end = {
            let mut appender = self.appender.lock().unwrap_or_else(|p| p.into_inner());
            self.flush(&mut appender)?;
            appender.end
        };
        // After a damaged row, none of the earlier builds' rows is trusted any more: the next
        // build renders them again (quietly).
        let damaged = self.damaged.load(Ordering::Relaxed);
        let kept = |place: u64| match damaged && unpack(place).0 < self.earlier {
            true => 0,
            false => place,
        };
        // The records' rows, by key (a key twice: the same rows).
        let mut entries: Vec<(&[u8], [u64; Kind::COUNT])> = keys
            .iter()
            .zip(&self.places)
            .filter_map(|(key, places)| {
                let key = key.as_deref().filter(|key| key.len() == KEY_LEN)?;
                let places = places
                    .each_ref()
                    .map(|place| kept(place.load(Ordering::Relaxed)));
                places
                    .iter()
                    .any(|&place| place != 0)
                    .then_some((key.as_bytes(), places))
            })
            .collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        let mut live: Vec<u64> = entries
            .iter()
            .flat_map(|(_, places)| places.iter().copied().filter(|&place| place != 0))
            .collect();
        live.sort_unstable();
        live.dedup();
        let live_bytes: u64 = live.iter().map(|&place| unpack(place).1 as u64).sum();
        let header = (DATA_MAGIC.len() + ID_LEN) as u64;
        let mut length = end;
        let mut id = self.id;
        let mut fresh = self.fresh.lock().unwrap_or_else(|p| p.into_inner()).take();
        let dropped = end.saturating_sub(header + live_bytes);
        if fresh.is_none() && dropped > live_bytes + SLACK {
            // Copied anew: the live rows, in the order they are in the file.
            id = new_id(&self.made_with);
            let mut temp = crate::owned::file_in(&self.dir, ".rows-", 0o666)?;
            let mut moved = std::collections::HashMap::with_capacity(live.len());
            {
                let mut out = std::io::BufWriter::new(temp.as_file_mut());
                out.write_all(DATA_MAGIC)?;
                out.write_all(&id)?;
                let mut at = header;
                for &place in &live {
                    let (offset, row) = unpack(place);
                    let mut bytes = vec![0; row];
                    self.data.read_exact_at(&mut bytes, offset)?;
                    out.write_all(&bytes)?;
                    moved.insert(place, pack(at, row));
                    at += row as u64;
                }
                out.flush()?;
                length = at;
            }
            for (_, places) in &mut entries {
                for place in places.iter_mut().filter(|place| **place != 0) {
                    *place = moved[place];
                }
            }
            fresh = Some(temp);
        }
        if let Some(temp) = fresh {
            // A folder in its place is removed; anything else is replaced by the rename (a
            // symlink itself, never what it points to).
            let data = self.dir.join(DATA);
            if std::fs::symlink_metadata(&data).is_ok_and(|meta| meta.is_dir()) {
                remove(&data)?;
            }
            temp.persist(&data)?;
        }
        let mut index = Vec::with_capacity(INDEX_MAGIC.len() + 64 + entries.len() * ENTRY_LEN + 32);
        index.extend_from_slice(INDEX_MAGIC);
        index.extend_from_slice(&(self.made_with.len() as u32).to_le_bytes());
        index.extend_from_slice(self.made_with.as_bytes());
        index.extend_from_slice(&id);
        index.extend_from_slice(&length.to_le_bytes());
        index.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        for (key, places) in &entries {
            index.extend_from_slice(key);
            for place in places {
                index.extend_from_slice(&place.to_le_bytes());
            }
        }
        let digest = Sha256::digest(&index);
        index.extend_from_slice(&digest);
        let mut temp = crate::owned::file_in(&self.dir, ".rows-", 0o666)?;
        temp.as_file_mut().write_all(&index)?;
        temp.persist(&self.dir.join(INDEX))
    }
}

impl Store for DiskRows {
    fn get(&self, index: usize, kind: Kind, root: &str) -> Option<String> {
        let place = self.places[index][kind as usize].load(Ordering::Relaxed);
        if place == 0 {
            return None;
        }
        let (offset, length) = unpack(place);
        let bytes = self.bytes(offset, length).ok();
        self.accept(index, kind, root, bytes.as_deref())
    }

    /// Reads the rows in the file together ([`bulk::runs`]: sorted by their place, near ones
    /// in one read), each checked as [`Store::get`] checks it.
    fn get_many(&self, indices: &[usize], kind: Kind, root: &str) -> Vec<Option<String>> {
        let flushed = self.flushed.load(Ordering::Acquire);
        let mut found = vec![None; indices.len()];
        let mut in_file = Vec::with_capacity(indices.len());
        for (slot, &index) in indices.iter().enumerate() {
            let place = self.places[index][kind as usize].load(Ordering::Relaxed);
            let (offset, length) = unpack(place);
            if place == 0 {
                continue;
            }
            match offset + length as u64 <= flushed {
                true => in_file.push(bulk::Wanted {
                    offset,
                    length,
                    slot,
                }),
                // Still in memory (or beyond what was written): one by one.
                false => found[slot] = self.get(index, kind, root),
            }
        }
        let mut buffer = Vec::new();
        for run in bulk::runs(&mut in_file) {
            let read = bulk::read(&self.data, run, &mut buffer).is_ok();
            for wanted in run {
                let bytes = read
                    .then(|| bulk::slice(&buffer, run[0].offset, wanted))
                    .flatten();
                found[wanted.slot] = self.accept(indices[wanted.slot], kind, root, bytes);
            }
        }
        found
    }

    fn put(&self, index: usize, kind: Kind, root: &str, row: &str) {
        if self.broken.load(Ordering::Relaxed) || root.len() > usize::from(u8::MAX) {
            return;
        }
        let length = 4 + 2 + root.len() + row.len();
        if length > MAX_ROW {
            return;
        }
        let mut appender = self.appender.lock().unwrap_or_else(|p| p.into_inner());
        let offset = appender.end;
        let mut crc = crc32fast::Hasher::new();
        let head = [kind as u8, root.len() as u8];
        for part in [&head[..], root.as_bytes(), row.as_bytes()] {
            crc.update(part);
        }
        let buffer = &mut appender.buffer;
        buffer.extend_from_slice(&crc.finalize().to_le_bytes());
        buffer.extend_from_slice(&head);
        buffer.extend_from_slice(root.as_bytes());
        buffer.extend_from_slice(row.as_bytes());
        appender.end += length as u64;
        if appender.buffer.len() >= BUFFER
            && let Err(e) = self.flush(&mut appender)
        {
            self.broken.store(true, Ordering::Relaxed);
            drop(appender);
            self.warn(format!(
                "行のキャッシュ {CACHE_DIR}/{ROOT} に書き込めませんでした（{}）。",
                crate::error::io_reason(&e).what
            ));
            return;
        }
        self.places[index][kind as usize].store(pack(offset, length), Ordering::Relaxed);
    }
}

/// The root and HTML of a row read back, when its check holds and it is of `kind`.
fn check(bytes: &[u8], kind: Kind) -> Option<(&str, String)> {
    let crc = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
    let rest = &bytes[4..];
    if crc32fast::hash(rest) != crc || *rest.first()? != kind as u8 {
        return None;
    }
    let root_length = usize::from(*rest.get(1)?);
    let root = std::str::from_utf8(rest.get(2..2 + root_length)?).ok()?;
    let html = std::str::from_utf8(&rest[2 + root_length..]).ok()?;
    Some((root, html.to_owned()))
}

/// The kept rows, when the index and the data file can be used for records with `keys`.
fn read_kept(dir: &Path, made_with: &Key, keys: &[Option<Key>]) -> Found {
    let damaged = |what: &str| {
        Found::Nothing(Some(format!(
            "行のキャッシュ {CACHE_DIR}/{ROOT}/{what} が壊れているか途中で切れていたので、使いませんでした。"
        )))
    };
    let index = match read_regular(&dir.join(INDEX), MAX_INDEX) {
        Ok((index, _)) => index,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Found::Nothing(None),
        Err(e) => {
            return Found::Nothing(Some(format!(
                "行のキャッシュ {CACHE_DIR}/{ROOT}/{INDEX} を読めなかったので、使いませんでした（{}）。",
                reason(&e)
            )));
        }
    };
    let Some((body, digest)) = index.split_at_checked(index.len().saturating_sub(32)) else {
        return damaged(INDEX);
    };
    if !body.starts_with(INDEX_MAGIC) || Sha256::digest(body)[..] != *digest {
        return damaged(INDEX);
    }
    let mut at = INDEX_MAGIC.len();
    let mut take = |length: usize| -> Option<&[u8]> {
        let part = body.get(at..at + length)?;
        at += length;
        Some(part)
    };
    let parsed = (|| {
        let kept_with =
            take(4).and_then(|n| take(u32::from_le_bytes(n.try_into().ok()?) as usize))?;
        let id: [u8; ID_LEN] = take(ID_LEN)?.try_into().ok()?;
        let length = u64::from_le_bytes(take(8)?.try_into().ok()?);
        let count = u64::from_le_bytes(take(8)?.try_into().ok()?) as usize;
        let entries = take(count.checked_mul(ENTRY_LEN)?)?;
        Some((kept_with, id, length, entries))
    })();
    let Some((kept_with, id, length, entries)) = parsed else {
        return damaged(INDEX);
    };
    if kept_with != made_with.as_bytes() {
        // Another binary, theme, `site.yaml` or day: made again, quietly.
        return Found::Nothing(None);
    }
    let data = match open_data(&dir.join(DATA), &id, length) {
        Ok(data) => data,
        Err(why) => return Found::Nothing(why),
    };
    let entries: Vec<&[u8]> = entries.chunks_exact(ENTRY_LEN).collect();
    let places = keys
        .iter()
        .map(|key| {
            let found = key.as_deref().and_then(|key| {
                entries
                    .binary_search_by(|entry| entry[..KEY_LEN].cmp(key.as_bytes()))
                    .ok()
            });
            let mut places: [AtomicU64; Kind::COUNT] = Default::default();
            if let Some(found) = found {
                for (kind, place) in entries[found][KEY_LEN..].chunks_exact(8).enumerate() {
                    let place = u64::from_le_bytes(place.try_into().expect("8 bytes"));
                    let (offset, row) = unpack(place);
                    // Beyond the data's length: not used (a damaged index).
                    if offset + row as u64 <= length {
                        places[kind] = AtomicU64::new(place);
                    }
                }
            }
            places
        })
        .collect();
    Found::Kept {
        data,
        id,
        length,
        places,
    }
}

/// Opens the data file for reading and appending, when it is the one the index names (`id`)
/// and holds its `length`; cut back to `length` (rows a killed build appended). `Err(None)`:
/// another data file (made again quietly); `Err(Some)`: why it is not used.
fn open_data(path: &Path, id: &[u8; ID_LEN], length: u64) -> Result<std::fs::File, Option<String>> {
    let unusable = |why: String| {
        Some(format!(
            "行のキャッシュ {CACHE_DIR}/{ROOT}/{DATA} を使えなかったので、作り直しました（{why}）。"
        ))
    };
    let data = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(flags())
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => None,
            _ => unusable(crate::error::io_reason(&e).what.into_owned()),
        })?;
    let meta = data
        .metadata()
        .map_err(|e| unusable(crate::error::io_reason(&e).what.into_owned()))?;
    if !meta.is_file() {
        return Err(unusable(NOT_REGULAR.to_owned()));
    }
    let mut header = vec![0; DATA_MAGIC.len() + ID_LEN];
    if meta.len() < length || data.read_exact_at(&mut header, 0).is_err() {
        return Err(unusable("途中で切れています".to_owned()));
    }
    if !header.starts_with(DATA_MAGIC) {
        return Err(unusable(
            "zaitaku の行のキャッシュではありません".to_owned(),
        ));
    }
    if header[DATA_MAGIC.len()..] != id[..] {
        return Err(None);
    }
    if meta.len() > length {
        data.set_len(length)
            .map_err(|e| unusable(crate::error::io_reason(&e).what.into_owned()))?;
    }
    Ok(data)
}

/// An id for a new data file.
fn new_id(made_with: &Key) -> [u8; ID_LEN] {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(made_with.as_bytes());
    hasher.update(now.as_nanos().to_le_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.finalize()[..ID_LEN].try_into().expect("16 bytes")
}
