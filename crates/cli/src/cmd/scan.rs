//! `posylka scan`: find tracking and order numbers in files or standard input, streaming.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use tracknum::json::{RecentBodies, Verdict};
use tracknum::{Hit, Scanner};

use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to read; with none, standard input.
    files: Vec<PathBuf>,
    /// Print one JSON object per number found.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let today = output::today();
    let multiple = args.files.len() > 1;
    if args.files.is_empty() {
        scan_reader(
            io::stdin().lock(),
            "standard input",
            None,
            args.json,
            today,
            &mut out,
        )?;
    } else {
        for path in &args.files {
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            let label = path.display().to_string();
            let name = multiple.then_some(label.as_str());
            scan_reader(file, &label, name, args.json, today, &mut out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn scan_reader(
    mut reader: impl Read,
    label: &str,
    file_name: Option<&str>,
    json: bool,
    today: (i32, u8),
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut scanner = Scanner::new();
    let mut chunk = vec![0u8; 1 << 20];
    let mut error: Option<io::Error> = None;
    // Hits are rendered straight into one reused buffer, written out in large pieces: a
    // buffer per hit and its copy into the writer cost a fifth of writing a hit.
    let mut pending: Vec<u8> = Vec::with_capacity(WRITE_AT + 4096);
    let mut recent = RecentBodies::default();
    let mut on_hit = |hit: &Hit<'_>| {
        if error.is_some() {
            return;
        }
        write_hit(&mut pending, &mut recent, hit, file_name, json, today);
        if pending.len() >= WRITE_AT {
            if let Err(e) = out.write_all(&pending) {
                error = Some(e);
            }
            pending.clear();
        }
    };
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {label}")),
        };
        scanner.feed(&chunk[..n], &mut on_hit);
    }
    scanner.finish(&mut on_hit);
    match error {
        Some(e) => Err(e.into()),
        None => Ok(out.write_all(&pending)?),
    }
}

/// Rendered hits are written out once they reach this many bytes.
const WRITE_AT: usize = 1 << 16;

fn write_hit(
    out: &mut Vec<u8>,
    recent: &mut RecentBodies,
    hit: &Hit<'_>,
    file_name: Option<&str>,
    json: bool,
    today: (i32, u8),
) {
    if json {
        Verdict {
            input: hit.text,
            identification: hit.identification,
            offset: Some(hit.offset),
            today: Some(today),
        }
        .write_reusing(out, recent);
        out.push(b'\n');
    } else {
        if let Some(name) = file_name {
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
        }
        let line = format!(
            "{}: {}\n",
            hit.offset,
            output::readable(hit.text, hit.identification, today)
        );
        out.extend_from_slice(line.as_bytes());
    }
}
