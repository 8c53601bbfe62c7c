//! IPADIC for lindera, offline. Debian's `mecab-ipadic` ships the dictionary sources (EUC-JP
//! CSV and *.def files); lindera's own `DictionaryBuilder` compiles them — at build time into
//! the binary (`build.rs`, packed by [`pack`] and deflated: 10 MB in the binary), or at run
//! time once (about 3 s) into the cache. The first run that needs the embedded dictionary
//! inflates it (a few tenths of a second) and unpacks it into the cache too; every later run
//! maps the compiled files from the cache (about a millisecond). Where the cache cannot be
//! written, each run inflates it into memory.
//!
//! Where the dictionary comes from, in order:
//! 1. `ZAITAKU_IPADIC`: a folder with IPADIC sources (compiled into the cache) or a compiled
//!    lindera dictionary (used as it is);
//! 2. the dictionary embedded in the binary (when `mecab-ipadic` was installed where it was
//!    built: see [`embedded`]);
//! 3. `/usr/share/mecab/dic/ipadic` (the Debian package), compiled into the cache.
//!
//! The cache is `target/zaitaku-ipadic/` when zaitaku runs from its own source tree (tests,
//! `cargo run`), else `$XDG_CACHE_HOME/zaitaku` or `~/.cache/zaitaku`. Compiled entries are
//! keyed by the lindera version and the sources' paths, sizes and times, the unpacked embedded
//! one by a hash of its packed bytes; each is written to a temporary folder that is renamed
//! into place, so concurrent processes never see half a dictionary.

pub mod pack;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::UNIX_EPOCH;

use lindera::dictionary::{Dictionary, DictionaryBuilder, Metadata, UserDictionary};
use lindera_dictionary::dictionary::character_definition::CharacterDefinition;
use lindera_dictionary::dictionary::connection_cost_matrix::ConnectionCostMatrix;
use lindera_dictionary::dictionary::prefix_dictionary::PrefixDictionary;
use lindera_dictionary::dictionary::unknown_dictionary::UnknownDictionary;

use crate::content::dictionary::Entry;
use crate::error::{Error, Result};

/// The Debian package's IPADIC sources.
pub const DEBIAN_IPADIC: &str = "/usr/share/mecab/dic/ipadic";

/// The environment variable that points at another IPADIC (sources or compiled).
pub const ENV_VAR: &str = "ZAITAKU_IPADIC";

/// Part of the cache key: a new lindera may change the compiled format.
const LINDERA_VERSION: &str = "lindera-5.3.0";

/// lindera-ipadic 5.3.0's `metadata.json` with two changes: Debian ships the original IPADIC
/// sources in EUC-JP (lindera-ipadic downloads a UTF-8 copy), and simple user-dictionary rows
/// get the context id 1288 (名詞,固有名詞,一般) instead of 0 (BOS/EOS). `build.rs` compiles
/// the embedded dictionary with the same file.
const IPADIC_METADATA: &str = include_str!("dictionary/ipadic-metadata.json");

/// The packed dictionary `build.rs` made (empty when `mecab-ipadic` was missing there).
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ipadic.deflate"));

/// What the embedded dictionary was compiled from (`mecab-ipadic 2.7.0-20070801+main-3`), or
/// `None` when the binary has none and looks for one at run time.
pub fn embedded() -> Option<&'static str> {
    (!EMBEDDED.is_empty()).then_some(env!("ZAITAKU_EMBEDDED_IPADIC"))
}

fn metadata() -> Result<Metadata> {
    Metadata::load(IPADIC_METADATA.as_bytes())
        .map_err(|e| Error::Setup(format!("検索用辞書の設定を読めません: {e}")))
}

fn missing_message(detail: &str) -> Error {
    Error::Setup(format!(
        "検索用の辞書（IPADIC）が見つかりません{detail}。\n  sudo apt-get install mecab-ipadic を実行してください（Debian / Ubuntu）。\n  別の場所にある IPADIC（ソースまたは lindera で作成済みの辞書）を使うときは、環境変数 {ENV_VAR} にそのフォルダを指定してください。"
    ))
}

/// Whether `dir` holds a compiled lindera dictionary.
fn is_compiled(dir: &Path) -> bool {
    dir.join("metadata.json").is_file() && dir.join("matrix.mtx").is_file()
}

/// The IPADIC source CSVs in `dir` (the builder silently makes an empty dictionary without them).
fn source_csvs(dir: &Path) -> Vec<PathBuf> {
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
                .collect()
        })
        .unwrap_or_default();
    csvs.sort();
    csvs
}

fn is_source(dir: &Path) -> bool {
    dir.join("matrix.def").is_file()
        && dir.join("char.def").is_file()
        && dir.join("unk.def").is_file()
        && !source_csvs(dir).is_empty()
}

/// Where compiled dictionaries are cached.
fn cache_root() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = repo.join("target");
    let from_source_tree = std::env::current_exe()
        .is_ok_and(|exe| exe.starts_with(&target) || std::env::var_os("CARGO").is_some());
    if target.is_dir() && repo.join("Cargo.toml").is_file() && from_source_tree {
        return target.join("zaitaku-ipadic");
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("zaitaku");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home).join(".cache").join("zaitaku");
    }
    std::env::temp_dir().join("zaitaku-cache")
}

/// FNV-1a, for cache keys and index versions (stable across runs and platforms).
pub fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn cache_key(source: &Path) -> String {
    let mut hash = fnv1a(LINDERA_VERSION.as_bytes(), FNV_OFFSET);
    hash = fnv1a(IPADIC_METADATA.as_bytes(), hash);
    let canonical = source
        .canonicalize()
        .unwrap_or_else(|_| source.to_path_buf());
    hash = fnv1a(canonical.to_string_lossy().as_bytes(), hash);
    let mut files = source_csvs(source);
    files.extend(["matrix.def", "char.def", "unk.def"].map(|f| source.join(f)));
    for file in files {
        if let Ok(meta) = std::fs::metadata(&file) {
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            hash = fnv1a(
                file.file_name().unwrap_or_default().as_encoded_bytes(),
                hash,
            );
            hash = fnv1a(&meta.len().to_le_bytes(), hash);
            hash = fnv1a(&mtime.to_le_bytes(), hash);
        }
    }
    format!("ipadic-{hash:016x}")
}

/// Compiles `source` into the cache unless it is there already; returns the compiled folder.
fn compiled_from_source(source: &Path) -> Result<PathBuf> {
    // One compilation at a time in this process (parallel test builds share it).
    static COMPILING: Mutex<()> = Mutex::new(());
    let _guard = COMPILING.lock().unwrap_or_else(|e| e.into_inner());
    let root = cache_root();
    let compiled = root.join(cache_key(source));
    if is_compiled(&compiled) {
        return Ok(compiled);
    }
    std::fs::create_dir_all(&root).map_err(|e| Error::io(&root, "フォルダを作成", e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".building-")
        .tempdir_in(&root)
        .map_err(|e| Error::io(&root, "作業用フォルダを作成", e))?;
    let out = tmp.path().join("dict");
    DictionaryBuilder::new(metadata()?)
        .build_dictionary(source, &out)
        .map_err(|e| {
            Error::Setup(format!(
                "検索用の辞書を {} から作れませんでした: {e}\n  IPADIC のソース（*.csv, matrix.def, char.def, unk.def）が壊れていないか確かめてください。",
                source.display()
            ))
        })?;
    match std::fs::rename(&out, &compiled) {
        Ok(()) => {}
        // Another process finished first: use theirs.
        Err(_) if is_compiled(&compiled) => {}
        Err(e) => return Err(Error::io(&compiled, "辞書を保存", e)),
    }
    Ok(compiled)
}

/// Where the system dictionary is read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// A compiled lindera dictionary folder (`ZAITAKU_IPADIC`, or the cache).
    Folder(PathBuf),
    /// The dictionary in the binary.
    Embedded,
}

/// Which dictionary a run would use, found without compiling or unpacking anything (for
/// `zaitaku --version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `ZAITAKU_IPADIC` names a compiled lindera dictionary.
    EnvCompiled(PathBuf),
    /// `ZAITAKU_IPADIC` names IPADIC sources (compiled into the cache on first use).
    EnvSource(PathBuf),
    /// `ZAITAKU_IPADIC` names a folder with neither (a build stops with an error).
    EnvInvalid(PathBuf),
    /// The dictionary in the binary: what it was compiled from (`mecab-ipadic <version>`).
    Embedded(&'static str),
    /// Debian's sources (compiled into the cache on first use).
    Debian(PathBuf),
    /// None at all (a build stops with an error).
    Missing,
}

/// The dictionary [`locate`] would choose.
pub fn source() -> Source {
    if let Some(value) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(value);
        return if is_compiled(&dir) {
            Source::EnvCompiled(dir)
        } else if is_source(&dir) {
            Source::EnvSource(dir)
        } else {
            Source::EnvInvalid(dir)
        };
    }
    if let Some(name) = embedded() {
        return Source::Embedded(name);
    }
    let debian = Path::new(DEBIAN_IPADIC);
    if is_source(debian) {
        return Source::Debian(debian.to_path_buf());
    }
    Source::Missing
}

/// Finds (and compiles into the cache if needed) the IPADIC to use.
pub fn locate() -> Result<Location> {
    match source() {
        Source::EnvCompiled(dir) => Ok(Location::Folder(dir)),
        Source::EnvSource(dir) | Source::Debian(dir) => {
            compiled_from_source(&dir).map(Location::Folder)
        }
        Source::Embedded(_) => Ok(Location::Embedded),
        Source::EnvInvalid(dir) => Err(missing_message(&format!(
            "（{ENV_VAR}={} には IPADIC のソースも作成済みの辞書もありません）",
            dir.display()
        ))),
        Source::Missing => Err(missing_message(&format!(
            "（この zaitaku には辞書が入っておらず、{DEBIAN_IPADIC} もありません）"
        ))),
    }
}

/// The embedded dictionary cannot be read: the binary is damaged.
fn damaged(e: &dyn std::fmt::Display) -> Error {
    Error::Setup(format!(
        "zaitaku に入っている検索用辞書を読めません: {e}\n  zaitaku を入れ直してください（cargo install --path .）。入れ直すまでは、環境変数 {ENV_VAR} に IPADIC のフォルダを指定すると、そちらを使います。"
    ))
}

/// The folder in the cache the embedded dictionary is unpacked into (named by a hash of the
/// packed bytes, so every binary with the same dictionary shares it).
fn unpacked_folder() -> PathBuf {
    cache_root().join(format!("ipadic-embedded-{}", env!("ZAITAKU_EMBEDDED_KEY")))
}

/// Writes the unpacked files into a temporary folder in the cache and renames it into place.
fn save_unpacked(files: &[Vec<u8>], dir: &Path) -> std::io::Result<()> {
    let root = dir.parent().expect("a folder in the cache");
    std::fs::create_dir_all(root)?;
    let (tmp, _) = crate::owned::dir_in(root, ".unpacking-", 0o755)?;
    for (name, bytes) in pack::FILES.iter().zip(files) {
        std::fs::write(tmp.path().join(name), bytes)?;
    }
    match std::fs::rename(tmp.path(), dir) {
        Ok(()) => {
            let _ = tmp.keep();
            Ok(())
        }
        // Another process finished first: use theirs (ours is removed with `tmp`).
        Err(_) if is_compiled(dir) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The embedded dictionary: mapped from the cache when a run unpacked it there before (about
/// a millisecond); else inflated (a few tenths of a second), saved into the cache for the
/// next runs when the cache can be written, and read from memory.
fn load_embedded() -> Result<Dictionary> {
    let dir = unpacked_folder();
    if is_compiled(&dir)
        && let Ok(dictionary) = load_folder(&dir)
    {
        return Ok(dictionary);
    }
    let files = pack::read(EMBEDDED).map_err(|e| damaged(&e))?;
    // A cache that cannot be written (read-only or full disk, no HOME) costs time, not the run.
    let _ = save_unpacked(&files, &dir);
    from_memory(files)
}

/// Reads unpacked files the way lindera reads its own embedded dictionaries.
fn from_memory(files: [Vec<u8>; pack::FILES.len()]) -> Result<Dictionary> {
    let [
        metadata,
        char_def,
        unk,
        matrix,
        trie,
        vals_idx,
        vals,
        words_idx,
        words,
    ] = files;
    let metadata = Metadata::load(&metadata).map_err(|e| damaged(&e))?;
    metadata
        .validate_format_version()
        .map_err(|e| damaged(&e))?;
    let prefix_dictionary =
        PrefixDictionary::load(trie, vals_idx, vals, words_idx, words).map_err(|e| damaged(&e))?;
    let connection_cost_matrix = ConnectionCostMatrix::load(matrix).map_err(|e| damaged(&e))?;
    let character_definition = CharacterDefinition::load(&char_def).map_err(|e| damaged(&e))?;
    let unknown_dictionary = UnknownDictionary::load(&unk).map_err(|e| damaged(&e))?;
    Ok(Dictionary {
        prefix_dictionary: Arc::new(prefix_dictionary),
        connection_cost_matrix: Arc::new(connection_cost_matrix),
        character_definition: Arc::new(character_definition),
        unknown_dictionary: Arc::new(unknown_dictionary),
        metadata: Arc::new(metadata),
    })
}

fn load_folder(dir: &Path) -> Result<Dictionary> {
    lindera::dictionary::load_fs_dictionary_with_options(dir, true).map_err(|e| {
        Error::Setup(format!(
            "検索用の辞書 {} を読めません: {e}\n  フォルダを削除すると次回作り直します。",
            dir.display()
        ))
    })
}

/// The system dictionary, loaded once per process (per location).
pub fn system() -> Result<Dictionary> {
    static LOADED: OnceLock<Mutex<HashMap<Location, Dictionary>>> = OnceLock::new();
    let location = locate()?;
    let loaded = LOADED.get_or_init(|| Mutex::new(HashMap::new()));
    // Held while loading: parallel builds wait for one load instead of each doing it.
    let mut loaded = loaded.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dictionary) = loaded.get(&location) {
        return Ok(dictionary.clone());
    }
    let dictionary = match &location {
        Location::Folder(dir) => load_folder(dir)?,
        Location::Embedded => load_embedded()?,
    };
    loaded.insert(location, dictionary.clone());
    Ok(dictionary)
}

/// The site's own words (`content/dictionary.csv`) plus `extra` rows, as a lindera user
/// dictionary. Surfaces are prepped like the text lindera reads.
pub fn user(dictionary: &Dictionary, entries: &[Entry]) -> Result<Option<UserDictionary>> {
    let mut csv = String::new();
    let mut seen = std::collections::HashSet::new();
    for entry in entries {
        let surface = super::normalize::prep(&entry.surface);
        if surface.is_empty() || surface.contains([',', '"', '\n']) || !seen.insert(surface.clone())
        {
            continue;
        }
        let part = if entry.part_of_speech.contains([',', '"', '\n']) {
            "名詞".to_owned()
        } else {
            entry.part_of_speech.clone()
        };
        csv.push_str(&format!("{surface},{part},{}\n", entry.reading));
    }
    if csv.is_empty() {
        return Ok(None);
    }
    // Named after this process and tracked, so Ctrl+C or SIGTERM while the analyser is made
    // removes it too (a plain temporary file stayed behind in TMPDIR).
    let temp = std::env::temp_dir();
    let file = crate::owned::file_in(&temp, "zaitaku-userdic-", 0o600)
        .map_err(|e| Error::io(&temp, "一時ファイルを作成", e))?;
    std::fs::write(file.path(), csv).map_err(|e| Error::io(file.path(), "書き込み", e))?;
    let user =
        lindera::dictionary::load_user_dictionary_from_csv(&dictionary.metadata, file.path())
            .map_err(|e| {
                Error::Setup(format!(
                    "content/dictionary.csv を検索用辞書にできません: {e}"
                ))
            })?;
    Ok(Some(user))
}
