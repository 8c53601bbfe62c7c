//! Ctrl+C (SIGINT), SIGTERM and SIGHUP: the one place zaitaku listens for them.
//!
//! One listening thread (signal-hook's iterator) serves every command, in one of two ways:
//!
//! * [`clean_up_on_signals`] (build, check, import, export, pdf): on the first signal, every
//!   process group started through [`Group`] (the PDF's Chromium and its helpers) is killed
//!   and waited for, then every temporary path of [`crate::owned`] is removed, and only then
//!   the command's `then` runs (it says so and exits with 128 + the signal). Writers that
//!   see [`crate::owned::stopping`] stop adding files meanwhile.
//! * [`notify_on_signals`] (serve): the first signal is handed to the server, which stops by
//!   itself and cleans up.
//!
//! Either way a second signal ends the process at once, with the same exit code.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use rustix::process::Pid;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::owned;

/// The signal that stops the process, once one arrived (0 before).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Whether the first signal ends in the clean-up (and the process exits from there).
static CLEANING: AtomicBool = AtomicBool::new(false);

/// The process groups to kill on a signal, by their leader's id.
static GROUPS: Mutex<Vec<Pid>> = Mutex::new(Vec::new());

fn groups() -> std::sync::MutexGuard<'static, Vec<Pid>> {
    GROUPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The signal that is stopping the process, if one arrived.
pub fn signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Listens on a thread of its own; the first signal goes to `first`, a second one ends the
/// process at once. Returns when the handlers are in place.
fn listen(first: impl FnOnce(i32) + Send + 'static) -> std::io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("zaitaku-signals".to_owned())
        .spawn(move || {
            let mut first = Some(first);
            for signal in signals.forever() {
                match first.take() {
                    Some(first) => {
                        SIGNAL.store(signal, Ordering::SeqCst);
                        // The handling may take a few seconds; a second signal must not wait.
                        let _ = std::thread::Builder::new()
                            .name("zaitaku-stop".to_owned())
                            .spawn(move || first(signal));
                    }
                    None => std::process::exit(128 + signal),
                }
            }
        })?;
    Ok(())
}

/// For the commands that run once: on Ctrl+C, SIGTERM or SIGHUP, kills the started process
/// groups, removes the temporary paths, then calls `then` with the signal (which ends the
/// process: it chooses what to say and the exit code).
pub fn clean_up_on_signals(then: fn(i32) -> !) -> std::io::Result<()> {
    CLEANING.store(true, Ordering::SeqCst);
    listen(move |signal| {
        owned::stop();
        kill_groups();
        owned::remove_tracked();
        then(signal)
    })
}

/// For the main thread, done with its command: when a signal is being cleaned up after, waits
/// for the clean-up, which ends the process (so the command's own outcome, often a failure
/// caused by the clean-up itself, is neither told nor its exit code used).
pub fn wait_for_clean_up() {
    if CLEANING.load(Ordering::SeqCst) && signal().is_some() {
        loop {
            std::thread::park();
        }
    }
}

/// For the preview server, which stops by itself: `stop` is called with the first signal.
pub fn notify_on_signals(stop: impl FnOnce(i32) + Send + 'static) -> std::io::Result<()> {
    listen(stop)
}

/// Kills every started group and waits (a few seconds at most) until they are gone. The list
/// stays locked: no new group starts while the process stops.
fn kill_groups() {
    let list = groups();
    for group in list.iter() {
        let _ = rustix::process::kill_process_group(*group, rustix::process::Signal::KILL);
    }
    let until = Instant::now() + Duration::from_secs(5);
    while list.iter().any(|group| group_running(*group)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether a process of `group` is still running (zombies waiting for their parent to reap
/// them do not count: they hold no files).
fn group_running(group: Pid) -> bool {
    if rustix::process::test_kill_process_group(group).is_err() {
        return false;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
        let Some((_, after)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        matches!(fields.as_slice(), [state, _, pgrp, ..]
            if pgrp.parse::<i32>().ok() == Some(group.as_raw_nonzero().get())
                && !matches!(*state, "Z" | "X"))
    })
}

/// A program started as the leader of a process group of its own (it may fork helpers).
/// Dropping it kills the whole group and waits until it is gone (a few seconds at most), so
/// that nothing writes into a folder about to be removed: after it finished, a failure, a
/// timeout or a panic alike; a signal kills the group the same way before the temporary
/// folders are removed.
#[derive(Debug)]
pub struct Group {
    pub child: Child,
    group: Pid,
}

impl Group {
    /// Starts `command` in a group of its own; refused (`Interrupted`) once a signal is
    /// stopping the process.
    pub fn spawn(command: &mut Command) -> std::io::Result<Group> {
        let mut list = groups();
        if owned::stopping() {
            return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
        }
        let child = command.process_group(0).spawn()?;
        let group = Pid::from_child(&child);
        list.push(group);
        Ok(Group { child, group })
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = rustix::process::kill_process_group(self.group, rustix::process::Signal::KILL);
        let _ = self.child.wait();
        let until = Instant::now() + Duration::from_secs(5);
        while group_running(self.group) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut list = groups();
        if let Some(index) = list.iter().position(|g| *g == self.group) {
            list.remove(index);
        }
    }
}
