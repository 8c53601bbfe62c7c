//! A file's stamp (device, inode, size, modification and change time) and when it can be
//! trusted to say that a file's bytes did not change: the build cache's test for the files of
//! the site it wrote (`crate::build::cache`) and the parse cache's for the record files it read
//! (`crate::content::parsed`), git's index rule in one home.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A file as the file system describes it: device, inode, size, modification time and change
/// time (seconds and nanoseconds). The change time (ctime) is set by the kernel on every write,
/// link, unlink, rename or change of the times or permissions, and no user can set it; so a
/// file whose stamp is the one taken when its bytes were known still holds those bytes, and
/// is reused without reading it. The build cache stamps the files of the site it wrote
/// (`crate::build::cache::Cache::stamp_files`), the parse cache the record files it read
/// (`crate::content::parsed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp(
    pub u64,
    pub u64,
    pub u64,
    pub i64,
    pub i64,
    pub i64,
    pub i64,
);

impl Stamp {
    /// The stamp of a file whose metadata `statx` read (with at least `BASIC_STATS`).
    pub fn of_statx(stat: &rustix::fs::Statx) -> Stamp {
        Stamp(
            rustix::fs::makedev(stat.stx_dev_major, stat.stx_dev_minor),
            stat.stx_ino,
            stat.stx_size,
            stat.stx_mtime.tv_sec,
            stat.stx_mtime.tv_nsec.into(),
            stat.stx_ctime.tv_sec,
            stat.stx_ctime.tv_nsec.into(),
        )
    }

    /// The stamp of a file whose metadata `std::fs` read.
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp(
            meta.dev(),
            meta.ino(),
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
        )
    }

    /// Whether the change time is before `moment` (seconds and nanoseconds since 1970).
    pub fn changed_before(&self, moment: std::time::Duration) -> bool {
        let (seconds, nanos) = (self.5, self.6);
        seconds >= 0
            && (0..1_000_000_000).contains(&nanos)
            && std::time::Duration::new(seconds as u64, nanos as u32) < moment
    }
}

/// File systems whose change times and inode numbers are kept by the kernel as described at
/// [`Stamp`] (statfs magic numbers): tmpfs, ext2/3/4, XFS, Btrfs, F2FS, bcachefs, ZFS,
/// overlayfs. On others (FAT has no change time, network file systems are written from other
/// machines too), every reused file is read and hashed.
const STAMPED_FILE_SYSTEMS: [i64; 8] = [
    0x0102_1994,
    0xEF53,
    0x5846_5342,
    0x9123_683E,
    0xF2F5_2010,
    0xCA45_1A4E,
    0x2FC1_2FC1,
    0x794C_7630,
];

/// Whether the file system of `path` is one of [`STAMPED_FILE_SYSTEMS`]: a stamp is trusted
/// only there.
// `f_type`'s integer type differs between architectures.
#[allow(clippy::unnecessary_cast)]
pub fn keeps_stamps(path: &Path) -> bool {
    rustix::fs::statfs(path).is_ok_and(|fs| STAMPED_FILE_SYSTEMS.contains(&(fs.f_type as i64)))
}

/// How long the stamps are taken after the moment their change times must precede: the
/// kernel's clock for file times moves by ticks (up to 10 ms), so a file changed in the same
/// tick as it was stamped could keep its change time.
pub const RACY: std::time::Duration = std::time::Duration::from_millis(50);
