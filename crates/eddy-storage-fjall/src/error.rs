//! Translating fjall errors into the storage vocabulary.
//!
//! fjall asks applications not to handle its errors individually but to crash and
//! recover (a failed fsync leaves the page cache in an unknown state; see the
//! "Can applications recover from fsync failures?" paper cited by fjall). The mapping
//! follows that advice: anything that means "the journal or a table is not what we
//! wrote", including fjall's `Poisoned` state after a failed journal write or sync,
//! becomes [`StorageError::Corrupt`], which tells the engine to stop serving.

use eddy_storage::StorageError;

/// Maps a fjall error to a [`StorageError`].
pub(crate) fn from_fjall(e: fjall::Error) -> StorageError {
    use fjall::Error as E;
    match e {
        E::Io(io) => StorageError::Transient(io.to_string()),
        E::Storage(fjall::LsmError::Io(io)) => StorageError::Transient(io.to_string()),
        E::Poisoned => StorageError::Corrupt(
            "an earlier journal write or fsync failed; restart to recover from the journal".into(),
        ),
        E::Locked => StorageError::Other(
            "the data directory is locked by another process (or another open store)".into(),
        ),
        E::KeyspaceDeleted => StorageError::Other("keyspace was deleted".into()),
        e @ (E::Storage(_)
        | E::JournalRecovery(_)
        | E::InvalidVersion(_)
        | E::Decompress(_)
        | E::InvalidTrailer
        | E::InvalidTag(_)
        | E::Unrecoverable) => StorageError::Corrupt(e.to_string()),
        other => StorageError::Other(other.to_string()),
    }
}

/// Maps an error from writing or syncing the journal. fjall poisons the database on
/// any such failure, so even an I/O error is final: report it as corruption.
pub(crate) fn from_fjall_write(e: fjall::Error) -> StorageError {
    match e {
        fjall::Error::Io(io) => StorageError::Corrupt(format!(
            "journal write or sync failed ({io}); the store refuses further writes, restart to recover"
        )),
        other => from_fjall(other),
    }
}

/// A copy of `e`, to hand one group failure to every waiter of the group
/// ([`StorageError`] is not `Clone`, and is `non_exhaustive`).
pub(crate) fn duplicate(e: &StorageError) -> StorageError {
    match e {
        StorageError::Transient(m) => StorageError::Transient(m.clone()),
        StorageError::Corrupt(m) => StorageError::Corrupt(m.clone()),
        StorageError::Closed => StorageError::Closed,
        StorageError::Other(m) => StorageError::Other(m.clone()),
        other => StorageError::Other(other.to_string()),
    }
}
