//! Helpers shared by the integration tests: fixture sites copied into temporary folders.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use zaitaku::diagnostics::Diagnostic;

pub fn today() -> Date {
    Date::new(2026, 11, 22).unwrap()
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("tests").join("fixtures")
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The base fixture site in a temporary folder, with `overlay` (a fixture folder whose files
/// are added or replace the base's) on top.
pub fn site_with(overlay: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("base"), dir.path());
    if let Some(overlay) = overlay {
        copy_tree(&overlay.join("content"), &dir.path().join("content"));
    }
    dir
}

/// One diagnostic as a line of an `expected.txt`: `error content/x.yaml:3:8 phone`.
pub fn summary_line(diagnostic: &Diagnostic) -> String {
    let severity = if diagnostic.is_error() {
        "error"
    } else {
        "warning"
    };
    format!(
        "{severity} {} {}",
        diagnostic.location(),
        diagnostic.field.as_deref().unwrap_or("-")
    )
}

pub fn check(root: &Path) -> Vec<Diagnostic> {
    zaitaku::build::check(root, today()).unwrap().1
}
