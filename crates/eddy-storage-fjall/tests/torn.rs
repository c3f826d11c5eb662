//! Torn journal tails: what a power cut leaves when only a prefix of the journal reached
//! the disk.
//!
//! One task commits numbered batches in order (one key in `a`, one in `b`, values up to
//! 6 KB so records cross fjall's 8 KB write buffer), then the store is closed. For many
//! cut points the directory is copied and the journal is cut there, either truncated or
//! with the rest zeroed (fjall preallocates journals, so a lost tail reads as zeros).
//! Reopening must succeed and recover exactly a prefix of the commit order, with every
//! batch whole, and a longer journal must never recover less.

use super::open;
use eddy_storage::{KeyRange, Storage, WriteBatch};
use eddy_storage_fjall::FjallOptions;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const BATCHES: u64 = 300;

fn value(keyspace: u8, n: u64) -> Vec<u8> {
    let len = 1 + (n.wrapping_mul(2654435761) % 6000) as usize;
    (0..len).map(|i| (n as u8) ^ keyspace ^ (i as u8)).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("dirent");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn journals(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("dirent").path();
        if path.is_dir() {
            journals(&path, out);
        } else if path.extension().is_some_and(|e| e == "jnl") {
            out.push(path);
        }
    }
}

fn recovered(store: &dyn Storage, ks: &'static str) -> BTreeSet<u64> {
    let pairs = store
        .scan(ks, &KeyRange::prefix(b""), false, usize::MAX)
        .expect("scan");
    pairs
        .into_iter()
        .map(|(k, v)| {
            let n = u64::from_be_bytes(k.try_into().expect("8-byte key"));
            assert_eq!(v, value(ks.as_bytes()[0], n), "value of {ks}/{n}");
            n
        })
        .collect()
}

#[tokio::test]
async fn torn_journal_tail_recovers_a_prefix_of_whole_batches() {
    let base = tempfile::tempdir().expect("tempdir");
    let original = base.path().join("original");
    let store = open(&original, FjallOptions::default());
    for n in 0..BATCHES {
        let mut b = WriteBatch::new();
        b.put("a", n.to_be_bytes().to_vec(), value(b'a', n));
        b.put("b", n.to_be_bytes().to_vec(), value(b'b', n));
        store.commit(b).await.expect("commit");
    }
    store.close().expect("close");
    drop(store);

    let mut found = Vec::new();
    journals(&original, &mut found);
    assert_eq!(found.len(), 1, "expected one journal, found {found:?}");
    let journal_rel = found[0]
        .strip_prefix(&original)
        .expect("inside")
        .to_path_buf();
    let bytes = std::fs::read(&found[0]).expect("read journal");
    let used = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    assert!(used > 100_000, "journal holds the batches ({used} bytes)");

    let mut cuts: Vec<usize> = (0..40).map(|i| used * i / 40).collect();
    cuts.extend([used - 1, used - 7, used / 2 + 1, used / 3 + 13, used]);
    cuts.sort_unstable();
    let mut previous = 0usize;
    for (i, &cut) in cuts.iter().enumerate() {
        let copy = base.path().join(format!("cut-{i}"));
        copy_dir(&original, &copy);
        let journal = copy.join(&journal_rel);
        let mut torn = bytes.clone();
        if i % 2 == 0 {
            torn.truncate(cut);
        } else {
            torn[cut..].fill(0);
        }
        std::fs::write(&journal, &torn).expect("write torn journal");

        let store = open(&copy, FjallOptions::default());
        let (in_a, in_b) = (recovered(&store, "a"), recovered(&store, "b"));
        assert_eq!(
            in_a, in_b,
            "cut at {cut}/{used}: a batch survived in one keyspace only"
        );
        let k = in_a.len();
        assert!(
            in_a.iter().copied().eq(0..k as u64),
            "cut at {cut}/{used}: not a prefix"
        );
        assert!(
            k >= previous,
            "cut at {cut}/{used}: recovered {k} < {previous} before"
        );
        if cut == used {
            assert_eq!(k as u64, BATCHES, "the whole journal recovers everything");
        }
        previous = k;
        eprintln!(
            "cut {cut}/{used} ({}): {k} batches recovered",
            if i % 2 == 0 { "truncated" } else { "zeroed" }
        );
        // A recovered store accepts writes again.
        let mut b = WriteBatch::new();
        b.put("a", b"after".to_vec(), b"x".to_vec());
        store.commit(b).await.expect("commit after recovery");
        store.close().expect("close");
    }
    assert!(cuts[1] < used && previous == BATCHES as usize);
}
