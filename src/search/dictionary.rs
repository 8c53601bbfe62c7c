//! IPADIC for lindera, offline: Debian's `mecab-ipadic` ships the dictionary sources (EUC-JP
//! CSV and *.def files); lindera's own `DictionaryBuilder` compiles them once (about 3 s) into
//! a cache, and every later run maps the compiled files (about 1 ms).
//!
//! Where the dictionary comes from, in order:
//! 1. `ZAITAKU_IPADIC`: a folder with IPADIC sources (compiled into the cache) or a compiled
//!    lindera dictionary (used as it is);
//! 2. `/usr/share/mecab/dic/ipadic` (the Debian package).
//!
//! The cache is `target/zaitaku-ipadic/` when zaitaku runs from its own source tree (tests,
//! `cargo run`), else `$XDG_CACHE_HOME/zaitaku` or `~/.cache/zaitaku`. Entries are keyed by
//! the lindera version and the sources' paths, sizes and times, and written to a temporary
//! folder that is renamed into place, so concurrent processes never see half a dictionary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::UNIX_EPOCH;

use lindera::dictionary::{Dictionary, DictionaryBuilder, Metadata, UserDictionary};

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
/// get the context id 1288 (名詞,固有名詞,一般) instead of 0 (BOS/EOS).
const IPADIC_METADATA: &str = r#"{
  "name": "ipadic",
  "encoding": "EUC-JP",
  "default_word_cost": -10000,
  "default_left_context_id": 1288,
  "default_right_context_id": 1288,
  "default_field_value": "*",
  "flexible_csv": true,
  "skip_invalid_cost_or_id": false,
  "normalize_details": true,
  "dictionary_schema": {
    "fields": [
      "surface", "left_context_id", "right_context_id", "cost",
      "part_of_speech", "part_of_speech_subcategory_1", "part_of_speech_subcategory_2",
      "part_of_speech_subcategory_3", "conjugation_form", "conjugation_type",
      "base_form", "reading", "pronunciation"
    ]
  },
  "user_dictionary_schema": { "fields": ["surface", "part_of_speech", "reading"] }
}"#;

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

/// Finds (and compiles if needed) the IPADIC to use; returns the compiled folder.
pub fn locate() -> Result<PathBuf> {
    if let Some(value) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(value);
        if is_compiled(&dir) {
            return Ok(dir);
        }
        if is_source(&dir) {
            return compiled_from_source(&dir);
        }
        return Err(missing_message(&format!(
            "（{ENV_VAR}={} には IPADIC のソースも作成済みの辞書もありません）",
            dir.display()
        )));
    }
    let debian = Path::new(DEBIAN_IPADIC);
    if is_source(debian) {
        return compiled_from_source(debian);
    }
    Err(missing_message(&format!(
        "（{DEBIAN_IPADIC} がありません）"
    )))
}

/// The system dictionary, compiled and mapped once per process (per location).
pub fn system() -> Result<Dictionary> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Dictionary>>> = OnceLock::new();
    let dir = locate()?;
    let loaded = LOADED.get_or_init(|| Mutex::new(HashMap::new()));
    let mut loaded = loaded.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dictionary) = loaded.get(&dir) {
        return Ok(dictionary.clone());
    }
    let dictionary =
        lindera::dictionary::load_fs_dictionary_with_options(&dir, true).map_err(|e| {
            Error::Setup(format!(
                "検索用の辞書 {} を読めません: {e}\n  フォルダを削除すると次回作り直します。",
                dir.display()
            ))
        })?;
    loaded.insert(dir, dictionary.clone());
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
    let file = tempfile::Builder::new()
        .prefix("zaitaku-userdic-")
        .suffix(".csv")
        .tempfile()
        .map_err(|e| Error::io(std::env::temp_dir(), "一時ファイルを作成", e))?;
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
