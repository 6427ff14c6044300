//! `posylka serve`: the HTTP server (API, health, metrics) until SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use posylka_server::Server;
use posylka_server::config::Config;

use super::db;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// TOML configuration file; POSYLKA_* variables override it (POSYLKA_LISTEN,
    /// POSYLKA_DATABASE_URL, ...).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(args.config.as_deref())?;
    if config.database_url.is_none() {
        config.database_url = Some(db::default_location()?);
    }
    posylka_server::init_logging(&config);
    // The server is the one command that needs every core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let server = Server::start(config).await?;
        eprintln!(
            "posylka: serving on http://{} (API under /api/v1; Ctrl-C to stop)",
            server.local_addr()
        );
        server.wait_for_signal_then_stop().await?;
        Ok(ExitCode::SUCCESS)
    })
}
