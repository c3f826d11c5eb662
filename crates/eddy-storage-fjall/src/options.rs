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
    /// Size at which a keyspace's memtable is sealed and flushed to a table file
    /// (fjall default 64 MiB). Unflushed memtables are resident memory, so this times the
    /// number of busy keyspaces is the main term of eddy's RSS under load. Default 4 MiB.
    pub memtable_bytes: u64,
    /// Journal disk space above which fjall flushes the keyspaces that pin the oldest
    /// journal (fjall default 512 MiB, minimum 64 MiB). This is what bounds the memory of
    /// many small memtables and the replay time after a crash. Default 64 MiB.
    pub max_journal_bytes: u64,
    /// Background flush and compaction threads (fjall default min(cores, 4)). Default 2.
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
            memtable_bytes: 4 << 20,
            max_journal_bytes: 64 << 20,
            worker_threads: 2,
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
