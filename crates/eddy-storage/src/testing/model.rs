//! Model-based randomized test: random batches, gets and scans checked against `BTreeMap`s.
//!
//! Keys come from a tiny alphabet (0x00, 0x01, 0x7f, 0xff) and are 1-4 bytes long, so
//! batches collide on keys often and bounds land on, between and around stored keys.
//! Every failure message carries the seed and step; rerun one seed with
//! `EDDY_STORAGE_SEED=<seed>`.

use super::scan::expected;
use super::{Rng, Store, all, get, scan};
use crate::{KeyRange, WriteBatch, WriteOp};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

const KEYSPACES: [&str; 3] = ["m0", "m1", "m2"];
const STEPS: usize = 400;

type Model = HashMap<&'static str, BTreeMap<Vec<u8>, Vec<u8>>>;

/// Fixed seeds, plus `EDDY_STORAGE_SEED` when set.
pub(super) fn seeds() -> Vec<u64> {
    let mut seeds = vec![1, 2, 3, 0x5eed_cafe];
    if let Some(s) = std::env::var("EDDY_STORAGE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        seeds.push(s);
    }
    seeds
}

fn random_key(rng: &mut Rng) -> Vec<u8> {
    const ALPHABET: [u8; 4] = [0x00, 0x01, 0x7f, 0xff];
    let len = 1 + rng.below(4);
    (0..len)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect()
}

fn random_bound(rng: &mut Rng) -> Bound<Vec<u8>> {
    match rng.below(3) {
        0 => Bound::Unbounded,
        1 => Bound::Included(random_key(rng)),
        _ => Bound::Excluded(random_key(rng)),
    }
}

fn random_range(rng: &mut Rng) -> KeyRange {
    if rng.chance(25) {
        let mut p = random_key(rng);
        p.truncate(1 + rng.below(2));
        KeyRange::prefix(&p)
    } else {
        KeyRange {
            start: random_bound(rng),
            end: random_bound(rng),
        }
    }
}

fn random_batch(rng: &mut Rng) -> WriteBatch {
    let mut b = WriteBatch::new();
    for _ in 0..rng.below(7) {
        let ks = KEYSPACES[rng.below(KEYSPACES.len())];
        let key = random_key(rng);
        if rng.chance(35) {
            b.delete(ks, key);
        } else {
            let len = if rng.chance(5) {
                5000 + rng.below(5000)
            } else {
                rng.below(12)
            };
            let fill = rng.next_u64() as u8;
            b.put(ks, key, vec![fill; len]);
        }
    }
    b
}

fn apply(model: &mut Model, batch: &WriteBatch) {
    for op in &batch.ops {
        match op {
            WriteOp::Put {
                keyspace,
                key,
                value,
            } => {
                model
                    .entry(keyspace)
                    .or_default()
                    .insert(key.clone(), value.clone());
            }
            WriteOp::Delete { keyspace, key } => {
                model.entry(keyspace).or_default().remove(key);
            }
        }
    }
}

pub(super) async fn random_ops(s: Store, seed: u64) -> Store {
    let mut rng = Rng::new(seed);
    let mut model = Model::new();
    let empty = BTreeMap::new();
    for step in 0..STEPS {
        let mut batch = random_batch(&mut rng);
        let poisoned = rng.chance(3);
        if poisoned {
            // An invalid key anywhere rejects the whole batch.
            let at = rng.below(batch.len() + 1);
            batch.ops.insert(
                at,
                WriteOp::Delete {
                    keyspace: "m0",
                    key: Vec::new(),
                },
            );
        }
        let res = s.commit(batch.clone()).await;
        match (poisoned, res) {
            (false, Ok(())) => apply(&mut model, &batch),
            (true, Err(_)) => {}
            (p, r) => panic!("seed {seed} step {step}: invalid-key batch={p} got {r:?}"),
        }
        for _ in 0..3 {
            let ks = KEYSPACES[rng.below(KEYSPACES.len())];
            let m = model.get(ks).unwrap_or(&empty);
            let key = random_key(&mut rng);
            assert_eq!(
                get(&s, ks, &key),
                m.get(&key).cloned(),
                "seed {seed} step {step}: get {ks}/{key:?}"
            );
            let range = random_range(&mut rng);
            let reverse = rng.chance(50);
            let limit = if rng.chance(30) {
                rng.below(4)
            } else {
                usize::MAX
            };
            assert_eq!(
                scan(&s, ks, &range, reverse, limit),
                expected(m, &range, reverse, limit),
                "seed {seed} step {step}: scan {ks} {range:?} reverse={reverse} limit={limit}"
            );
        }
    }
    for ks in KEYSPACES {
        let m = model.get(ks).unwrap_or(&empty);
        assert_eq!(
            scan(&s, ks, &all(), false, usize::MAX),
            expected(m, &all(), false, usize::MAX),
            "seed {seed}: final {ks}"
        );
    }
    s
}
