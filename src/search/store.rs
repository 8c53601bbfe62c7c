//! Where the tantivy index of the search lives between builds, so that the next build analyses
//! only the documents that changed ([`super::indexer`]: every document carries its *key*, a hash
//! of everything it is made from; a changed or removed document is deleted by its key, a new
//! one added, and the export numbers the documents alive in 五十音 order again).
//!
//! * `zaitaku build`: `.zaitaku-cache/search/` (inside the build cache's folder, with its
//!   `CACHEDIR.TAG`): the tantivy index in `index/`; `search.json`, which names the binary and
//!   the analysis (the site's own words) the documents were made with; `search-packed.bin`, the
//!   compressed files of the last export ([`Packed`]), what that export was made of
//!   ([`LastExport`]: its documents' keys, its term chunks, and each facility's record key and
//!   row, so that an unchanged facility is not made into a document again) and the kana words'
//!   spellings looked up in the dictionary (read only with an index of the same binary and
//!   analysis); and `search.lock`, held while a build uses the folder.
//! * `zaitaku serve`: in memory, kept between saves ([`Store::in_memory`]).
//!
//! A cache that cannot be trusted only costs time: a folder that is a symlink or a file, an
//! index folder that holds anything but plain files (a symlink, a FIFO, a folder), a damaged or
//! truncated file (tantivy's checksums; the SHA-256 at the end of `search-packed.bin`), an
//! unreadable `search.json` or another schema is removed (a symlink itself, never what it
//! points to) and made again, with a Japanese warning; another binary's or another
//! dictionary's index is made again quietly; an index another run is using (two builds at
//! once) is left alone, and this build's index is made whole in memory. An error or a panic
//! while the index on disk is read or written gives the same: a warning, and the index made
//! whole in memory.

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::Index;
use tantivy::schema::Schema;

use crate::cache_file::{lock, remove};
use crate::diagnostics::{Diagnostic, Position};

/// What `search.json` says it is.
const FORMAT: &str = "zaitaku-search-cache-1";
/// The folder of the search's cache inside the cache folder, and its files.
const ROOT: &str = "search";
const MANIFEST: &str = "search.json";
const LOCK: &str = "search.lock";
/// The compressed files of the last export ([`Packed`]).
const PACKED: &str = "search-packed.bin";
const PACKED_MAGIC: &[u8] = b"zaitaku-search-packed-3\n";
/// The folder of the tantivy index.
const FOLDER: &str = "index";

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    /// The binary that made the documents (another one may analyse differently).
    binary: String,
    /// The analysis they were made with ([`super::indexer`]: the site's words).
    analysis: String,
}

/// The index kept between builds (or saves), and what happened to it.
pub struct Store {
    /// The search's folder in the cache folder (`.zaitaku-cache/search`); `None`: in memory.
    cache: Option<PathBuf>,
    binary: String,
    /// The index in memory and its analysis.
    memory: Option<(Index, String)>,
    /// Why the index on disk was not used (Japanese), for the build's warnings.
    pub warnings: Vec<Diagnostic>,
    /// Documents analysed by the last update (the others came from the kept index).
    pub analysed: usize,
    /// Term chunks the last export encoded (the others were the last export's, taken whole).
    pub encoded: usize,
    /// How long each step of the last update took ([`super::STEPS`]).
    pub steps: [std::time::Duration; super::STEPS.len()],
    /// The compressed files of the last export.
    pub(crate) packed: Packed,
    /// Kana words' kanji spellings looked up in the dictionary (for this analysis).
    pub(crate) spellings: super::indexer::Spellings,
    /// Each facility's record key (the build's `record_key`, in the order of
    /// `content.resources`; `None`: not keyed), set by the caller when it knows them: a record
    /// whose key the last export had keeps that export's document key and row, and is not made
    /// into a document again.
    pub record_keys: Option<Vec<Option<String>>>,
    /// Facilities whose key and row the last build's export gave ([`Store::record_keys`]).
    pub reused_keys: usize,
}

/// What identifies a compressed file's content: the SHA-256 of its bytes before compression,
/// or of the keys of the documents it holds.
pub(crate) type PackKey = [u8; 32];

/// The SHA-256 of `parts`, each length-prefixed.
pub(crate) fn pack_key(parts: &[&[u8]]) -> PackKey {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// One term chunk of an export: its first term, its [`PackKey`] and the length of its first
/// entry (which decides whether that entry starts a chunk after the one before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChunkRecord {
    pub first: String,
    pub key: PackKey,
    pub first_len: u32,
}

/// What an export was made of, so that the next one re-encodes only the term chunks that
/// changed ([`super::indexer`]): its documents' keys in number order, and its term chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LastExport {
    pub keys: Vec<String>,
    pub chunks: Vec<ChunkRecord>,
    /// What the facilities' documents were made of: the site's part ([`super::indexer`]'s
    /// `site_key`) and each facility's record key (by number; `None`: not known), with the
    /// documents' rows, so that an unchanged record's key and row are taken as they were.
    pub inputs: Option<Inputs>,
}

/// The inputs of an export's facility documents ([`LastExport::inputs`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Inputs {
    pub site: String,
    pub records: Vec<Option<String>>,
    pub rows: Vec<super::indexer::Row>,
}

/// The compressed files (term chunks, fragment packs) of the last export by [`PackKey`], so
/// that what did not change is not compressed again, and what that export was made of
/// ([`LastExport`]); kept with the index (in memory, or `search-packed.bin` beside it, whose
/// last 32 bytes are the SHA-256 of the rest).
#[derive(Default)]
pub(crate) struct Packed {
    previous: std::collections::HashMap<PackKey, Vec<u8>>,
    current: std::sync::Mutex<std::collections::HashMap<PackKey, Vec<u8>>>,
    /// The last export's make-up, and this one's (once it is made).
    pub(crate) last: Option<LastExport>,
    pub(crate) made: Option<LastExport>,
    /// This build's facility inputs ([`Inputs`]), for the export it makes.
    pub(crate) inputs: Option<Inputs>,
    /// The kana words' spellings read with the last export (then the store's).
    spellings: super::indexer::Spellings,
}

impl Packed {
    /// The last export's compressed file of `key`, kept for the next export too.
    pub(crate) fn reuse(&self, key: &PackKey) -> Option<Vec<u8>> {
        let bytes = self.previous.get(key)?.clone();
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(*key, bytes.clone());
        Some(bytes)
    }

    /// The last export's compressed file of `key`, if it made one.
    pub(crate) fn previous(&self, key: &PackKey) -> Option<&[u8]> {
        self.previous.get(key).map(Vec::as_slice)
    }

    /// Whether the last export made a file of `key`.
    pub(crate) fn has(&self, key: &PackKey) -> bool {
        self.previous.contains_key(key)
    }

    /// The compressed file of `key`: the last export's, or `make`'s.
    pub(crate) fn get_or(&self, key: PackKey, make: impl FnOnce() -> Vec<u8>) -> Vec<u8> {
        let bytes = match self.previous.get(&key) {
            Some(bytes) => bytes.clone(),
            None => make(),
        };
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, bytes.clone());
        bytes
    }

    /// This export's files become the ones the next export looks up.
    fn advance(&mut self) {
        self.previous = std::mem::take(self.current.get_mut().unwrap_or_else(|p| p.into_inner()));
        self.last = self.made.take();
    }

    /// `magic, count, (key, length, bytes) × count, spellings, last export or nothing, SHA-256`;
    /// the spellings as `count, (word, count or u64::MAX for none, (spelling, loose) × count) ×
    /// count`, each text as `length, bytes`; the last
    /// export as `keys (count, (length, bytes) × count), chunks (count, (key, first entry's
    /// length, length, first term) × count)`.
    fn to_bytes(&self, spellings: &super::indexer::Spellings) -> Vec<u8> {
        use sha2::Digest as _;
        let text = |out: &mut Vec<u8>, text: &str| {
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        };
        let mut out = PACKED_MAGIC.to_vec();
        let mut entries: Vec<_> = self.previous.iter().collect();
        entries.sort_unstable_by_key(|(key, _)| **key);
        out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        for (key, bytes) in entries {
            out.extend_from_slice(key);
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        out.extend_from_slice(&(spellings.len() as u64).to_le_bytes());
        for (word, found) in spellings {
            text(&mut out, word);
            match found {
                Some(found) => {
                    out.extend_from_slice(&(found.len() as u64).to_le_bytes());
                    for (spelling, loose) in found {
                        text(&mut out, spelling);
                        out.push(u8::from(*loose));
                    }
                }
                None => out.extend_from_slice(&u64::MAX.to_le_bytes()),
            }
        }
        if let Some(last) = &self.last {
            out.extend_from_slice(&(last.keys.len() as u64).to_le_bytes());
            for key in &last.keys {
                out.extend_from_slice(&(key.len() as u64).to_le_bytes());
                out.extend_from_slice(key.as_bytes());
            }
            out.extend_from_slice(&(last.chunks.len() as u64).to_le_bytes());
            for chunk in &last.chunks {
                out.extend_from_slice(&chunk.key);
                out.extend_from_slice(&u64::from(chunk.first_len).to_le_bytes());
                out.extend_from_slice(&(chunk.first.len() as u64).to_le_bytes());
                out.extend_from_slice(chunk.first.as_bytes());
            }
            if let Some(inputs) = &last.inputs {
                text(&mut out, &inputs.site);
                out.extend_from_slice(&(inputs.records.len() as u64).to_le_bytes());
                for record in &inputs.records {
                    // Absent as u64::MAX.
                    match record {
                        Some(record) => text(&mut out, record),
                        None => out.extend_from_slice(&u64::MAX.to_le_bytes()),
                    }
                }
                out.extend_from_slice(&(inputs.rows.len() as u64).to_le_bytes());
                for row in &inputs.rows {
                    out.extend_from_slice(&row.to_bytes());
                }
            }
        }
        let digest = sha2::Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    fn from_bytes(bytes: &[u8]) -> Option<Packed> {
        use sha2::Digest as _;
        let body = bytes
            .strip_suffix(&sha2::Sha256::digest(bytes.get(..bytes.len().checked_sub(32)?)?)[..])?;
        let mut rest = Reader(body.strip_prefix(PACKED_MAGIC)?);
        let mut previous = std::collections::HashMap::new();
        for _ in 0..rest.number()? {
            let key = rest.key()?;
            let len = rest.number()?;
            previous.insert(key, rest.take(len)?.to_vec());
        }
        let text = |rest: &mut Reader<'_>| -> Option<String> {
            let len = rest.number()?;
            String::from_utf8(rest.take(len)?.to_vec()).ok()
        };
        let mut spellings = super::indexer::Spellings::new();
        for _ in 0..rest.number()? {
            let word = text(&mut rest)?;
            let found = if rest.0.get(..8)? == u64::MAX.to_le_bytes() {
                rest.take(8)?;
                None
            } else {
                let mut found = Vec::new();
                for _ in 0..rest.number()? {
                    let spelling = text(&mut rest)?;
                    let loose = match rest.take(1)? {
                        [0] => false,
                        [1] => true,
                        _ => return None,
                    };
                    found.push((spelling, loose));
                }
                Some(found)
            };
            spellings.insert(word, found);
        }
        let last = if rest.0.is_empty() {
            None
        } else {
            let mut keys = Vec::new();
            for _ in 0..rest.number()? {
                let len = rest.number()?;
                keys.push(String::from_utf8(rest.take(len)?.to_vec()).ok()?);
            }
            let mut chunks = Vec::new();
            for _ in 0..rest.number()? {
                let key = rest.key()?;
                let first_len = u32::try_from(rest.number()?).ok()?;
                let len = rest.number()?;
                let first = String::from_utf8(rest.take(len)?.to_vec()).ok()?;
                chunks.push(ChunkRecord {
                    first,
                    key,
                    first_len,
                });
            }
            let inputs = if rest.0.is_empty() {
                None
            } else {
                let site = text(&mut rest)?;
                let mut records = Vec::new();
                for _ in 0..rest.number()? {
                    if rest.0.get(..8)? == u64::MAX.to_le_bytes() {
                        rest.take(8)?;
                        records.push(None);
                    } else {
                        records.push(Some(text(&mut rest)?));
                    }
                }
                let mut rows = Vec::new();
                for _ in 0..rest.number()? {
                    rows.push(super::indexer::Row::from_bytes(
                        rest.take(super::indexer::Row::BYTES)?,
                    )?);
                }
                Some(Inputs {
                    site,
                    records,
                    rows,
                })
            };
            Some(LastExport {
                keys,
                chunks,
                inputs,
            })
        };
        rest.0.is_empty().then(|| Packed {
            previous,
            last,
            spellings,
            ..Packed::default()
        })
    }
}

/// Reads `search-packed.bin`'s parts, `None` when they run out.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.0.split_at_checked(len)?;
        self.0 = rest;
        Some(taken)
    }

    fn number(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.take(8)?.try_into().ok()?)).ok()
    }

    fn key(&mut self) -> Option<PackKey> {
        self.take(32)?.try_into().ok()
    }
}

/// An index ready to be updated, with the lock that keeps other runs out of it.
pub(crate) struct Opened {
    pub index: Index,
    /// The index was made empty now (nothing to keep).
    pub fresh: bool,
    _lock: Option<std::fs::File>,
}

fn warning(message: String) -> Diagnostic {
    Diagnostic::warning(format!(".zaitaku-cache/{ROOT}"), Position::FILE, message)
        .hint("検索インデックスは全部作り直したので、できたサイトに影響はありません。続くときは .zaitaku-cache を消してください。")
}

impl Store {
    /// An index kept in memory (the preview's, between saves; or none at all).
    pub fn in_memory() -> Store {
        Store {
            cache: None,
            binary: String::new(),
            memory: None,
            warnings: Vec::new(),
            analysed: 0,
            encoded: 0,
            steps: Default::default(),
            packed: Packed::default(),
            spellings: Default::default(),
            record_keys: None,
            reused_keys: 0,
        }
    }

    /// The index in the cache folder `cache` (a folder zaitaku made, checked by the caller),
    /// made by the binary `binary`.
    pub fn on_disk(cache: PathBuf, binary: String) -> Store {
        Store {
            cache: Some(cache.join(ROOT)),
            binary,
            ..Store::in_memory()
        }
    }

    pub(crate) fn is_on_disk(&self) -> bool {
        self.cache.is_some()
    }

    /// Gives up the index on disk for this run (after `reason`): the next open is in memory.
    pub(crate) fn fall_back(&mut self, reason: String) {
        if self.cache.take().is_some() {
            self.warnings.push(warning(reason));
        }
        self.memory = None;
    }

    /// Remembers the index (in memory) and the compressed files of its export (in memory, or
    /// in the cache folder) once it was updated.
    pub(crate) fn keep(&mut self, index: &Index, analysis: &str) {
        self.packed.advance();
        let Some(cache) = &self.cache else {
            self.memory = Some((index.clone(), analysis.to_owned()));
            return;
        };
        let saved = (|| -> std::io::Result<()> {
            let mut temp = crate::owned::file_in(cache, ".search-", 0o666)?;
            temp.as_file_mut()
                .write_all(&self.packed.to_bytes(&self.spellings))?;
            temp.persist(&cache.join(PACKED))
        })();
        if let Err(e) = saved {
            self.warnings.push(warning(format!(
                "検索インデックスのキャッシュ（{PACKED}）を保存できませんでした（{}）。次のビルドが少し遅くなるだけです。",
                crate::error::io_reason(&e).what
            )));
        }
    }

    /// Opens the index made with `analysis` and `schema`, or makes an empty one.
    pub(crate) fn open(&mut self, schema: &Schema, analysis: &str) -> Result<Opened, String> {
        let Some(cache) = self.cache.clone() else {
            return Ok(match self.memory.take() {
                Some((index, kept)) if kept == analysis && index.schema() == *schema => Opened {
                    index,
                    fresh: false,
                    _lock: None,
                },
                _ => {
                    self.packed = Packed::default();
                    self.spellings.clear();
                    Opened {
                        index: Index::create_in_ram(schema.clone()),
                        fresh: true,
                        _lock: None,
                    }
                }
            });
        };
        // Its own folder: made when missing, and made again when it is not a folder (a symlink
        // is removed itself, never followed).
        match std::fs::symlink_metadata(&cache) {
            Ok(meta) if meta.is_dir() => {}
            found => {
                if found.is_ok() {
                    self.warnings.push(warning(
                        "検索インデックスのキャッシュがフォルダではありません（シンボリックリンクかファイル）。使わずに作り直しました。".to_owned(),
                    ));
                }
                remove(&cache)
                    .and_then(|()| std::fs::create_dir(&cache))
                    .map_err(|e| {
                        format!(
                            "検索インデックスのキャッシュを作れませんでした（{}）。",
                            crate::error::io_reason(&e).what
                        )
                    })?;
            }
        }
        let lock = lock(&cache.join(LOCK)).map_err(|e| {
            format!(
                "検索インデックスのキャッシュを開けませんでした。同じサイトで別の zaitaku が動いているかもしれません（{e}）。"
            )
        })?;
        let folder = cache.join(FOLDER);
        let manifest = Manifest {
            format: FORMAT.to_owned(),
            binary: self.binary.clone(),
            analysis: analysis.to_owned(),
        };
        self.packed = Packed::default();
        self.spellings.clear();
        match self.check(&folder, &manifest, schema) {
            Ok(Some(index)) => {
                match read_packed(&cache.join(PACKED)) {
                    Ok(Some(mut packed)) => {
                        // Looked up with the same analysis (the manifest's): kept.
                        self.spellings = std::mem::take(&mut packed.spellings);
                        self.packed = packed;
                    }
                    Ok(None) => {}
                    Err(()) => self.warnings.push(warning(format!(
                        "検索インデックスのキャッシュ（{PACKED}）が壊れているか途中で切れていたので、使いませんでした（次のビルドで作り直します）。"
                    ))),
                }
                return Ok(Opened {
                    index,
                    fresh: false,
                    _lock: Some(lock),
                });
            }
            Ok(None) => {}
            Err(problem) => self.warnings.push(warning(problem)),
        }
        // Made again: removed (a symlink itself, never what it points to), then empty.
        let made = (|| -> std::io::Result<Index> {
            remove(&folder)?;
            std::fs::create_dir(&folder)?;
            let index =
                Index::create_in_dir(&folder, schema.clone()).map_err(std::io::Error::other)?;
            let bytes = serde_json::to_vec(&manifest).map_err(std::io::Error::other)?;
            let mut temp = crate::owned::file_in(&cache, ".search-", 0o666)?;
            temp.as_file_mut().write_all(&bytes)?;
            temp.persist(&cache.join(MANIFEST))?;
            Ok(index)
        })();
        match made {
            Ok(index) => Ok(Opened {
                index,
                fresh: true,
                _lock: Some(lock),
            }),
            Err(e) => Err(format!(
                "検索インデックスのキャッシュを作れませんでした（{}）。",
                crate::error::io_reason(&e).what
            )),
        }
    }

    /// The kept index when it can be trusted; `Ok(None)`: none, or another binary's or
    /// analysis' (made again quietly); `Err`: why it is not trusted.
    fn check(
        &self,
        folder: &Path,
        manifest: &Manifest,
        schema: &Schema,
    ) -> Result<Option<Index>, String> {
        let cache = folder.parent().unwrap_or(folder);
        let meta = match std::fs::symlink_metadata(folder) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unreadable(e)),
            Ok(meta) => meta,
        };
        if !meta.is_dir() {
            return Err("検索インデックスのキャッシュがフォルダではありません（シンボリックリンクかファイル）。使わずに作り直しました。".to_owned());
        }
        let entries = std::fs::read_dir(folder).map_err(unreadable)?;
        for entry in entries {
            let entry = entry.map_err(unreadable)?;
            let kind = entry.file_type().map_err(unreadable)?;
            if !kind.is_file() {
                return Err(format!(
                    "検索インデックスのキャッシュに、ふつうのファイルではないもの（{}）がありました。使わずに作り直しました。",
                    entry.file_name().to_string_lossy()
                ));
            }
        }
        let stored = match read_regular(&cache.join(MANIFEST)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(format!(
                    "検索インデックスのキャッシュ（{MANIFEST}）を読めませんでした（{}）。使わずに作り直しました。",
                    crate::error::io_reason(&e).what
                ));
            }
            Ok(bytes) => serde_json::from_slice::<Manifest>(&bytes)
                .map_err(|_| format!("検索インデックスのキャッシュ（{MANIFEST}）が壊れていました。使わずに作り直しました。"))?,
        };
        if stored.format != manifest.format {
            return Err(format!(
                "{MANIFEST} が壊れていました。使わずに作り直しました。"
            ));
        }
        if stored != *manifest {
            return Ok(None);
        }
        let damaged = || {
            "検索インデックスのキャッシュが壊れているか途中で切れていたので、使わずに作り直しました。".to_owned()
        };
        let index = Index::open_in_dir(folder).map_err(|_| damaged())?;
        if index.schema() != *schema {
            return Err(damaged());
        }
        match index.validate_checksum() {
            Ok(bad) if bad.is_empty() => Ok(Some(index)),
            _ => Err(damaged()),
        }
    }
}

/// The compressed files of the last export; `Ok(None)`: there are none; `Err`: damaged.
fn read_packed(path: &Path) -> Result<Option<Packed>, ()> {
    let mut file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(crate::cache_file::flags())
        .open(path)
    {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(()),
        Ok(file) => file,
    };
    if !file
        .metadata()
        .is_ok_and(|meta| meta.is_file() && meta.len() < 1 << 32)
    {
        return Err(());
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|_| ())?;
    Packed::from_bytes(&bytes).map(Some).ok_or(())
}

fn unreadable(e: std::io::Error) -> String {
    format!(
        "検索インデックスのキャッシュを確かめられませんでした（{}）。使わずに作り直しました。",
        crate::cache_file::reason(&e)
    )
}

/// Reads a small plain file, never through a symlink.
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    crate::cache_file::read_regular(path, 1 << 20).map(|(bytes, _)| bytes)
}
