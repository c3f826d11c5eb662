//! Point reads through the Bloom filters of tables below level 0, which eddy partitions
//! (`keyspaces::create_options`). A filter that wrongly said "absent" would lose a write's
//! old image and turn an overwrite into an INSERT, so every stored key must be found and
//! keys between them must not.

use super::open;
use eddy_storage::{Storage, WriteBatch};
use eddy_storage_fjall::FjallOptions;

const KEYS: u32 = 20_000;

fn present(i: u32) -> Vec<u8> {
    format!("k{i:06}0").into_bytes()
}

/// Sorts between `present(i)` and `present(i + 1)`, so every table's key range covers
/// some of these and only its filter can answer.
fn absent(i: u32) -> Vec<u8> {
    format!("k{i:06}5").into_bytes()
}

fn value(i: u32) -> Vec<u8> {
    format!("{i:064}").into_bytes()
}

/// 64 KiB memtables turn ~1.5 MB of writes into a few dozen flushes, so compactions move
/// most keys into level 1 and below while they are written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn point_reads_below_level_zero_find_every_key_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = FjallOptions {
        durable: false,
        memtable_bytes: 64 << 10,
        row_cache_bytes: 0,
        ..FjallOptions::default()
    };
    let store = open(dir.path(), opts.clone());
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(500) {
        let mut batch = WriteBatch::new();
        for &i in chunk {
            batch.put("items", present(i), value(i));
        }
        store.commit(batch).await.expect("commit");
    }
    let check = |store: &eddy_storage_fjall::FjallStorage| {
        for i in 0..KEYS {
            let got = store.get("items", &present(i)).expect("get");
            assert_eq!(got, Some(value(i)), "key {i}");
            assert_eq!(
                store.get("items", &absent(i)).expect("get"),
                None,
                "gap {i}"
            );
        }
    };
    check(&store);
    // Reopened, every table's filter (and partition index) is read back from disk.
    store.close().expect("close");
    drop(store);
    let store = open(dir.path(), opts);
    check(&store);
}
