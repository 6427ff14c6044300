//! `posylka id`: identify numbers given as arguments or one per line on stdin.
//!
//! Standard input is read in large blocks, cut at line ends into slices. A block big enough is
//! shared by two threads that claim its slices one at a time (each thread its own scratch), so
//! they finish the block together whatever its lines cost; the slices' outputs are written in
//! input order. A few lines stay on one thread, so a one-number call pays no thread start.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

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

/// Bytes of input identified at a time. Small enough that the output buffers (some twenty
/// times the input as JSON) stay in cache and are reused, not faulted in afresh.
const BLOCK: usize = 1 << 16;

/// Below this many bytes a block is identified on one thread, and no second thread is started:
/// a thread start (tens of microseconds) costs more than half the work saves.
const PARALLEL_FROM: usize = 1 << 15;

/// Bytes per slice, the unit the two threads claim (cut at the next line end): a few hundred
/// lines, so claiming one costs nothing, and the thread that finishes last waits at most for
/// one slice.
const SLICE: usize = 1 << 12;

/// A block shared by the two threads: its slices, each claimed once, and their outputs.
#[derive(Debug, Default)]
struct Batch {
    input: Vec<u8>,
    /// Slice `i` is `input[cuts[i]..cuts[i + 1]]`.
    cuts: Vec<usize>,
    /// Per slice, locked once by the thread that claimed it (so never contended).
    outputs: Vec<Mutex<SliceOutput>>,
    /// The next slice to claim.
    next: AtomicUsize,
}

/// A slice's output, and where a line that is not UTF-8 stopped it.
type SliceOutput = (Vec<u8>, Result<(), usize>);

impl Batch {
    /// Take `block` (whole lines) as the next work, reusing the buffers.
    fn fill(&mut self, block: &[u8]) {
        self.input.clear();
        self.input.extend_from_slice(block);
        self.cuts.clear();
        self.cuts.push(0);
        let mut at = 0;
        while at < block.len() {
            let from = (at + SLICE).min(block.len());
            at = block[from..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(block.len(), |i| from + i + 1);
            self.cuts.push(at);
        }
        if self.outputs.len() < self.slices() {
            self.outputs
                .resize_with(self.slices(), || Mutex::new((Vec::new(), Ok(()))));
        }
        self.next.store(0, Ordering::Relaxed);
    }

    fn slices(&self) -> usize {
        self.cuts.len() - 1
    }

    /// Identify slices until none is left to claim.
    fn work(&self, render: &Render) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.slices() {
                return;
            }
            let mut slot = self.outputs[i]
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (out, done) = &mut *slot;
            out.clear();
            *done = render.lines(&self.input[self.cuts[i]..self.cuts[i + 1]], out);
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let render = Render {
        json: args.json,
        today: OnceLock::new(),
    };
    if !args.numbers.is_empty() {
        let mut buf = Vec::new();
        let mut id = Identification::default();
        for number in &args.numbers {
            render.line(number, &mut id, &mut buf);
        }
        out.write_all(&buf)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut blocks = Blocks::new(io::stdin().lock());
    std::thread::scope(|scope| {
        // The second thread, started at the first block big enough: it is handed each batch
        // and hands it back when it has no slice left to claim.
        let mut worker: Option<(SyncSender<Arc<Batch>>, Receiver<()>)> = None;
        let mut batch = Arc::new(Batch::default());
        let mut lines_before = 0usize;
        while let Some(block) = blocks.next_block().context("reading standard input")? {
            let filling = Arc::get_mut(&mut batch)
                .ok_or_else(|| anyhow::anyhow!("the second identifying thread kept a block"))?;
            filling.fill(block);
            if block.len() < PARALLEL_FROM {
                batch.work(&render);
            } else {
                let (to_worker, from_worker) = worker.get_or_insert_with(|| {
                    let (to_worker, batches) = sync_channel::<Arc<Batch>>(1);
                    let (finished, from_worker) = sync_channel::<()>(1);
                    let render = &render;
                    scope.spawn(move || {
                        for batch in batches {
                            batch.work(render);
                            drop(batch);
                            if finished.send(()).is_err() {
                                break;
                            }
                        }
                    });
                    (to_worker, from_worker)
                });
                let stopped = || anyhow::anyhow!("the second identifying thread stopped");
                to_worker.send(Arc::clone(&batch)).map_err(|_| stopped())?;
                batch.work(&render);
                from_worker.recv().map_err(|_| stopped())?;
            }
            for i in 0..batch.slices() {
                let slot = batch.outputs[i]
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                out.write_all(&slot.0)?;
                if let Err(bad) = slot.1 {
                    out.flush()?;
                    let before = count_lines(&batch.input[..batch.cuts[i]]);
                    return Err(not_utf8(lines_before + before + bad));
                }
            }
            lines_before += count_lines(block);
        }
        out.flush()?;
        Ok(ExitCode::SUCCESS)
    })
}

fn not_utf8(line_index: usize) -> anyhow::Error {
    anyhow::anyhow!("standard input: line {} is not valid UTF-8", line_index + 1)
}

/// Where the first line end in `text` is. Eight bytes at a time: a line is a dozen bytes or
/// so, too short for a vectorised search to pay, and a byte loop took three instructions per
/// byte.
fn line_end(text: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut words = text.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        // Line ends become zero bytes; the lowest byte flagged is the first zero byte (a
        // borrow can flag bytes above a zero one, never below).
        let w = u64::from_le_bytes(w) ^ (ONES * u64::from(b'\n'));
        let zero = w.wrapping_sub(ONES) & !w & (ONES * 0x80);
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| at + i)
}

fn count_lines(text: &[u8]) -> usize {
    // Counted in a byte per chunk, which the compiler does many bytes per instruction; counted
    // straight into a `usize` it took five instructions per byte of input.
    text.chunks(usize::from(u8::MAX))
        .map(|chunk| {
            let n = chunk.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'));
            usize::from(n)
        })
        .sum()
}

/// How verdicts are written; shared by both threads.
struct Render {
    json: bool,
    /// Today's month, looked up only when a Russian Post label needs it (the time-zone lookup
    /// costs more than identifying thousands of numbers).
    today: OnceLock<(i32, u8)>,
}

impl Render {
    /// Identify and write every line of `text`; at a line that is not UTF-8, stop with its
    /// index (output for the lines before it is in `out`).
    fn lines(&self, text: &[u8], out: &mut Vec<u8>) -> Result<(), usize> {
        let mut id = Identification::default();
        // One validation for the whole part: much faster than one per line.
        let (valid, bad_at) = match std::str::from_utf8(text) {
            Ok(all) => (all, None),
            Err(e) => {
                let line_start = text[..e.valid_up_to()]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                // The bytes before the bad line's start were validated.
                let valid = std::str::from_utf8(&text[..line_start]).unwrap_or_default();
                (valid, Some(line_start))
            }
        };
        let mut rest = valid;
        while !rest.is_empty() {
            // A byte search: `str::find` with a `char` costs several times more per line.
            let (line, next) = match line_end(rest.as_bytes()) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, ""),
            };
            self.line(line, &mut id, out);
            rest = next;
        }
        match bad_at {
            Some(at) => Err(count_lines(&text[..at])),
            None => Ok(()),
        }
    }

    fn line(&self, input: &str, id: &mut Identification, out: &mut Vec<u8>) {
        let input = input.trim_end_matches(['\r', '\n']);
        if is_blank(input) {
            return;
        }
        identify_into(input, id);
        let today = id
            .candidates
            .iter()
            .any(|c| c.russian_post.is_some())
            .then(|| *self.today.get_or_init(output::today));
        if self.json {
            Verdict {
                input,
                identification: id,
                offset: None,
                today,
            }
            .write(out);
        } else {
            // Without a label nothing reads the date.
            let today = today.unwrap_or_default();
            out.extend_from_slice(output::readable(input, id, today).as_bytes());
        }
        out.push(b'\n');
    }
}

/// Whether `line` is only white space, as `str::trim` has it. A line usually starts with a
/// number, which settles it at the first byte; only a line that starts with white space or
/// non-ASCII goes through `trim`, whose Unicode tables cost more than identifying a number's
/// first bytes.
fn is_blank(line: &str) -> bool {
    match line.as_bytes().first() {
        None => true,
        Some(&b) if b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0B => false,
        Some(_) => line.trim().is_empty(),
    }
}

/// Standard input in blocks of whole lines, read in large reads: one input is a few bytes, so a
/// read call per line would cost more than identifying it.
struct Blocks<R> {
    reader: R,
    buf: Vec<u8>,
    /// `buf[..filled]` is read; `buf[..handed]` was handed out last time.
    filled: usize,
    handed: usize,
    eof: bool,
}

impl<R: Read> Blocks<R> {
    fn new(reader: R) -> Self {
        Blocks {
            reader,
            buf: vec![0; BLOCK],
            filled: 0,
            handed: 0,
            eof: false,
        }
    }

    /// The next run of whole lines (the last may lack its line end at the end of input): up to
    /// the last line end once [`BLOCK`] bytes are read (more for a line longer than that), or
    /// the rest of the input; `None` at the end.
    fn next_block(&mut self) -> io::Result<Option<&[u8]>> {
        self.buf.copy_within(self.handed..self.filled, 0);
        self.filled -= self.handed;
        self.handed = 0;
        let mut searched = 0;
        loop {
            if self.eof {
                self.handed = self.filled;
                break;
            }
            if self.filled >= BLOCK
                && let Some(i) = self.buf[searched..self.filled]
                    .iter()
                    .rposition(|&b| b == b'\n')
            {
                self.handed = searched + i + 1;
                break;
            }
            if self.filled >= BLOCK {
                // One line longer than a block: keep reading it whole.
                searched = self.filled;
            }
            if self.filled == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((self.handed > 0).then(|| &self.buf[..self.handed]))
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

    fn all_blocks(data: &[u8], step: usize) -> Vec<Vec<u8>> {
        let mut blocks = Blocks::new(Trickle { data, step });
        let mut out = Vec::new();
        while let Some(block) = blocks.next_block().unwrap_or_default() {
            out.push(block.to_vec());
        }
        out
    }

    #[test]
    fn blocks_are_whole_lines_whatever_the_reads() {
        let long = "9".repeat(3 * BLOCK);
        let mut data = String::new();
        for i in 0..60_000 {
            data.push_str(&format!("RB{i:09}GB\n"));
            if i == 30_000 {
                data.push_str(&long);
                data.push('\n');
            }
        }
        data.push_str("last");
        for step in [7, 4096, 1 << 20] {
            let blocks = all_blocks(data.as_bytes(), step);
            assert!(blocks.len() > 2, "step {step}: {} blocks", blocks.len());
            assert_eq!(blocks.concat(), data.as_bytes(), "step {step}");
            for pair in blocks.windows(2) {
                let (b, next) = (&pair[0], &pair[1]);
                assert_eq!(b.last(), Some(&b'\n'), "step {step}");
                // Cut at the last line end of a full block: never much short of one, unless a
                // line longer than a block follows.
                assert!(
                    b.len() > BLOCK - 20 || next.starts_with(b"999"),
                    "step {step}: {}",
                    b.len()
                );
            }
        }
        assert!(all_blocks(b"", 7).is_empty());
        assert_eq!(all_blocks(b"x\n", 7), [b"x\n".to_vec()]);
    }

    #[test]
    fn two_threads_sharing_a_block_write_what_one_thread_writes() {
        let render = Render {
            json: true,
            today: OnceLock::new(),
        };
        let mut block = String::new();
        for i in 0..5_000 {
            block.push_str(&format!("RB{i:09}GB\n"));
            if i % 777 == 0 {
                block.push_str(&"9".repeat(SLICE + 3));
                block.push('\n');
            }
        }
        let mut alone = Vec::new();
        assert_eq!(render.lines(block.as_bytes(), &mut alone), Ok(()));

        let mut batch = Batch::default();
        for _ in 0..2 {
            // Filled twice: the second fill reuses the first one's buffers.
            batch.fill(block.as_bytes());
            assert!(batch.slices() > 10, "{} slices", batch.slices());
            for pair in batch.cuts.windows(2) {
                assert!(pair[0] < pair[1]);
                assert_eq!(block.as_bytes()[pair[1] - 1], b'\n');
            }
            std::thread::scope(|scope| {
                scope.spawn(|| batch.work(&render));
                batch.work(&render);
            });
            let mut shared = Vec::new();
            for slot in &batch.outputs[..batch.slices()] {
                let slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                assert_eq!(slot.1, Ok(()));
                shared.extend_from_slice(&slot.0);
            }
            assert_eq!(shared, alone);
        }
    }

    #[test]
    fn line_ends_are_found_at_every_place() {
        for len in 0..20 {
            for at in 0..=len {
                let mut text = vec![b'7'; len];
                if at < len {
                    text[at] = b'\n';
                    // A byte that borrows (0x0B, one above a line end) right after it.
                    if at + 1 < len {
                        text[at + 1] = 0x0B;
                    }
                }
                let naive = text.iter().position(|&b| b == b'\n');
                assert_eq!(line_end(&text), naive, "{text:?}");
            }
        }
        assert_eq!(line_end(b"\x0b\x0b\n\n"), Some(2));
    }

    #[test]
    fn lines_are_counted_across_chunks() {
        for text in [
            "",
            "x",
            "\n",
            "a\nb\n\n",
            &"\n".repeat(1000),
            &"ab\n".repeat(700),
        ] {
            let naive = text.bytes().filter(|&b| b == b'\n').count();
            assert_eq!(count_lines(text.as_bytes()), naive, "{} bytes", text.len());
        }
    }

    #[test]
    fn blank_means_what_trim_says() {
        for line in [
            "",
            " ",
            "\t\x0B\x0C",
            "\u{a0}\u{2003}",
            "x",
            " x",
            "\u{a0}x",
            "Ж",
            "\x0Bx",
        ] {
            assert_eq!(is_blank(line), line.trim().is_empty(), "{line:?}");
        }
        for b in 0u8..128 {
            let line = char::from(b).to_string();
            assert_eq!(is_blank(&line), line.trim().is_empty(), "{b}");
        }
    }

    #[test]
    fn line_ends_and_carriage_returns_are_cut_off_the_input() {
        let render = Render {
            json: true,
            today: OnceLock::new(),
        };
        let (mut crlf, mut lf) = (Vec::new(), Vec::new());
        let lines = render.lines(b"RB123456785GB\r\r\n\r\n\xc2\xa0\r\nrb 1234\r\n", &mut crlf);
        assert_eq!(lines, Ok(()));
        assert_eq!(render.lines(b"RB123456785GB\nrb 1234\n", &mut lf), Ok(()));
        assert_eq!(String::from_utf8_lossy(&crlf), String::from_utf8_lossy(&lf));
    }

    #[test]
    fn a_bad_line_is_named_and_the_lines_before_it_written() {
        let render = Render {
            json: true,
            today: OnceLock::new(),
        };
        let mut out = Vec::new();
        let bad = render.lines(b"RB123456785GB\n\nRB123\xff\nRB123456785GB\n", &mut out);
        assert_eq!(bad, Err(2));
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
    }
}
