//! Build script: embeds IPADIC (the search dictionary) in the binary, so that the binary alone
//! builds a site with its search index — no `mecab-ipadic`, no cache, nothing downloaded.
//!
//! When Debian's `mecab-ipadic` sources are present (`/usr/share/mecab/dic/ipadic`), lindera's
//! own `DictionaryBuilder` (the lindera-dictionary the binary reads with: one version in
//! Cargo.lock) compiles them with the metadata the runtime uses, and
//! `src/search/dictionary/pack.rs` packs the result into one deflated file in `OUT_DIR`, which
//! `src/search/dictionary.rs` includes. When they are absent, the file is empty and the binary
//! looks for a dictionary at run time as before; the build succeeds either way.
//!
//! The packed file is kept in `OUT_DIR` with a key (the sources' names, sizes and times, the
//! metadata, and this script's own executable, which changes with lindera-dictionary), so a
//! rerun of this script does not compile the dictionary again unless something changed.
//!
//! Tells the crate (`cargo::rustc-env`): `ZAITAKU_EMBEDDED_IPADIC` — `mecab-ipadic <Debian
//! version>` when embedded (`mecab-ipadic` alone if dpkg does not know the version), empty when
//! not; `ZAITAKU_EMBEDDED_KEY` — a hash of the packed bytes (FNV-1a, hex), which names the
//! folder the binary unpacks them into, empty when not embedded.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

#[allow(dead_code)] // the reading half is the binary's
#[path = "src/search/dictionary/pack.rs"]
mod pack;

/// Debian's IPADIC sources (EUC-JP CSV and *.def).
const SOURCE: &str = "/usr/share/mecab/dic/ipadic";

/// The metadata the runtime compiles with too (one home).
const METADATA_FILE: &str = "src/search/dictionary/ipadic-metadata.json";

/// Packed dictionary in OUT_DIR, and the key it was made from.
const PACKED: &str = "ipadic.deflate";
const KEY: &str = "ipadic.key";

/// deflate level: 9 is 10 % smaller than 6 for a second more of build time.
const LEVEL: u32 = 9;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/search/dictionary/pack.rs");
    println!("cargo::rerun-if-changed={METADATA_FILE}");
    // The built-in theme and init's templates are compiled in by `include_dir!`, which cargo
    // does not track on stable: without these lines a change to a template or a stylesheet
    // alone would leave the binary with the old copy.
    println!("cargo::rerun-if-changed=themes/default");
    println!("cargo::rerun-if-changed=templates/init");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let source = Path::new(SOURCE);
    let (embedded, key) = if is_source(source) {
        println!("cargo::rerun-if-changed={SOURCE}");
        let packed = embed(source, &out_dir);
        let name = match debian_version("mecab-ipadic") {
            Some(version) => format!("mecab-ipadic {version}"),
            None => "mecab-ipadic".to_owned(),
        };
        (name, format!("{:016x}", fnv1a(&packed)))
    } else {
        watch_for_installation();
        write_if_changed(&out_dir.join(PACKED), &[]);
        let _ = std::fs::remove_file(out_dir.join(KEY));
        println!(
            "cargo::warning=IPADIC is not embedded: {SOURCE} is missing (apt-get install mecab-ipadic, then build again). The binary will need mecab-ipadic or ZAITAKU_IPADIC where it runs."
        );
        (String::new(), String::new())
    };
    println!("cargo::rustc-env=ZAITAKU_EMBEDDED_IPADIC={embedded}");
    println!("cargo::rustc-env=ZAITAKU_EMBEDDED_KEY={key}");
}

/// FNV-1a (64 bits): stable across toolchains, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The sources the runtime would accept too (`matrix.def`, `char.def`, `unk.def`, CSVs).
fn is_source(dir: &Path) -> bool {
    ["matrix.def", "char.def", "unk.def"]
        .iter()
        .all(|f| dir.join(f).is_file())
        && !source_files(dir).is_empty()
}

fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// Reruns this script when mecab-ipadic is installed later: its nearest existing folder and
/// dpkg's list of installed packages.
fn watch_for_installation() {
    let mut dir = Path::new(SOURCE);
    while let Some(parent) = dir.parent() {
        dir = parent;
        if dir.is_dir() && dir.starts_with("/usr/share/mecab") {
            println!("cargo::rerun-if-changed={}", dir.display());
            break;
        }
    }
    let status = Path::new("/var/lib/dpkg/status");
    if status.is_file() {
        println!("cargo::rerun-if-changed={}", status.display());
    }
}

fn key(source: &Path, metadata: &str) -> String {
    let mut hasher = DefaultHasher::new();
    hasher.write(pack::MAGIC);
    hasher.write(metadata.as_bytes());
    hasher.write_u32(LEVEL);
    // This script's executable: it changes with lindera-dictionary (and this file).
    let exe = std::env::current_exe().and_then(std::fs::read);
    hasher.write(&exe.expect("the build script reads itself"));
    for file in source_files(source) {
        hasher.write(file.as_os_str().as_encoded_bytes());
        if let Ok(meta) = file.metadata() {
            hasher.write_u64(meta.len());
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            hasher.write_u128(mtime.map_or(0, |d| d.as_nanos()));
        }
    }
    format!("{:016x}", hasher.finish())
}

/// Compiles `source` and packs it into `OUT_DIR/ipadic.deflate`, unless the key says the
/// file there is already this; returns the packed bytes.
fn embed(source: &Path, out_dir: &Path) -> Vec<u8> {
    let metadata_json = std::fs::read_to_string(METADATA_FILE)
        .unwrap_or_else(|e| panic!("cannot read {METADATA_FILE}: {e}"));
    let key = key(source, &metadata_json);
    let packed = out_dir.join(PACKED);
    let key_file = out_dir.join(KEY);
    let is_current = std::fs::read_to_string(&key_file).is_ok_and(|k| k == key)
        && packed.metadata().is_ok_and(|m| m.len() > 0);
    if is_current {
        return read(&packed);
    }
    let _ = std::fs::remove_file(&key_file);
    let metadata =
        lindera_dictionary::dictionary::metadata::Metadata::load(metadata_json.as_bytes())
            .unwrap_or_else(|e| panic!("{METADATA_FILE}: {e}"));
    let compiled = out_dir.join("ipadic-compiled");
    let _ = std::fs::remove_dir_all(&compiled);
    lindera_dictionary::builder::DictionaryBuilder::new(metadata)
        .build_dictionary(source, &compiled)
        .unwrap_or_else(|e| {
            panic!("compiling IPADIC from {}: {e} (are the mecab-ipadic files damaged? apt-get install --reinstall mecab-ipadic)", source.display())
        });
    let partial = out_dir.join(format!("{PACKED}.partial"));
    let file = std::fs::File::create(&partial)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", partial.display()));
    pack::write(&compiled, std::io::BufWriter::new(file), LEVEL)
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .and_then(|f| f.sync_all())
        .unwrap_or_else(|e| panic!("cannot pack the dictionary: {e}"));
    std::fs::rename(&partial, &packed)
        .unwrap_or_else(|e| panic!("cannot rename {}: {e}", partial.display()));
    std::fs::write(&key_file, key)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", key_file.display()));
    let _ = std::fs::remove_dir_all(&compiled);
    read(&packed)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Leaves an unchanged file alone (its time too).
fn write_if_changed(path: &Path, bytes: &[u8]) {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return;
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The installed version of a Debian package, if dpkg knows it.
fn debian_version(package: &str) -> Option<String> {
    let output = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", package])
        .output()
        .ok()?;
    let version = String::from_utf8(output.stdout).ok()?;
    let version = version.trim();
    (output.status.success() && !version.is_empty()).then(|| version.to_owned())
}
