//! Running the real `posylka` binary, shared by the CLI test files.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Run `posylka ARGS` with `stdin`, plus extra arguments and environment set by `setup`.
pub fn run_posylka(args: &[&str], stdin: &[u8], setup: impl FnOnce(&mut Command)) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_posylka"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    setup(&mut command);
    let mut child = command.spawn().expect("posylka starts");
    // Written from another thread while the output is read: a large input would otherwise
    // fill the output pipe while the test still writes, and both would wait for ever.
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let output = child.wait_with_output().expect("posylka finishes");
    // A command may answer (or fail) before reading all of its input: a closed pipe is then
    // not the test's failure; the output says what happened.
    if let Err(e) = writer.join().expect("the stdin writer") {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    output
}
