//! The compiled catalogue of number formats.
//!
//! Built once per process from the data files embedded at compile time: the formats of
//! `jkeen/tracking_number_data` and Posylka's corridor formats, in one schema. All formats are
//! compiled into a single multi-pattern automaton, so identifying a number is one pass over it
//! whatever the number of formats; each format's capture regex (for check digits and lookups)
//! is compiled the first time the automaton reports that format.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use regex_automata::meta;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind, nfa::thompson::WhichCaptures};
use regex_syntax::hir::{Hir, HirKind};

use crate::checksum::Checksum;
use crate::pattern;
use crate::spec::{CourierFile, FormatSpec, SpecKind};

/// The data files, corridor formats first: on equal confidence the earlier format ranks first.
const DATA_FILES: &[(&str, &str)] = &[
    (
        "corridor/russian_post.json",
        include_str!("../data/corridor/russian_post.json"),
    ),
    (
        "corridor/cainiao.json",
        include_str!("../data/corridor/cainiao.json"),
    ),
    (
        "corridor/aliexpress.json",
        include_str!("../data/corridor/aliexpress.json"),
    ),
    (
        "corridor/yanwen.json",
        include_str!("../data/corridor/yanwen.json"),
    ),
    (
        "corridor/fourpx.json",
        include_str!("../data/corridor/fourpx.json"),
    ),
    (
        "corridor/sunyou.json",
        include_str!("../data/corridor/sunyou.json"),
    ),
    (
        "corridor/jnet.json",
        include_str!("../data/corridor/jnet.json"),
    ),
    (
        "corridor/sf_express.json",
        include_str!("../data/corridor/sf_express.json"),
    ),
    (
        "corridor/jd_logistics.json",
        include_str!("../data/corridor/jd_logistics.json"),
    ),
    (
        "corridor/china_post_domestic.json",
        include_str!("../data/corridor/china_post_domestic.json"),
    ),
    (
        "corridor/cdek.json",
        include_str!("../data/corridor/cdek.json"),
    ),
    (
        "corridor/boxberry.json",
        include_str!("../data/corridor/boxberry.json"),
    ),
    (
        "corridor/dpd_russia.json",
        include_str!("../data/corridor/dpd_russia.json"),
    ),
    (
        "corridor/cis_couriers.json",
        include_str!("../data/corridor/cis_couriers.json"),
    ),
    (
        "tracking_number_data/couriers/s10.json",
        include_str!("../data/tracking_number_data/couriers/s10.json"),
    ),
    (
        "tracking_number_data/couriers/yunexpress.json",
        include_str!("../data/tracking_number_data/couriers/yunexpress.json"),
    ),
    (
        "tracking_number_data/couriers/dhl.json",
        include_str!("../data/tracking_number_data/couriers/dhl.json"),
    ),
    (
        "tracking_number_data/couriers/ups.json",
        include_str!("../data/tracking_number_data/couriers/ups.json"),
    ),
    (
        "tracking_number_data/couriers/fedex.json",
        include_str!("../data/tracking_number_data/couriers/fedex.json"),
    ),
    (
        "tracking_number_data/couriers/usps.json",
        include_str!("../data/tracking_number_data/couriers/usps.json"),
    ),
    (
        "tracking_number_data/couriers/dpd.json",
        include_str!("../data/tracking_number_data/couriers/dpd.json"),
    ),
    (
        "tracking_number_data/couriers/amazon.json",
        include_str!("../data/tracking_number_data/couriers/amazon.json"),
    ),
    (
        "tracking_number_data/couriers/canadapost.json",
        include_str!("../data/tracking_number_data/couriers/canadapost.json"),
    ),
    (
        "tracking_number_data/couriers/canpar.json",
        include_str!("../data/tracking_number_data/couriers/canpar.json"),
    ),
    (
        "tracking_number_data/couriers/gofo.json",
        include_str!("../data/tracking_number_data/couriers/gofo.json"),
    ),
    (
        "tracking_number_data/couriers/landmark.json",
        include_str!("../data/tracking_number_data/couriers/landmark.json"),
    ),
    (
        "tracking_number_data/couriers/lasership.json",
        include_str!("../data/tracking_number_data/couriers/lasership.json"),
    ),
    (
        "tracking_number_data/couriers/old_dominion.json",
        include_str!("../data/tracking_number_data/couriers/old_dominion.json"),
    ),
    (
        "tracking_number_data/couriers/ontrac.json",
        include_str!("../data/tracking_number_data/couriers/ontrac.json"),
    ),
    (
        "tracking_number_data/couriers/purolator.json",
        include_str!("../data/tracking_number_data/couriers/purolator.json"),
    ),
    (
        "tracking_number_data/couriers/speedee.json",
        include_str!("../data/tracking_number_data/couriers/speedee.json"),
    ),
    (
        "tracking_number_data/couriers/yodel.json",
        include_str!("../data/tracking_number_data/couriers/yodel.json"),
    ),
];

/// A tracker that follows any post's S10 number, for posts with no tracking page on file.
const UNIVERSAL_TRACKING_URL: &str = "https://t.17track.net/en#nums=%s";

const POSTAL_OPERATORS: &str = include_str!("../data/postal_operators.tsv");

/// What a format's numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A carrier's tracking number.
    Tracking,
    /// A marketplace order number, which no carrier tracks.
    OrderNumber,
}

/// A carrier (or marketplace): a stable lowercase-hyphenated id and a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    /// Stable id, e.g. `royal-mail`, `canada-post`, `cainiao`.
    pub id: String,
    /// Display name, e.g. `Royal Mail`.
    pub name: String,
    /// A tracking page, with `%s` where the number goes.
    pub tracking_url: Option<String>,
    /// `"carrier":…,"carrier_name":…` rendered once, for the JSON writer.
    pub(crate) json: String,
}

impl Carrier {
    pub(crate) fn new(id: String, name: String, tracking_url: Option<String>) -> Self {
        let json = format!(
            "\"carrier\":{},\"carrier_name\":{}",
            json_string(&id),
            json_string(&name)
        );
        Carrier {
            id,
            name,
            tracking_url,
            json,
        }
    }
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A postal operator that issues S10 numbers under a country code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalOperator {
    /// The S10 suffix, an ISO 3166-1 alpha-2 code.
    pub country_code: String,
    /// The country's name.
    pub country_name: String,
    /// The operator as a carrier.
    pub carrier: Carrier,
}

/// A lookup table on one named group of a format: exact values in a hash map, patterns in one
/// multi-pattern regex (compiled on first use). The first entry that matches wins.
#[derive(Debug)]
pub(crate) struct Lookup {
    pub name: String,
    pub group: String,
    exact: HashMap<String, usize>,
    patterns: Vec<(usize, String)>,
    regex: OnceLock<Result<meta::Regex, String>>,
    labels: Vec<Option<String>>,
}

impl Lookup {
    /// The label of the entry `value` matches, as `Some(label)`; `None` when none matches.
    pub(crate) fn find(&self, value: &str) -> Option<Option<&str>> {
        let index = match self.exact.get(value) {
            Some(&i) => i,
            None => {
                let re = self.regex().ok()?;
                let m = re.search(&Input::new(value).anchored(Anchored::Yes))?;
                self.patterns[m.pattern().as_usize()].0
            }
        };
        Some(self.labels[index].as_deref())
    }

    fn regex(&self) -> Result<&meta::Regex, &str> {
        self.regex
            .get_or_init(|| {
                let sources: Vec<String> = self
                    .patterns
                    .iter()
                    .map(|(_, r)| format!(r"(?:{r})\z"))
                    .collect();
                meta::Regex::builder()
                    .configure(meta::Config::new().match_kind(MatchKind::LeftmostFirst))
                    .build_many(&sources)
                    .map_err(|e| format!("lookup {:?}: {e}", self.name))
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

/// A number format: its pattern, check digit, lookups and what a match means.
pub struct Format {
    /// The format's id, e.g. `s10`, `ups`, `russian_post_14`.
    pub id: String,
    /// A human name, e.g. `UPS`, `Russian Post domestic (14 digits)`.
    pub name: String,
    /// The carrier this format belongs to. For S10 the issuing post is found per number.
    pub carrier: Carrier,
    /// Tracking number or marketplace order number.
    pub kind: Kind,
    /// False for numbers tracked only inside one country (tracking stops at its border).
    pub international: bool,
    /// The country the number is issued in, when the format fixes it.
    pub origin_country: Option<String>,
    /// How likely a number that fits (and passes its check) is really of this format.
    pub confidence: f32,
    /// Which data file the format comes from (for error messages and provenance).
    pub source_file: &'static str,
    pub(crate) checksum: Option<Checksum>,
    pub(crate) prepend_if: Option<(fancy_regex::Regex, String)>,
    /// Indexes into `lookups` of the lookups a number must find an entry in.
    pub(crate) required_lookups: Vec<usize>,
    /// Index into `lookups` of the service-type lookup, if any.
    pub(crate) service_lookup: Option<usize>,
    pub(crate) lookups: Vec<Lookup>,
    pub(crate) exact_pattern: String,
    pub(crate) superset_pattern: String,
    pub(crate) has_lookaround: bool,
    pub(crate) compiled: OnceLock<Result<Compiled, String>>,
    pub(crate) test_valid: Vec<String>,
    pub(crate) test_invalid: Vec<String>,
    pub(crate) is_s10: bool,
    /// `{"format":…` rendered once, for the JSON writer.
    pub(crate) json_head: String,
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The compiled regexes are not worth printing: the id and file name the format.
        f.debug_struct("Format")
            .field("id", &self.id)
            .field("source_file", &self.source_file)
            .finish_non_exhaustive()
    }
}

/// Formats are equal when they are the same format of the catalogue.
impl PartialEq for Format {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.source_file == other.source_file
    }
}

/// How a format's groups are found once the set has matched.
#[derive(Debug)]
pub(crate) enum Compiled {
    /// Every match has the same length and every named group sits at the same offset, so the
    /// groups are read off the number with no second regex: (base name, start, end).
    Static(Vec<(String, usize, usize)>),
    /// A capture regex, with each base name's group indexes (`Serial`, `Serial2` -> `Serial`).
    Meta(meta::Regex, Vec<(String, Vec<usize>)>),
    /// The pattern needs lookarounds: a backtracking regex, with its group names per base.
    Fancy(fancy_regex::Regex, Vec<(String, Vec<String>)>),
}

/// A group's base name: `SerialNumber2` stands for `SerialNumber` in an alternative branch.
fn base_name(name: &str) -> &str {
    name.trim_end_matches(|c: char| c.is_ascii_digit())
}

impl Format {
    /// The format's test vectors from its data file: (valid, invalid).
    pub fn test_numbers(&self) -> (&[String], &[String]) {
        (&self.test_valid, &self.test_invalid)
    }

    /// Whether the format carries a check digit.
    pub fn has_check_digit(&self) -> bool {
        self.checksum.is_some()
    }

    /// True for UPU S10 numbers, whose carrier is the post named by the country suffix.
    pub fn is_s10(&self) -> bool {
        self.is_s10
    }

    /// The compiled matcher; the set's match has already established the shape.
    pub(crate) fn compiled(&self) -> Result<&Compiled, &str> {
        self.compiled
            .get_or_init(|| self.compile())
            .as_ref()
            .map_err(String::as_str)
    }

    fn compile(&self) -> Result<Compiled, String> {
        let at = |e: String| format!("{} ({}): {e}", self.source_file, self.id);
        if self.has_lookaround {
            let re = fancy_regex::Regex::new(&self.exact_pattern).map_err(|e| at(e.to_string()))?;
            let names = by_base_name(re.capture_names().flatten().map(|n| (n, n.to_owned())));
            return Ok(Compiled::Fancy(re, names));
        }
        let hir = regex_syntax::parse(&self.exact_pattern).map_err(|e| at(e.to_string()))?;
        let mut groups = Vec::new();
        if static_layout(&hir, 0, &mut groups).is_some() {
            return Ok(Compiled::Static(groups));
        }
        let re = meta::Regex::new(&self.exact_pattern).map_err(|e| at(e.to_string()))?;
        let indexes = by_base_name(
            re.group_info()
                .pattern_names(regex_automata::PatternID::ZERO)
                .enumerate()
                .filter_map(|(i, name)| Some((name?, i))),
        );
        Ok(Compiled::Meta(re, indexes))
    }
}

/// Group each capture group's value under its base name, in order of first appearance.
fn by_base_name<'a, T>(groups: impl Iterator<Item = (&'a str, T)>) -> Vec<(String, Vec<T>)> {
    let mut out: Vec<(String, Vec<T>)> = Vec::new();
    for (name, value) in groups {
        let base = base_name(name);
        match out.iter_mut().find(|(b, _)| b == base) {
            Some((_, v)) => v.push(value),
            None => out.push((base.to_owned(), vec![value])),
        }
    }
    out
}

/// The fixed length of `hir`, recording each named group's fixed span; `None` when a length or
/// a named group's position varies.
fn static_layout(
    hir: &Hir,
    offset: usize,
    groups: &mut Vec<(String, usize, usize)>,
) -> Option<usize> {
    let props = hir.properties();
    let len = props.minimum_len()?;
    if props.maximum_len()? != len {
        return None;
    }
    match hir.kind() {
        HirKind::Capture(cap) => {
            if let Some(name) = &cap.name {
                groups.push((base_name(name).to_owned(), offset, offset + len));
            }
            static_layout(&cap.sub, offset, groups)?;
        }
        HirKind::Concat(subs) => {
            let mut at = offset;
            for sub in subs {
                at += static_layout(sub, at, groups)?;
            }
        }
        // Unnamed groups inside repetitions (`([0-9]){8}`) do not matter; named ones would.
        _ if has_named_group(hir) => return None,
        _ => {}
    }
    Some(len)
}

fn has_named_group(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Capture(cap) => cap.name.is_some() || has_named_group(&cap.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().any(has_named_group),
        HirKind::Repetition(rep) => has_named_group(&rep.sub),
        _ => false,
    }
}

/// All formats, compiled.
#[derive(Debug)]
pub struct Catalog {
    formats: Vec<Format>,
    pub(crate) set: meta::Regex,
    operators: HashMap<[u8; 2], PostalOperator>,
}

/// An error in the embedded data: names the file, the format and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError(pub String);

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DataError {}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::build().unwrap_or_else(|e| panic!("embedded tracking-number data is broken: {e}"))
});

/// The process-wide catalogue, built on first use.
pub fn catalog() -> &'static Catalog {
    &CATALOG
}

impl Catalog {
    /// Every format, in ranking order for ties.
    pub fn formats(&self) -> &[Format] {
        &self.formats
    }

    /// The postal operator issuing S10 numbers under this country code.
    pub fn postal_operator(&self, country_code: &str) -> Option<&PostalOperator> {
        let key: [u8; 2] = country_code.as_bytes().try_into().ok()?;
        self.operators.get(&key)
    }

    /// Look a format up by id.
    pub fn format(&self, id: &str) -> Option<&Format> {
        self.formats.iter().find(|f| f.id == id)
    }

    /// Compile every lazily compiled part now, reporting the first error with its file and
    /// format. The tests call this, so a bad data file fails the build's tests, not a user.
    pub fn verify(&self) -> Result<(), DataError> {
        for f in &self.formats {
            f.compiled().map_err(|e| DataError(e.to_owned()))?;
            for l in &f.lookups {
                if !l.patterns.is_empty() {
                    l.regex()
                        .map_err(|e| DataError(format!("{} ({}): {e}", f.source_file, f.id)))?;
                }
            }
        }
        Ok(())
    }

    fn build() -> Result<Catalog, DataError> {
        let operators = parse_operators(POSTAL_OPERATORS)?;
        let mut formats = Vec::new();
        for (file, text) in DATA_FILES {
            let courier: CourierFile = serde_json::from_str(text)
                .map_err(|e| DataError(format!("{file}: line {}: {e}", e.line())))?;
            for (i, spec) in courier.tracking_numbers.into_iter().enumerate() {
                formats.push(compile_format(
                    file,
                    i,
                    &courier.name,
                    &courier.courier_code,
                    spec,
                )?);
            }
        }
        let supersets: Vec<String> = formats.iter().map(|f| f.superset_pattern.clone()).collect();
        let set = meta::Regex::builder()
            .configure(
                meta::Config::new()
                    .match_kind(MatchKind::All)
                    .which_captures(WhichCaptures::None),
            )
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .build_many(&supersets)
            .map_err(|e| DataError(format!("compiling the format set: {e}")))?;
        Ok(Catalog {
            formats,
            set,
            operators,
        })
    }
}

fn compile_format(
    file: &'static str,
    index: usize,
    courier_name: &str,
    courier_code: &str,
    spec: FormatSpec,
) -> Result<Format, DataError> {
    let id = spec
        .id
        .clone()
        .unwrap_or_else(|| slug(&spec.name).replace('-', "_"));
    let at = |what: String| DataError(format!("{file}: tracking_numbers[{index}] ({id}): {what}"));
    let source = spec.regex.joined();
    let rewritten = pattern::rewrite(&source);
    let checksum = spec
        .validation
        .checksum
        .as_ref()
        .map(Checksum::from_spec)
        .transpose()
        .map_err(|e| at(format!("unknown checksum {:?}", e.0)))?;
    let prepend_if = spec
        .validation
        .serial_number_format
        .as_ref()
        .and_then(|f| f.prepend_if.as_ref())
        .map(|p| {
            let re = fancy_regex::Regex::new(&pattern::rewrite(&p.matches_regex).exact)
                .map_err(|e| at(format!("prepend_if regex: {e}")))?;
            Ok::<_, DataError>((re, p.content.clone()))
        })
        .transpose()?;
    let mut lookups = Vec::new();
    for a in &spec.additional {
        let mut exact = HashMap::new();
        let mut patterns = Vec::new();
        let mut labels = Vec::new();
        for (i, e) in a.lookup.iter().enumerate() {
            match (&e.matches, &e.matches_regex) {
                (Some(s), _) => {
                    exact.entry(s.clone()).or_insert(i);
                }
                (None, Some(r)) => patterns.push((i, r.clone())),
                (None, None) => {
                    return Err(at(format!(
                        "lookup {:?}: entry {i} has neither matches nor matches_regex",
                        a.name
                    )));
                }
            }
            labels.push(
                e.name
                    .clone()
                    .or_else(|| e.courier.clone())
                    .or_else(|| e.country.clone()),
            );
        }
        lookups.push(Lookup {
            name: a.name.clone(),
            group: base_name(&a.regex_group_name).to_owned(),
            exact,
            patterns,
            regex: OnceLock::new(),
            labels,
        });
    }
    let required_lookups = spec
        .validation
        .additional
        .as_ref()
        .map(|a| a.exists.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|name| {
            lookups
                .iter()
                .position(|l| &l.name == name)
                .ok_or_else(|| at(format!("validation requires unknown lookup {name:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let service_lookup = lookups.iter().position(|l| l.name == "Service Type");
    let has_letters = source_has_fixed_letters(&rewritten.superset);
    let confidence = spec
        .confidence
        .unwrap_or(match (checksum.is_some(), has_letters) {
            (true, true) => 0.95,
            (true, false) => 0.65,
            (false, true) => 0.75,
            (false, false) => 0.35,
        });
    let carrier_id = spec
        .carrier
        .clone()
        .unwrap_or_else(|| courier_code.replace('_', "-"));
    let carrier = Carrier::new(
        carrier_id,
        spec.carrier_name
            .clone()
            .unwrap_or_else(|| courier_name.to_owned()),
        spec.tracking_url.clone(),
    );
    let (test_valid, test_invalid) = spec
        .test_numbers
        .map(|t| (t.valid, t.invalid))
        .unwrap_or_default();
    Ok(Format {
        is_s10: id == "s10",
        json_head: format!("{{\"format\":{}", json_string(&id)),
        id,
        name: spec.name,
        carrier,
        kind: match spec.kind {
            SpecKind::Tracking => Kind::Tracking,
            SpecKind::OrderNumber => Kind::OrderNumber,
        },
        international: spec.international.unwrap_or(true),
        origin_country: spec.origin_country,
        confidence,
        source_file: file,
        checksum,
        prepend_if,
        required_lookups,
        service_lookup,
        lookups,
        exact_pattern: rewritten.exact,
        superset_pattern: rewritten.superset,
        has_lookaround: rewritten.has_lookaround,
        compiled: OnceLock::new(),
        test_valid,
        test_invalid,
    })
}

/// Whether a pattern has a literal letter or a letter class: such formats are distinctive,
/// unlike all-digit ones.
fn source_has_fixed_letters(pattern: &str) -> bool {
    pattern.contains("A-Z") || {
        let mut escaped = false;
        let mut in_name = false;
        pattern.chars().any(|c| {
            let was_escaped = escaped;
            escaped = c == '\\' && !was_escaped;
            if c == '<' {
                in_name = true;
            } else if c == '>' {
                in_name = false;
            }
            !was_escaped && !in_name && c.is_ascii_uppercase()
        })
    }
}

fn parse_operators(tsv: &str) -> Result<HashMap<[u8; 2], PostalOperator>, DataError> {
    let mut map = HashMap::new();
    for (n, line) in tsv.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let bad = || {
            DataError(format!(
                "postal_operators.tsv: line {}: expected 4 or 5 tab-separated columns",
                n + 1
            ))
        };
        let (code, id, name, country, url) = match cols.as_slice() {
            [code, id, name, country] => (code, id, name, country, UNIVERSAL_TRACKING_URL),
            [code, id, name, country, url] => (code, id, name, country, *url),
            _ => return Err(bad()),
        };
        let key: [u8; 2] = code.as_bytes().try_into().map_err(|_| bad())?;
        map.insert(
            key,
            PostalOperator {
                country_code: (*code).to_owned(),
                country_name: (*country).to_owned(),
                carrier: Carrier::new((*id).to_owned(), (*name).to_owned(), Some(url.to_owned())),
            },
        );
    }
    Ok(map)
}

/// Lowercase, hyphen-separated ASCII.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}
