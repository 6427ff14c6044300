//! `posylka normalize`: carrier events (JSON Lines on stdin) to milestones.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use posylka_core::{Normalizer, RawEvent};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object per input line instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut normalizer = Normalizer::new();
    let mut line = String::new();
    let mut reader = stdin.lock();
    for n in 1.. {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .with_context(|| format!("standard input: line {n} is not readable UTF-8"))?;
        if read == 0 {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let event: RawEvent = serde_json::from_str(&line).with_context(|| {
            format!(
                "standard input: line {n}: not an event object {{\"text\": ..., \"code\"?: ...}}"
            )
        })?;
        let result = normalizer.normalize(&event);
        if args.json {
            serde_json::to_writer(&mut out, &result)?;
            out.write_all(b"\n")?;
        } else {
            writeln!(out, "{result}\t{}", event.text.trim())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
