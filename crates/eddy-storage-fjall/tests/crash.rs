//! Crash test: `kill -9` a writer mid-flight, reopen, check what survived.
//!
//! The parent re-executes this test binary, selecting [`crash_writer_child`] with an
//! environment variable. The child runs 16 tasks that commit numbered batches (one key in
//! keyspace `a`, one in `b`, values of 1 B to 20 KB so that batches straddle fjall's 8 KB
//! journal buffer) and print `ACK <n>` only after `commit` resolved. The parent reads the
//! acknowledgements, `SIGKILL`s the child after a varying number of them, reopens the
//! store and asserts (1) every acknowledged batch is present in both keyspaces with the
//! right values, and (2) every batch is all-or-nothing: no number exists in one keyspace
//! only. Four rounds on one directory alternate durable and non-durable mode and recover
//! an already-recovered store.
//!
//! A process kill does not lose data the OS has accepted, so this checks acknowledgement
//! order and torn-batch recovery, not the fsync itself (that would need a power cut or a
//! fault-injecting file system).

use super::open;
use eddy_storage::{KeyRange, Storage, WriteBatch};
use eddy_storage_fjall::FjallOptions;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const DIR_ENV: &str = "EDDY_FJALL_CRASH_DIR";
const START_ENV: &str = "EDDY_FJALL_CRASH_START";
const DURABLE_ENV: &str = "EDDY_FJALL_CRASH_DURABLE";
const ROUND: u64 = 1_000_000;

fn value(keyspace: u8, n: u64) -> Vec<u8> {
    let len = 1 + (n.wrapping_mul(7919) % 20_000) as usize;
    (0..len).map(|i| (n as u8) ^ keyspace ^ (i as u8)).collect()
}

/// The writer. Does nothing unless started by the parent test below.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_writer_child() {
    let Ok(dir) = std::env::var(DIR_ENV) else {
        return;
    };
    let start: u64 = std::env::var(START_ENV)
        .expect("start")
        .parse()
        .expect("start");
    let durable = std::env::var(DURABLE_ENV).as_deref() == Ok("1");
    let store = Arc::new(open(dir.as_ref(), FjallOptions::durable(durable)));
    let next = Arc::new(AtomicU64::new(start));
    let deadline = Instant::now() + Duration::from_secs(60); // in case the parent died
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (store, next) = (store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let mut b = WriteBatch::new();
                b.put("a", n.to_be_bytes().to_vec(), value(b'a', n));
                b.put("b", n.to_be_bytes().to_vec(), value(b'b', n));
                store.commit(b).await.expect("commit");
                let mut out = std::io::stdout().lock();
                writeln!(out, "ACK {n}")
                    .and_then(|()| out.flush())
                    .expect("stdout");
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer task");
    }
}

/// Runs one child until `kill_after` acknowledgements, SIGKILLs it, returns every ack.
fn run_and_kill(dir: &std::path::Path, start: u64, durable: bool, kill_after: usize) -> Vec<u64> {
    let exe = std::env::current_exe().expect("current_exe");
    let mut child = Command::new(exe)
        .args([
            "crash::crash_writer_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DIR_ENV, dir)
        .env(START_ENV, start.to_string())
        .env(DURABLE_ENV, if durable { "1" } else { "0" })
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("child stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix("ACK ") {
                let _ = tx.send(n.parse::<u64>().expect("ack number"));
            }
        }
    });
    let mut acked = Vec::new();
    let mut killed = false;
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(n) => {
                acked.push(n);
                if acked.len() == kill_after && !killed {
                    child.kill().expect("kill -9"); // SIGKILL on Unix
                    killed = true;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("child stalled after {} acks", acked.len());
            }
        }
    }
    reader.join().expect("reader thread");
    let status = child.wait().expect("wait");
    assert!(killed, "child exited ({status}) before {kill_after} acks");
    acked
}

#[cfg(unix)]
#[test]
fn acknowledged_commits_survive_kill_9_and_batches_stay_atomic() {
    let dir = tempfile::tempdir().expect("tempdir");
    for round in 0..4u64 {
        let durable = round % 2 == 0;
        let start = round * ROUND;
        let kill_after = 200 + 700 * round as usize;
        let acked = run_and_kill(dir.path(), start, durable, kill_after);

        let store = open(dir.path(), FjallOptions::default());
        for &n in &acked {
            let k = n.to_be_bytes();
            assert_eq!(
                store.get("a", &k).expect("get"),
                Some(value(b'a', n)),
                "round {round}: acked {n} lost in a"
            );
            assert_eq!(
                store.get("b", &k).expect("get"),
                Some(value(b'b', n)),
                "round {round}: acked {n} lost in b"
            );
        }
        let range = KeyRange {
            start: std::ops::Bound::Included(start.to_be_bytes().to_vec()),
            end: std::ops::Bound::Excluded((start + ROUND).to_be_bytes().to_vec()),
        };
        let present = |ks| -> BTreeSet<u64> {
            let pairs = store.scan(ks, &range, false, usize::MAX).expect("scan");
            pairs
                .into_iter()
                .map(|(k, v)| {
                    let n = u64::from_be_bytes(k.try_into().expect("8-byte key"));
                    assert_eq!(
                        v,
                        value(ks.as_bytes()[0], n),
                        "round {round}: value of {ks}/{n}"
                    );
                    n
                })
                .collect()
        };
        let (in_a, in_b) = (present("a"), present("b"));
        assert_eq!(
            in_a, in_b,
            "round {round}: a batch survived in one keyspace only"
        );
        let unacked = in_a.len() - acked.len();
        eprintln!(
            "crash round {round} (durable={durable}): {} acked, {} recovered, {unacked} recovered but unacknowledged",
            acked.len(),
            in_a.len()
        );
        store.close().expect("close");
    }
}
