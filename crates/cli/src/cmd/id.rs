//! `posylka id`: identify numbers given as arguments or one per line on stdin.
//!
//! Standard input is cut into blocks of whole lines. Every thread (one per core) takes the next
//! block, identifies it into its own buffer and hands the output back in input order: the
//! thread that finishes the block due next writes it, and any later ones already finished. No
//! thread waits for another while there is input left, so both cores stay busy to the end;
//! handing whole blocks between threads in step (the first design) kept 1.2 of 2 cores busy on
//! 100,000 numbers. An input that fits in one block stays on one thread, so a short call pays no
//! thread start.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

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

/// Bytes of input a thread takes at a time: a thousand lines or so, whose JSON (some thirty
/// times the input) stays in the core's cache until written, and small enough that the thread
/// finishing last waits for a fraction of a millisecond.
const BLOCK: usize = 1 << 14;

/// At most this many threads identify, however many cores there are: past it the writing (one
/// thread at a time) is the limit.
const MAX_THREADS: usize = 8;

/// Per thread, how many finished blocks may wait for an earlier one before their thread waits
/// too: it bounds memory when one block is slow (a very long line), without stalling anyone
/// otherwise.
const AHEAD_PER_THREAD: u64 = 2;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
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
        let mut out = io::stdout().lock();
        out.write_all(&buf)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    identify_stream(io::stdin(), io::stdout(), &render, cores.min(MAX_THREADS))?;
    Ok(ExitCode::SUCCESS)
}

/// Identify every line of `input` into `output`, on up to `threads` threads.
fn identify_stream<R: Read + Send, W: Write + Send>(
    input: R,
    output: W,
    render: &Render,
    threads: usize,
) -> anyhow::Result<()> {
    let threads = threads.max(1);
    let shared = Shared {
        input: Mutex::new(Input {
            blocks: Blocks::new(input),
            next: 0,
            lines: 0,
        }),
        output: Mutex::new(Output {
            writer: output,
            next: 0,
            waiting: BTreeMap::new(),
            spare: Vec::new(),
            stop: None,
        }),
        advanced: Condvar::new(),
        stopped: AtomicBool::new(false),
        ahead: AHEAD_PER_THREAD * threads as u64,
    };
    let mut first = Vec::new();
    if let Some((seq, lines_before)) = shared.take(&mut first) {
        let more = !lock(&shared.input).blocks.at_end();
        std::thread::scope(|scope| {
            if more {
                for _ in 1..threads {
                    scope.spawn(|| shared.work(render, Vec::new(), None));
                }
            }
            shared.work(render, first, Some((seq, lines_before)));
        });
    }
    let mut output = shared
        .output
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let flushed = output.writer.flush();
    match output.stop {
        Some(Stop::NotUtf8(line)) => Err(not_utf8(line)),
        Some(Stop::Read(e)) => Err(anyhow::Error::new(e).context("reading standard input")),
        Some(Stop::Write(e)) => Err(e.into()),
        None => Ok(flushed?),
    }
}

/// What the identifying threads share.
struct Shared<R, W> {
    input: Mutex<Input<R>>,
    output: Mutex<Output<W>>,
    /// Signalled whenever the output moves on, for a thread waiting because it is too far ahead.
    advanced: Condvar,
    /// Set at the first error: no thread takes another block.
    stopped: AtomicBool,
    /// How far past the block due next a finished block may be and still wait in `waiting`.
    ahead: u64,
}

/// The input side: blocks are numbered in the order they are taken.
struct Input<R> {
    blocks: Blocks<R>,
    /// The number the next block taken gets.
    next: u64,
    /// Lines in the blocks taken so far, to name a bad line by its number in the whole input.
    lines: usize,
}

/// The output side: what is written, and what waits for an earlier block.
struct Output<W> {
    writer: W,
    /// The block to write next.
    next: u64,
    waiting: BTreeMap<u64, Finished>,
    /// Output buffers of written blocks, for the threads to reuse.
    spare: Vec<Vec<u8>>,
    /// The first error; nothing is written after it.
    stop: Option<Stop>,
}

/// A block's output, and where it stopped at a line that is not UTF-8.
struct Finished {
    out: Vec<u8>,
    bad: Result<(), usize>,
    /// Lines in the input before the block.
    lines_before: usize,
}

enum Stop {
    /// The line (0-based, in the whole input) is not UTF-8.
    NotUtf8(usize),
    Read(io::Error),
    Write(io::Error),
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<R: Read, W: Write> Shared<R, W> {
    /// Copy the next block into `into`, with its number and the lines before it; `None` at the
    /// end of the input or after an error.
    fn take(&self, into: &mut Vec<u8>) -> Option<(u64, usize)> {
        if self.stopped.load(Ordering::Relaxed) {
            return None;
        }
        let mut input = lock(&self.input);
        let Input {
            blocks,
            next,
            lines,
        } = &mut *input;
        match blocks.next_block() {
            Ok(Some(block)) => {
                into.clear();
                into.extend_from_slice(block);
                let taken = (*next, *lines);
                *next += 1;
                *lines += count_lines(block);
                Some(taken)
            }
            Ok(None) => None,
            Err(e) => {
                drop(input);
                self.stop(Stop::Read(e));
                None
            }
        }
    }

    fn stop(&self, why: Stop) {
        self.stopped.store(true, Ordering::Relaxed);
        let mut output = lock(&self.output);
        output.stop.get_or_insert(why);
        drop(output);
        self.advanced.notify_all();
    }

    /// Take blocks, identify them and hand their output in, until the input ends or an error
    /// stops everyone. `first` is a block already taken into `input`.
    fn work(&self, render: &Render, mut input: Vec<u8>, mut first: Option<(u64, usize)>) {
        let mut out = Vec::new();
        loop {
            let Some((seq, lines_before)) = first.take().or_else(|| self.take(&mut input)) else {
                return;
            };
            out.clear();
            let bad = render.lines(&input, &mut out);
            let finished = Finished {
                out: std::mem::take(&mut out),
                bad,
                lines_before,
            };
            match self.hand_in(seq, finished) {
                Some(buffer) => out = buffer,
                None => return,
            }
        }
    }

    /// Write block `seq` if it is due, with the finished blocks after it; else leave it waiting.
    /// Returns a buffer for the thread's next block, or `None` once everything has stopped.
    fn hand_in(&self, seq: u64, finished: Finished) -> Option<Vec<u8>> {
        let mut output = lock(&self.output);
        while output.stop.is_none() && seq - output.next >= self.ahead {
            output = self
                .advanced
                .wait(output)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if output.stop.is_some() {
            return None;
        }
        if seq != output.next {
            output.waiting.insert(seq, finished);
            return Some(output.spare.pop().unwrap_or_default());
        }
        let mut buffer = output.write(finished);
        while output.stop.is_none() {
            let due = output.next;
            let Some(next) = output.waiting.remove(&due) else {
                break;
            };
            let written = output.write(next);
            output.spare.push(written);
        }
        let stopped = output.stop.is_some();
        drop(output);
        self.advanced.notify_all();
        if stopped {
            self.stopped.store(true, Ordering::Relaxed);
            return None;
        }
        buffer.clear();
        Some(buffer)
    }
}

impl<W: Write> Output<W> {
    /// Write the block due next and move on; returns its buffer.
    fn write(&mut self, finished: Finished) -> Vec<u8> {
        if let Err(e) = self.writer.write_all(&finished.out) {
            self.stop.get_or_insert(Stop::Write(e));
        } else if let Err(bad) = finished.bad {
            self.stop
                .get_or_insert(Stop::NotUtf8(finished.lines_before + bad));
        }
        self.next += 1;
        let mut buffer = finished.out;
        buffer.clear();
        buffer
    }
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

    /// Whether the input has ended and everything read was handed out.
    fn at_end(&self) -> bool {
        self.eof && self.handed == self.filled
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

    /// Numbers of every kind, with lines longer than a block now and then (a slow block).
    fn mixed_lines(count: usize) -> String {
        let mut text = String::new();
        for i in 0..count {
            match i % 5 {
                0 => text.push_str(&format!("RB{i:09}GB\n")),
                1 => text.push_str(&format!("8{i:015}\n")),
                2 => text.push_str(&format!("  lp{i:014} \n")),
                3 => text.push('\n'),
                _ => text.push_str(&format!("1Z{i:016}\n")),
            }
            if i % 4_999 == 0 {
                text.push_str(&"9".repeat(BLOCK + 3));
                text.push('\n');
            }
        }
        text
    }

    /// A writer that fails once it has taken `room` bytes.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn render() -> Render {
        Render {
            json: true,
            today: OnceLock::new(),
        }
    }

    #[test]
    fn any_number_of_threads_writes_what_one_thread_writes() {
        let render = render();
        let text = mixed_lines(30_000);
        assert!(text.len() > 20 * BLOCK);
        let mut alone = Vec::new();
        assert_eq!(render.lines(text.as_bytes(), &mut alone), Ok(()));
        assert_eq!(alone.iter().filter(|&&b| b == b'\n').count(), 24_000 + 7);
        for threads in [1, 2, 3, 8] {
            for step in [7, 4096, 1 << 20] {
                let input = Trickle {
                    data: text.as_bytes(),
                    step,
                };
                let mut out = Vec::new();
                identify_stream(input, &mut out, &render, threads).expect("identified");
                assert!(out == alone, "{threads} threads, reads of {step} bytes");
            }
        }
    }

    #[test]
    fn a_bad_line_is_named_by_its_number_in_the_whole_input_whatever_the_threads() {
        let render = render();
        let good = mixed_lines(20_000);
        let (before, after) = good.split_at(good.len() / 2);
        let before = &before[..=before.rfind('\n').expect("whole lines")];
        let line = before.matches('\n').count() + 1;
        let mut text = before.as_bytes().to_vec();
        text.extend_from_slice(b"RB123\xff456\n");
        text.extend_from_slice(after.as_bytes());
        let mut expected = Vec::new();
        assert_eq!(render.lines(before.as_bytes(), &mut expected), Ok(()));
        for threads in [1, 2, 8] {
            let mut out = Vec::new();
            let err = identify_stream(text.as_slice(), &mut out, &render, threads)
                .expect_err("a bad line");
            assert_eq!(
                err.to_string(),
                format!("standard input: line {line} is not valid UTF-8"),
                "{threads} threads"
            );
            assert!(
                out == expected,
                "{threads} threads: the lines before it, nothing after"
            );
        }
    }

    #[test]
    fn a_failed_write_stops_every_thread() {
        let render = render();
        let text = mixed_lines(30_000);
        for threads in [1, 2, 8] {
            let err = identify_stream(text.as_bytes(), Full { room: 100_000 }, &render, threads)
                .expect_err("a full output");
            let io = err.downcast_ref::<io::Error>().map(io::Error::kind);
            assert_eq!(io, Some(io::ErrorKind::BrokenPipe), "{threads} threads");
        }
    }

    #[test]
    fn an_input_of_one_block_or_none_is_identified_whole() {
        let render = render();
        for text in [
            "",
            "\n\n",
            "RB123456785GB",
            "RB123456785GB\nrb 1234 5678 5gb\n",
        ] {
            let mut alone = Vec::new();
            assert_eq!(render.lines(text.as_bytes(), &mut alone), Ok(()));
            let mut out = Vec::new();
            identify_stream(text.as_bytes(), &mut out, &render, 2).expect("identified");
            assert_eq!(out, alone, "{text:?}");
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
        let render = render();
        let (mut crlf, mut lf) = (Vec::new(), Vec::new());
        let lines = render.lines(b"RB123456785GB\r\r\n\r\n\xc2\xa0\r\nrb 1234\r\n", &mut crlf);
        assert_eq!(lines, Ok(()));
        assert_eq!(render.lines(b"RB123456785GB\nrb 1234\n", &mut lf), Ok(()));
        assert_eq!(String::from_utf8_lossy(&crlf), String::from_utf8_lossy(&lf));
    }

    #[test]
    fn a_bad_line_is_named_and_the_lines_before_it_written() {
        let render = render();
        let mut out = Vec::new();
        let bad = render.lines(b"RB123456785GB\n\nRB123\xff\nRB123456785GB\n", &mut out);
        assert_eq!(bad, Err(2));
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
    }
}
