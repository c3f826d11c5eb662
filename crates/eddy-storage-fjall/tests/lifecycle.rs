//! Open, close, drop and reopen: what survives, and that nothing hangs.

use super::open;
use eddy_storage::{KeyRange, Storage, StorageError, WriteBatch};
use eddy_storage_fjall::{FjallOptions, FjallStorage};
use std::ops::Bound::Unbounded;
use std::time::Duration;

fn all() -> KeyRange {
    KeyRange {
        start: Unbounded,
        end: Unbounded,
    }
}

fn batch(n: u32) -> WriteBatch {
    let mut b = WriteBatch::new();
    b.put("items", n.to_be_bytes().to_vec(), vec![n as u8; 100]);
    b.put("stream", n.to_be_bytes().to_vec(), vec![!(n as u8); 50]);
    b
}

#[tokio::test]
async fn data_survives_close_and_reopen() -> Result<(), StorageError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), FjallOptions::default());
    for n in 0..100 {
        store.commit(batch(n)).await?;
    }
    let mut b = WriteBatch::new();
    b.put("items", b"dup".to_vec(), b"first".to_vec());
    b.delete("items", b"dup".to_vec());
    b.put("items", b"dup".to_vec(), b"last".to_vec());
    store.commit(b).await?;
    store.close()?;
    drop(store);

    let store = open(dir.path(), FjallOptions::default());
    // Reads before any write must find the recovered keyspaces.
    assert_eq!(store.get("items", &7u32.to_be_bytes())?, Some(vec![7; 100]));
    assert_eq!(store.get("items", b"dup")?.as_deref(), Some(&b"last"[..]));
    assert_eq!(store.scan("stream", &all(), false, 1000)?.len(), 100);
    assert_eq!(
        store.get("never", b"x")?,
        None,
        "unknown keyspace reads as empty"
    );
    Ok(())
}

#[tokio::test]
async fn data_survives_drop_without_close() -> Result<(), StorageError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), FjallOptions::durable(false));
    for n in 0..50 {
        store.commit(batch(n)).await?;
    }
    drop(store);
    let store = open(dir.path(), FjallOptions::default());
    assert_eq!(store.scan("items", &all(), false, 1000)?.len(), 50);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_with_commits_in_flight_commits_them_and_returns() -> Result<(), StorageError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), FjallOptions::default());
    // Submitted but not awaited: `commit` hands the batch over before returning.
    let pending: Vec<_> = (0..500).map(|n| store.commit(batch(n))).collect();
    let dropped = tokio::task::spawn_blocking(move || drop(store));
    tokio::time::timeout(Duration::from_secs(30), dropped)
        .await
        .expect("drop hung")
        .expect("drop panicked");
    for (n, fut) in pending.into_iter().enumerate() {
        fut.await
            .unwrap_or_else(|e| panic!("commit {n} submitted before drop failed: {e}"));
    }
    let store = open(dir.path(), FjallOptions::default());
    assert_eq!(store.scan("items", &all(), false, 1000)?.len(), 500);
    Ok(())
}

#[tokio::test]
async fn dropped_commit_future_still_commits() -> Result<(), StorageError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), FjallOptions::default());
    drop(store.commit(batch(1)));
    store.commit(WriteBatch::new()).await?; // queued behind it: resolves after it
    assert_eq!(store.get("items", &1u32.to_be_bytes())?, Some(vec![1; 100]));
    Ok(())
}

#[test]
fn second_open_of_a_directory_fails_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = open(dir.path(), FjallOptions::default());
    match FjallStorage::open(dir.path(), FjallOptions::default()) {
        Err(e) => assert!(e.to_string().contains("locked"), "unexpected error: {e}"),
        Ok(_) => panic!("a second open of a locked directory must fail"),
    }
    drop(first);
    let _reopened = open(dir.path(), FjallOptions::default());
}

#[test]
fn invalid_options_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = [
        FjallOptions {
            worker_threads: 0,
            ..FjallOptions::default()
        },
        FjallOptions {
            max_journal_bytes: 1 << 20,
            ..FjallOptions::default()
        },
    ];
    for opts in bad {
        assert!(
            FjallStorage::open(dir.path(), opts.clone()).is_err(),
            "{opts:?}"
        );
    }
}

/// Enough data to flush memtables to table files (1 MiB memtables), so reads merge
/// tables and memtables, before and after a reopen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_merge_flushed_tables_and_memtables() -> Result<(), StorageError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = FjallOptions {
        memtable_bytes: 1 << 20,
        ..FjallOptions::default()
    };
    let store = open(dir.path(), opts.clone());
    const N: u32 = 20_000;
    for chunk in 0..N / 500 {
        let mut b = WriteBatch::new();
        for n in chunk * 500..(chunk + 1) * 500 {
            b.put("items", n.to_be_bytes().to_vec(), vec![n as u8; 300]);
        }
        store.commit(b).await?;
    }
    let mut b = WriteBatch::new();
    for n in (0..N).step_by(2) {
        b.delete("items", n.to_be_bytes().to_vec());
    }
    store.commit(b).await?;
    for round in 0..2 {
        let fwd = store.scan("items", &all(), false, usize::MAX)?;
        assert_eq!(fwd.len(), (N / 2) as usize, "round {round}");
        assert!(fwd.iter().all(|(k, v)| k[3] % 2 == 1 && v.len() == 300));
        let rev = store.scan("items", &all(), true, 10)?;
        assert_eq!(rev[0].0, (N - 1).to_be_bytes().to_vec(), "round {round}");
        assert_eq!(
            store.get("items", &4u32.to_be_bytes())?,
            None,
            "round {round}"
        );
        assert_eq!(store.get("items", &5u32.to_be_bytes())?, Some(vec![5; 300]));
        if round == 0 {
            store.close()?;
        }
    }
    drop(store);
    let store = open(dir.path(), opts);
    assert_eq!(
        store.scan("items", &all(), false, usize::MAX)?.len(),
        (N / 2) as usize
    );
    Ok(())
}
