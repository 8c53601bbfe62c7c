//! Phase timings of one build: how long each phase took, when it started, and the process's
//! memory when it ended. The build records them; the command line prints them to stderr when
//! `ZAITAKU_TIMINGS=1` (benchmarks, docs/benchmarks.md). Phases may overlap (the search index
//! is built while the pages are rendered), so each keeps its start as well as its length.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One phase of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    pub name: &'static str,
    /// From the start of the build.
    pub start: Duration,
    pub elapsed: Duration,
    /// CPU time (user + system) of the whole process while the phase ran, every thread
    /// counted (so it includes any phase running beside it); 10 ms steps.
    pub cpu: Duration,
    /// The process's resident memory when the phase ended, in MiB (Linux `VmRSS`; 0 elsewhere).
    pub rss_mib: u64,
    /// The process's peak resident memory so far, in MiB (`VmHWM`).
    pub peak_rss_mib: u64,
    /// Which phase began first, when two began at the same instant.
    sequence: usize,
}

/// The phases of one build, recorded from any thread.
#[derive(Debug)]
pub struct Timings {
    started: Instant,
    begun: AtomicUsize,
    phases: Mutex<Vec<Phase>>,
}

impl Default for Timings {
    fn default() -> Self {
        Timings::new()
    }
}

impl Timings {
    /// Starts the clock.
    pub fn new() -> Timings {
        Timings {
            started: Instant::now(),
            begun: AtomicUsize::new(0),
            phases: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` as the phase `name`.
    pub fn phase<T>(&self, name: &'static str, work: impl FnOnce() -> T) -> T {
        let sequence = self.begun.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        let cpu_before = cpu_time();
        let value = work();
        let elapsed = start.elapsed();
        let cpu = cpu_time().saturating_sub(cpu_before);
        let (rss_mib, peak_rss_mib) = memory_mib();
        let phase = Phase {
            name,
            start: start.duration_since(self.started),
            elapsed,
            cpu,
            rss_mib,
            peak_rss_mib,
            sequence,
        };
        self.phases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(phase);
        value
    }

    /// The phases so far, by start.
    pub fn phases(&self) -> Vec<Phase> {
        let mut phases = self
            .phases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        phases.sort_by_key(|phase| (phase.start, phase.sequence));
        phases
    }

    /// Since the clock started.
    pub fn total(&self) -> Duration {
        self.started.elapsed()
    }
}

/// The CPU time (user + system) the process has used so far, all threads (Linux
/// `/proc/self/stat`, in clock ticks of 10 ms; zero elsewhere).
pub fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The command name (field 2) may hold spaces; the fields after its `)` are plain.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// The process's current and peak resident memory in MiB (Linux `VmRSS`, `VmHWM`).
pub fn memory_mib() -> (u64, u64) {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return (0, 0);
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kib| kib / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_come_back_in_the_order_they_started() {
        let timings = Timings::new();
        let value = timings.phase("first", || {
            timings.phase("inner", || ());
            7
        });
        timings.phase("second", || ());
        assert_eq!(value, 7);
        let names: Vec<&str> = timings.phases().iter().map(|p| p.name).collect();
        assert_eq!(names, ["first", "inner", "second"]);
    }
}
