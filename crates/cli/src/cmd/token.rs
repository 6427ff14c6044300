//! `posylka token create --user NAME`: make an API token. The token is printed once; only its
//! SHA-256 is stored, so it cannot be shown again.

use std::process::ExitCode;

use anyhow::Context as _;
use jiff::Timestamp;
use posylka_core::account::{NewApiToken, UserName};
use posylka_store::Store as _;
use secrecy::ExposeSecret;

use super::db::DbArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create a token for a user and print it (once).
    Create {
        /// The user the token acts as.
        #[arg(long)]
        user: UserName,
        /// What the token is for (shown in listings later).
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Create { user, label, db } => {
            let issued = posylka_server::auth::issue_token()?;
            let hash = issued.hash;
            db.with_store(|store| async move {
                let found = store.user_by_name(&user).await?.with_context(|| {
                    format!("no user {user}; create it with `posylka user add`")
                })?;
                let token = NewApiToken::new(found.user.id, hash, &label, Timestamp::now())?;
                store.create_api_token(&token).await?;
                Ok(())
            })?;
            println!("{}", issued.token.expose_secret());
            eprintln!(
                "posylka: this token is shown once; send it as `Authorization: Bearer <token>`"
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
