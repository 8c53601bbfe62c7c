//! Reading many kept rows of `rows.data` at once (`super::rows_disk`): a page that lists
//! thousands of facilities needs thousands of rows, and one `pread` each cost more than the
//! copying. The rows a list needs are sorted by their place and read in runs: rows near each
//! other (at most [`GAP`] apart, at most [`MAX_READ`] in all) in one read.

use std::os::unix::fs::FileExt;

/// The most bytes between two rows read in one run.
const GAP: u64 = 16 << 10;
/// The most bytes one run reads (a longer row is read alone).
const MAX_READ: u64 = 1 << 20;

/// A row to read: its place in the file, and its place in the list asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Wanted {
    pub offset: u64,
    pub length: usize,
    pub slot: usize,
}

impl Wanted {
    fn end(&self) -> u64 {
        self.offset + self.length as u64
    }
}

/// `wanted` sorted by place, cut into runs each read at once.
pub(super) fn runs(wanted: &mut [Wanted]) -> Vec<&[Wanted]> {
    wanted.sort_unstable_by_key(|w| (w.offset, w.slot));
    let mut runs = Vec::new();
    let mut rest: &[Wanted] = wanted;
    while let Some(first) = rest.first() {
        let mut end = first.end();
        let mut taken = 1;
        for next in &rest[1..] {
            let new_end = end.max(next.end());
            if next.offset > end + GAP || new_end - first.offset > MAX_READ {
                break;
            }
            end = new_end;
            taken += 1;
        }
        let (run, after) = rest.split_at(taken);
        runs.push(run);
        rest = after;
    }
    runs
}

/// Reads the bytes of `run` (one of [`runs`]) into `buffer`, from the first row's offset.
pub(super) fn read(
    file: &std::fs::File,
    run: &[Wanted],
    buffer: &mut Vec<u8>,
) -> std::io::Result<()> {
    let start = run.first().map_or(0, |w| w.offset);
    let end = run.iter().map(Wanted::end).max().unwrap_or(start);
    buffer.clear();
    buffer.resize((end - start) as usize, 0);
    file.read_exact_at(buffer, start)
}

/// The bytes of `wanted` in `buffer` read from `start`.
pub(super) fn slice<'a>(buffer: &'a [u8], start: u64, wanted: &Wanted) -> Option<&'a [u8]> {
    let from = usize::try_from(wanted.offset.checked_sub(start)?).ok()?;
    buffer.get(from..from.checked_add(wanted.length)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(offset: u64, length: usize, slot: usize) -> Wanted {
        Wanted {
            offset,
            length,
            slot,
        }
    }

    #[test]
    fn near_rows_are_read_together_and_far_ones_apart() {
        let mut wanted = vec![
            w(5000, 100, 0),
            w(100, 50, 1),
            w(150, 10, 2),
            w(100_000, 10, 3),
            w(160 + GAP, 5, 4),
        ];
        let runs = runs(&mut wanted);
        let slots: Vec<Vec<usize>> = runs
            .iter()
            .map(|run| run.iter().map(|w| w.slot).collect())
            .collect();
        assert_eq!(slots, vec![vec![1, 2, 0, 4], vec![3]]);
    }

    #[test]
    fn a_run_reads_at_most_max_read_and_a_long_row_alone() {
        let big = MAX_READ as usize + 10;
        let mut wanted = vec![
            w(0, 600_000, 0),
            w(600_000, 600_000, 1),
            w(1_200_000, big, 2),
        ];
        let runs = runs(&mut wanted);
        assert_eq!(runs.len(), 3);
        assert!(runs.iter().all(|run| run.len() == 1));
    }

    #[test]
    fn rows_are_read_back_in_the_order_asked_for() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"0123456789abcdefghij").unwrap();
        let mut wanted = vec![w(10, 3, 0), w(2, 4, 1), w(18, 2, 2)];
        let mut got = vec![Vec::new(); 3];
        let mut buffer = Vec::new();
        for run in runs(&mut wanted) {
            read(&file, run, &mut buffer).unwrap();
            for wanted in run {
                got[wanted.slot] = slice(&buffer, run[0].offset, wanted).unwrap().to_vec();
            }
        }
        assert_eq!(got, vec![b"abc".to_vec(), b"2345".to_vec(), b"ij".to_vec()]);
        // Beyond the end of the file: the read fails (the rows are then damaged ones).
        let mut beyond = vec![w(15, 10, 0)];
        let runs = runs(&mut beyond);
        assert!(read(&file, runs[0], &mut buffer).is_err());
    }
}
