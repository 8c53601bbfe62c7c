//! The plain files of the build's caches (`.zaitaku-cache/`: the build cache, the parse cache,
//! the search index and the rows, `build::rows_disk`): read, locked and removed without
//! following a link or blocking on a FIFO. A cache file that is anything else is not used —
//! the callers warn in Japanese and go on without it — so these helpers only say why, in
//! [`reason`].

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Why [`read_regular`] would not read a file that opened.
#[derive(Debug, thiserror::Error)]
enum NotReadable {
    #[error("not a regular file")]
    NotRegular,
    #[error("larger than a cache file can be")]
    TooLarge,
}

/// Why a cache file that is a FIFO, a device or a folder was not used, in Japanese.
pub const NOT_REGULAR: &str =
    "ふつうのファイルではありません（パイプや装置のファイル、フォルダなどです）";

/// Opening flags: never through a symlink, never waiting for a FIFO's writer.
pub fn flags() -> i32 {
    (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32
}

/// Opens `path` for reading as [`read_regular`] does (a link or a FIFO is never followed or
/// waited for), for a cache file read in parts.
pub fn open(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags())
        .open(path)
}

/// The bytes of a regular file of at most `max` bytes, with the metadata of the very file
/// read. A symlink, a FIFO, a folder or a larger file is an error that [`reason`] names.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<(Vec<u8>, std::fs::Metadata)> {
    let mut file = open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(NotReadable::NotRegular));
    }
    if meta.len() > max {
        return Err(std::io::Error::other(NotReadable::TooLarge));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok((bytes, meta))
}

/// Why a cache file was not read, in Japanese.
pub fn reason(error: &std::io::Error) -> std::borrow::Cow<'static, str> {
    match error
        .get_ref()
        .and_then(|e| e.downcast_ref::<NotReadable>())
    {
        Some(NotReadable::NotRegular) => NOT_REGULAR.into(),
        Some(NotReadable::TooLarge) => "キャッシュとしては大きすぎます".into(),
        None => crate::error::io_reason(error).what,
    }
}

/// Takes the lock file `path` (never through a symlink, only a plain file), without waiting:
/// an error when another run holds it.
pub fn lock(path: &Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(flags())
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(NotReadable::NotRegular));
    }
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive)?;
    Ok(file)
}

/// Removes what is at `path`: a folder with what is in it, anything else itself (a symlink,
/// never what it points to). Nothing there is not an error.
pub fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_plain_files_are_read_and_the_reason_is_japanese() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read_regular(&file, 5).unwrap().0, b"12345");
        let large = read_regular(&file, 4).unwrap_err();
        assert_eq!(reason(&large), "キャッシュとしては大きすぎます");
        let folder = read_regular(dir.path(), 1 << 20).unwrap_err();
        assert!(reason(&folder).starts_with("ふつうのファイルではありません"));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(
            read_regular(&link, 1 << 20).is_err(),
            "a link is not followed"
        );
        remove(&link).unwrap();
        assert!(file.exists(), "removing a link leaves its target");
        let held = lock(&dir.path().join("lock")).unwrap();
        assert!(lock(&dir.path().join("lock")).is_err(), "a held lock");
        drop(held);
        assert!(lock(&dir.path().join("lock")).is_ok());
    }
}
