//! Posylka's HTTP server: the JSON API under `/api/v1`, `/healthz` and Prometheus `/metrics`.
//!
//! - [`config`]: what the server reads from a TOML file and `POSYLKA_*` variables;
//! - [`state`]: [`AppState`], what every handler gets (store, config, metrics, assessor);
//! - [`api`]: one router per area (`identify`, `scan`, `shipments`, `events`), merged with the
//!   OpenAPI document generated from the handlers ([`api::openapi`]);
//! - [`poll`]: the tracking sources polled in the background when configured
//!   ([`Server::start_with_sources`]), their health in `/healthz`;
//! - [`auth`]: API tokens (SHA-256 at rest), argon2 passwords, the [`auth::CurrentUser`]
//!   extractor; [`error`]: RFC 9457 problem+json; [`findings`]: where the watchdog plugs in.
//! - [`notify`]: the background scheduler (the watchdog on changed and due shipments, the
//!   never-twice notification planner, the outbox sender) and the channels' shared rules.
//! - [`web`]: the web page for people (login with a session cookie, the parcel list, "add
//!   parcels" from pasted text, the parcel page), server-rendered, in Russian and English.
//!
//! Invariants: a handler acts only on the calling user's shipments (another user's shipment
//! answers 404, as a missing one); logs carry the route template, never the request's path,
//! query, body, tokens or tracking numbers.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = posylka_server::config::Config::load(None)?;
//! let server = posylka_server::Server::start(config).await?;
//! println!("listening on {}", server.local_addr());
//! server.wait_for_signal_then_stop().await?;
//! # Ok(())
//! # }
//! ```

pub mod api;
pub mod auth;
pub mod config;
pub mod customs;
pub mod error;
pub mod findings;
pub mod metrics;
pub mod notify;
pub mod poll;
pub mod state;
pub mod views;
pub mod watchdog;
pub mod web;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::state::AppState;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The store could not be opened (the location is not repeated: it may hold a password).
    #[error("opening the database: {0}")]
    Store(#[from] posylka_store::StoreError),
    /// The listen address could not be bound, or serving failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// A running server: its address, and a handle to stop it gracefully.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    state: AppState,
    scheduler: Option<notify::Scheduler>,
    customs: Option<customs::scheduler::Scheduler>,
}

impl Server {
    /// Opens the store named by `config`, binds the listen address and starts serving.
    pub async fn start(config: config::Config) -> Result<Self, ServerError> {
        Self::start_with_sources(config, None).await
    }

    /// [`Server::start`], polling the configured `sources` in the background
    /// ([`poll::Polling`]) when any is configured.
    pub async fn start_with_sources(
        config: config::Config,
        sources: Option<posylka_sources::config::SourcesConfig>,
    ) -> Result<Self, ServerError> {
        let store = posylka_store::open(config.database_url()).await?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Io {
                    context: format!("binding {}", config.listen),
                    source,
                })?;
        let state = AppState::new(store, config);
        if let Some(sources) = sources
            && let Some(polling) =
                poll::Polling::start(state.store().clone(), &sources, state.metrics())
                    .map_err(|e| ServerError::Config(config::ConfigError::Invalid(e.to_string())))?
        {
            state.set_polling(polling);
        }
        Self::serve_on(listener, state)
    }

    /// Serves `state` on an already bound listener (tests bind `127.0.0.1:0`).
    pub fn serve_on(listener: TcpListener, state: AppState) -> Result<Self, ServerError> {
        let addr = listener.local_addr().map_err(|source| ServerError::Io {
            context: "reading the bound address".into(),
            source,
        })?;
        if let Some(problem) = state.notify().problem() {
            return Err(ServerError::Config(config::ConfigError::Invalid(problem)));
        }
        // The customs desk, when a vault key is configured (errors name the key's source).
        if state.customs().is_none()
            && let Some(desk) = customs::Desk::from_config(state.config())
                .map_err(|e| ServerError::Config(config::ConfigError::Invalid(e)))?
        {
            state.set_customs(std::sync::Arc::new(desk));
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let app = api::app(state.clone());
        let task = tokio::spawn(async move {
            // The peer's address feeds the customs desk's per-IP limits.
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                // A dropped sender stops the server too.
                let _ = stopped.await;
            })
            .await
        });
        tracing::info!(%addr, "listening");
        // The watchdog and notification scheduler runs beside the server (`notify.scheduler`).
        let scheduler = state
            .config()
            .notify
            .scheduler
            .then(|| notify::Scheduler::start(state.clone()));
        let customs = state
            .customs()
            .filter(|d| d.config().scheduler)
            .map(|d| customs::scheduler::Scheduler::start(state.clone(), d.clone()));
        Ok(Self {
            addr,
            stop: Some(stop),
            task,
            state,
            scheduler,
            customs,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (store, config, metrics).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting connections, lets requests in flight finish, closes the store.
    pub async fn stop(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let served = (&mut self.task).await;
        if let Some(scheduler) = self.scheduler.take() {
            scheduler.stop().await;
        }
        if let Some(customs) = self.customs.take() {
            customs.stop().await;
        }
        if let Some(polling) = self.state.polling() {
            polling.shutdown().await;
        }
        self.state.store().close().await;
        match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(ServerError::Io {
                context: "serving".into(),
                source,
            }),
            Err(join) => Err(ServerError::Io {
                context: "serving".into(),
                source: std::io::Error::other(join.to_string()),
            }),
        }
    }

    /// Runs until SIGTERM or Ctrl-C, then stops gracefully.
    pub async fn wait_for_signal_then_stop(self) -> Result<(), ServerError> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await
    }
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `docker stop` and systemd send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Sets up logging: `config.log_format` text or JSON lines, level from `RUST_LOG` or
/// `config.log_level`. Call once per process; later calls are ignored.
pub fn init_logging(config: &config::Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(config.log_level.as_str()));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match config.log_format {
        config::LogFormat::Json => builder.json().try_init(),
        config::LogFormat::Text => builder.try_init(),
    };
}
