//! One run at a time: two builds into the same folder, a build into the folder a preview
//! writes (`serve --out`), and two imports into the same `content/` take turns instead of
//! mixing their work.
//!
//! The lock is an `flock` on a small file beside the folder (`.zaitaku-lock-<name>`), which the
//! kernel releases when the holder ends, however it ends. The file names its holder (process
//! id, start time, command), so a run that finds the lock taken can say by whom, and waits —
//! or, when a preview holds it (which may run for hours), refuses. The holder removes the file
//! when it is done.

use std::io::{Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::{FlockOperation, flock};

use crate::error::{Error, Result};
use crate::owned::{self, Owner, Tracked};

/// What a lock is held for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Build,
    Serve,
    Import,
}

impl Purpose {
    fn key(self) -> &'static str {
        match self {
            Purpose::Build => "build",
            Purpose::Serve => "serve",
            Purpose::Import => "import",
        }
    }

    fn from_key(key: &str) -> Option<Purpose> {
        [Purpose::Build, Purpose::Serve, Purpose::Import]
            .into_iter()
            .find(|p| p.key() == key)
    }

    fn command(self) -> &'static str {
        match self {
            Purpose::Build => "zaitaku build",
            Purpose::Serve => "zaitaku serve",
            Purpose::Import => "zaitaku import",
        }
    }
}

/// A lock held until dropped.
#[derive(Debug)]
pub struct Lock {
    /// Holds the `flock` until dropped.
    _file: std::fs::File,
    path: PathBuf,
    _tracked: Tracked,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held: a run waiting on this file finds it gone and makes a new
        // one (see `acquire`), so no two runs ever hold locks on different files.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The lock file for `folder`: `.zaitaku-lock-<name>` beside it.
pub fn lock_path(folder: &Path) -> PathBuf {
    let name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".to_owned());
    folder
        .parent()
        .unwrap_or(Path::new("/"))
        .join(format!(".zaitaku-lock-{name}"))
}

/// Takes the lock for `folder` (resolved, its parent existing). When another run holds it,
/// `waiting` gets a Japanese line saying who and that this run waits; a preview holding it for
/// a build or another preview is refused instead (exit code 2).
pub fn acquire(folder: &Path, purpose: Purpose, waiting: &mut dyn FnMut(&str)) -> Result<Lock> {
    let path = lock_path(folder);
    let mut told = false;
    let mut replaced = 0;
    loop {
        // Never through a link: the file locked must be the file later removed.
        let no_follow = rustix::fs::OFlags::NOFOLLOW.bits() as i32;
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(no_follow)
            .open(&path);
        // One left by another user's run that was killed: locked for reading, it still works.
        let opened = match opened {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(no_follow)
                    .open(&path)
            }
            other => other,
        };
        let mut file = opened.map_err(|e| Error::io(&path, "作成", e))?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let holder = holder(&mut file);
                if let Some((owner, held_for)) = holder
                    && (held_for == Purpose::Serve || purpose == Purpose::Serve)
                    && owner.is_running()
                {
                    return Err(refusal(folder, owner, held_for, purpose));
                }
                if !told {
                    told = true;
                    waiting(&wait_message(folder, holder, purpose));
                }
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            // A file system without locks (some network drives): go on without one.
            Err(rustix::io::Errno::NOLCK | rustix::io::Errno::OPNOTSUPP) => {}
            Err(e) => return Err(Error::io(&path, "ロック", e.into())),
        }
        // The holder before us may have removed the file just before we locked it.
        let same = match (file.metadata(), std::fs::symlink_metadata(&path)) {
            (Ok(ours), Ok(now)) => ours.ino() == now.ino() && ours.dev() == now.dev(),
            _ => false,
        };
        if !same {
            replaced += 1;
            if replaced > 1000 {
                return Err(Error::Setup(format!(
                    "{} が作っては消されるため、ロックできませんでした。ほかのプログラムがこのファイルを使っていないか確かめてください。",
                    path.display()
                )));
            }
            continue;
        }
        let owner = Owner::current();
        let line = format!(
            "{} {} {}\n",
            owner.pid,
            owner.start.unwrap_or(0),
            purpose.key()
        );
        // Who holds it, for a run that finds it taken (not possible in another user's file).
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(line.as_bytes()));
        let tracked = owned::track(&path);
        return Ok(Lock {
            _file: file,
            path,
            _tracked: tracked,
        });
    }
}

impl Lock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Who holds a lock, as its file says.
fn holder(file: &mut std::fs::File) -> Option<(Owner, Purpose)> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(200).read_to_string(&mut text).ok()?;
    let mut fields = text.split_whitespace();
    let pid = fields.next()?.parse().ok()?;
    let start: u64 = fields.next()?.parse().ok()?;
    let purpose = Purpose::from_key(fields.next()?)?;
    Some((
        Owner {
            pid,
            start: (start != 0).then_some(start),
        },
        purpose,
    ))
}

fn wait_message(folder: &Path, holder: Option<(Owner, Purpose)>, purpose: Purpose) -> String {
    let who = match holder {
        Some((owner, held_for)) => format!(
            "ほかの {}（プロセス番号 {}）",
            held_for.command(),
            owner.pid
        ),
        None => "ほかの zaitaku".to_owned(),
    };
    let what = match purpose {
        Purpose::Import => "書き込み",
        _ => "サイトの書き出し",
    };
    format!(
        "{} は{who}が使っています。終わるのを待ってから{what}を始めます（やめるときは Ctrl+C）。",
        folder.display()
    )
}

fn refusal(folder: &Path, owner: Owner, held_for: Purpose, purpose: Purpose) -> Error {
    let hint = match (held_for, purpose) {
        (Purpose::Serve, Purpose::Serve) => {
            "同じフォルダに 2 つのプレビューは作れません。動いている方を使うか、止めてから（Ctrl+C）もう一度起動してください。--out を付けずに起動すれば、一時フォルダでプレビューできます。"
        }
        (Purpose::Serve, _) => {
            "プレビューを止めてから（Ctrl+C）もう一度実行してください。プレビューを --out なしで起動すれば、このフォルダは使いません。"
        }
        _ => "いま動いている方が終わってから、もう一度プレビューを起動してください。",
    };
    Error::Setup(format!(
        "{} は {}（プロセス番号 {}）が使っているため、{}できません。何も変更していません。\n  {hint}",
        folder.display(),
        held_for.command(),
        owner.pid,
        match purpose {
            Purpose::Serve => "プレビューに使用",
            Purpose::Build => "サイトを書き出すことは",
            Purpose::Import => "書き込むことは",
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_no_file_left() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("public");
        let first = acquire(&folder, Purpose::Build, &mut |_| panic!("free")).unwrap();
        let text = std::fs::read_to_string(first.path()).unwrap();
        assert!(text.ends_with(" build\n"), "{text}");
        // A second file handle of the same process is a second lock holder for flock.
        let busy = std::fs::File::open(first.path()).unwrap();
        assert_eq!(
            flock(&busy, FlockOperation::NonBlockingLockExclusive),
            Err(rustix::io::Errno::WOULDBLOCK)
        );
        let error = acquire(&folder, Purpose::Serve, &mut |_| panic!("no wait")).unwrap_err();
        assert!(error.to_string().contains("zaitaku build"), "{error}");
        let path = first.path().to_path_buf();
        drop(first);
        assert!(!path.exists(), "the holder removes the file");
    }

    #[test]
    fn a_build_waits_for_a_build_and_refuses_a_preview() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("public");
        let preview = acquire(&folder, Purpose::Serve, &mut |_| {}).unwrap();
        let error = acquire(&folder, Purpose::Build, &mut |_| panic!("no wait")).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("zaitaku serve"), "{message}");
        assert!(message.contains("止めてから"), "{message}");
        drop(preview);

        let first = acquire(&folder, Purpose::Build, &mut |_| {}).unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let waiter = {
            let folder = folder.clone();
            std::thread::spawn(move || {
                let lock = acquire(&folder, Purpose::Build, &mut |m| {
                    sender.send(m.to_owned()).unwrap()
                })
                .unwrap();
                drop(lock);
            })
        };
        let message = receiver.recv().unwrap();
        assert!(message.contains("待って"), "{message}");
        drop(first);
        waiter.join().unwrap();
        assert!(!lock_path(&folder).exists());
    }
}
