//! Writing the site atomically: the whole site is written into a fresh folder beside the
//! output and swapped in only when everything succeeded, so a failed or killed build leaves the
//! previous `public/` exactly as it was.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A folder being filled with the next version of the site.
pub struct Staging {
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl Staging {
    /// Creates the staging folder next to `target` (same file system, so the swap is a rename).
    pub fn new(target: &Path) -> Result<Staging> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
        let dir = tempfile::Builder::new()
            .prefix(".zaitaku-build-")
            .tempdir_in(parent)
            .map_err(|e| Error::io(parent, "作業用フォルダを作成", e))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes one site-relative file, creating its folders.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<()> {
        write_under(self.dir.path(), relative, bytes)
    }

    /// Copies one file into the site.
    pub fn copy(&self, source: &Path, relative: &str) -> Result<()> {
        let destination = self.dir.path().join(relative);
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
        }
        std::fs::copy(source, &destination).map_err(|e| Error::io(source, "コピー", e))?;
        Ok(())
    }

    /// Replaces the target with the staged site. On Linux both are swapped in one atomic
    /// `renameat2(RENAME_EXCHANGE)`, so there is no moment without a site; elsewhere the old
    /// site is moved aside first.
    pub fn commit(self) -> Result<()> {
        let staged = self.dir.keep();
        let target = &self.target;
        let permissions = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(&staged, permissions)
            .map_err(|e| Error::io(&staged, "権限を設定", e))?;
        if target.exists() {
            if exchange(&staged, target).is_ok() {
                // `staged` now holds the previous site.
                std::fs::remove_dir_all(&staged)
                    .map_err(|e| Error::io(&staged, "古いサイトを削除", e))?;
                return Ok(());
            }
            let old = staged.with_extension("old");
            std::fs::rename(target, &old).map_err(|e| Error::io(target, "移動", e))?;
            std::fs::rename(&staged, target).map_err(|e| Error::io(target, "置き換え", e))?;
            std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, "古いサイトを削除", e))?;
        } else {
            std::fs::rename(&staged, target).map_err(|e| Error::io(target, "作成", e))?;
        }
        Ok(())
    }
}

fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        a,
        rustix::fs::CWD,
        b,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(std::io::Error::from)
}

/// Writes `bytes` to `root/relative`, creating folders.
pub fn write_under(root: &Path, relative: &str, bytes: &[u8]) -> Result<()> {
    debug_assert!(
        !relative.contains(".."),
        "output paths come from validated slugs"
    );
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "フォルダを作成", e))?;
    }
    std::fs::write(&path, bytes).map_err(|e| Error::io(&path, "書き込み", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_discards() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("old.html"), "old").unwrap();

        let abandoned = Staging::new(&target).unwrap();
        abandoned.write("new.html", b"new").unwrap();
        drop(abandoned);
        assert!(target.join("old.html").exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "staging folder removed"
        );

        let staging = Staging::new(&target).unwrap();
        staging.write("a/index.html", b"new").unwrap();
        staging.commit().unwrap();
        assert!(!target.join("old.html").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("a/index.html")).unwrap(),
            "new"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
