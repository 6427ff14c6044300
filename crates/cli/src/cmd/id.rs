//! `posylka id`: identify numbers given as arguments or one per line on stdin.

use std::io::{self, BufRead, Write};
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
    let mut out = stdout.lock();
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    let today = output::today();
    let mut id = Identification::default();
    let mut emit = |input: &str, buf: &mut Vec<u8>| {
        let input = input.trim_end_matches(['\r', '\n']);
        if input.trim().is_empty() {
            return;
        }
        identify_into(input, &mut id);
        if args.json {
            Verdict {
                input,
                identification: &id,
                offset: None,
                today: Some(today),
            }
            .write(buf);
            buf.push(b'\n');
        } else {
            buf.extend_from_slice(output::readable(input, &id, today).as_bytes());
            buf.push(b'\n');
        }
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
            emit(text, &mut buf);
            if buf.len() >= FLUSH_AT {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    } else {
        for number in &args.numbers {
            emit(number, &mut buf);
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Output is gathered in memory and written in blocks of about this size.
const FLUSH_AT: usize = 1 << 16;
