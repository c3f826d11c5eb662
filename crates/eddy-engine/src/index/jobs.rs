//! The background index work of one engine: backfills, GSI deletions, table purges and
//! the startup sweep, each a tokio task.
//!
//! Tasks hold only a weak reference to the engine between pages, check a stop signal
//! before every page ([`Indexes::stop`], called by `Engine::shutdown`), and simply end on
//! a storage failure: everything they do is recorded durably page by page, and
//! [`Indexes::start`] resumes from the catalog (`CREATING` indexes, `DELETING` ones,
//! orphaned ids) when the engine is opened again.

use super::IndexStats;
use super::backfill::Step;
use crate::Engine;
use eddy_storage::{Storage, StorageError};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Index statistics and background work, owned by the engine.
pub(crate) struct Indexes {
    /// Per-index ItemCount / IndexSizeBytes.
    pub(crate) stats: IndexStats,
    engine: OnceLock<Weak<Engine>>,
    stop: watch::Sender<bool>,
    tasks: parking_lot::Mutex<Vec<JoinHandle<()>>>,
    /// Backfill pages (and GSI purges) left before the task stops as if the process died
    /// (tests only; negative: unlimited).
    #[cfg(test)]
    pub(crate) page_budget: std::sync::atomic::AtomicI64,
}

/// One background job.
enum Job {
    Backfill {
        table: String,
        table_id: u64,
        index_id: u64,
    },
    Delete {
        table: String,
        table_id: u64,
        index_id: u64,
    },
    Purge {
        index_ids: Vec<u64>,
    },
    Sweep,
}

impl Indexes {
    /// The index state of an engine over `storage`.
    pub(crate) fn new(storage: Arc<dyn Storage>) -> Self {
        Self {
            stats: IndexStats::new(storage),
            engine: OnceLock::new(),
            stop: watch::channel(false).0,
            tasks: parking_lot::Mutex::new(Vec::new()),
            #[cfg(test)]
            page_budget: std::sync::atomic::AtomicI64::new(-1),
        }
    }

    /// Binds to `engine` and resumes interrupted work: a backfill for every `CREATING`
    /// index, a purge for every `DELETING` one, and a sweep of orphaned index ids.
    /// Without a tokio runtime nothing runs (and UpdateTable cannot backfill).
    pub(crate) fn start(engine: &Arc<Engine>) {
        let me = &engine.indexes;
        let _ = me.engine.set(Arc::downgrade(engine));
        for name in engine.catalog.names() {
            let Some(t) = engine.catalog.get(&name) else {
                continue;
            };
            for index in &t.def.gsis {
                if index.status == crate::model::IndexStatus::Creating {
                    me.backfill(&name, t.def.id, index.id);
                }
            }
            for index in &t.def.deleting_gsis {
                me.delete(&name, t.def.id, index.id);
            }
        }
        me.spawn(Job::Sweep);
    }

    /// Starts backfilling index `index_id` of table `table` (incarnation `table_id`).
    pub(crate) fn backfill(&self, table: &str, table_id: u64, index_id: u64) {
        let table = table.to_string();
        self.spawn(Job::Backfill {
            table,
            table_id,
            index_id,
        });
    }

    /// Starts purging a dropped GSI, then removing it from the table's DELETING list.
    pub(crate) fn delete(&self, table: &str, table_id: u64, index_id: u64) {
        let table = table.to_string();
        self.spawn(Job::Delete {
            table,
            table_id,
            index_id,
        });
    }

    /// Starts purging the entries of indexes of a deleted table.
    pub(crate) fn purge(&self, index_ids: Vec<u64>) {
        if !index_ids.is_empty() {
            self.spawn(Job::Purge { index_ids });
        }
    }

    fn spawn(&self, job: Job) {
        let (Some(engine), Ok(rt)) = (self.engine.get(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let task = rt.spawn(run(engine.clone(), job, self.stop.subscribe()));
        let mut tasks = self.tasks.lock();
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    /// Stops every task (each within one page) and waits for them.
    pub(crate) async fn stop(&self) {
        self.stop.send_replace(true);
        let tasks = std::mem::take(&mut *self.tasks.lock());
        for t in tasks {
            if let Err(e) = t.await {
                tracing::error!(error = %e, "index task failed");
            }
        }
    }

    /// Waits until every task started so far has ended (tests).
    #[cfg(test)]
    pub(crate) async fn idle(&self) {
        loop {
            let tasks = std::mem::take(&mut *self.tasks.lock());
            if tasks.is_empty() {
                return;
            }
            for t in tasks {
                let _ = t.await;
            }
        }
    }

    #[cfg(test)]
    fn take_page(&self) -> bool {
        use std::sync::atomic::Ordering;
        let left = self.page_budget.fetch_sub(1, Ordering::SeqCst);
        if left == 0 {
            self.page_budget.store(0, Ordering::SeqCst);
        }
        left != 0
    }
}

async fn run(engine: Weak<Engine>, job: Job, stop: watch::Receiver<bool>) {
    let stopped = || *stop.borrow();
    // Tests stop a purge before it starts as they stop a backfill page.
    #[cfg(test)]
    if matches!(job, Job::Delete { .. }) && engine.upgrade().is_some_and(|e| !e.indexes.take_page())
    {
        return;
    }
    let result = match job {
        Job::Backfill {
            table,
            table_id,
            index_id,
        } => backfill(&engine, &table, table_id, index_id, &stopped).await,
        Job::Delete {
            table,
            table_id,
            index_id,
        } => match engine.upgrade() {
            Some(e) => match e.purge_index(index_id, &stopped).await {
                Ok(true) => {
                    let _ = e.finish_delete(&table, table_id, index_id).await;
                    Ok(())
                }
                other => other.map(drop),
            },
            None => Ok(()),
        },
        Job::Purge { index_ids } => match engine.upgrade() {
            Some(e) => purge_all(&e, &index_ids, &stopped).await,
            None => Ok(()),
        },
        Job::Sweep => match engine.upgrade() {
            Some(e) => e.sweep_index_orphans(&stopped).await,
            None => Ok(()),
        },
    };
    match result {
        Ok(()) | Err(StorageError::Closed) => {}
        Err(e) => {
            tracing::warn!(error = %e, "index background work stopped; it resumes at the next start")
        }
    }
}

async fn purge_all(
    e: &Engine,
    index_ids: &[u64],
    stopped: &(dyn Fn() -> bool + Sync),
) -> Result<(), StorageError> {
    for id in index_ids {
        if !e.purge_index(*id, stopped).await? {
            break;
        }
    }
    Ok(())
}

async fn backfill(
    engine: &Weak<Engine>,
    table: &str,
    table_id: u64,
    index_id: u64,
    stopped: &(dyn Fn() -> bool + Sync),
) -> Result<(), StorageError> {
    let mut barrier_passed = false;
    let mut failures = 0u32;
    loop {
        if stopped() {
            return Ok(());
        }
        let Some(e) = engine.upgrade() else {
            return Ok(());
        };
        #[cfg(test)]
        if !e.indexes.take_page() {
            return Ok(());
        }
        if !barrier_passed {
            e.locks.barrier().await;
            barrier_passed = true;
        }
        match e.backfill_page(table, table_id, index_id).await {
            Ok(Step::More) => failures = 0,
            Ok(Step::Done) => {
                let _ = e.finish_backfill(table, table_id, index_id).await;
                return Ok(());
            }
            Ok(Step::Gone) => {
                // Dropped with its table: a page may have committed after that table's
                // purge passed, so clean up behind it.
                if !e.index_is_live(index_id) {
                    e.purge_index(index_id, stopped).await?;
                }
                return Ok(());
            }
            Err(StorageError::Closed) => return Ok(()),
            Err(err) if failures < 5 => {
                failures += 1;
                tracing::warn!(table, error = %err, "index backfill page failed; retrying");
                drop(e);
                tokio::time::sleep(Duration::from_millis(200 << failures)).await;
                continue;
            }
            Err(err) => return Err(err),
        }
        drop(e);
        tokio::task::yield_now().await;
    }
}
