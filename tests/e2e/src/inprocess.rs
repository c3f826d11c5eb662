//! Starting eddy inside the test process.

use eddy_engine::{Engine, EngineConfig};
use eddy_server::ServerConfig;
use eddy_storage::Storage;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server task and the means to stop it.
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    /// Asks the server to shut down without waiting.
    pub(crate) fn signal_stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Shuts the server down and waits for it (and its storage) to finish.
    pub(crate) async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task panicked");
        }
    }
}

pub(crate) async fn start_memory() -> Running {
    let storage: Arc<dyn Storage> = Arc::new(eddy_storage_mem::MemoryStorage::new());
    start(storage).await
}

pub(crate) async fn start_fjall(dir: &std::path::Path) -> Running {
    let storage =
        eddy_storage_fjall::FjallStorage::open(dir, eddy_storage_fjall::FjallOptions::default())
            .expect("open fjall storage");
    let storage: Arc<dyn Storage> = Arc::new(storage);
    start(storage).await
}

async fn start(storage: Arc<dyn Storage>) -> Running {
    let engine = Engine::open(storage, EngineConfig::default())
        .await
        .expect("open engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    let (tx, rx) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = rx.await;
    };
    let task = tokio::spawn(async move {
        let res =
            eddy_server::run(listener, engine.clone(), ServerConfig::default(), shutdown).await;
        // `run` leaves the storage open: closing it is the caller's job once serving stopped
        let closed = engine.storage().close();
        if let Err(e) = res {
            panic!("eddy server failed: {e:?}");
        }
        if let Err(e) = closed {
            panic!("closing storage failed: {e:?}");
        }
    });
    Running {
        addr,
        stop: Some(tx),
        task: Some(task),
    }
}
