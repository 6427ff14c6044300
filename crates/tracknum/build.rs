//! Compiles the format set at build time.
//!
//! Every format's pattern goes into one deterministic finite automaton that says, in one pass
//! over a normalised number, which formats its shape fits. Determinising it takes milliseconds,
//! longer than identifying thousands of numbers, so it is done here once and the table is
//! embedded in the library; at run time it is only validated and used in place.
//!
//! The patterns come from the same data files, read with the same schema (`src/spec.rs`) and
//! rewritten by the same code (`src/pattern.rs`) as the catalogue uses, in the same order
//! (`src/data_files.rs`), so pattern *i* of the automaton is format *i* of the catalogue.

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

use regex_automata::dfa::{StartKind, dense};
use regex_automata::util::syntax;
use regex_automata::{MatchKind, nfa::thompson::WhichCaptures};

#[path = "src/data_files.rs"]
mod data_files;
#[path = "src/pattern.rs"]
#[allow(dead_code)] // the build needs only the rewrite, not every field
mod pattern;
#[path = "src/spec.rs"]
#[allow(dead_code)]
mod spec;

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    for file in [
        "build.rs",
        "src/data_files.rs",
        "src/pattern.rs",
        "src/spec.rs",
    ] {
        println!("cargo::rerun-if-changed={file}");
    }

    let mut supersets = Vec::new();
    let mut texts = String::from("&[\n");
    for name in data_files::DATA_FILES {
        let path = manifest.join("data").join(name);
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let courier: spec::CourierFile = serde_json::from_str(&text)
            .map_err(|e| format!("data/{name}: line {}: {e}", e.line()))?;
        for spec in &courier.tracking_numbers {
            supersets.push(pattern::rewrite(&spec.regex.joined()).superset);
        }
        writeln!(texts, "    include_str!({:?}),", path.display().to_string())?;
    }
    texts.push_str("]\n");
    std::fs::write(out_dir.join("data_texts.rs"), texts)?;

    // Anchored at the start and, through each pattern's `\z`, at the end: the state after the
    // last byte and the end-of-input transition holds every format the whole number fits.
    let dfa = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Anchored)
                .minimize(true),
        )
        .thompson(regex_automata::nfa::thompson::Config::new().which_captures(WhichCaptures::None))
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build_many(&supersets)
        .map_err(|e| format!("compiling the format set: {e}"))?;
    let little = std::env::var("CARGO_CFG_TARGET_ENDIAN").as_deref() != Ok("big");
    let (bytes, pad) = if little {
        dfa.to_bytes_little_endian()
    } else {
        dfa.to_bytes_big_endian()
    };
    std::fs::write(out_dir.join("format_set.dfa"), &bytes[pad..])?;
    Ok(())
}
