//! Tuning knobs for [`crate::FjallStorage`], with defaults sized for a small server.
//!
//! fjall's own defaults (32 MiB block cache, 64 MiB memtable per keyspace, 512 MiB of
//! journals, min(cores, 4) worker threads) suit a dedicated database host. Eddy must idle
//! under 30 MB RSS on a small machine, so the defaults here are smaller. Memory that
//! actually grows with use is the block cache (bounded by `cache_bytes`) and unflushed
//! memtables: each keyspace flushes at `memtable_bytes`, and keyspaces that rarely fill
//! up are flushed once the journals exceed `max_journal_bytes` (fjall 3.1 has no working
//! global write-buffer cap: `max_write_buffer_size` is hidden, deprecated and unread).

/// Options for [`crate::FjallStorage::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FjallOptions {
    /// Fsync (`fdatasync`) the journal once per commit group before acknowledging.
    /// `false` still hands every group to the OS before acknowledging, so acknowledged
    /// commits survive a process crash but not a power loss or kernel crash. Use `false`
    /// only for benchmarks and throwaway data. Default `true`.
    pub durable: bool,
    /// Block cache capacity in bytes (fjall default 32 MiB). Only blocks read from disk
    /// occupy it, so a fresh server pays nothing for it, but after a large Query or Scan it
    /// stays full. Default 8 MiB.
    pub cache_bytes: u64,
    /// Capacity of the row cache: whole values of recently read keys, so a repeated
    /// point read skips the LSM walk (see `row_cache.rs`). Filled only by reads, emptied
    /// of a key by any write to it. 0 disables it. Default 4 MiB.
    pub row_cache_bytes: u64,
    /// Size at which a keyspace's memtable is sealed and flushed to a table file
    /// (fjall default 64 MiB). Unflushed memtables are resident memory, so this times the
    /// number of busy keyspaces is the main term of eddy's RSS under load. Default 16 MiB:
    /// every flush takes fjall's journal lock for a full `fsync` (fjall issue 329), which
    /// stalls the committer for up to tens of milliseconds while compaction I/O is queued,
    /// and flushes also add L0 runs that every point read must consult. 4 MiB memtables
    /// flushed four times as often and cost 10-15% of PutItem throughput with a stream.
    pub memtable_bytes: u64,
    /// Journal disk space above which fjall flushes the keyspaces that pin the oldest
    /// journal (fjall default 512 MiB, minimum 64 MiB). This is what bounds the memory of
    /// many small memtables and the replay time after a crash. Default 64 MiB.
    pub max_journal_bytes: u64,
    /// Background flush and compaction threads (fjall default min(cores, 4)). Default 1:
    /// with two or more, fjall 3.1's worker 0 hands every compaction request back to the
    /// queue and takes it again while another worker is busy, a spin that cost about 5% of
    /// eddy's CPU under write load in the profile. One worker runs flushes and compactions
    /// in turn, which a 16 MiB memtable gives enough time for.
    pub worker_threads: usize,
    /// Most commits the committer folds into one journal sync. Bounds the latency a
    /// large group adds to its first member. Default 1024.
    pub max_group_commits: usize,
    /// Most key and value bytes folded into one group (a single batch larger than this
    /// still forms a group of its own). Default 16 MiB.
    pub max_group_bytes: usize,
}

impl Default for FjallOptions {
    fn default() -> Self {
        Self {
            durable: true,
            cache_bytes: 8 << 20,
            row_cache_bytes: 4 << 20,
            memtable_bytes: 16 << 20,
            max_journal_bytes: 64 << 20,
            worker_threads: 1,
            max_group_commits: 1024,
            max_group_bytes: 16 << 20,
        }
    }
}

impl FjallOptions {
    /// Defaults with `durable` set as given.
    pub fn durable(durable: bool) -> Self {
        Self {
            durable,
            ..Self::default()
        }
    }
}
