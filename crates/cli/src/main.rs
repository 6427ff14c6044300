//! `posylka`: the command-line front of Posylka. Each subcommand lives in its own module under
//! `cmd/` and only parses arguments, calls the library crates and prints.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod output;

// Bulk reads of the store (the watchdog over every shipment, the server's scheduler) make and
// free millions of small strings: with glibc's malloc that was a fifth of a full watchdog run,
// with mimalloc the run takes 16% fewer instructions (crates/store/benches/watchdog_run.rs).
// Its v2 line: as fast here as v3, with less memory held (14 MB against 16 MB for one `id`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Follow cross-border parcels and know what to do next, in time.
#[derive(Debug, Parser)]
#[command(name = "posylka", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Identify tracking numbers: carrier, service, origin, check digit, order-number mix-ups.
    Id(cmd::id::Args),
    /// Find every tracking and order number in text (e-mails, SMS, pasted pages).
    Scan(cmd::scan::Args),
    /// Map carrier events (JSON Lines on stdin) to milestones.
    Normalize(cmd::normalize::Args),
    /// Start following a parcel: a shipment with its tracking number and optional order.
    Add(cmd::add::Args),
    /// Attach another tracking number to a shipment.
    Link(cmd::link::Args),
    /// Store carrier events for the shipments.
    Events(cmd::events::Args),
    /// List shipments with their current milestone.
    List(cmd::list::Args),
    /// Show a shipment's timeline.
    Show(cmd::show::Args),
    /// Generate realistic parcel journeys for every watchdog story (JSON Lines or into the store).
    Simulate(cmd::simulate::Args),
    /// What is wrong with a shipment and what to do by when (a document file or a stored one).
    Check(cmd::check::Args),
    /// Run the HTTP server: the API under /api/v1, /healthz and /metrics.
    Serve(cmd::serve::Args),
    /// Try Posylka: the server on a fresh database full of simulated parcels, with a login.
    Demo(cmd::demo::Args),
    /// Manage users (web login and API token owners).
    User(cmd::user::Args),
    /// Manage API tokens.
    Token(cmd::token::Args),
    /// Import shipping notifications from .eml files, maildirs and mbox files.
    Mail(cmd::mail::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Id(args) => cmd::id::run(args),
        Command::Scan(args) => cmd::scan::run(args),
        Command::Normalize(args) => cmd::normalize::run(args),
        Command::Add(args) => cmd::add::run(args),
        Command::Link(args) => cmd::link::run(args),
        Command::Events(args) => cmd::events::run(args),
        Command::List(args) => cmd::list::run(args),
        Command::Show(args) => cmd::show::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::User(args) => cmd::user::run(args),
        Command::Token(args) => cmd::token::run(args),
        Command::Mail(args) => cmd::mail::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`posylka scan big.txt | head`) is not an error worth reporting.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("posylka: {e:#}");
            ExitCode::from(2)
        }
    }
}
