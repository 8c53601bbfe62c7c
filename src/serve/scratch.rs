//! Scratch folders for throw-away builds, and cleaning up after previews that did not stop
//! cleanly.
//!
//! `zaitaku serve` builds the whole site into a scratch folder, in RAM (`/dev/shm`) when the
//! system has it. A preview stopped by a signal it cannot catch (SIGKILL, a crash, a power
//! cut) leaves that folder behind, and in RAM it stays until the next reboot. So each server
//! writes its process id into its folder ([`OWNER_FILE`]), and every new server removes the
//! sibling folders whose owner is gone.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// The file in a server's scratch folder that names the process owning the folder: its id and
/// its start time (so a recycled id is not mistaken for the server).
pub const OWNER_FILE: &str = "zaitaku-serve.pid";

/// How old a folder without an owner file must be before it counts as abandoned: a server
/// writes the file just after making the folder, and servers from versions before the owner
/// file never write one.
const OWNERLESS_GRACE: Duration = Duration::from_secs(60);

/// A temporary folder for throw-away builds: in RAM (`/dev/shm`) when the system has it, as
/// writing and deleting hundreds of small files there is much faster than on disk.
pub fn scratch_dir(prefix: &str) -> Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        builder.tempdir_in(shm).or_else(|_| builder.tempdir())
    } else {
        builder.tempdir()
    };
    dir.map_err(|e| Error::Setup(format!("一時フォルダを作れません: {e}")))
}

/// A scratch folder that names this process as its owner. Folders with the same prefix beside
/// it that were left by processes no longer running are removed first; returns how many.
pub fn owned_scratch_dir(prefix: &str) -> Result<(tempfile::TempDir, usize)> {
    let dir = scratch_dir(prefix)?;
    write_owner(dir.path()).map_err(|e| Error::io(dir.path().join(OWNER_FILE), "書き込み", e))?;
    let removed = match dir.path().parent() {
        Some(parent) => remove_abandoned(parent, prefix, dir.path()),
        None => 0,
    };
    Ok((dir, removed))
}

/// Removes a scratch folder for good. A build that is still finishing may add files while the
/// folder is being removed, which makes one attempt fail; a few more catch up with it.
pub fn remove_scratch(dir: tempfile::TempDir) {
    let path = dir.keep();
    for _ in 0..20 {
        match std::fs::remove_dir_all(&path) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    eprintln!(
        "注意: 一時フォルダ {} を消せませんでした。次に zaitaku serve を起動したときに片付けます。",
        path.display()
    );
}

/// This process's start time in clock ticks since boot (field 22 of `/proc/<pid>/stat`).
fn start_time(pid: u32) -> std::io::Result<Option<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    Ok(stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .and_then(|field| field.parse().ok()))
}

fn write_owner(dir: &Path) -> std::io::Result<()> {
    let pid = std::process::id();
    let owner = match start_time(pid).ok().flatten() {
        Some(start) => format!("{pid} {start}\n"),
        None => format!("{pid}\n"),
    };
    // Written aside and renamed, so a server starting at the same moment never reads half a
    // file (and takes the folder for one without an owner, which is young and so kept).
    let partial = dir.join(format!("{OWNER_FILE}.partial"));
    std::fs::write(&partial, owner)?;
    std::fs::rename(&partial, dir.join(OWNER_FILE))
}

/// The owner named by a folder's owner file: (process id, start time if recorded).
fn read_owner(dir: &Path) -> Option<(u32, Option<u64>)> {
    let text = std::fs::read_to_string(dir.join(OWNER_FILE)).ok()?;
    let mut fields = text.split_whitespace();
    let pid = fields.next()?.parse().ok()?;
    let start = match fields.next() {
        Some(field) => Some(field.parse().ok()?),
        None => None,
    };
    Some((pid, start))
}

/// Whether a process is still running. When it cannot be told (no permission to look), it
/// counts as running: a folder kept too long is better than a live server's site removed.
fn is_running(pid: u32, start: Option<u64>) -> bool {
    match start_time(pid) {
        Ok(now) => start.is_none() || now.is_none() || now == start,
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    }
}

/// Whether a `zaitaku serve` runs that owns none of the folders with an owner file: one from a
/// version that wrote no owner file, whose folder cannot be told from an abandoned one.
fn unknown_server_running(known: &BTreeSet<u32>) -> bool {
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
        if pid == own || known.contains(&pid) {
            return false;
        }
        let Ok(command_line) = std::fs::read(entry.path().join("cmdline")) else {
            return false;
        };
        let mut args = command_line.split(|b| *b == 0);
        let program = args.next().unwrap_or_default();
        let program = program.rsplit(|b| *b == b'/').next().unwrap_or_default();
        program.starts_with(b"zaitaku") && args.any(|arg| arg == b"serve")
    })
}

/// Removes the folders in `parent` named `prefix…` (other than `own`) that a process no longer
/// running left behind; returns how many. Only real folders of this user are looked at, and
/// nothing at all where `/proc` cannot tell which processes run.
fn remove_abandoned(parent: &Path, prefix: &str, own: &Path) -> usize {
    if !Path::new("/proc/self/stat").is_file() {
        return 0;
    }
    let Ok(own_meta) = std::fs::metadata(own) else {
        return 0;
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut abandoned: Vec<PathBuf> = Vec::new();
    let mut ownerless: Vec<PathBuf> = Vec::new();
    let mut live_owners = BTreeSet::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let named = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(prefix));
        // `symlink_metadata`: a link planted in a shared /dev/shm is never followed.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !named || path == own || !meta.is_dir() || meta.uid() != own_meta.uid() {
            continue;
        }
        match read_owner(&path) {
            Some((pid, start)) if is_running(pid, start) => {
                live_owners.insert(pid);
            }
            Some(_) => abandoned.push(path),
            None => {
                let age = meta
                    .modified()
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .unwrap_or_default();
                if age >= OWNERLESS_GRACE {
                    ownerless.push(path);
                }
            }
        }
    }
    if !ownerless.is_empty() && !unknown_server_running(&live_owners) {
        abandoned.extend(ownerless);
    }
    abandoned
        .iter()
        .filter(|path| std::fs::remove_dir_all(path).is_ok())
        .count()
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

    fn folder(parent: &Path, name: &str, owner: Option<String>) -> PathBuf {
        let path = parent.join(name);
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("index.html"), "<p>site</p>").unwrap();
        if let Some(owner) = owner {
            std::fs::write(path.join(OWNER_FILE), owner).unwrap();
        }
        path
    }

    #[test]
    fn only_folders_of_processes_that_are_gone_are_removed() {
        let parent = tempfile::tempdir().unwrap();
        let own = folder(parent.path(), "zaitaku-serve-own", None);
        write_owner(&own).unwrap();
        let me = std::process::id();
        let dead = folder(
            parent.path(),
            "zaitaku-serve-dead",
            Some(format!("{}\n", impossible_pid())),
        );
        let alive = folder(
            parent.path(),
            "zaitaku-serve-alive",
            Some(format!("{me}\n")),
        );
        let recycled = folder(
            parent.path(),
            "zaitaku-serve-recycled",
            Some(format!("{me} 1\n")),
        );
        let young = folder(parent.path(), "zaitaku-serve-young", None);
        let other = folder(
            parent.path(),
            "zaitaku-check-dead",
            Some(format!("{}\n", impossible_pid())),
        );
        assert_eq!(remove_abandoned(parent.path(), "zaitaku-serve-", &own), 2);
        assert!(!dead.exists(), "the owner is gone");
        assert!(!recycled.exists(), "the id now belongs to a later process");
        assert!(alive.exists(), "the owner still runs");
        assert!(young.exists(), "no owner file yet, and just made");
        assert!(other.exists(), "another prefix");
        assert!(own.join("index.html").exists());
    }

    #[test]
    fn the_owner_file_names_this_process() {
        let dir = tempfile::tempdir().unwrap();
        write_owner(dir.path()).unwrap();
        let (pid, start) = read_owner(dir.path()).unwrap();
        assert_eq!(pid, std::process::id());
        assert!(start.is_some());
        assert!(is_running(pid, start));
        assert!(!is_running(impossible_pid(), None));
    }
}
