//! Scratch folders for throw-away builds (the preview's, `check --site`'s), and cleaning up
//! after previews that did not stop cleanly.
//!
//! The folder goes in `TMPDIR` when it is set, else in RAM (`/dev/shm`) when the system has it,
//! else in the system's temporary folder. A preview stopped by a signal it cannot catch
//! (SIGKILL, a crash, a power cut) leaves its folder behind, and in RAM it stays until the next
//! reboot; the folder's name says which process owns it ([`crate::owned`]), and every new
//! scratch folder removes the ones with the same prefix whose owner is gone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::owned;

/// Where scratch folders go: `TMPDIR` if set, else `/dev/shm` if there, else the system's
/// temporary folder. Writing and deleting hundreds of small files in RAM is much faster.
fn scratch_parent() -> PathBuf {
    if std::env::var_os("TMPDIR").is_some_and(|t| !t.is_empty()) {
        return std::env::temp_dir();
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// A scratch folder named after this process, after removing the abandoned ones with the same
/// prefix; returns it and how many were removed.
pub fn owned_scratch_dir(prefix: &str) -> Result<(owned::Dir, usize)> {
    let parent = scratch_parent();
    owned::dir_in(&parent, prefix, 0o700)
        .or_else(|e| {
            let fallback = std::env::temp_dir();
            if parent == fallback {
                Err(e)
            } else {
                owned::dir_in(&fallback, prefix, 0o700)
            }
        })
        .map_err(|e| Error::io(&parent, "一時フォルダを作成", e))
}

/// A scratch folder (see [`owned_scratch_dir`]).
pub fn scratch_dir(prefix: &str) -> Result<owned::Dir> {
    owned_scratch_dir(prefix).map(|(dir, _)| dir)
}

/// Removes a scratch folder for good. A build that is still finishing may add files while the
/// folder is being removed, which makes one attempt fail; a few more catch up with it. Returns
/// the folder when it could not be removed (the next run with the same prefix removes it).
pub fn remove_scratch(dir: owned::Dir) -> Option<PathBuf> {
    let path = dir.keep();
    for _ in 0..20 {
        match std::fs::remove_dir_all(&path) {
            Ok(()) => return None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_folders_honour_tmpdir_and_name_their_owner() {
        // TMPDIR is read by the whole test binary; this test only reads it.
        let (dir, _) = owned_scratch_dir("zaitaku-scratch-test-").unwrap();
        let name = dir.path().file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(
            owned::Owner::from_name(&name, "zaitaku-scratch-test-"),
            Some(owned::Owner::current())
        );
        assert_eq!(dir.path().parent().unwrap(), scratch_parent());
        let path = dir.path().to_path_buf();
        remove_scratch(dir);
        assert!(!path.exists());
    }
}
