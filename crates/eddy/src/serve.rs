//! `eddy serve`: open storage and the engine, listen, and shut down cleanly.
//!
//! Shutdown order matters for durability: on Ctrl-C or SIGTERM the server stops
//! accepting and drains in-flight requests first, and only then does the engine persist
//! its catalog statistics and close (flush) storage. A drain that takes longer than
//! [`DRAIN_TIMEOUT`], or a second signal, abandons the remaining requests but still closes
//! storage, so an acknowledged write is never lost to a slow client.

use crate::cli::ServeArgs;
use eddy_engine::{Engine, EngineConfig, StreamConfig};
use eddy_server::eddy_lambda::{Functions, FunctionsConfig};
use eddy_server::eddy_sqs::{Queues, SqsConfig};
use eddy_server::eddy_triggers::{TriggerConfig, Triggers};
use eddy_server::{Credentials, ServerConfig, Services};
use eddy_storage::Storage;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Longest wait for in-flight requests after a shutdown signal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the server until a signal, then shuts down. Errors are startup or close failures.
pub async fn serve(args: ServeArgs) -> Result<(), String> {
    let started = Instant::now();
    let credentials = match &args.credentials {
        Some(path) => Some(Credentials::load(path).map_err(|e| e.to_string())?),
        None => None,
    };

    let addr = SocketAddr::new(args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read listen address: {e}"))?;

    let storage = open_storage(&args)?;
    let engine_config = EngineConfig {
        region: args.region.clone(),
        account_id: args.account_id.clone(),
        ttl_interval: args.ttl_interval,
        streams: StreamConfig {
            retention: args.stream_retention,
            rollover: args.stream_shard_rollover,
            identity: args.stream_identity,
        },
    };
    if args.stream_identity && args.credentials.is_none() {
        tracing::warn!("--stream-identity has no effect without --credentials");
    }
    let engine = Engine::open(storage, engine_config)
        .await
        .map_err(|e| format!("cannot open the engine: {e}"))?;

    let functions = open_functions(&args, &engine, local)?;
    let sqs_config = SqsConfig {
        region: args.region.clone(),
        account_id: args.account_id.clone(),
        endpoint_url: endpoint_url(local),
        ..SqsConfig::default()
    };
    let queues = Queues::open(engine.storage().clone(), sqs_config)
        .await
        .map_err(|e| format!("cannot open the queues: {e}"))?;
    let sns = crate::sns::open(
        &args.sns,
        &args.region,
        &args.account_id,
        endpoint_url(local),
        engine.storage().clone(),
        queues.clone(),
        functions.clone(),
    )
    .await?;
    let invoker = Arc::new(crate::triggers::FunctionsInvoker(functions.clone()));
    let trigger_config = TriggerConfig {
        region: args.region.clone(),
        account_id: args.account_id.clone(),
        ..TriggerConfig::default()
    };
    let triggers = Triggers::open(
        engine.clone(),
        invoker,
        Arc::new(crate::triggers::LocalDestinations {
            queues: queues.clone(),
            sns: sns.clone(),
        }),
        trigger_config,
    )
    .await
    .map_err(|e| format!("cannot open the event source mappings: {e}"))?;

    let config = ServerConfig {
        region: args.region.clone(),
        account_id: args.account_id.clone(),
        credentials,
        ..ServerConfig::default()
    };
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        storage = engine.storage().name(),
        data_dir = (!args.in_memory).then(|| args.data_dir.display().to_string()),
        auth = if config.credentials.is_some() { "verify" } else { "open" },
        region = %args.region,
        ttl_interval_s = args.ttl_interval.as_secs_f64(),
        startup_ms = started.elapsed().as_secs_f64() * 1000.0,
        "eddy ready"
    );
    // The one line on stdout; scripts and tests parse it for the (possibly chosen) port.
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "eddy listening on http://{local}");
        let _ = out.flush();
    }

    let (signals_tx, signals) = watch::channel(0u32);
    tokio::spawn(count_signals(signals_tx));
    let mut first = signals.clone();
    let shutdown = async move {
        let _ = first.wait_for(|n| *n >= 1).await;
    };
    // Long polls (up to 20 s) would hold up the drain: end them at the first signal.
    let mut polls_end = signals.clone();
    let polled = queues.clone();
    tokio::spawn(async move {
        if polls_end.wait_for(|n| *n >= 1).await.is_ok() {
            polled.shutdown().await;
        }
    });
    let services = Services {
        functions: Some(functions.clone()),
        triggers: Some(triggers.clone()),
        sqs: Some(queues.clone()),
        sns: Some(sns.clone()),
    };
    let mut server = tokio::spawn(eddy_server::run_with_services(
        listener,
        engine.clone(),
        services,
        config,
        shutdown,
    ));

    let drained = tokio::select! {
        res = &mut server => Some(res),
        () = drain_deadline(signals) => None,
    };
    match drained {
        Some(Ok(Ok(()))) => tracing::info!("all requests finished"),
        Some(Ok(Err(e))) => tracing::error!(error = %e, "server stopped with an error"),
        Some(Err(e)) => tracing::error!(error = %e, "server task failed"),
        None => {
            server.abort();
            tracing::warn!("abandoning requests still in flight");
        }
    }

    // Pollers stop first (no new invocations), then function processes die before
    // storage closes: none can write through eddy after.
    triggers.shutdown().await;
    // Delivery workers stop before the queues and functions they deliver to; what they
    // had not delivered stays in the outbox for the next start.
    sns.shutdown().await;
    functions.shutdown();
    queues.shutdown().await;
    engine
        .shutdown()
        .await
        .map_err(|e| format!("closing storage failed: {e}"))?;
    tracing::info!("storage closed; bye");
    Ok(())
}

/// The Lambda function service: code under `<data-dir>/functions` (a temporary directory
/// with `--in-memory`), and `AWS_ENDPOINT_URL` for functions pointing back at this server.
fn open_functions(
    args: &ServeArgs,
    engine: &Engine,
    local: SocketAddr,
) -> Result<Arc<Functions>, String> {
    let config = FunctionsConfig {
        region: args.region.clone(),
        account_id: args.account_id.clone(),
        code_dir: (!args.in_memory).then(|| args.data_dir.join("functions")),
        endpoint_url: endpoint_url(local),
        ..FunctionsConfig::default()
    };
    Functions::open(engine.storage().clone(), config)
        .map_err(|e| format!("cannot open the function store: {e}"))
}

/// eddy's own URL as clients on this machine reach it (a wildcard bind address becomes
/// loopback): functions' `AWS_ENDPOINT_URL` and the base of queue URLs.
fn endpoint_url(local: SocketAddr) -> String {
    let mut reachable = local;
    if reachable.ip().is_unspecified() {
        let loopback: std::net::IpAddr = if reachable.is_ipv6() {
            std::net::Ipv6Addr::LOCALHOST.into()
        } else {
            std::net::Ipv4Addr::LOCALHOST.into()
        };
        reachable.set_ip(loopback);
    }
    format!("http://{reachable}")
}

fn open_storage(args: &ServeArgs) -> Result<Arc<dyn Storage>, String> {
    if args.in_memory {
        return Ok(Arc::new(eddy_storage_mem::MemoryStorage::new()));
    }
    let dir = &args.data_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create data directory {}: {e}", dir.display()))?;
    let storage =
        eddy_storage_fjall::FjallStorage::open(dir, eddy_storage_fjall::FjallOptions::default())
            .map_err(|e| format!("cannot open data directory {}: {e}", dir.display()))?;
    Ok(Arc::new(storage))
}

/// Resolves once draining must stop: [`DRAIN_TIMEOUT`] after the first signal, or at a
/// second signal.
async fn drain_deadline(mut signals: watch::Receiver<u32>) {
    if signals.wait_for(|n| *n >= 1).await.is_err() {
        return std::future::pending().await;
    }
    tracing::info!("shutdown requested: draining in-flight requests");
    let second = async {
        if signals.wait_for(|n| *n >= 2).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("drain timed out"),
        () = second => tracing::warn!("second signal: stopping now"),
    }
}

/// Counts Ctrl-C and SIGTERM deliveries into `tx`.
async fn count_signals(tx: watch::Sender<u32>) {
    #[cfg(unix)]
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            None
        }
    };
    loop {
        #[cfg(unix)]
        let got = {
            let term_recv = async {
                match term.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = tokio::signal::ctrl_c() => r.is_ok(),
                r = term_recv => r.is_some(),
            }
        };
        #[cfg(not(unix))]
        let got = tokio::signal::ctrl_c().await.is_ok();
        if !got {
            return;
        }
        tx.send_modify(|n| *n += 1);
    }
}
