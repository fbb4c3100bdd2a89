//! The storage engine's tests: the LSM tree against an in-memory oracle,
//! crash points and injected faults through the fault-injecting adapter,
//! encryption, the block cache and the golden format files. One test binary,
//! so that a test run links the engine once for all of them.

mod support;

mod cache;
mod crash;
mod encryption;
mod faults;
mod golden;
mod index_crash;
mod model;
mod read_only;
mod transact_crash;
