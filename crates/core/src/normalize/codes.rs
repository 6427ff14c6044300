//! Carrier code tables: TSV files in `data/`, embedded at compile time and parsed once.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::milestone::{Milestone, Reason, Side};

use super::carrier::CarrierId;

/// How a code row sets the customs side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SideRule {
    None,
    Fixed(Side),
    /// Import on the inbound leg, export on the outbound leg.
    ByDirection,
}

/// One row of a code table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeEntry {
    pub milestone: Milestone,
    pub side: SideRule,
    pub reason: Option<Reason>,
    /// Milestone on the outbound leg, for direction-dependent codes.
    pub outbound: Option<Milestone>,
    /// A weak row may be overridden by a confident text rule.
    pub weak: bool,
}

/// A parsed code table.
#[derive(Debug)]
pub(crate) struct CodeTable {
    rows: HashMap<String, CodeEntry>,
}

impl CodeTable {
    /// Parses the TSV format documented in the data files. Panics only on a malformed
    /// embedded file, which the test suite loads, so a bad edit fails CI, not users.
    fn parse(name: &str, src: &str) -> CodeTable {
        let mut rows = HashMap::new();
        let mut header_seen = false;
        for (n, line) in src.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if !header_seen {
                header_seen = true;
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let at = || format!("data/{name}.tsv line {}", n + 1);
            assert!(
                cols.len() >= 5,
                "{}: expected 6 tab-separated columns",
                at()
            );
            let (milestone_col, weak) = match cols[1].strip_suffix('?') {
                Some(m) => (m, true),
                None => (cols[1], false),
            };
            let milestone = milestone_col
                .parse::<Milestone>()
                .unwrap_or_else(|e| panic!("{}: {e}", at()));
            let side = match cols[2] {
                "-" => SideRule::None,
                "auto" => SideRule::ByDirection,
                s => SideRule::Fixed(s.parse().unwrap_or_else(|e| panic!("{}: {e}", at()))),
            };
            let reason = match cols[3] {
                "-" => None,
                r => Some(r.parse().unwrap_or_else(|e| panic!("{}: {e}", at()))),
            };
            let outbound = match cols[4] {
                "-" => None,
                m => Some(m.parse().unwrap_or_else(|e| panic!("{}: {e}", at()))),
            };
            let key = normalize_code(cols[0]);
            let entry = CodeEntry {
                milestone,
                side,
                reason,
                outbound,
                weak,
            };
            let previous = rows.insert(key, entry);
            assert!(previous.is_none(), "{}: duplicate code {:?}", at(), cols[0]);
        }
        CodeTable { rows }
    }

    pub(crate) fn get(&self, code: &str) -> Option<&CodeEntry> {
        self.rows.get(code)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }
}

/// Canonical form of a code: trimmed, upper case, full-width underscore folded, Russian Post
/// separators (`8,5`, `8-5`, `8/5`) unified to `8.5`.
pub(crate) fn normalize_code(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    normalize_code_into(code, &mut out);
    out
}

/// [`normalize_code`] into a reused buffer (cleared first).
pub(crate) fn normalize_code_into(code: &str, out: &mut String) {
    out.clear();
    let trimmed = code.trim();
    let numeric_pair = trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || ",-/ .".contains(c));
    for c in trimmed.chars() {
        match c {
            '＿' => out.push('_'),
            ',' | '-' | '/' | ' ' if numeric_pair => out.push('.'),
            c => out.extend(c.to_uppercase()),
        }
    }
}

macro_rules! table {
    ($name:literal) => {
        LazyLock::new(|| {
            CodeTable::parse($name, include_str!(concat!("../../data/", $name, ".tsv")))
        })
    };
}

static RUSSIAN_POST: LazyLock<CodeTable> = table!("russian-post");
static CHINA_POST: LazyLock<CodeTable> = table!("china-post");
static CHINA_EMS: LazyLock<CodeTable> = table!("china-ems");
static CAINIAO: LazyLock<CodeTable> = table!("cainiao");
static YANWEN: LazyLock<CodeTable> = table!("yanwen");
static CDEK: LazyLock<CodeTable> = table!("cdek");
static BOXBERRY: LazyLock<CodeTable> = table!("boxberry");
static UPU: LazyLock<CodeTable> = table!("upu");
static GBS: LazyLock<CodeTable> = table!("gbs");

#[cfg(test)]
/// All tables with their file names.
pub(crate) fn all_tables() -> [(&'static str, &'static CodeTable); 9] {
    [
        ("russian-post", &RUSSIAN_POST),
        ("china-post", &CHINA_POST),
        ("china-ems", &CHINA_EMS),
        ("cainiao", &CAINIAO),
        ("yanwen", &YANWEN),
        ("cdek", &CDEK),
        ("boxberry", &BOXBERRY),
        ("upu", &UPU),
        ("gbs", &GBS),
    ]
}

/// Where a code was found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeHit {
    pub entry: CodeEntry,
    /// Found only through a fallback (e.g. the bare Russian Post OperType).
    pub fallback: bool,
}

/// Looks `code` (already normalised) up in the tables that apply to `carrier`.
pub(crate) fn lookup(carrier: Option<CarrierId>, code: &str) -> Option<CodeHit> {
    if code.is_empty() {
        return None;
    }
    let exact = |t: &CodeTable| {
        t.get(code).map(|e| CodeHit {
            entry: *e,
            fallback: false,
        })
    };
    match carrier {
        Some(CarrierId::RussianPost) => {
            // A bare OperType (or an unknown attribute) only says what kind of operation
            // happened; the text usually names the attribute, so such hits are fallbacks.
            let op_type = code.split('.').next().unwrap_or(code);
            match RUSSIAN_POST.get(code) {
                Some(e) if code.contains('.') => Some(CodeHit {
                    entry: *e,
                    fallback: false,
                }),
                _ => RUSSIAN_POST.get(op_type).map(|e| CodeHit {
                    entry: *e,
                    fallback: true,
                }),
            }
            .or_else(|| exact(&UPU))
        }
        Some(CarrierId::ChinaPost) => exact(&CHINA_POST)
            .or_else(|| exact(&CHINA_EMS))
            .or_else(|| exact(&UPU)),
        Some(CarrierId::ChinaEms) => exact(&CHINA_EMS)
            .or_else(|| exact(&CHINA_POST))
            .or_else(|| exact(&UPU)),
        Some(CarrierId::Cainiao) => exact(&CAINIAO).or_else(|| exact(&UPU)),
        Some(CarrierId::Yanwen) => exact(&YANWEN),
        Some(CarrierId::Cdek) => exact(&CDEK),
        Some(CarrierId::Boxberry) => exact(&BOXBERRY),
        Some(CarrierId::Upu) => exact(&UPU),
        Some(CarrierId::Gbs) => exact(&GBS),
        Some(CarrierId::Yunexpress) => None,
        // Unknown carrier: only codes that are unambiguous across carriers (UPU EMSEVT and
        // Cainiao's SCREAMING_SNAKE action codes); bare numbers mean different things everywhere.
        None if code.chars().any(|c| c.is_ascii_alphabetic()) => {
            exact(&UPU).or_else(|| code.contains('_').then(|| exact(&CAINIAO)).flatten())
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_parses_and_is_not_empty() {
        for (name, table) in all_tables() {
            assert!(table.len() > 5, "{name} has {} rows", table.len());
        }
        // The full public Russian Post dictionary: every OperType plus every attribute.
        assert!(RUSSIAN_POST.len() > 500, "{}", RUSSIAN_POST.len());
    }

    #[test]
    fn code_normalisation() {
        assert_eq!(normalize_code(" 8,5 "), "8.5");
        assert_eq!(normalize_code("8-5"), "8.5");
        assert_eq!(normalize_code("gtms_signed"), "GTMS_SIGNED");
        assert_eq!(normalize_code("CC_TRANS＿START"), "CC_TRANS_START");
        assert_eq!(normalize_code("Выдано"), "ВЫДАНО");
    }

    #[test]
    fn russian_post_falls_back_to_the_operation_type() {
        let hit = lookup(Some(CarrierId::RussianPost), "2.99").expect("type 2 exists");
        assert_eq!(hit.entry.milestone, Milestone::Delivered);
        assert!(hit.fallback);
        let exact = lookup(Some(CarrierId::RussianPost), "2.2").expect("2.2 exists");
        assert_eq!(exact.entry.milestone, Milestone::Returned);
        assert!(!exact.fallback);
        assert!(lookup(Some(CarrierId::RussianPost), "999").is_none());
    }

    #[test]
    fn unknown_carriers_only_get_unambiguous_codes() {
        assert_eq!(
            lookup(None, "EMI").map(|h| h.entry.milestone),
            Some(Milestone::Delivered)
        );
        assert_eq!(
            lookup(None, "GTMS_SIGNED").map(|h| h.entry.milestone),
            Some(Milestone::Delivered)
        );
        assert!(lookup(None, "2").is_none());
        assert!(lookup(None, "DE").is_none());
    }
}
