//! `posylka id`: identify numbers given as arguments or one per line on stdin.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use tracknum::{Identification, identify_into, json::Verdict};

use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Numbers to identify; with none, one per line from standard input.
    numbers: Vec<String>,
    /// Print one JSON object per input line.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let today = output::today();
    let mut id = Identification::default();
    let mut emit = |input: &str, out: &mut BufWriter<_>| -> anyhow::Result<()> {
        let input = input.trim_end_matches(['\r', '\n']);
        if input.trim().is_empty() {
            return Ok(());
        }
        identify_into(input, &mut id);
        if args.json {
            let verdict = Verdict {
                input,
                identification: &id,
                offset: None,
                today: Some(today),
            };
            serde_json::to_writer(&mut *out, &verdict)?;
            out.write_all(b"\n")?;
        } else {
            writeln!(out, "{}", output::readable(input, &id, today))?;
        }
        Ok(())
    };
    if args.numbers.is_empty() {
        let stdin = io::stdin();
        let mut reader = stdin.lock();
        let mut line = Vec::with_capacity(256);
        for n in 1.. {
            line.clear();
            if reader
                .read_until(b'\n', &mut line)
                .context("reading standard input")?
                == 0
            {
                break;
            }
            let text = std::str::from_utf8(&line)
                .with_context(|| format!("standard input: line {n} is not valid UTF-8"))?;
            emit(text, &mut out)?;
        }
    } else {
        for number in &args.numbers {
            emit(number, &mut out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
