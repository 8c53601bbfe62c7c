//! The whole build's speed work (issue 12) that output can show: the phase timings the
//! command prints when asked, and booklets rendered in parts of a few hundred facilities and
//! stitched back together — every facility once, in the model's order, nothing left of the
//! markers. Speed itself is measured by scripts (docs/benchmarks.md), never asserted here.

use crate::common;

use std::process::Command;

/// Builds `root` into `out` with the binary; returns stderr.
fn build(root: &std::path::Path, out: &std::path::Path, timings: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zaitaku"));
    command
        .arg("--root")
        .arg(root)
        .arg("build")
        .arg("--out")
        .arg(out)
        .args(["--today", common::TODAY])
        .env_remove("ZAITAKU_TIMINGS");
    if timings {
        command.env("ZAITAKU_TIMINGS", "1");
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    stderr
}

#[test]
fn phase_timings_are_printed_only_when_asked() {
    let site = common::site_with(None);
    let quiet = build(site.path(), &site.path().join("public"), false);
    assert!(!quiet.contains("search index"), "{quiet}");
    let timed = build(site.path(), &site.path().join("public"), true);
    for phase in [
        "load and validate",
        "render: print booklets",
        "render: facility pages",
        "search index",
        "commit (swap into place)",
    ] {
        assert!(
            timed.lines().any(|line| line.starts_with(phase)),
            "no line for {phase}:\n{timed}"
        );
    }
}

#[test]
fn a_long_booklet_list_is_rendered_in_parts_in_order() {
    // 650 clinics without an area: one group of the whole directory, one section of the
    // clinic booklet and one row of the kana index, each several parts long.
    let site = common::site_with_generated(650);
    let out = site.path().join("public");
    build(site.path(), &out, false);
    let (content, _) = zaitaku::build::load_valid(site.path(), common::today()).unwrap();
    let clinics: Vec<String> = content
        .resources
        .iter()
        .filter(|r| r.category.key == "clinic" && r.area.is_none())
        .map(|r| format!("f-{}", r.id))
        .collect();
    assert!(clinics.len() >= 650, "{}", clinics.len());
    for booklet in ["print/whole/index.html", "print/category/clinic/index.html"] {
        let html = std::fs::read_to_string(out.join(booklet)).unwrap();
        assert!(
            !html.contains('\u{0}') && !html.contains("zaitaku-part"),
            "{booklet}: a marker is left"
        );
        let entries: Vec<&str> = html
            .match_indices("<li class=\"entry\" id=\"")
            .map(|(at, found)| {
                let rest = &html[at + found.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect();
        let in_group: Vec<String> = entries
            .iter()
            .filter(|id| clinics.contains(&(**id).to_owned()))
            .map(|id| (*id).to_owned())
            .collect();
        assert_eq!(in_group, clinics, "{booklet}: the clinics' entries");
        // The kana index lists every facility of the booklet once.
        for id in &clinics {
            assert_eq!(
                html.matches(&format!("href=\"#{id}\"")).count(),
                1,
                "{booklet}: {id} in the index"
            );
        }
    }
}
