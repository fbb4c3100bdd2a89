//! The compaction policy: leveled, as a pure function from the shape of a
//! version to the next task (no I/O, so it is tested and simulated alone).
//!
//! Why leveled rather than tiered: KeystoneDB promises a file that stays close
//! to its logical size (≤ 1.2–1.5× after every key was overwritten twice) and
//! fast point reads from one file. Leveled compaction keeps each level ≥ 1 a
//! single sorted run, so a get touches at most one SST per level and the space
//! held by overwritten versions is bounded by the size ratio: with ratio
//! `T` = 10 the levels above the last hold at most ~1/T of the data, so space
//! amplification stays near 1.1×. Tiered compaction writes less (each byte is
//! rewritten once per tier instead of ~T/2 times per level) but lets several
//! overlapping runs, and so up to 2× the data, sit in the file. Write
//! amplification of leveled is bounded by about `1 + T/2` per level, i.e.
//! ~6 × the number of levels beyond L1; with a 4 MiB memtable and L1 of 16 MiB
//! a 1 GB database has three levels.
//!
//! Rules, in order:
//! 1. L0 has `l0_trigger` or more SSTs: merge all of L0 with the overlapping
//!    part of L1 into L1.
//! 2. Otherwise take the level ≥ 1 whose size most exceeds its target
//!    (`base_level_bytes × ratio^(level-1)`); merge one of its SSTs (the first
//!    after that level's cursor, round robin through the key space) with the
//!    overlapping SSTs of the next level.
//! 3. A single SST with nothing to merge with just moves down (no rewrite).
//!
//! Tombstones are dropped when no deeper level overlaps the task's key range:
//! nothing older can be hiding beneath them.
//!
//! # Idle work: bounding the space at rest
//!
//! The rules above bound space only loosely for a small database: up to
//! `l0_trigger - 1` flushed memtables wait in L0, and L1 may hold up to its
//! target, so a 12 MB database can sit in a 30 MB file. [`settle`] is the
//! extra rule `maintain()` applies when nothing above is due: once the SSTs
//! above the bottom level hold more than `1/ratio` of the bottom level's
//! bytes, everything merges into the bottom level, leaving one sorted run.
//! Each such merge rewrites the bottom level once per `bottom/ratio` bytes
//! that reached the upper levels since the previous one, so this rule adds at
//! most `ratio` (10) writes per byte flushed, and only when `maintain()` is
//! called; writes alone never trigger it. At rest the SSTs therefore take at
//! most `1 + 1/ratio` times the bottom level, which holds one version of each
//! live key.

/// What the policy sees of one SST.
#[derive(Debug, Clone)]
pub struct SstSummary<'a> {
    pub id: u64,
    pub bytes: u64,
    pub tombstones: u64,
    pub first: &'a [u8],
    pub last: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub l0_trigger: usize,
    pub base_level_bytes: u64,
    pub ratio: u64,
    /// Number of levels including L0.
    pub levels: usize,
    pub target_sst_bytes: u64,
}

impl Policy {
    /// Defaults derived from the memtable size.
    pub fn for_memtable(memtable_bytes: usize) -> Policy {
        let m = memtable_bytes.max(16 << 10) as u64;
        Policy { l0_trigger: 4, base_level_bytes: 4 * m, ratio: 10, levels: 7, target_sst_bytes: m }
    }

    fn target(&self, level: usize) -> u64 {
        let mut t = self.base_level_bytes;
        for _ in 1..level {
            t = t.saturating_mul(self.ratio);
        }
        t
    }
}

/// One unit of compaction work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Every SST read (from any level); all of them are replaced.
    pub inputs: Vec<u64>,
    pub output_level: usize,
    pub drop_tombstones: bool,
    /// Move the single input to `output_level` without rewriting it.
    pub trivial_move: bool,
    /// The level picked for rule 2, and the last key of the moved range (for
    /// that level's round-robin cursor).
    pub cursor: Option<(usize, Vec<u8>)>,
}

fn overlapping<'a>(level: &'a [SstSummary<'a>], first: &[u8], last: &[u8]) -> impl Iterator<Item = &'a SstSummary<'a>> + 'a {
    let (first, last) = (first.to_vec(), last.to_vec());
    level.iter().filter(move |s| s.first <= last.as_slice() && first.as_slice() <= s.last)
}

fn deeper_overlaps(levels: &[Vec<SstSummary<'_>>], below: usize, first: &[u8], last: &[u8]) -> bool {
    levels.iter().skip(below + 1).any(|l| overlapping(l, first, last).next().is_some())
}

/// The next task, if any level is over its limits.
pub fn pick(levels: &[Vec<SstSummary<'_>>], policy: &Policy, cursors: &[Vec<u8>]) -> Option<Task> {
    if levels.is_empty() {
        return None;
    }
    if levels[0].len() >= policy.l0_trigger && levels.len() > 1 {
        let first = levels[0].iter().map(|s| s.first).min()?;
        let last = levels[0].iter().map(|s| s.last).max()?;
        let mut inputs: Vec<u64> = levels[0].iter().map(|s| s.id).collect();
        inputs.extend(overlapping(&levels[1], first, last).map(|s| s.id));
        return Some(Task {
            inputs,
            output_level: 1,
            drop_tombstones: !deeper_overlaps(levels, 1, first, last),
            trivial_move: false,
            cursor: None,
        });
    }
    let mut worst: Option<(usize, f64)> = None;
    for level in 1..levels.len().saturating_sub(1).min(policy.levels - 1) {
        let bytes: u64 = levels[level].iter().map(|s| s.bytes).sum();
        let score = bytes as f64 / policy.target(level) as f64;
        if score >= 1.0 && worst.is_none_or(|(_, w)| score > w) {
            worst = Some((level, score));
        }
    }
    let (level, _) = worst?;
    let cursor = cursors.get(level).map(|c| c.as_slice()).unwrap_or(&[]);
    let ssts = &levels[level];
    let chosen = ssts.iter().find(|s| s.first > cursor).or_else(|| ssts.first())?;
    let next = &levels[level + 1];
    let mut inputs = vec![chosen.id];
    let over: Vec<u64> = overlapping(next, chosen.first, chosen.last).map(|s| s.id).collect();
    let drop_tombstones = !deeper_overlaps(levels, level + 1, chosen.first, chosen.last);
    let trivial_move = over.is_empty() && !(drop_tombstones && chosen.tombstones > 0);
    inputs.extend(over);
    Some(Task {
        inputs,
        output_level: level + 1,
        drop_tombstones,
        trivial_move,
        cursor: Some((level, chosen.last.to_vec())),
    })
}

/// Idle work (see the module docs): merge every level into the bottom level
/// once the levels above it hold more than `1/ratio` of its bytes.
pub fn settle(levels: &[Vec<SstSummary<'_>>], policy: &Policy) -> Option<Task> {
    let deepest = levels.iter().rposition(|l| !l.is_empty())?;
    if deepest == 0 {
        // Only flushed memtables: they become the bottom level.
        return full(levels);
    }
    let bytes = |l: &[SstSummary<'_>]| l.iter().map(|s| s.bytes).sum::<u64>();
    let upper: u64 = levels[..deepest].iter().map(|l| bytes(l)).sum();
    let bottom = bytes(&levels[deepest]);
    if upper == 0 || upper.saturating_mul(policy.ratio) <= bottom {
        return None;
    }
    full(levels)
}

/// Merge everything into the deepest non-empty level (at least L1),
/// dropping every tombstone: `compact()`.
pub fn full(levels: &[Vec<SstSummary<'_>>]) -> Option<Task> {
    let count: usize = levels.iter().map(|l| l.len()).sum();
    if count == 0 || levels.len() < 2 {
        return None;
    }
    let deepest = levels.iter().rposition(|l| !l.is_empty())?.max(1);
    let only_bottom = levels[..deepest].iter().all(|l| l.is_empty());
    let tombstones: u64 = levels.iter().flatten().map(|s| s.tombstones).sum();
    if only_bottom && tombstones == 0 {
        return None;
    }
    Some(Task {
        inputs: levels.iter().flatten().map(|s| s.id).collect(),
        output_level: deepest,
        drop_tombstones: true,
        trivial_move: false,
        cursor: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sst(id: u64, bytes: u64, first: &'static str, last: &'static str) -> SstSummary<'static> {
        SstSummary { id, bytes, tombstones: 0, first: first.as_bytes(), last: last.as_bytes() }
    }

    fn policy() -> Policy {
        Policy { l0_trigger: 4, base_level_bytes: 100, ratio: 10, levels: 4, target_sst_bytes: 50 }
    }

    #[test]
    fn a_full_l0_merges_into_the_overlapping_part_of_l1() {
        let levels = vec![
            vec![sst(1, 10, "a", "c"), sst(2, 10, "b", "d"), sst(3, 10, "a", "b"), sst(4, 10, "c", "e")],
            vec![sst(5, 40, "a", "b"), sst(6, 40, "x", "z")],
            vec![],
            vec![],
        ];
        let t = pick(&levels, &policy(), &[]).unwrap();
        assert_eq!(t.inputs, vec![1, 2, 3, 4, 5]);
        assert_eq!(t.output_level, 1);
        assert!(t.drop_tombstones);
        assert!(pick(&levels[..1], &policy(), &[]).is_none());
    }

    #[test]
    fn an_oversized_level_pushes_one_sst_down_round_robin() {
        let levels = vec![
            vec![],
            vec![sst(1, 60, "a", "c"), sst(2, 60, "d", "f")],
            vec![sst(3, 60, "e", "g")],
            vec![sst(9, 60, "a", "z")],
        ];
        let t = pick(&levels, &policy(), &[]).unwrap();
        assert_eq!((t.inputs.clone(), t.output_level, t.trivial_move, t.drop_tombstones), (vec![1], 2, true, false));
        let cursors = vec![vec![], b"c".to_vec()];
        let t = pick(&levels, &policy(), &cursors).unwrap();
        assert_eq!(t.inputs, vec![2, 3]);
        assert!(!t.trivial_move);
    }

    #[test]
    fn levels_within_target_need_nothing_and_full_compaction_merges_all() {
        let levels = vec![vec![sst(1, 10, "a", "b")], vec![sst(2, 50, "a", "z")], vec![], vec![]];
        assert!(pick(&levels, &policy(), &[]).is_none());
        let t = full(&levels).unwrap();
        assert_eq!((t.inputs, t.output_level), (vec![1, 2], 1));
        let settled = vec![vec![], vec![sst(2, 50, "a", "z")], vec![], vec![]];
        assert!(full(&settled).is_none());
    }

    #[test]
    fn settling_merges_down_only_when_the_upper_levels_outgrow_a_tenth_of_the_bottom() {
        let p = policy();
        let small_upper = vec![vec![sst(1, 10, "a", "b")], vec![], vec![sst(2, 100, "a", "z")], vec![]];
        assert!(settle(&small_upper, &p).is_none());
        let big_upper = vec![vec![sst(1, 10, "a", "b")], vec![sst(3, 5, "c", "d")], vec![sst(2, 100, "a", "z")], vec![]];
        let t = settle(&big_upper, &p).unwrap();
        assert_eq!((t.inputs, t.output_level, t.drop_tombstones), (vec![1, 3, 2], 2, true));
        let only_l0 = vec![vec![sst(1, 10, "a", "b")], vec![], vec![], vec![]];
        assert_eq!(settle(&only_l0, &p).unwrap().output_level, 1);
        let settled = vec![vec![], vec![], vec![sst(2, 100, "a", "z")], vec![]];
        assert!(settle(&settled, &p).is_none());
        assert!(settle(&[vec![], vec![]], &p).is_none());
    }

    #[test]
    fn simulated_load_keeps_l0_and_levels_bounded() {
        // Flush equal-sized, fully overlapping SSTs and apply tasks with a
        // crude model of their output: shape must stay within the limits.
        let p = policy();
        let mut levels: Vec<Vec<(u64, u64)>> = vec![Vec::new(); p.levels];
        let mut next_id = 0;
        let mut rewritten = 0u64;
        for _ in 0..500 {
            levels[0].insert(0, (next_id, 25));
            next_id += 1;
            loop {
                let view: Vec<Vec<SstSummary>> = levels
                    .iter()
                    .map(|l| l.iter().map(|&(id, b)| SstSummary { id, bytes: b, tombstones: 0, first: b"a", last: b"z" }).collect())
                    .collect();
                let Some(t) = pick(&view, &p, &[]) else { break };
                let bytes: u64 = levels.iter().flatten().filter(|(id, _)| t.inputs.contains(id)).map(|&(_, b)| b).sum();
                for l in levels.iter_mut() {
                    l.retain(|(id, _)| !t.inputs.contains(id));
                }
                rewritten += bytes;
                // Overwrites: the merged output is as big as the largest input level share.
                levels[t.output_level].push((next_id, bytes.min(p.target(t.output_level))));
                next_id += 1;
            }
            assert!(levels[0].len() < p.l0_trigger);
        }
        assert!(rewritten > 0);
    }
}
