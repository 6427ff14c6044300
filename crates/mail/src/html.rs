//! HTML bodies to plain text, for the number scanner.
//!
//! Marketplace notifications are often HTML only, laid out in tables. What matters for
//! extraction is where words stop: a table cell or a block ends a run of text, so the value of
//! one cell never glues onto the label of the next (`Order ID</td><td>8190...` must not read
//! `Order ID8190...`), while inline markup (`<b>`, `<span>`, `<a>`) is dropped without a trace.
//! Cells become tabs rather than spaces because the scanner joins tokens across single spaces
//! (`RB 1234 5678 5GB`) and two neighbouring cells are no one number. `<head>`, `<style>`,
//! `<script>`, `<template>` and comments hold no text for the reader and are skipped.

/// The readable text of an HTML document: blocks on their own lines, table cells separated by
/// tabs, character references decoded, runs of white space collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut out = Text::with_capacity(html.len() / 2);
    let bytes = html.as_bytes();
    let mut i = 0;
    // The element whose content is skipped until its end tag, if any.
    let mut skipping: Option<&'static str> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'<' {
            if bytes[i..].starts_with(b"<!--") {
                i = find(bytes, i + 4, b"-->").map_or(bytes.len(), |e| e + 3);
                continue;
            }
            let Some(tag) = read_tag(bytes, i) else {
                // A lone `<` (as in "a < b") is text.
                if skipping.is_none() {
                    out.push_char('<');
                }
                i += 1;
                continue;
            };
            i = tag.end;
            let name = tag.name.to_ascii_lowercase();
            if let Some(skipped) = skipping {
                if tag.closing && name == skipped {
                    skipping = None;
                }
                continue;
            }
            if !tag.closing
                && !tag.self_closing
                && let Some(skipped) = SKIPPED.iter().find(|s| **s == name)
            {
                skipping = Some(skipped);
                continue;
            }
            if CELLS.contains(&name.as_str()) {
                out.cell_break();
            } else if BLOCKS.contains(&name.as_str()) {
                out.line_break();
            }
            continue;
        }
        // Text up to the next tag.
        let end = memchr_lt(bytes, i);
        if skipping.is_none() {
            decode_text(&html[i..end], &mut out);
        }
        i = end;
    }
    out.finish()
}

/// Elements whose content is not text for the reader.
const SKIPPED: [&str; 5] = ["head", "style", "script", "template", "title"];

/// Elements that start or end a line.
const BLOCKS: [&str; 27] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "section",
    "table",
    "tr",
    "ul",
];

/// Elements that end a cell of a row.
const CELLS: [&str; 2] = ["td", "th"];

/// One tag: its name, whether it is an end tag or self-closing, and the byte after its `>`.
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    self_closing: bool,
    end: usize,
}

/// Reads the tag starting at `bytes[at] == b'<'`, or `None` when no tag starts there (a `<`
/// not followed by a name, `/` or `!`). Quoted attribute values may hold `>`.
fn read_tag(bytes: &[u8], at: usize) -> Option<Tag<'_>> {
    let mut i = at + 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let first = *bytes.get(i)?;
    if !(first.is_ascii_alphabetic() || first == b'!' || first == b'?') {
        return None;
    }
    let name_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'!') {
        i += 1;
    }
    // The name is ASCII by construction.
    let name = std::str::from_utf8(&bytes[name_start..i]).unwrap_or_default();
    let mut quote: Option<u8> = None;
    let mut last = 0u8;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                return Some(Tag {
                    name,
                    closing,
                    self_closing: last == b'/',
                    end: i + 1,
                });
            }
            None => {}
        }
        if !b.is_ascii_whitespace() {
            last = b;
        }
        i += 1;
    }
    // An unterminated tag swallows the rest, as browsers do.
    Some(Tag {
        name,
        closing,
        self_closing: false,
        end: bytes.len(),
    })
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// The next `<` at or after `from`, or the end.
fn memchr_lt(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'<')
        .map_or(bytes.len(), |p| from + p)
}

/// Appends text with its character references decoded.
fn decode_text(text: &str, out: &mut Text) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match decode_reference(after) {
            Some((c, used)) => {
                out.push_char(c);
                rest = &after[used..];
            }
            None => {
                out.push_char('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// Decodes the reference after a `&`: `nbsp;`, `#1060;`, `#x444;`. Returns the character and
/// the bytes used, `;` included.
fn decode_reference(after: &str) -> Option<(char, usize)> {
    let semi = after.bytes().take(12).position(|b| b == b';')?;
    let body = &after[..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(code).filter(|c| *c != '\0')?
    } else {
        named_reference(body)?
    };
    Some((c, semi + 1))
}

/// The named references notification e-mails use; others stay as written.
fn named_reference(name: &str) -> Option<char> {
    Some(match name {
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "laquo" => '«',
        "raquo" => '»',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "yen" => '¥',
        "euro" => '€',
        "pound" => '£',
        "numero" => '№',
        "middot" => '·',
        "bull" => '•',
        "zwnj" | "zwj" | "shy" => '\u{200B}',
        _ => return None,
    })
}

/// The text being built: white space collapsed, breaks merged.
struct Text {
    buf: String,
    /// A break is due before the next text: 0 none, 1 space, 2 tab (cell), 3 newline (block).
    pending: u8,
}

impl Text {
    fn with_capacity(n: usize) -> Self {
        Text {
            buf: String::with_capacity(n),
            pending: 0,
        }
    }

    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push_char(c);
        }
    }

    fn push_char(&mut self, c: char) {
        if c == '\u{200B}' {
            return; // zero-width: invisible, and must not split a number
        }
        if c.is_whitespace() && c != '\u{A0}' {
            self.pending = self.pending.max(1);
            return;
        }
        if !self.buf.is_empty() {
            match self.pending {
                1 => self.buf.push(' '),
                2 => self.buf.push('\t'),
                3 => self.buf.push('\n'),
                _ => {}
            }
        }
        self.pending = 0;
        self.buf.push(if c == '\u{A0}' { ' ' } else { c });
    }

    fn cell_break(&mut self) {
        self.pending = self.pending.max(2);
    }

    fn line_break(&mut self) {
        self.pending = 3;
    }

    fn finish(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn cells_and_blocks_keep_words_apart() {
        let html = "<table><tr><td>Order ID</td><td>8190000000000001</td></tr>\
                    <tr><td>Tracking number:</td><td><b>LP00573419278865</b></td></tr></table>";
        assert_eq!(
            html_to_text(html),
            "Order ID\t8190000000000001\nTracking number:\tLP00573419278865"
        );
    }

    #[test]
    fn head_style_script_and_comments_are_skipped() {
        let html = "<html><head><title>RA123456785CN</title><style>p{color:red}</style></head>\
                    <body><!-- LP00000000000001 --><script>var x='<td>';</script><p>Hi</p></body>";
        assert_eq!(html_to_text(html), "Hi");
    }

    #[test]
    fn references_are_decoded() {
        let html = "&laquo;Shop&nbsp;&amp;&nbsp;Co&raquo; &#8470;&#x31;2 &bogus; a&lt;b 5 < 6";
        assert_eq!(html_to_text(html), "«Shop & Co» №12 &bogus; a<b 5 < 6");
    }

    #[test]
    fn quoted_angle_brackets_stay_inside_the_tag() {
        let html = r#"<a title="a > b" href='x'>Трек</a>: <span>RB 1234 5678 5GB</span>"#;
        assert_eq!(html_to_text(html), "Трек: RB 1234 5678 5GB");
    }

    #[test]
    fn inline_markup_leaves_no_trace() {
        assert_eq!(html_to_text("RA<b>12345</b>6785CN"), "RA123456785CN");
    }
}
