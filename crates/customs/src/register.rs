//! The customs register for a batch of parcels: one row per parcel with the recipient's
//! identity data (customs.md §4.4: full name in Russian, document type, series, number,
//! date of issue, INN) and the goods, as CSV or XML, with the duty estimate of parcels over
//! the duty-free limit.
//!
//! The duty comes from the watchdog's dated table (`posylka_watchdog::config::DutyRules`,
//! `data/watchdog.toml`) and its formula ([`DutyRegime::duty_eur_cents`]), here with the
//! manifest's weight, so the desk and the watchdog never disagree on a threshold.
//!
//! The FCS's own electronic formats are not in the stored sources (customs.md: para. 27
//! of Order No. 1772 was not found), so the layouts are Posylka's: plain field names, one
//! row (or `<parcel>`) per parcel. The output holds passport data in clear: the caller
//! serves it to an authorised operator and writes nothing of it to logs.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use posylka_core::order::Price;
use posylka_watchdog::config::{CurrencyRates, DutyRegime, DutyRules};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::identity::RecipientIdentity;
use crate::manifest::ManifestParcel;

/// What the register needs of the deployment: the duty table and rates (the watchdog's
/// configuration) and the destination country.
#[derive(Debug, Clone, Copy)]
pub struct DutySettings<'a> {
    /// Dated duty regimes.
    pub duty: &'a DutyRules,
    /// Currency rates.
    pub currency: &'a CurrencyRates,
    /// Where the parcels are imported (`RU`).
    pub country: &'a str,
}

impl<'a> DutySettings<'a> {
    /// The settings of a watchdog configuration, for parcels imported into `country`.
    pub fn from_config(config: &'a posylka_watchdog::Config, country: &'a str) -> Self {
        Self {
            duty: &config.duty,
            currency: &config.currency,
            country,
        }
    }
}

/// The duty on one parcel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Duty {
    /// Within the duty-free limits (or the country has no regime on that day).
    Free,
    /// Over a limit.
    Due(DutyLine),
    /// The value cannot be converted to euros: no rate for the currency.
    UnknownRate,
}

/// A duty estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DutyLine {
    /// The regime applied (its first day).
    pub regime_from: Date,
    /// Its value limit in euros.
    pub limit_eur: u32,
    /// The declared value in euro cents.
    pub value_eur_cents: i64,
    /// The duty in euro cents.
    pub duty_eur_cents: i64,
    /// The duty in kopecks, when a rouble rate is known (duties are paid in roubles).
    pub duty_rub_kopecks: Option<i64>,
}

/// The duty on `parcel`, under the regime in force on the day it reached customs.
pub fn duty(parcel: &ManifestParcel, arrived_at: Timestamp, settings: &DutySettings<'_>) -> Duty {
    if !settings.duty.applies_to(settings.country) {
        return Duty::Free;
    }
    // Customs days are Moscow days in practice; UTC is within hours of them, as in the
    // watchdog's rule.
    let day = arrived_at.to_zoned(TimeZone::UTC).date();
    let Some(regime) = settings.duty.regime_on(day) else {
        return Duty::Free;
    };
    estimate(regime, parcel.declared_value, parcel.weight_grams, settings)
}

fn estimate(regime: &DutyRegime, value: Price, grams: u32, settings: &DutySettings<'_>) -> Duty {
    let Some(value_eur_cents) = settings.currency.eur_cents(value) else {
        return Duty::UnknownRate;
    };
    match regime.duty_eur_cents(
        value_eur_cents,
        Some(u64::from(grams)),
        settings.duty.per_kg_basis,
    ) {
        None => Duty::Free,
        Some(duty_eur_cents) => Duty::Due(DutyLine {
            regime_from: regime.from,
            limit_eur: regime.limit_eur,
            value_eur_cents,
            duty_eur_cents,
            duty_rub_kopecks: settings
                .currency
                .per_eur
                .get("RUB")
                .map(|rate| (duty_eur_cents as f64 * rate).round() as i64),
        }),
    }
}

/// One parcel of the batch: the manifest's data, the identity the recipient gave, and
/// when the parcel reached customs (which picks the duty regime).
#[derive(Debug, Clone, Copy)]
pub struct RegisterEntry<'a> {
    /// The parcel.
    pub parcel: &'a ManifestParcel,
    /// The recipient's identity.
    pub identity: &'a RecipientIdentity,
    /// When it reached customs.
    pub arrived_at: Timestamp,
}

/// A batch to export.
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    /// The batch's id, as the operator names it.
    pub id: &'a str,
    /// When the export was made.
    pub created_at: Timestamp,
    /// The parcels.
    pub entries: Vec<RegisterEntry<'a>>,
}

/// Why an export failed (writing to memory does not, but the writer's API can).
#[derive(Debug, thiserror::Error)]
#[error("register export: {0}")]
pub struct RegisterError(String);

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 23] = [
    "row",
    "tracking_number",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "document_type",
    "document_name",
    "document_series",
    "document_number",
    "document_issued_on",
    "inn",
    "phone",
    "email",
    "declared_value",
    "currency",
    "value_eur",
    "weight_kg",
    "items",
    "duty_status",
    "duty_limit_eur",
    "duty_eur",
    "duty_rub",
];

fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn kg(grams: u32) -> String {
    format!("{}.{:03}", grams / 1000, grams % 1000)
}

fn status(d: &Duty) -> &'static str {
    match d {
        Duty::Free => "free",
        Duty::Due(_) => "due",
        Duty::UnknownRate => "unknown_rate",
    }
}

/// A spreadsheet reads a cell starting with `=`, `+`, `-` or `@` as a formula: free text
/// from manifests gets a leading apostrophe (CSV injection).
fn cell_text(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn items_text(parcel: &ManifestParcel) -> String {
    parcel
        .items
        .iter()
        .map(|i| {
            let mut s = format!("{} × {}", i.description, i.quantity);
            if let Some(v) = i.value {
                s.push_str(&format!(" ({v})"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn opt_date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The register as CSV (UTF-8 with a byte-order mark, so spreadsheets read the Cyrillic;
/// comma-separated, RFC 4180 quoting), columns [`CSV_COLUMNS`].
pub fn to_csv(batch: &Batch<'_>, settings: &DutySettings<'_>) -> Result<Vec<u8>, RegisterError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let err = |e: csv::Error| RegisterError(e.to_string());
        w.write_record(CSV_COLUMNS).map_err(err)?;
        for (i, e) in batch.entries.iter().enumerate() {
            let p = e.parcel;
            let id = e.identity;
            let d = duty(p, e.arrived_at, settings);
            let (limit, eur, rub) = match &d {
                Duty::Due(l) => (
                    l.limit_eur.to_string(),
                    money(l.duty_eur_cents),
                    l.duty_rub_kopecks.map(money).unwrap_or_default(),
                ),
                _ => Default::default(),
            };
            let value_eur = settings
                .currency
                .eur_cents(p.declared_value)
                .map(money)
                .unwrap_or_default();
            let row = [
                (i + 1).to_string(),
                p.tracking_number.as_str().to_owned(),
                id.name().surname().to_owned(),
                id.name().given().to_owned(),
                id.name().patronymic().unwrap_or("").to_owned(),
                opt_date(id.birth_date()),
                id.document().kind().key().to_owned(),
                id.document().kind().label_ru().to_owned(),
                id.document().series().to_owned(),
                id.document().number().to_owned(),
                id.issued_on().to_string(),
                id.inn().map(|i| i.as_str().to_owned()).unwrap_or_default(),
                p.phone.as_str().to_owned(),
                cell_text(p.email.as_str()),
                money(p.declared_value.cents()),
                p.declared_value.currency().to_string(),
                value_eur,
                kg(p.weight_grams),
                cell_text(&items_text(p)),
                status(&d).to_owned(),
                limit,
                eur,
                rub,
            ];
            w.write_record(&row).map_err(err)?;
        }
        w.flush().map_err(|e| RegisterError(e.to_string()))?;
    }
    Ok(out)
}

/// The register as XML:
///
/// ```xml
/// <customs-register batch="…" created="…" parcels="N">
///   <parcel row="1">
///     <tracking-number>…</tracking-number>
///     <recipient>
///       <surname/><given-name/><patronymic/><birth-date/>
///       <document type="ru_passport"><name/><series/><number/><issued-on/></document>
///       <inn/><phone/><email/>
///     </recipient>
///     <declared-value currency="EUR">250.00</declared-value><value-eur/><weight-kg/>
///     <items><item quantity="2" value="10.00 EUR">…</item></items>
///     <duty status="due" regime-from="2024-04-01" limit-eur="200"><eur/><rub/></duty>
///   </parcel>
/// </customs-register>
/// ```
///
/// Optional elements are left out when empty.
pub fn to_xml(batch: &Batch<'_>, settings: &DutySettings<'_>) -> Result<Vec<u8>, RegisterError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let io = |e: std::io::Error| RegisterError(e.to_string());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io)?;
    let created = batch.created_at.to_string();
    let count = batch.entries.len().to_string();
    w.create_element("customs-register")
        .with_attribute(("batch", batch.id))
        .with_attribute(("created", created.as_str()))
        .with_attribute(("parcels", count.as_str()))
        .write_inner_content(|w| {
            for (i, e) in batch.entries.iter().enumerate() {
                write_parcel(w, i + 1, e, settings)?;
            }
            Ok(())
        })
        .map_err(io)?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

fn text_el(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

fn write_parcel(
    w: &mut Writer<Vec<u8>>,
    row: usize,
    e: &RegisterEntry<'_>,
    settings: &DutySettings<'_>,
) -> std::io::Result<()> {
    let p = e.parcel;
    let id = e.identity;
    let row = row.to_string();
    w.create_element("parcel")
        .with_attribute(("row", row.as_str()))
        .write_inner_content(|w| {
            text_el(w, "tracking-number", p.tracking_number.as_str())?;
            w.create_element("recipient").write_inner_content(|w| {
                text_el(w, "surname", id.name().surname())?;
                text_el(w, "given-name", id.name().given())?;
                if let Some(pat) = id.name().patronymic() {
                    text_el(w, "patronymic", pat)?;
                }
                if let Some(b) = id.birth_date() {
                    text_el(w, "birth-date", &b.to_string())?;
                }
                let doc = id.document();
                w.create_element("document")
                    .with_attribute(("type", doc.kind().key()))
                    .write_inner_content(|w| {
                        text_el(w, "name", doc.kind().label_ru())?;
                        text_el(w, "series", doc.series())?;
                        text_el(w, "number", doc.number())?;
                        text_el(w, "issued-on", &id.issued_on().to_string())
                    })?;
                if let Some(inn) = id.inn() {
                    text_el(w, "inn", inn.as_str())?;
                }
                text_el(w, "phone", p.phone.as_str())?;
                text_el(w, "email", p.email.as_str())
            })?;
            let currency = p.declared_value.currency().to_string();
            w.create_element("declared-value")
                .with_attribute(("currency", currency.as_str()))
                .write_text_content(BytesText::new(&money(p.declared_value.cents())))?;
            if let Some(eur) = settings.currency.eur_cents(p.declared_value) {
                text_el(w, "value-eur", &money(eur))?;
            }
            text_el(w, "weight-kg", &kg(p.weight_grams))?;
            w.create_element("items").write_inner_content(|w| {
                for item in &p.items {
                    let quantity = item.quantity.to_string();
                    let value = item.value.map(|v| v.to_string());
                    let mut el = w
                        .create_element("item")
                        .with_attribute(("quantity", quantity.as_str()));
                    if let Some(v) = &value {
                        el = el.with_attribute(("value", v.as_str()));
                    }
                    el.write_text_content(BytesText::new(&item.description))?;
                }
                Ok(())
            })?;
            let d = duty(p, e.arrived_at, settings);
            let mut el = w
                .create_element("duty")
                .with_attribute(("status", status(&d)));
            match d {
                Duty::Due(l) => {
                    let from = l.regime_from.to_string();
                    let limit = l.limit_eur.to_string();
                    el = el
                        .with_attribute(("regime-from", from.as_str()))
                        .with_attribute(("limit-eur", limit.as_str()));
                    el.write_inner_content(|w| {
                        text_el(w, "eur", &money(l.duty_eur_cents))?;
                        if let Some(rub) = l.duty_rub_kopecks {
                            text_el(w, "rub", &money(rub))?;
                        }
                        Ok(())
                    })?;
                }
                _ => {
                    el.write_empty()?;
                }
            }
            Ok(())
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::identity::{IdentityForm, IdentityRules};
    use crate::manifest::{ManifestOptions, parse_json};

    fn parcels() -> Vec<ManifestParcel> {
        let json = r#"[
          {"tracking_number": "RB123456785GB", "recipient_name": "Иван", "phone": "89123456789",
           "email": "ivan@mail.ru", "declared_value": "300", "currency": "EUR", "weight_kg": "2",
           "items": [{"description": "=HYPERLINK(\"x\")", "quantity": 2, "value": "150"}]},
          {"tracking_number": "RA123456785CN", "recipient_name": "Анна", "phone": "+79161234567",
           "email": "anna@example.ru", "declared_value": "5000", "currency": "RUB", "weight_kg": "0.35",
           "items": [{"description": "Носки & <тапочки>"}]},
          {"tracking_number": "RD025500807SE", "recipient_name": "Пётр", "phone": "+79161234500",
           "email": "p@example.ru", "declared_value": "100", "currency": "XYZ", "weight_kg": "35",
           "items": [{"description": "Гантели"}]}
        ]"#;
        parse_json(json.as_bytes(), &ManifestOptions::default())
            .expect("manifest")
            .parcels
    }

    fn identity(patronymic: &str) -> RecipientIdentity {
        {
            let mut f = IdentityForm::default();
            f.surname = "Иванов".into();
            f.given_name = "Иван".into();
            f.patronymic = patronymic.into();
            f.document_type = "ru_passport".into();
            f.series = "4603".into();
            f.number = "123456".into();
            f.issued_on = "2005-06-15".into();
            f.inn = "500100732259".into();
            f
        }
        .validate(date(2026, 5, 1), &IdentityRules::default())
        .expect("valid")
        .identity
    }

    fn arrived() -> Timestamp {
        "2025-06-01T10:00:00Z".parse().expect("ts")
    }

    #[test]
    fn duty_uses_the_watchdog_table_with_the_manifest_weight() {
        let config = posylka_watchdog::Config::default();
        let s = DutySettings::from_config(&config, "RU");
        let p = parcels();
        // EUR 300 on 2025-06-01: 15% of the EUR 100 over the limit.
        let Duty::Due(line) = duty(&p[0], arrived(), &s) else {
            panic!("duty expected");
        };
        assert_eq!((line.limit_eur, line.duty_eur_cents), (200, 1500));
        assert_eq!(line.regime_from, date(2024, 4, 1));
        assert_eq!(line.duty_rub_kopecks, Some(138_000));
        // 5000 RUB is about EUR 54: free.
        assert_eq!(duty(&p[1], arrived(), &s), Duty::Free);
        // No rate for XYZ.
        assert_eq!(duty(&p[2], arrived(), &s), Duty::UnknownRate);
        // In 2023 the limit was EUR 1000.
        let in_2023 = "2023-06-01T00:00:00Z".parse().expect("ts");
        assert_eq!(duty(&p[0], in_2023, &s), Duty::Free);
        // Outside the EAEU the table does not apply.
        assert_eq!(
            duty(&p[0], arrived(), &DutySettings { country: "DE", ..s }),
            Duty::Free
        );
        // 35 kg of dumbbells worth EUR 100: EUR 2 for each of the 4 kg over 31.
        let mut heavy = p[2].clone();
        heavy.declared_value = "100 EUR".parse().expect("price");
        let Duty::Due(line) = duty(&heavy, arrived(), &s) else {
            panic!("weight duty expected");
        };
        assert_eq!(line.duty_eur_cents, 800);
    }

    #[test]
    fn csv_has_every_field_and_defuses_formulas() {
        let config = posylka_watchdog::Config::default();
        let s = DutySettings::from_config(&config, "RU");
        let p = parcels();
        let (a, b) = (identity("Иванович"), identity(""));
        let batch = Batch {
            id: "B-2026-001",
            created_at: "2026-05-01T12:00:00Z".parse().expect("ts"),
            entries: vec![
                RegisterEntry {
                    parcel: &p[0],
                    identity: &a,
                    arrived_at: arrived(),
                },
                RegisterEntry {
                    parcel: &p[1],
                    identity: &b,
                    arrived_at: arrived(),
                },
            ],
        };
        let bytes = to_csv(&batch, &s).expect("csv");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let mut r = csv::Reader::from_reader(&bytes[3..]);
        let headers: Vec<_> = r
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(headers, CSV_COLUMNS);
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
        assert_eq!(rows.len(), 2);
        let get = |row: usize, col: &str| {
            let i = CSV_COLUMNS.iter().position(|c| *c == col).expect("column");
            rows[row][i].to_owned()
        };
        assert_eq!(get(0, "tracking_number"), "RB123456785GB");
        assert_eq!(get(0, "surname"), "Иванов");
        assert_eq!(get(0, "patronymic"), "Иванович");
        assert_eq!(get(1, "patronymic"), "");
        assert_eq!(get(0, "document_type"), "ru_passport");
        assert_eq!(
            get(0, "document_name"),
            "Паспорт гражданина Российской Федерации"
        );
        assert_eq!(
            (get(0, "document_series"), get(0, "document_number")),
            ("4603".into(), "123456".into())
        );
        assert_eq!(get(0, "document_issued_on"), "2005-06-15");
        assert_eq!(get(0, "inn"), "500100732259");
        assert_eq!(get(0, "phone"), "+79123456789");
        assert_eq!(
            (get(0, "declared_value"), get(0, "currency")),
            ("300.00".into(), "EUR".into())
        );
        assert_eq!(get(0, "weight_kg"), "2.000");
        assert_eq!(get(0, "items"), "'=HYPERLINK(\"x\") × 2 (150.00 EUR)");
        assert_eq!(
            (get(0, "duty_status"), get(0, "duty_eur")),
            ("due".into(), "15.00".into())
        );
        assert_eq!(
            (get(1, "duty_status"), get(1, "duty_eur")),
            ("free".into(), "".into())
        );
        assert_eq!(get(1, "value_eur"), "54.35");
    }

    #[test]
    fn xml_is_well_formed_and_escapes_text() {
        let config = posylka_watchdog::Config::default();
        let s = DutySettings::from_config(&config, "RU");
        let p = parcels();
        let a = identity("Иванович");
        let batch = Batch {
            id: "B&1",
            created_at: "2026-05-01T12:00:00Z".parse().expect("ts"),
            entries: vec![
                RegisterEntry {
                    parcel: &p[0],
                    identity: &a,
                    arrived_at: arrived(),
                },
                RegisterEntry {
                    parcel: &p[1],
                    identity: &a,
                    arrived_at: arrived(),
                },
            ],
        };
        let xml = String::from_utf8(to_xml(&batch, &s).expect("xml")).expect("utf-8");
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        assert!(xml.contains("batch=\"B&amp;1\""), "{xml}");
        assert!(xml.contains("<series>4603</series>"), "{xml}");
        assert!(xml.contains("<inn>500100732259</inn>"), "{xml}");
        assert!(xml.contains("<document type=\"ru_passport\">"), "{xml}");
        assert!(xml.contains("Носки &amp; &lt;тапочки&gt;"), "{xml}");
        assert!(
            xml.contains("<duty status=\"due\" regime-from=\"2024-04-01\" limit-eur=\"200\">"),
            "{xml}"
        );
        assert!(xml.contains("<duty status=\"free\"/>"), "{xml}");
        // Reading it back event by event finds every parcel and no error.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut parcels = 0;
        loop {
            match reader.read_event().expect("well-formed") {
                Event::Start(e) if e.name().as_ref() == b"parcel" => parcels += 1,
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(parcels, 2);
    }
}
