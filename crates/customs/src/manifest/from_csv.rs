//! CSV manifests: a header row, then one row per item.

use std::collections::HashMap;

use csv::{ByteRecord, ReaderBuilder};
use posylka_core::order::Currency;
use posylka_core::shipment::TrackingNumber;

use super::{
    Errors, Item, Manifest, ManifestErrors, ManifestOptions, ManifestParcel, ParcelFields, RawItem,
    RawParcel, tracking_number,
};

/// The parcel columns, in the order of [`RawParcel`]'s fields.
const PARCEL_COLUMNS: [&str; 7] = [
    "tracking_number",
    "recipient_name",
    "phone",
    "email",
    "declared_value",
    "currency",
    "weight_kg",
];
const ITEM_COLUMNS: [&str; 3] = ["item_description", "item_quantity", "item_value"];
const REQUIRED_ITEM_COLUMN: &str = "item_description";

/// `Tracking Number` → `tracking_number`.
fn column_key(header: &str) -> String {
    header
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// The delimiter the header line uses most: `,`, `;` (spreadsheets in Russian locales) or
/// a tab.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| {
            // Ties go to the comma (max_by_key keeps the last maximum, hence the reversal).
            let n = header.iter().filter(|b| *b == d).count();
            (n, usize::from(*d == b','))
        })
        .unwrap_or(b',')
}

/// One parcel being assembled from its rows.
struct Group {
    line: u64,
    raw: RawParcel,
    fields: Option<ParcelFields>,
    items: Vec<Item>,
}

/// Parses a CSV manifest (UTF-8, with or without a byte-order mark; comma, semicolon or
/// tab separated). All or nothing: any error and no parcel is returned.
pub fn parse_csv(bytes: &[u8], options: &ManifestOptions) -> Result<Manifest, ManifestErrors> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = ReaderBuilder::new()
        .delimiter(detect_delimiter(bytes))
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut errors = Errors::default();
    let mut record = ByteRecord::new();
    let mut lines = LineCounter::new(bytes);

    // The header: the first row that is not empty.
    let header_line = loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) if is_blank(&record) => continue,
            Ok(true) => break lines.at(record.position().map_or(0, |p| p.byte())),
            Ok(false) => {
                errors.push(1, None, "empty file: expected a header row and parcel rows");
                return errors.finish(Manifest { parcels: vec![] });
            }
            Err(e) => {
                let line = lines.at(e.position().map_or(0, |p| p.byte()));
                errors.push(line, None, "unreadable CSV");
                return errors.finish(Manifest { parcels: vec![] });
            }
        }
    };
    let mut columns: HashMap<String, usize> = HashMap::new();
    for (i, name) in record.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(name) else {
            errors.push(header_line, None, NOT_UTF8);
            return errors.finish(Manifest { parcels: vec![] });
        };
        let key = column_key(name);
        if key.is_empty() {
            continue;
        }
        if columns.insert(key.clone(), i).is_some() {
            errors.push(header_line, Some(&key), "the column appears twice");
        }
    }
    for required in PARCEL_COLUMNS.iter().chain([&REQUIRED_ITEM_COLUMN]) {
        if !columns.contains_key(*required) {
            errors.push(
                header_line,
                Some(required),
                format!(
                    "missing column: the header needs {}",
                    PARCEL_COLUMNS
                        .iter()
                        .chain(&ITEM_COLUMNS)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    if !errors.is_empty() {
        return errors.finish(Manifest { parcels: vec![] });
    }

    let mut groups: Vec<Group> = Vec::new();
    let mut by_number: HashMap<TrackingNumber, usize> = HashMap::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(header_line, |p| lines.at(p.byte()));
                errors.push(line, None, "unreadable CSV");
                break;
            }
        }
        if is_blank(&record) {
            continue;
        }
        let line = lines.at(record.position().map_or(0, |p| p.byte()));
        let mut cell = |name: &str| -> String {
            let Some(bytes) = columns.get(name).and_then(|i| record.get(*i)) else {
                return String::new();
            };
            match std::str::from_utf8(bytes) {
                Ok(text) => text.trim().to_owned(),
                Err(_) => {
                    errors.push(line, Some(name), NOT_UTF8);
                    String::new()
                }
            }
        };
        let raw = RawParcel {
            tracking_number: cell("tracking_number"),
            recipient_name: cell("recipient_name"),
            phone: cell("phone"),
            email: cell("email"),
            declared_value: cell("declared_value"),
            currency: cell("currency"),
            weight_kg: cell("weight_kg"),
        };
        let item = RawItem {
            description: cell("item_description"),
            quantity: cell("item_quantity"),
            value: cell("item_value"),
        };
        let number = match tracking_number(&raw.tracking_number, options) {
            Ok(n) => n,
            Err(message) => {
                errors.push(line, Some("tracking_number"), message);
                continue;
            }
        };
        let group = match by_number.get(&number) {
            Some(&g) => {
                continue_group(&mut groups[g], &raw, line, options, &mut errors);
                &mut groups[g]
            }
            None => {
                let fields = raw.check(line, options, &mut errors);
                by_number.insert(number, groups.len());
                groups.push(Group {
                    line,
                    raw,
                    fields,
                    items: Vec::new(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        let currency = group
            .fields
            .as_ref()
            .map(|f| f.declared_value.currency())
            .or_else(|| group.raw.currency.parse::<Currency>().ok());
        if let Some(item) = item.check(line, "item", currency, &mut errors) {
            group.items.push(item);
        }
    }
    if groups.is_empty() && errors.is_empty() {
        errors.push(header_line, None, "no parcel rows after the header");
    }
    if !errors.is_empty() {
        return errors.finish(Manifest { parcels: vec![] });
    }
    let parcels = groups
        .into_iter()
        .filter_map(|g| {
            let f = g.fields?;
            Some(ManifestParcel {
                line: g.line,
                tracking_number: f.tracking_number,
                recipient_name: f.recipient_name,
                phone: f.phone,
                email: f.email,
                declared_value: f.declared_value,
                weight_grams: f.weight_grams,
                items: g.items,
            })
        })
        .collect();
    errors.finish(Manifest { parcels })
}

/// Line numbers from byte offsets. The CSV reader's own line count skips blank lines, and
/// operators look lines up in an editor; offsets only grow, so counting is incremental.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the record at byte `offset` (offsets must not decrease between
    /// calls).
    fn at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        // A record after blank lines is reported at the first blank line.
        while self
            .bytes
            .get(offset)
            .is_some_and(|b| matches!(b, b'\n' | b'\r'))
        {
            offset += 1;
        }
        if offset > self.offset {
            let newlines = self.bytes[self.offset..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = offset;
        }
        self.line
    }
}

const NOT_UTF8: &str = "not UTF-8 text: save the file as \"CSV UTF-8\"";

fn is_blank(record: &ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// A further row of a parcel already seen: the parcel columns it fills must agree with the
/// first row's (empty ones are inherited). Each filled field is checked on its own, and
/// errors of inherited fields are not repeated.
fn continue_group(
    group: &mut Group,
    raw: &RawParcel,
    line: u64,
    options: &ManifestOptions,
    errors: &mut Errors,
) {
    let pairs = [
        (
            &raw.recipient_name,
            &group.raw.recipient_name,
            "recipient_name",
        ),
        (&raw.phone, &group.raw.phone, "phone"),
        (&raw.email, &group.raw.email, "email"),
        (
            &raw.declared_value,
            &group.raw.declared_value,
            "declared_value",
        ),
        (&raw.currency, &group.raw.currency, "currency"),
        (&raw.weight_kg, &group.raw.weight_kg, "weight_kg"),
    ];
    let filled: Vec<&str> = pairs
        .iter()
        .filter(|(own, _, _)| !own.is_empty())
        .map(|(_, _, name)| *name)
        .collect();
    if filled.is_empty() {
        return;
    }
    let merged = RawParcel {
        tracking_number: raw.tracking_number.clone(),
        recipient_name: pick(&raw.recipient_name, &group.raw.recipient_name),
        phone: pick(&raw.phone, &group.raw.phone),
        email: pick(&raw.email, &group.raw.email),
        declared_value: pick(&raw.declared_value, &group.raw.declared_value),
        currency: pick(&raw.currency, &group.raw.currency),
        weight_kg: pick(&raw.weight_kg, &group.raw.weight_kg),
    };
    let mut own = Errors::default();
    let fields = merged.check(line, options, &mut own);
    for e in own.list {
        if e.field.as_deref().is_some_and(|f| filled.contains(&f)) {
            errors.push(e.line, e.field.as_deref(), e.message);
        }
    }
    let (Some(first), Some(this)) = (&group.fields, &fields) else {
        return;
    };
    let differs = |name: &str| match name {
        "recipient_name" => first.recipient_name != this.recipient_name,
        "phone" => first.phone != this.phone,
        "email" => first.email != this.email,
        "declared_value" | "currency" => first.declared_value != this.declared_value,
        "weight_kg" => first.weight_grams != this.weight_grams,
        _ => false,
    };
    for name in filled {
        if differs(name) {
            errors.push(
                line,
                Some(name),
                format!(
                    "differs from line {} for the same tracking number (leave it empty on an item's further rows)",
                    group.line
                ),
            );
        }
    }
}

fn pick(own: &str, inherited: &str) -> String {
    if own.is_empty() { inherited } else { own }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "tracking_number,recipient_name,phone,email,declared_value,currency,weight_kg,item_description,item_quantity,item_value\n";

    fn parse(body: &str) -> Result<Manifest, ManifestErrors> {
        parse_csv(
            format!("{HEADER}{body}").as_bytes(),
            &ManifestOptions::default(),
        )
    }

    fn errors(body: &str) -> Vec<(u64, Option<String>)> {
        parse(body)
            .expect_err("errors expected")
            .errors
            .into_iter()
            .map(|e| (e.line, e.field))
            .collect()
    }

    #[test]
    fn rows_of_one_parcel_become_its_items() {
        let m = parse(concat!(
            "RB123456785GB,Иван Петров,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.250,Phone case,2,10.00\n",
            "RB123456785GB,,,,,,,USB cable,,\n",
            "\n",
            "RA123456785CN,Anna Smirnova,+79161234567,anna@example.ru,\"1 200,50\",RUB,0.3,Socks,3,\n",
        ))
        .expect("valid");
        assert_eq!(m.parcels.len(), 2);
        let first = &m.parcels[0];
        assert_eq!(first.line, 2);
        assert_eq!(first.tracking_number.as_str(), "RB123456785GB");
        assert_eq!(first.phone.as_str(), "+79123456789");
        assert_eq!(first.declared_value.to_string(), "250.00 EUR");
        assert_eq!(first.weight_grams, 1250);
        assert_eq!(first.items.len(), 2);
        assert_eq!(
            (
                first.items[0].quantity,
                first.items[0].value.map(|p| p.cents())
            ),
            (2, Some(1000))
        );
        assert_eq!(
            (first.items[1].description.as_str(), first.items[1].quantity),
            ("USB cable", 1)
        );
        let second = &m.parcels[1];
        assert_eq!((second.line, second.declared_value.cents()), (5, 120_050));
    }

    #[test]
    fn every_bad_row_is_reported_by_line_and_field_and_nothing_is_returned() {
        let got = errors(concat!(
            "RB123456785GB,Иван,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.2,Case,1,\n",
            "RB123456786GB,Иван,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.2,Case,1,\n",
            "RA123456785CN,Анна,12345,anna@,12.345,EURO,0,,0,\n",
        ));
        assert_eq!(
            got,
            [
                (3, Some("tracking_number".into())),
                (4, Some("phone".into())),
                (4, Some("email".into())),
                (4, Some("currency".into())),
                (4, Some("declared_value".into())),
                (4, Some("weight_kg".into())),
                (4, Some("item_description".into())),
                (4, Some("item_quantity".into())),
            ]
        );
    }

    #[test]
    fn further_rows_must_agree_with_the_first() {
        let got = errors(concat!(
            "RB123456785GB,Иван,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.2,Case,1,\n",
            "RB123456785GB,,+7 912 345 67 89,,251,,,Cable,1,\n",
        ));
        // The same phone written differently agrees; another value does not.
        assert_eq!(got, [(3, Some("declared_value".into()))]);
        let e = parse(concat!(
            "RB123456785GB,Иван,8 912 345-67-89,ivan@mail.ru,250.00,EUR,1.2,Case,1,\n",
            "RB123456785GB,,,,251,,,Cable,1,\n",
        ))
        .expect_err("differs");
        assert!(e.errors[0].message.contains("line 2"), "{e}");
    }

    #[test]
    fn headers_are_flexible_but_required_columns_are_named() {
        let semicolons = "Tracking Number;Recipient Name;Phone;E-mail;Declared Value;Currency;Weight KG;Item Description;Extra\n\
                          RB123456785GB;Иван;89123456789;i@mail.ru;10,5;EUR;0,5;Case;whatever\n";
        // `E-mail` is not `email`.
        let e = parse_csv(semicolons.as_bytes(), &ManifestOptions::default()).expect_err("email");
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].field.as_deref(), Some("email"));
        assert!(e.errors[0].message.contains("missing column"));
        let fixed = semicolons.replace("E-mail", "Email");
        let bom = [b"\xEF\xBB\xBF".as_slice(), fixed.as_bytes()].concat();
        let m = parse_csv(&bom, &ManifestOptions::default()).expect("valid");
        assert_eq!(m.parcels[0].declared_value.cents(), 1050);
        assert_eq!(m.parcels[0].weight_grams, 500);
    }

    #[test]
    fn empty_and_odd_files_are_refused_with_a_reason() {
        let opts = ManifestOptions::default();
        let e = parse_csv(b"", &opts).expect_err("empty");
        assert!(e.errors[0].message.contains("empty file"), "{e}");
        let e = parse_csv(HEADER.as_bytes(), &opts).expect_err("no rows");
        assert!(e.errors[0].message.contains("no parcel rows"), "{e}");
        let cp1251 = [
            HEADER.as_bytes(),
            b"RB123456785GB,\xC8\xE2\xE0\xED,89123456789,i@mail.ru,1,EUR,1,Case,1,\n",
        ]
        .concat();
        let e = parse_csv(&cp1251, &opts).expect_err("not utf-8");
        assert_eq!(e.errors[0].field.as_deref(), Some("recipient_name"));
        assert!(e.errors[0].message.contains("UTF-8"), "{e}");
        // Short rows read their missing cells as empty.
        let e = parse_csv([HEADER, "RB123456785GB,Иван\n"].concat().as_bytes(), &opts)
            .expect_err("short");
        assert!(e.errors.iter().all(|x| x.line == 2));
        assert!(e.errors.iter().any(|x| x.field.as_deref() == Some("phone")));
    }

    #[test]
    fn errors_do_not_repeat_personal_data() {
        let e = parse("RB123456785GB,Иван Секретов,+7 000 SECRET,secret@,1,EUR,1,Case,1,\n")
            .expect_err("bad");
        let text = e.to_string();
        for secret in ["Секретов", "SECRET", "secret@"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("line 2, phone"), "{text}");
    }

    #[test]
    fn the_delimiter_is_the_headers_most_frequent() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,2;3"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter(b"a,b;c"), b',');
        assert_eq!(detect_delimiter(b"abc"), b',');
    }
}
