//! A file that crashes and fails on command, for tests.
//!
//! [`FaultyFile`] keeps two images: the *durable* bytes (everything covered by
//! a completed [`FileIo::sync`]) and the writes issued since then. Reads see
//! both, like a page cache would. A crash is modelled by choosing which of the
//! unsynced writes reached the disk: none, all, a random subset applied in a
//! random order, and optionally one of them torn at an arbitrary byte — the
//! freedom a real disk has between two syncs ([`FaultyFile::crash_image`]).
//!
//! A [`FaultPlan`] makes the file die after its Nth mutating call (every later
//! call fails, as if the process had stopped there) or fail just its Nth call
//! of any kind (an I/O error the engine must report and survive). Everything
//! is deterministic from the plan and the seed, so a failing case replays.

use super::{eof, FileIo};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

/// When to misbehave. Calls are counted from 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// Die after this many mutating calls (`write_at`, `set_len`, `sync`): the
    /// call with this number and all later calls fail.
    pub crash_at_mutation: Option<u64>,
    /// Fail only the call (of any kind) with this number.
    pub fail_call: Option<u64>,
}

/// Which unsynced writes survive a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashMode {
    /// Only synced bytes survive.
    DropUnsynced,
    /// Every issued write survived (as if the OS flushed just in time).
    KeepAll,
    /// A random subset survives, applied in a random order.
    Reorder,
    /// Like `Reorder`, and one surviving write is cut at a random byte.
    Torn,
}

#[derive(Debug, Clone)]
enum Pending {
    Write { offset: u64, data: Vec<u8> },
    SetLen(u64),
}

#[derive(Debug, Default)]
struct State {
    durable: Vec<u8>,
    live: Vec<u8>,
    pending: Vec<Pending>,
    plan: FaultPlan,
    calls: u64,
    mutations: u64,
    syncs: u64,
    dead: bool,
}

/// A crash- and error-injecting in-memory file. Clones share state, so a test
/// keeps one handle while the engine owns another.
#[derive(Clone, Default)]
pub struct FaultyFile {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for FaultyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        write!(f, "FaultyFile(calls={}, mutations={}, pending={})", s.calls, s.mutations, s.pending.len())
    }
}

impl FaultyFile {
    /// An empty file that follows `plan`.
    pub fn new(plan: FaultPlan) -> Self {
        Self::from_image(Vec::new(), plan)
    }

    /// A file whose durable contents are `bytes` (e.g. a crash image).
    pub fn from_image(bytes: Vec<u8>, plan: FaultPlan) -> Self {
        let state = State { durable: bytes.clone(), live: bytes, plan, ..State::default() };
        FaultyFile { state: Arc::new(Mutex::new(state)) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replace the plan; counters keep running.
    pub fn set_plan(&self, plan: FaultPlan) {
        self.lock().plan = plan;
    }

    /// Calls of any kind so far.
    pub fn calls(&self) -> u64 {
        self.lock().calls
    }

    /// Mutating calls (`write_at`, `set_len`, `sync`) so far.
    pub fn mutations(&self) -> u64 {
        self.lock().mutations
    }

    /// Completed syncs so far.
    pub fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    /// True once the crash point has been reached.
    pub fn has_crashed(&self) -> bool {
        self.lock().dead
    }

    /// The bytes as the engine currently sees them.
    pub fn live_image(&self) -> Vec<u8> {
        self.lock().live.clone()
    }

    /// The bytes covered by the last completed sync.
    pub fn durable_image(&self) -> Vec<u8> {
        self.lock().durable.clone()
    }

    /// What the disk could hold after a crash now, chosen by `mode` and `seed`.
    pub fn crash_image(&self, mode: CrashMode, seed: u64) -> Vec<u8> {
        let s = self.lock();
        let mut rng = SplitMix64(seed);
        let mut chosen: Vec<Pending> = match mode {
            CrashMode::DropUnsynced => Vec::new(),
            CrashMode::KeepAll => s.pending.clone(),
            CrashMode::Reorder | CrashMode::Torn => {
                let mut keep: Vec<Pending> =
                    s.pending.iter().filter(|_| rng.next() & 1 == 1).cloned().collect();
                shuffle(&mut keep, &mut rng);
                keep
            }
        };
        if mode == CrashMode::Torn {
            let writes: Vec<usize> = chosen
                .iter()
                .enumerate()
                .filter(|(_, p)| matches!(p, Pending::Write { data, .. } if !data.is_empty()))
                .map(|(i, _)| i)
                .collect();
            if !writes.is_empty() {
                let victim = writes[(rng.next() % writes.len() as u64) as usize];
                if let Pending::Write { data, .. } = &mut chosen[victim] {
                    let cut = (rng.next() % data.len() as u64) as usize;
                    data.truncate(cut);
                }
            }
        }
        let mut image = s.durable.clone();
        for p in &chosen {
            apply(&mut image, p);
        }
        image
    }

    /// Count a call and decide whether it fails.
    fn enter(&self, mutating: bool) -> io::Result<MutexGuard<'_, State>> {
        let mut s = self.lock();
        s.calls += 1;
        if mutating {
            s.mutations += 1;
            if s.plan.crash_at_mutation.is_some_and(|n| s.mutations >= n) {
                s.dead = true;
            }
        }
        if s.dead {
            return Err(io::Error::other("simulated crash: the file is gone"));
        }
        if s.plan.fail_call == Some(s.calls) {
            return Err(io::Error::other(format!("injected I/O error on call {}", s.calls)));
        }
        Ok(s)
    }
}

fn apply(image: &mut Vec<u8>, p: &Pending) {
    match p {
        Pending::Write { offset, data } => {
            let end = *offset as usize + data.len();
            if image.len() < end {
                image.resize(end, 0);
            }
            image[*offset as usize..end].copy_from_slice(data);
        }
        Pending::SetLen(len) => image.resize(*len as usize, 0),
    }
}

impl FileIo for FaultyFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let s = self.enter(false)?;
        let len = s.live.len() as u64;
        match offset.checked_add(buf.len() as u64) {
            Some(end) if end <= len => {
                buf.copy_from_slice(&s.live[offset as usize..end as usize]);
                Ok(())
            }
            _ => Err(eof(offset, buf.len(), len)),
        }
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut s = self.enter(true)?;
        let p = Pending::Write { offset, data: data.to_vec() };
        apply(&mut s.live, &p);
        s.pending.push(p);
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.enter(false)?.live.len() as u64)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut s = self.enter(true)?;
        let p = Pending::SetLen(len);
        apply(&mut s.live, &p);
        s.pending.push(p);
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        let mut s = self.enter(true)?;
        let pending = std::mem::take(&mut s.pending);
        for p in &pending {
            apply(&mut s.durable, p);
        }
        s.syncs += 1;
        Ok(())
    }
}

/// A tiny deterministic generator (SplitMix64); tests need replayable
/// choices, not statistical quality.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn shuffle<T>(v: &mut [T], rng: &mut SplitMix64) {
    for i in (1..v.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_file_contract() {
        super::super::contract::check(&FaultyFile::default());
    }

    #[test]
    fn unsynced_writes_can_be_lost_and_synced_ones_cannot() {
        let f = FaultyFile::default();
        f.write_at(0, b"synced").unwrap();
        f.sync().unwrap();
        f.write_at(6, b"-pending").unwrap();
        assert_eq!(f.live_image(), b"synced-pending");
        assert_eq!(f.crash_image(CrashMode::DropUnsynced, 1), b"synced");
        assert_eq!(f.crash_image(CrashMode::KeepAll, 1), b"synced-pending");
        let mut saw_lost = false;
        let mut saw_kept = false;
        for seed in 0..64 {
            for mode in [CrashMode::Reorder, CrashMode::Torn] {
                let image = f.crash_image(mode, seed);
                assert!(image.starts_with(b"synced"), "synced bytes lost: {image:?}");
                if image.len() == 6 {
                    saw_lost = true;
                }
                if image == b"synced-pending" {
                    saw_kept = true;
                }
            }
        }
        assert!(saw_lost && saw_kept);
    }

    #[test]
    fn torn_writes_keep_a_prefix() {
        let f = FaultyFile::default();
        f.write_at(0, &[7u8; 100]).unwrap();
        let mut torn_seen = false;
        for seed in 0..64 {
            let image = f.crash_image(CrashMode::Torn, seed);
            assert!(image.iter().all(|&b| b == 7));
            if !image.is_empty() && image.len() < 100 {
                torn_seen = true;
            }
        }
        assert!(torn_seen);
    }

    #[test]
    fn a_crash_stops_every_later_call() {
        let f = FaultyFile::new(FaultPlan { crash_at_mutation: Some(2), fail_call: None });
        f.write_at(0, b"a").unwrap();
        assert!(f.write_at(1, b"b").is_err());
        assert!(f.has_crashed());
        let mut buf = [0u8; 1];
        assert!(f.read_at(0, &mut buf).is_err());
        assert!(f.sync().is_err());
        assert_eq!(f.live_image(), b"a");
    }

    #[test]
    fn an_injected_error_fails_one_call_only() {
        let f = FaultyFile::new(FaultPlan { crash_at_mutation: None, fail_call: Some(2) });
        f.write_at(0, b"a").unwrap();
        assert!(f.sync().is_err());
        f.sync().unwrap();
        assert_eq!(f.durable_image(), b"a");
    }

    #[test]
    fn crash_images_replay_from_their_seed() {
        let f = FaultyFile::default();
        for i in 0..20u64 {
            f.write_at(i * 3, &[i as u8; 5]).unwrap();
        }
        assert_eq!(f.crash_image(CrashMode::Torn, 42), f.crash_image(CrashMode::Torn, 42));
    }
}
