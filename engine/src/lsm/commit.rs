//! Group commit: making acknowledged batches durable with as few syncs as
//! possible, and outside the tree's write lock.
//!
//! The tree appends a batch's WAL record and writes it to the file while the
//! caller holds the write lock, then hands back a [`PendingCommit`]. Waiting
//! on it ([`PendingCommit::wait`]) needs no lock: the [`SyncCoordinator`]
//! holds its own `Arc` of the file. The first waiter whose seqno is not yet
//! durable becomes the syncer: it notes the highest seqno written so far,
//! syncs, and publishes that seqno as durable; waiters that arrive meanwhile
//! block on a condition variable and are released by that one sync (or run
//! the next one). So N threads committing together pay for about one fsync,
//! not N. With one thread (WASI, the browser worker) this degenerates to
//! "write, then sync", with no waiting ever.
//!
//! A failed sync poisons the coordinator: the data may or may not be on disk,
//! so every later write is refused with `PreviousIoFailed` until the database
//! is reopened and recovers from what actually reached the disk.

use crate::error::StorageError;
use crate::io::FileIo;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

struct SyncState {
    synced: u64,
    syncing: bool,
}

pub struct SyncCoordinator {
    file: Arc<dyn FileIo>,
    written: AtomicU64,
    failed: AtomicBool,
    state: Mutex<SyncState>,
    done: Condvar,
    syncs: AtomicU64,
}

impl SyncCoordinator {
    pub fn new(file: Arc<dyn FileIo>, seqno: u64) -> Self {
        SyncCoordinator {
            file,
            written: AtomicU64::new(seqno),
            failed: AtomicBool::new(false),
            state: Mutex::new(SyncState { synced: seqno, syncing: false }),
            done: Condvar::new(),
            syncs: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SyncState> {
        // The state is two plain fields updated together; a panic elsewhere
        // cannot leave them inconsistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every record up to `seqno` has been written to the file.
    pub fn note_written(&self, seqno: u64) {
        self.written.fetch_max(seqno, Ordering::SeqCst);
    }

    /// Everything up to `seqno` is durable (e.g. a flush synced it).
    pub fn mark_synced(&self, seqno: u64) {
        self.note_written(seqno);
        let mut st = self.lock();
        st.synced = st.synced.max(seqno);
        drop(st);
        self.done.notify_all();
    }

    pub fn poison(&self) {
        self.failed.store(true, Ordering::SeqCst);
        self.done.notify_all();
    }

    pub fn is_poisoned(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    pub fn synced(&self) -> u64 {
        self.lock().synced
    }

    /// Syncs run by waiters (not counting the tree's own).
    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// Return once every record up to `seqno` is durable.
    pub fn sync_to(&self, seqno: u64) -> Result<(), StorageError> {
        let mut st = self.lock();
        loop {
            if self.is_poisoned() {
                return Err(StorageError::PreviousIoFailed);
            }
            if st.synced >= seqno {
                return Ok(());
            }
            if st.syncing {
                st = self.done.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            st.syncing = true;
            let target = self.written.load(Ordering::SeqCst);
            drop(st);
            let result = self.file.sync();
            self.syncs.fetch_add(1, Ordering::Relaxed);
            st = self.lock();
            st.syncing = false;
            match result {
                Ok(()) => st.synced = st.synced.max(target),
                Err(e) => {
                    self.failed.store(true, Ordering::SeqCst);
                    drop(st);
                    self.done.notify_all();
                    return Err(StorageError::Io(e));
                }
            }
            self.done.notify_all();
        }
    }
}

/// A batch that is applied and written, and perhaps not yet durable.
#[must_use = "wait() makes the commit durable as the durability mode promises"]
pub struct PendingCommit {
    pub seqno: u64,
    /// Set when the durability mode requires a sync before acknowledging.
    pub(crate) sync: Option<Arc<SyncCoordinator>>,
}

impl PendingCommit {
    /// Make the batch as durable as the durability mode promises; call it
    /// after releasing the tree's lock so concurrent committers share syncs.
    pub fn wait(self) -> Result<u64, StorageError> {
        if let Some(c) = &self.sync {
            c.sync_to(self.seqno)?;
        }
        Ok(self.seqno)
    }

    /// True if `wait` will sync.
    pub fn needs_sync(&self) -> bool {
        self.sync.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{FaultPlan, FaultyFile};

    #[test]
    fn one_sync_covers_every_written_record_and_failures_poison() {
        let file = FaultyFile::new(FaultPlan::default());
        let c = SyncCoordinator::new(Arc::new(file.clone()), 0);
        c.note_written(5);
        c.sync_to(3).unwrap();
        c.sync_to(5).unwrap();
        assert_eq!(file.syncs(), 1);
        c.note_written(6);
        file.set_plan(FaultPlan { crash_at_mutation: None, fail_call: Some(file.calls() + 1) });
        assert!(c.sync_to(6).is_err());
        assert!(matches!(c.sync_to(6), Err(StorageError::PreviousIoFailed)));
    }
}
