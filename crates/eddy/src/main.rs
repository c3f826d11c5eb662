//! The `eddy` binary: parse the command line, set up logging and a small tokio runtime,
//! and hand over to [`serve::serve`] (or, for `eddy tail`, to [`tail::run`], a small
//! Streams client; `eddy logs` and `eddy sns pending` use the same client). Everything
//! with server behaviour lives in library crates (`eddy-server`, `eddy-engine`, storage
//! backends) so tests can run it in-process.

mod cli;
mod logging;
mod serve;
mod sns;
mod tail;
mod triggers;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc malloc: request handling allocates many small, short-lived
/// objects (decoded items, keys, responses), where glibc spent about a fifth of the CPU
/// of a Query in the profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Serve(args) => {
            if let Some(warning) = logging::init(args.log_format) {
                tracing::warn!("{warning}");
            }
            // One worker per core (the PutItem/GetItem path is CPU-bound on small
            // machines); blocking threads are only for rare file work.
            let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .max_blocking_threads(16)
                .thread_name("eddy-worker")
                .enable_all()
                .build();
            let runtime = match runtime {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(serve::serve(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    // Logged (not printed) so JSON log consumers see it as one event.
                    tracing::error!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
        cli::Command::Tail(args) => tail::run(args),
        cli::Command::Logs(args) => tail::logs(args),
        cli::Command::Sns {
            command: cli::SnsCommand::Pending(args),
        } => tail::sns_pending(args),
    }
}
