//! `posylka serve`: the HTTP server (API, health, metrics) until SIGTERM or Ctrl-C, polling
//! the tracking sources configured in the environment (`POSYLKA_17TRACK_TOKEN`,
//! `POSYLKA_RUSSIANPOST_LOGIN`/`_PASSWORD`, Cainiao with `POSYLKA_CAINIAO_ENABLED=true`; see
//! `posylka_sources::config`).

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
    let sources = posylka_sources::config::SourcesConfig::from_env()
        .context("reading the tracking sources' settings")?;
    posylka_server::init_logging(&config);
    // The server is the one command that needs every core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let server = Server::start_with_sources(config, Some(sources)).await?;
        eprintln!(
            "posylka: serving on http://{} (API under /api/v1; Ctrl-C to stop)",
            server.local_addr()
        );
        server.wait_for_signal_then_stop().await?;
        Ok(ExitCode::SUCCESS)
    })
}
