//! Temporary files and folders that name the process owning them, and the clean-up of those
//! whose owner is gone.
//!
//! Every temporary thing zaitaku makes — a build's staging folder beside `public/`
//! (`.zaitaku-build-…`), a record being written by `import --write` (`.zaitaku-import-…`), an
//! export or PDF on its way to its place, the preview's and the PDF's work folders in `TMPDIR` —
//! is named `<prefix><pid>-<start>-<random>`: the owner's process id and its start time (so a
//! recycled id is not mistaken for the owner). It is removed when dropped (also while a panic
//! unwinds), and on Ctrl+C, SIGTERM or SIGHUP once [`crate::signals::clean_up_on_signals`]
//! runs. What a run
//! killed outright leaves behind is removed by the next run that makes a thing with the same
//! prefix in the same folder: only things whose owner no longer runs.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

// The clean-up of temporary files on a panic relies on unwinding.
#[cfg(panic = "abort")]
compile_error!(
    "zaitaku removes its temporary files while a panic unwinds: keep panic = \"unwind\""
);

/// A process: its id and its start time in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`), when the system says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    pub start: Option<u64>,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: start_time(pid).ok().flatten(),
        }
    }

    /// The owner named by `name` (`<prefix><pid>-<start>-<random>`), if it names one.
    pub fn from_name(name: &str, prefix: &str) -> Option<Owner> {
        let mut fields = name.strip_prefix(prefix)?.splitn(3, '-');
        let pid = fields.next()?.parse().ok()?;
        let start: u64 = fields.next()?.parse().ok()?;
        fields.next()?;
        Some(Owner {
            pid,
            start: (start != 0).then_some(start),
        })
    }

    /// The part of a name that says who owns it: `<pid>-<start>-`.
    fn tag(&self) -> String {
        format!("{}-{}-", self.pid, self.start.unwrap_or(0))
    }

    /// Whether the process still runs. When it cannot be told (no permission to look), it
    /// counts as running: a folder kept too long is better than a live run's work removed.
    pub fn is_running(&self) -> bool {
        match start_time(self.pid) {
            Ok(now) => self.start.is_none() || now.is_none() || now == self.start,
            Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        }
    }
}

/// A process's start time in clock ticks since boot.
fn start_time(pid: u32) -> std::io::Result<Option<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    Ok(stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .and_then(|field| field.parse().ok()))
}

/// The paths to remove when the process is stopped by a signal.
static TRACKED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn tracked() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TRACKED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Remembers `path` for [`crate::signals::clean_up_on_signals`] until the returned value is
/// dropped.
pub fn track(path: &Path) -> Tracked {
    tracked().push(path.to_path_buf());
    Tracked(path.to_path_buf())
}

/// A path removed on Ctrl+C, SIGTERM or SIGHUP while this value lives.
#[derive(Debug)]
pub struct Tracked(PathBuf);

impl Drop for Tracked {
    fn drop(&mut self) {
        let mut list = tracked();
        if let Some(index) = list.iter().rposition(|p| *p == self.0) {
            list.remove(index);
        }
    }
}

/// Runs `step` with the signal clean-up held back: for renames that must not be cut in two
/// (the old site moved aside and the new one not yet in place).
pub fn critical<T>(step: impl FnOnce() -> T) -> T {
    let _held = tracked();
    step()
}

/// Set once a signal stops the process: writers check it and stop adding files to folders
/// that are being removed.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Whether the process is being stopped by a signal (no more files should be written).
pub fn stopping() -> bool {
    STOPPING.load(Ordering::Relaxed)
}

/// Marks the process as stopping (see [`stopping`]).
pub(crate) fn stop() {
    STOPPING.store(true, Ordering::Relaxed);
}

/// Removes every tracked path (files, folders; links themselves, never what they point to).
/// Threads still writing into a folder may add to it while it is removed, until they see
/// [`stopping`]; a few more rounds catch up with them.
pub(crate) fn remove_tracked() {
    stop();
    let list = tracked();
    for _ in 0..100 {
        for path in list.iter() {
            remove_entry(path);
        }
        if list.iter().all(|p| std::fs::symlink_metadata(p).is_err()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn remove_entry(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path).is_ok(),
        Ok(_) => std::fs::remove_file(path).is_ok(),
        Err(_) => false,
    }
}

/// A temporary folder named after this process; removed when dropped.
#[derive(Debug)]
pub struct Dir {
    dir: Option<tempfile::TempDir>,
    _tracked: Tracked,
}

impl Dir {
    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("present until dropped").path()
    }

    /// Gives up the automatic removal; the folder keeps its owner's name, so once this process
    /// is gone the next run removes it if it is still there.
    pub fn keep(mut self) -> PathBuf {
        self.dir.take().expect("present until dropped").keep()
    }
}

/// Makes a folder `<prefix><owner>-<random>` in `parent` with the permissions `mode` less the
/// umask (0o777 for a site that will be published, 0o700 for a private work folder), after
/// removing the abandoned ones with the same prefix there; returns it and how many abandoned
/// ones were removed.
pub fn dir_in(parent: &Path, prefix: &str, mode: u32) -> std::io::Result<(Dir, usize)> {
    use std::os::unix::fs::PermissionsExt;
    let owner = Owner::current();
    let dir = tempfile::Builder::new()
        .prefix(&format!("{prefix}{}", owner.tag()))
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempdir_in(parent)?;
    let tracked = track(dir.path());
    let removed = remove_abandoned(parent, prefix);
    Ok((
        Dir {
            dir: Some(dir),
            _tracked: tracked,
        },
        removed,
    ))
}

/// A temporary file named after this process, beside the file it will become; removed when
/// dropped unless [`File::persist`] moved it into place.
#[derive(Debug)]
pub struct File {
    file: tempfile::NamedTempFile,
    _tracked: Tracked,
}

impl File {
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    pub fn as_file(&self) -> &std::fs::File {
        self.file.as_file()
    }

    pub fn as_file_mut(&mut self) -> &mut std::fs::File {
        self.file.as_file_mut()
    }

    /// Flushes the file to the disk and renames it to `path` (in the same folder), replacing
    /// what is there in one step.
    pub fn persist(self, path: &Path) -> std::io::Result<()> {
        self.file.as_file().sync_all()?;
        let File { file, _tracked } = self;
        file.persist(path).map_err(|e| e.error)?;
        if let Some(parent) = path.parent()
            && let Ok(dir) = std::fs::File::open(parent)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// Makes a file `<prefix><owner>-<random>` in `parent` with the permissions `mode` less the
/// umask (0o666 for the usual permissions of a new file), after removing the abandoned ones with
/// the same prefix there.
pub fn file_in(parent: &Path, prefix: &str, mode: u32) -> std::io::Result<File> {
    use std::os::unix::fs::PermissionsExt;
    let owner = Owner::current();
    let file = tempfile::Builder::new()
        .prefix(&format!("{prefix}{}", owner.tag()))
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(parent)?;
    let tracked = track(file.path());
    remove_abandoned(parent, prefix);
    Ok(File {
        file,
        _tracked: tracked,
    })
}

/// Writes the file `path` in one step: `fill` writes a temporary file beside it (see
/// [`file_in`]), which takes the permissions and, where allowed, the owner of the file it
/// replaces and is then renamed over it. A new file gets the usual permissions.
pub fn replace_file(
    path: &Path,
    prefix: &str,
    fill: impl FnOnce(&mut File) -> crate::Result<()>,
) -> crate::Result<()> {
    use crate::Error;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let existing = std::fs::metadata(path).ok();
    // Private while being written when it replaces a file (whose permissions it takes after).
    let mode = if existing.is_some() { 0o600 } else { 0o666 };
    let mut temporary =
        file_in(folder, prefix, mode).map_err(|e| Error::io(folder, "作業用ファイルを作成", e))?;
    fill(&mut temporary)?;
    if let Some(existing) = &existing {
        let file = temporary.as_file();
        let _ = std::os::unix::fs::fchown(file, Some(existing.uid()), Some(existing.gid()));
        file.set_permissions(std::fs::Permissions::from_mode(existing.mode() & 0o7777))
            .map_err(|e| Error::io(path, "権限を設定", e))?;
    }
    temporary
        .persist(path)
        .map_err(|e| Error::io(path, "書き込み", e))
}

/// Whether `name` is a temporary thing of this kind whose owner is gone. A name without an
/// owner (made by a zaitaku from before owners were named) counts as abandoned only when no
/// other zaitaku runs at all.
fn abandoned(name: &str, prefix: &str, other_zaitaku_running: &mut dyn FnMut() -> bool) -> bool {
    if !name.starts_with(prefix) {
        return false;
    }
    match Owner::from_name(name, prefix) {
        Some(owner) => owner != Owner::current() && !owner.is_running(),
        None => !other_zaitaku_running(),
    }
}

/// Removes the files and folders in `parent` named `<prefix>…` that a run no longer running
/// left behind; returns how many. Only this user's own real files and folders are touched
/// (links are never followed), and nothing where `/proc` cannot tell which processes run.
pub fn remove_abandoned(parent: &Path, prefix: &str) -> usize {
    use std::os::unix::fs::MetadataExt;
    if !Path::new("/proc/self/stat").is_file() {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    let mut others: Option<bool> = None;
    let mut other_zaitaku_running = || *others.get_or_insert_with(other_zaitaku_running);
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(prefix) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let kind = meta.file_type();
        if !(kind.is_dir() || kind.is_file()) || Some(meta.uid()) != uid {
            continue;
        }
        if abandoned(name, prefix, &mut other_zaitaku_running) && remove_entry(&path) {
            removed += 1;
        }
    }
    removed
}

/// Whether a zaitaku process other than this one runs (any command). When `/proc` cannot be
/// read, one is assumed to run.
fn other_zaitaku_running() -> bool {
    let own = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            return false;
        };
        if pid == own {
            return false;
        }
        let named_zaitaku = |bytes: &[u8]| {
            let name = bytes.rsplit(|b| *b == b'/').next().unwrap_or_default();
            name.starts_with(b"zaitaku")
        };
        let program = std::fs::read(entry.path().join("cmdline"))
            .ok()
            .is_some_and(|c| named_zaitaku(c.split(|b| *b == 0).next().unwrap_or_default()));
        let executable = std::fs::read_link(entry.path().join("exe"))
            .ok()
            .is_some_and(|p| named_zaitaku(p.as_os_str().as_encoded_bytes()));
        program || executable
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process id that cannot exist: above the kernel's largest.
    fn impossible_pid() -> u32 {
        std::fs::read_to_string("/proc/sys/kernel/pid_max")
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            .unwrap_or(4_194_304)
            + 1
    }

    #[test]
    fn names_say_who_owns_them() {
        let me = Owner::current();
        assert!(me.start.is_some());
        assert!(me.is_running());
        let name = format!(".zaitaku-build-{}abc123", me.tag());
        assert_eq!(Owner::from_name(&name, ".zaitaku-build-"), Some(me));
        assert_eq!(
            Owner::from_name(".zaitaku-build-Xy12ab", ".zaitaku-build-"),
            None
        );
        assert_eq!(
            Owner::from_name(".zaitaku-build-12-34", ".zaitaku-build-"),
            None
        );
        let gone = Owner {
            pid: impossible_pid(),
            start: None,
        };
        assert!(!gone.is_running());
        let recycled = Owner {
            pid: me.pid,
            start: me.start.map(|s| s + 1),
        };
        assert!(
            !recycled.is_running(),
            "the id now belongs to a later process"
        );
    }

    #[test]
    fn only_things_whose_owner_is_gone_are_removed() {
        let parent = tempfile::tempdir().unwrap();
        let me = Owner::current();
        let make_dir = |name: &str| {
            let path = parent.path().join(name);
            std::fs::create_dir(&path).unwrap();
            std::fs::write(path.join("index.html"), "<p>site</p>").unwrap();
            path
        };
        let dead = make_dir(&format!(".zaitaku-build-{}-5-abc", impossible_pid()));
        let dead_file = parent
            .path()
            .join(format!(".zaitaku-build-{}-5-abc.old", impossible_pid()));
        std::fs::write(&dead_file, "x").unwrap();
        let recycled = make_dir(&format!(
            ".zaitaku-build-{}-{}-abc",
            me.pid,
            me.start.unwrap() + 1
        ));
        let alive = make_dir(&format!(".zaitaku-build-{}live", me.tag()));
        let other_kind = make_dir(&format!(".zaitaku-import-{}-5-abc", impossible_pid()));
        let mine = make_dir("public");
        let link = parent
            .path()
            .join(format!(".zaitaku-build-{}-5-link", impossible_pid()));
        std::os::unix::fs::symlink(&mine, &link).unwrap();

        assert_eq!(remove_abandoned(parent.path(), ".zaitaku-build-"), 3);
        assert!(!dead.exists() && !dead_file.exists(), "the owner is gone");
        assert!(!recycled.exists(), "the id now belongs to a later process");
        assert!(alive.exists(), "the owner still runs");
        assert!(other_kind.exists(), "another prefix");
        assert!(mine.join("index.html").exists());
        assert!(link.symlink_metadata().is_ok(), "links are not touched");
    }

    #[test]
    fn a_name_without_owner_is_abandoned_only_when_no_other_zaitaku_runs() {
        let prefix = ".zaitaku-build-";
        assert!(abandoned(".zaitaku-build-Xy12ab", prefix, &mut || false));
        assert!(!abandoned(".zaitaku-build-Xy12ab", prefix, &mut || true));
        assert!(!abandoned("public", prefix, &mut || false));
    }

    #[test]
    fn dropped_and_panicking_owners_leave_nothing() {
        let parent = tempfile::tempdir().unwrap();
        let (dir, _) = dir_in(parent.path(), "zaitaku-test-", 0o700).unwrap();
        let path = dir.path().to_path_buf();
        assert!(
            path.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&format!("zaitaku-test-{}", Owner::current().tag()))
        );
        let file_path = std::panic::catch_unwind(|| {
            let file = file_in(parent.path(), ".zaitaku-test-", 0o666).unwrap();
            let path = file.path().to_path_buf();
            assert!(path.exists());
            assert!(tracked().contains(&path));
            std::panic::panic_any(path);
        })
        .unwrap_err()
        .downcast::<PathBuf>()
        .unwrap();
        assert!(!file_path.exists(), "removed while the panic unwound");
        assert!(!tracked().contains(&file_path));
        drop(dir);
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 0);
    }

    #[test]
    fn new_files_get_the_usual_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let file = file_in(parent.path(), ".zaitaku-test-", 0o666).unwrap();
        let mode = file.as_file().metadata().unwrap().permissions().mode() & 0o777;
        // 0666 less the umask, which the test cannot know for sure, but never private.
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
        let target = parent.path().join("a.yaml");
        file.persist(&target).unwrap();
        assert!(target.is_file());
        assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 1);
    }
}
