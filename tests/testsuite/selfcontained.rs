//! The release binary alone is enough: copied into an empty folder and run with an empty
//! `HOME`, no `ZAITAKU_IPADIC`, no `cargo` around it and `/usr/share/mecab` hidden (an empty
//! folder bind-mounted over it in a mount namespace of its own, `unshare -m`, as root), it
//! makes a site (`zaitaku init`) and builds it with its search index from the IPADIC embedded in it, and `zaitaku search`
//! answers from that index — the first time (the dictionary is unpacked into the new cache),
//! the second time (from the cache), and with a read-only `HOME` (in memory, nothing written).
//! Without `unshare` or root the test is skipped with the reason printed.

use std::path::Path;
use std::process::Command;

use crate::common;

/// Runs the whole scenario in one mount namespace; every step leaves `<n>.out`, `<n>.err` and
/// `<n>.code` in `results`.
const SCRIPT: &str = r#"
    set -u
    zaitaku=$1 site=$2 home=$3 rohome=$4 empty=$5 results=$6
    if [ -d /usr/share/mecab ]; then
        mount --bind "$empty" /usr/share/mecab || exit 97
    fi
    if [ -n "$(ls -A /usr/share/mecab 2>/dev/null)" ]; then exit 98; fi
    mount --bind -o ro "$rohome" "$rohome" || exit 97
    step() { # step N HOME ARGS...: runs the copied binary alone
        n=$1 h=$2; shift 2
        env -i HOME="$h" PATH=/usr/bin:/bin LANG=C.UTF-8 "$zaitaku" "$@" \
            > "$results/$n.out" 2> "$results/$n.err"
        echo $? > "$results/$n.code"
    }
    step init "$home" init "$site" --name みなと市在宅医療支援センター --city みなと市
    step build "$home" --root "$site" build
    step first "$home" search --json --site "$site/public" ひだまり
    step second "$home" search --site "$site/public" 訪問看護 日向町
    step readonly "$rohome" --root "$site" build --out "$site/public-ro"
    step version "$home" --version
    ls -A "$rohome" > "$results/rohome.ls"
    exit 0
"#;

fn read(results: &Path, name: &str) -> String {
    std::fs::read_to_string(results.join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .trim()
        .to_owned()
}

/// Asserts step `name` succeeded and returns its standard output.
fn succeeded(results: &Path, name: &str) -> String {
    let code = read(results, &format!("{name}.code"));
    let stderr = read(results, &format!("{name}.err"));
    assert_eq!(code, "0", "step {name} failed:\n{stderr}");
    read(results, &format!("{name}.out"))
}

fn unshare_unavailable() -> Option<String> {
    if !common::runs("unshare", "--version") {
        return Some("unshare (util-linux) is not installed".into());
    }
    let probe = Command::new("unshare").args(["-m", "true"]).output();
    match probe {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(format!(
            "unshare -m is not allowed here (needs root): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(e) => Some(format!("unshare does not run: {e}")),
    }
}

#[test]
fn the_binary_alone_builds_a_site_with_its_search_index() {
    if let Some(reason) = unshare_unavailable() {
        common::say(&format!(
            "SKIPPED selfcontained: {reason}; cannot hide /usr/share/mecab"
        ));
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    let site = work.path().join("site");
    let home = work.path().join("home");
    let rohome = work.path().join("rohome");
    let empty = work.path().join("empty");
    let results = work.path().join("results");
    // The site is made by the copied binary itself (`zaitaku init`) inside the namespace.
    for dir in [&bin, &home, &rohome, &empty, &results] {
        std::fs::create_dir(dir).unwrap();
    }
    let zaitaku = bin.join("zaitaku");
    std::fs::copy(env!("CARGO_BIN_EXE_zaitaku"), &zaitaku).unwrap();

    let output = Command::new("unshare")
        .args(["-m", "sh", "-c", SCRIPT, "sh"])
        .args([&zaitaku, &site, &home, &rohome, &empty, &results])
        .output()
        .unwrap();
    assert!(
        !matches!(output.status.code(), Some(97 | 98)),
        "could not hide /usr/share/mecab or make HOME read-only: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{output:?}");

    succeeded(&results, "init");
    succeeded(&results, "build");
    assert!(site.join("public/search-index/meta.bin").is_file());

    let first: serde_json::Value =
        serde_json::from_str(&succeeded(&results, "first")).expect("search --json");
    assert_eq!(first[0]["id"], "rei-hidamari", "{first}");

    let second = succeeded(&results, "second");
    // Titles mark what matched (【訪問看護】ステーションひだまり).
    let plain = second.replace(['【', '】'], "");
    assert!(plain.contains("訪問看護ステーションひだまり"), "{second}");

    // The dictionary was unpacked into the empty HOME's cache, once, as a whole folder.
    let cache = home.join(".cache/zaitaku");
    let unpacked: Vec<_> = std::fs::read_dir(&cache)
        .unwrap_or_else(|e| panic!("{}: {e}", cache.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(unpacked.len(), 1, "{unpacked:?}");
    assert!(unpacked[0].join("dict.words").is_file(), "{unpacked:?}");

    // A read-only HOME: the dictionary is read in memory, and nothing is left anywhere.
    succeeded(&results, "readonly");
    assert_eq!(read(&results, "rohome.ls"), "");
    assert_eq!(
        common::snapshot(&site.join("public-ro").join("search-index")),
        common::snapshot(&site.join("public").join("search-index")),
        "the index from memory is the index from the cache"
    );

    let version = succeeded(&results, "version");
    assert!(version.contains("mecab-ipadic"), "{version}");
    assert!(version.contains("（zaitaku に内蔵）"), "{version}");
}

fn version_with(ipadic: Option<&Path>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zaitaku"));
    command.arg("--version");
    match ipadic {
        Some(dir) => command.env("ZAITAKU_IPADIC", dir),
        None => command.env_remove("ZAITAKU_IPADIC"),
    };
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The Debian version of the installed mecab-ipadic, as dpkg says.
fn installed_ipadic() -> Option<String> {
    let output = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "mecab-ipadic"])
        .output()
        .ok()?;
    let version = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !version.trim().is_empty()).then(|| version.trim().to_owned())
}

#[test]
fn version_names_the_binary_the_dictionary_and_the_index_format() {
    let text = version_with(None);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("zaitaku {}", env!("CARGO_PKG_VERSION")),
        "{text}"
    );
    let format = format!("検索索引の形式: {}", zaitaku::search::format::FORMAT);
    assert!(lines.contains(&format.as_str()), "{text}");
    // Built where mecab-ipadic is installed (as CI and the README set up): embedded, with the
    // Debian version it was compiled from.
    let version = installed_ipadic().expect("mecab-ipadic is installed (README setup)");
    assert_eq!(
        lines[1],
        format!("検索用の辞書: mecab-ipadic {version}（zaitaku に内蔵）"),
        "{text}"
    );

    // Another dictionary named by ZAITAKU_IPADIC: where it is, and that the embedded one is
    // not used. Nothing is compiled for --version.
    let sources = tempfile::tempdir().unwrap();
    for file in ["matrix.def", "char.def", "unk.def"] {
        std::fs::write(sources.path().join(file), "").unwrap();
    }
    std::fs::write(sources.path().join("Noun.csv"), "").unwrap();
    let text = version_with(Some(sources.path()));
    assert!(
        text.contains(&format!(
            "検索用の辞書: {} の IPADIC（環境変数 ZAITAKU_IPADIC で指定したソース",
            sources.path().display()
        )),
        "{text}"
    );
    assert!(text.contains("内蔵の mecab-ipadic"), "{text}");

    let nowhere = sources.path().join("no-such-folder");
    let text = version_with(Some(&nowhere));
    assert!(
        text.contains(&format!(
            "検索用の辞書: なし（環境変数 ZAITAKU_IPADIC={} のフォルダには IPADIC がありません）",
            nowhere.display()
        )),
        "{text}"
    );
}
