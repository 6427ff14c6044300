//! `posylka id`: identify numbers given as arguments or one per line on stdin.

use std::io::{self, Read, Write};
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
        let mut lines = Lines::new(io::stdin().lock());
        let mut n = 0;
        while let Some(line) = lines.next_line().context("reading standard input")? {
            n += 1;
            let text = std::str::from_utf8(line)
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

/// Lines of a reader, read in large blocks and split in place: one input is a few bytes, so a
/// read call per line would cost more than identifying it.
struct Lines<R> {
    reader: R,
    block: Vec<u8>,
    /// `block[start..end]` is read and not yet handed out.
    start: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> Lines<R> {
    fn new(reader: R) -> Self {
        Lines {
            reader,
            block: vec![0; 1 << 16],
            start: 0,
            end: 0,
            eof: false,
        }
    }

    /// The next line with its line end, or the last bytes when they have none; `None` at the end.
    fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        let mut searched = self.start;
        loop {
            if let Some(i) = self.block[searched..self.end]
                .iter()
                .position(|&b| b == b'\n')
            {
                let line = self.start..searched + i + 1;
                self.start = line.end;
                return Ok(Some(&self.block[line]));
            }
            if self.eof {
                let line = self.start..self.end;
                self.start = self.end;
                return Ok((!line.is_empty()).then(|| &self.block[line]));
            }
            // Move the partial line to the front, growing the block for a very long line.
            searched = self.end - self.start;
            self.block.copy_within(self.start..self.end, 0);
            self.start = 0;
            self.end = searched;
            if self.end == self.block.len() {
                self.block.resize(self.block.len() * 2, 0);
            }
            match self.reader.read(&mut self.block[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out at most `step` bytes per read, so lines straddle reads.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn all_lines(data: &[u8], step: usize) -> Vec<Vec<u8>> {
        let mut lines = Lines::new(Trickle { data, step });
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap_or_default() {
            out.push(line.to_vec());
        }
        out
    }

    #[test]
    fn lines_come_out_whole_whatever_the_reads() {
        let long = "9".repeat(200_000);
        let data = format!("RB123456785GB\n\nab\r\n{long}\nlast");
        let want: Vec<Vec<u8>> = [
            "RB123456785GB\n",
            "\n",
            "ab\r\n",
            &format!("{long}\n"),
            "last",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        for step in [1, 3, 64, 1 << 20] {
            assert_eq!(all_lines(data.as_bytes(), step), want, "step {step}");
        }
        assert!(all_lines(b"", 7).is_empty());
        assert_eq!(all_lines(b"x\n", 7), [b"x\n".to_vec()]);
    }
}
