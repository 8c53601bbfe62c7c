//! `zaitaku init`'s site.yaml shows how to use the areas' 町 (`areas[].towns`) and the site's
//! closures (`closures:`) as commented examples: the new site builds with a working
//! 「お住まいの町から探す」 page as it is, and with the examples uncommented (the first thing an
//! editor will try) it still builds — the towns on that page, 年末年始 in the holidays the
//! scripts read — and `check` finds no error. The commented examples carry no placeholder
//! mark, so that `check` does not ask to fill in what the centre may never use.

use std::path::Path;
use std::process::Command;

fn zaitaku(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("--root")
        .arg(root)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Removes the leading `# ` of the commented `towns:` and `closures:` examples only.
fn uncomment_examples(yaml: &str) -> (String, usize) {
    let mut count = 0;
    let lines: Vec<String> = yaml
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            match trimmed.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with("towns:")
                        || rest.starts_with("closures:")
                        || rest.starts_with("  - { key: year-end") =>
                {
                    count += 1;
                    format!("{indent}{rest}")
                }
                _ => line.to_owned(),
            }
        })
        .collect();
    (lines.join("\n") + "\n", count)
}

#[test]
fn the_new_site_shows_towns_and_closures_and_both_build() {
    let parent = tempfile::tempdir().unwrap();
    let site = parent.path().join("minato");
    let output = Command::new(env!("CARGO_BIN_EXE_zaitaku"))
        .arg("init")
        .arg(&site)
        .args([
            "--name",
            "みなと市在宅医療支援センター",
            "--city",
            "みなと市",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let yaml_path = site.join("content/site.yaml");
    let yaml = text(&yaml_path);
    // The examples are there, commented, and explained in Japanese.
    assert!(yaml.contains("    # towns: [北○○町, 北△△町]"), "{yaml}");
    assert!(yaml.contains("「お住まいの町から探す」"), "{yaml}");
    assert!(
        yaml.contains(
            "# closures:\n#   - { key: year-end, name: 年末年始, from: \"12-29\", to: \"01-03\" }"
        ),
        "{yaml}"
    );

    // As it is: builds, and the towns page leads to each area.
    let build = zaitaku(&site, &["build"]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let towns = text(&site.join("public/resources/towns/index.html"));
    assert!(towns.contains("<h1>お住まいの町から探す</h1>"), "{towns}");
    for area in ["area-1", "area-2", "area-3"] {
        assert!(
            towns.contains(&format!("resources/area/{area}/")),
            "{area}: {towns}"
        );
    }
    assert!(towns.contains("町の一覧はまだ載せていません"), "{towns}");
    assert!(text(&site.join("public/index.html")).contains("resources/towns/"));
    let holidays = text(&site.join("public/assets/holidays.js"));
    assert!(holidays.contains("\"closures\":[]"), "{holidays}");

    // Uncommented: the three areas' towns and 年末年始.
    let (uncommented, count) = uncomment_examples(&yaml);
    assert_eq!(count, 5, "3 towns lines, closures: and its entry");
    std::fs::write(&yaml_path, &uncommented).unwrap();
    let build = zaitaku(&site, &["build"]);
    assert!(
        build.status.success(),
        "uncommented examples must build:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let towns = text(&site.join("public/resources/towns/index.html"));
    assert!(
        towns.contains("<a href=\"../../resources/area/area-1/\">北○○町</a>"),
        "{towns}"
    );
    assert!(
        towns.contains("<a href=\"../../resources/area/area-3/\">南△△町</a>"),
        "{towns}"
    );
    assert!(!towns.contains("町の一覧はまだ載せていません"), "{towns}");
    let holidays = text(&site.join("public/assets/holidays.js"));
    assert!(
        holidays.contains(
            r#""closures":[{"key":"year-end","name":"年末年始","from":"12-29","to":"01-03""#
        ),
        "{holidays}"
    );
    // `check` finds no error in them.
    let check = zaitaku(&site, &["check", "--json"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["errors"], 0, "{report:#}");
}
