//! Reading messages from disk: `.eml` files, maildirs, mbox files and directories of them.
//!
//! A maildir (a directory with `cur/` or `new/`, as mbsync, offlineimap or fetchmail with an
//! MDA leave it) is read from `cur/` and `new/` together in file-name order, which for maildir
//! names is delivery order, so a later notification about a parcel is applied after an
//! earlier one; Maildir++ sub-folders (`.Folder/`) are read after it. `tmp/` is never read: a
//! delivery in progress is incomplete. A file that starts with `From ` is an mbox and yields
//! one message per entry; any other file is one message. Other directories are read in name
//! order, recursively. Symbolic links to directories are not followed (no loops).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::message::MAX_MESSAGE_BYTES;

/// Where a message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file.
    pub path: PathBuf,
    /// The message's position in an mbox file, from 1; `None` for a one-message file.
    pub index: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(n) => write!(f, "{}#{n}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// One message's bytes and where they came from.
#[derive(Debug, Clone)]
pub struct RawMessage {
    /// Where it came from.
    pub origin: Origin,
    /// The message as stored.
    pub bytes: Vec<u8>,
}

/// A file or directory that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ReadError {
    /// The file or directory (and mbox position).
    pub origin: Origin,
    /// What went wrong.
    pub message: String,
}

impl ReadError {
    fn new(path: &Path, index: Option<usize>, message: impl ToString) -> Self {
        ReadError {
            origin: Origin {
                path: path.to_owned(),
                index,
            },
            message: message.to_string(),
        }
    }
}

/// How deep directories are followed.
const MAX_DEPTH: usize = 16;

/// The messages under `paths`, in order; see the module docs. Unreadable files and
/// directories come as errors in their place and reading goes on.
pub fn messages<P: Into<PathBuf>>(paths: impl IntoIterator<Item = P>) -> Messages {
    let mut pending: Vec<Pending> = paths
        .into_iter()
        .map(|p| Pending::Path(p.into(), 0))
        .collect();
    pending.reverse();
    Messages { pending }
}

/// The iterator [`messages`] returns.
pub struct Messages {
    /// Work left, the next item last.
    pending: Vec<Pending>,
}

impl fmt::Debug for Messages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Messages")
            .field("pending", &self.pending.len())
            .finish()
    }
}

enum Pending {
    Path(PathBuf, usize),
    Mbox {
        path: PathBuf,
        reader: mail_parser::mailbox::mbox::MessageIterator<BufReader<File>>,
        read: usize,
    },
}

impl Iterator for Messages {
    type Item = Result<RawMessage, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.pending.pop()? {
                Pending::Path(path, depth) => {
                    if let Some(item) = self.open(path, depth) {
                        return Some(item);
                    }
                }
                Pending::Mbox {
                    path,
                    mut reader,
                    read,
                } => {
                    let index = read + 1;
                    match reader.next() {
                        None => {}
                        Some(Ok(message)) => {
                            let bytes = message.unwrap_contents();
                            self.pending.push(Pending::Mbox {
                                path: path.clone(),
                                reader,
                                read: index,
                            });
                            let origin = Origin {
                                path,
                                index: Some(index),
                            };
                            return Some(Ok(RawMessage { origin, bytes }));
                        }
                        // A read error mid-file: what follows cannot be trusted to split right.
                        Some(Err(e)) => return Some(Err(ReadError::new(&path, Some(index), e))),
                    }
                }
            }
        }
    }
}

impl Messages {
    /// Reads a file, or queues a directory's entries; `None` when nothing is due yet.
    fn open(&mut self, path: PathBuf, depth: usize) -> Option<Result<RawMessage, ReadError>> {
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => return Some(Err(ReadError::new(&path, None, e))),
        };
        if meta.is_dir() {
            if depth >= MAX_DEPTH {
                return Some(Err(ReadError::new(
                    &path,
                    None,
                    format!("directories nested deeper than {MAX_DEPTH} are not read"),
                )));
            }
            return match self.queue_directory(&path, depth) {
                Ok(()) => None,
                Err(e) => Some(Err(ReadError::new(&path, None, e))),
            };
        }
        self.read_file(path, meta.len()).transpose()
    }

    /// A one-message file's message, or `None` for an mbox (queued, read message by message).
    fn read_file(&mut self, path: PathBuf, len: u64) -> Result<Option<RawMessage>, ReadError> {
        let mut file = File::open(&path).map_err(|e| ReadError::new(&path, None, e))?;
        let mut head = [0u8; 5];
        let n = read_up_to(&mut file, &mut head).map_err(|e| ReadError::new(&path, None, e))?;
        if &head[..n] == b"From " {
            let file = File::open(&path).map_err(|e| ReadError::new(&path, None, e))?;
            let reader = mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(file));
            self.pending.push(Pending::Mbox {
                path,
                reader,
                read: 0,
            });
            return Ok(None);
        }
        if usize::try_from(len).map_or(true, |len| len > MAX_MESSAGE_BYTES) {
            return Err(ReadError::new(
                &path,
                None,
                format!("larger than {MAX_MESSAGE_BYTES} bytes: not read"),
            ));
        }
        let mut bytes = head[..n].to_vec();
        file.read_to_end(&mut bytes)
            .map_err(|e| ReadError::new(&path, None, e))?;
        Ok(Some(RawMessage {
            origin: Origin { path, index: None },
            bytes,
        }))
    }

    /// Queues a directory's messages (see the module docs).
    fn queue_directory(&mut self, dir: &Path, depth: usize) -> io::Result<()> {
        let (dirs, files) = entries(dir)?;
        let is_maildir = dirs
            .iter()
            .any(|d| d.file_name().is_some_and(|n| n == "cur" || n == "new"));
        let mut queue: Vec<Pending> = Vec::new();
        if is_maildir {
            let mut mail: Vec<PathBuf> = Vec::new();
            for sub in ["cur", "new"] {
                let sub = dir.join(sub);
                if sub.is_dir() {
                    mail.extend(entries(&sub)?.1);
                }
            }
            // Maildir names start with the delivery time: name order is delivery order.
            mail.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            queue.extend(mail.into_iter().map(|p| Pending::Path(p, depth + 1)));
            queue.extend(
                dirs.into_iter()
                    .filter(|d| {
                        d.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    })
                    .map(|d| Pending::Path(d, depth + 1)),
            );
        } else {
            queue.extend(files.into_iter().map(|p| Pending::Path(p, depth + 1)));
            queue.extend(dirs.into_iter().map(|d| Pending::Path(d, depth + 1)));
        }
        self.pending.extend(queue.into_iter().rev());
        Ok(())
    }
}

/// A directory's sub-directories (not through symbolic links) and files, each in name order;
/// hidden files are left out (`.DS_Store`, editors' swap files), hidden directories are not
/// (Maildir++ folders are hidden).
fn entries(dir: &Path) -> io::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut dirs = Vec::new();
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if kind.is_dir() {
            dirs.push(path);
        } else if !hidden && (kind.is_file() || (kind.is_symlink() && path.is_file())) {
            files.push(path);
        }
    }
    dirs.sort();
    files.sort();
    Ok((dirs, files))
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
