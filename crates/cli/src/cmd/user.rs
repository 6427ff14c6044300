//! `posylka user add NAME`: create a user who can log in to the web page (argon2-hashed
//! password) and own API tokens.

use std::io::{self, BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use jiff::Timestamp;
use posylka_core::account::{NewUser, UserName};
use posylka_store::Store as _;
use secrecy::{ExposeSecret, SecretString};

use super::db::DbArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create a user. The password is asked for on a terminal, else read from the first line
    /// of standard input.
    Add {
        /// Login name: letters, digits and . _ @ - (stored in lower case).
        name: UserName,
        /// A user without a password: API tokens only, no web login.
        #[arg(long)]
        no_password: bool,
        /// A customs desk operator (`/desk`, `/api/v1/customs/*`).
        #[arg(long)]
        operator: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Shortest password accepted.
const MIN_PASSWORD: usize = 8;

fn read_password() -> anyhow::Result<SecretString> {
    let password = if io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("reading the password")?;
        let again = rpassword::prompt_password("Again: ").context("reading the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    let password = SecretString::from(password);
    if password.expose_secret().chars().count() < MIN_PASSWORD {
        bail!("the password must be at least {MIN_PASSWORD} characters");
    }
    Ok(password)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add {
            name,
            no_password,
            operator,
            db,
        } => {
            let password_hash = if no_password {
                None
            } else {
                Some(posylka_server::auth::hash_password(&read_password()?)?)
            };
            let new = NewUser {
                name,
                password_hash,
                created_at: Timestamp::now(),
            };
            let id = db.with_store(|store| async move {
                let id = store.create_user(&new).await?;
                if operator {
                    posylka_store::CustomsStore::set_operator(&store, id, true, Timestamp::now())
                        .await?;
                }
                Ok(id)
            })?;
            eprintln!(
                "posylka: user created ({id}); make an API token with `posylka token create --user NAME`"
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
