//! JSON manifests: an array of parcels, or `{"parcels": [...]}`.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{
    Errors, Manifest, ManifestErrors, ManifestOptions, ManifestParcel, RawItem, RawParcel, Seen,
};
use crate::error::Invalid;

#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    parcels: Vec<&'a RawValue>,
}

/// The 1-based line of `part`, a slice of `whole`.
fn line_of(whole: &str, part: &str) -> u64 {
    let offset = (part.as_ptr() as usize)
        .saturating_sub(whole.as_ptr() as usize)
        .min(whole.len());
    1 + whole.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
}

/// A field as text: strings as they are, numbers in their shortest form (`12.5`), absent
/// or null as empty. Anything else is an error for `field`.
fn scalar(
    object: &Map<String, Value>,
    key: &str,
    field: &str,
    line: u64,
    errors: &mut Errors,
) -> String {
    match object.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            errors.push(line, Some(field), "expected text or a number");
            String::new()
        }
    }
}

/// Parses a JSON manifest. All or nothing: any error and no parcel is returned.
pub fn parse_json(bytes: &[u8], options: &ManifestOptions) -> Result<Manifest, ManifestErrors> {
    let mut errors = Errors::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            errors.push(line, None, "not UTF-8 text");
            return errors.finish(Manifest { parcels: vec![] });
        }
    };
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let shape = "expected an array of parcels, or an object with a \"parcels\" array";
    let parsed = match text.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str::<Vec<&RawValue>>(text),
        Some(b'{') => serde_json::from_str::<Wrapped<'_>>(text).map(|w| w.parcels),
        _ => {
            errors.push(1, None, shape);
            return errors.finish(Manifest { parcels: vec![] });
        }
    };
    let elements = match parsed {
        Ok(e) => e,
        Err(e) => {
            // Syntax errors say where; type errors might quote a value, so they get a
            // fixed message.
            let message = if e.is_syntax() || e.is_eof() {
                format!("not valid JSON at column {}", e.column())
            } else {
                shape.to_owned()
            };
            errors.push(e.line() as u64, None, message);
            return errors.finish(Manifest { parcels: vec![] });
        }
    };
    if elements.is_empty() {
        errors.push(1, None, "no parcels");
    }
    let mut seen = Seen::default();
    let mut parcels = Vec::with_capacity(elements.len());
    for (index, element) in elements.iter().enumerate() {
        let line = line_of(text, element.get());
        let at = |field: &str| format!("parcels[{index}].{field}");
        let Ok(Value::Object(object)) = serde_json::from_str::<Value>(element.get()) else {
            errors.push(
                line,
                Some(&format!("parcels[{index}]")),
                "a parcel is a JSON object",
            );
            continue;
        };
        let mut scratch = Errors::default();
        let raw = RawParcel {
            tracking_number: scalar(
                &object,
                "tracking_number",
                &at("tracking_number"),
                line,
                &mut errors,
            ),
            recipient_name: scalar(
                &object,
                "recipient_name",
                &at("recipient_name"),
                line,
                &mut errors,
            ),
            phone: scalar(&object, "phone", &at("phone"), line, &mut errors),
            email: scalar(&object, "email", &at("email"), line, &mut errors),
            declared_value: scalar(
                &object,
                "declared_value",
                &at("declared_value"),
                line,
                &mut errors,
            ),
            currency: scalar(&object, "currency", &at("currency"), line, &mut errors),
            weight_kg: scalar(&object, "weight_kg", &at("weight_kg"), line, &mut errors),
        };
        let fields = raw.check(line, options, &mut scratch);
        // Field names in JSON errors carry the parcel's index.
        for e in scratch.list {
            let field = e.field.as_deref().map(&at);
            errors.push(e.line, field.as_deref(), e.message);
        }
        let currency = fields.as_ref().map(|f| f.declared_value.currency());
        let mut items = Vec::new();
        match object.get("items") {
            Some(Value::Array(list)) if !list.is_empty() => {
                for (i, item) in list.iter().enumerate() {
                    let field = at(&format!("items[{i}]"));
                    let Value::Object(item) = item else {
                        errors.push(line, Some(&field), "an item is a JSON object");
                        continue;
                    };
                    let raw = RawItem {
                        description: scalar(
                            item,
                            "description",
                            &format!("{field}.description"),
                            line,
                            &mut errors,
                        ),
                        quantity: scalar(
                            item,
                            "quantity",
                            &format!("{field}.quantity"),
                            line,
                            &mut errors,
                        ),
                        value: scalar(item, "value", &format!("{field}.value"), line, &mut errors),
                    };
                    if let Some(item) = raw.check(line, &field, currency, &mut errors) {
                        items.push(item);
                    }
                }
            }
            None | Some(Value::Null) => errors.invalid(line, &at("items"), Invalid::Missing),
            Some(Value::Array(_)) => errors.push(line, Some(&at("items")), "at least one item"),
            Some(_) => errors.push(line, Some(&at("items")), "expected an array of items"),
        }
        let Some(f) = fields else { continue };
        if let Some(first) = seen.first(&f.tracking_number, line) {
            errors.push(
                line,
                Some(&at("tracking_number")),
                format!("the same tracking number is already at line {first}"),
            );
            continue;
        }
        parcels.push(ManifestParcel {
            line,
            tracking_number: f.tracking_number,
            recipient_name: f.recipient_name,
            phone: f.phone,
            email: f.email,
            declared_value: f.declared_value,
            weight_grams: f.weight_grams,
            items,
        });
    }
    errors.finish(Manifest { parcels })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestErrors> {
        parse_json(text.as_bytes(), &ManifestOptions::default())
    }

    const GOOD: &str = r#"{
  "batch": "ignored",
  "parcels": [
    {
      "tracking_number": "RB123456785GB",
      "recipient_name": "Иван Петров",
      "phone": "8 912 345-67-89",
      "email": "ivan@mail.ru",
      "declared_value": 250.5,
      "currency": "EUR",
      "weight_kg": "1.250",
      "items": [{"description": "Phone case", "quantity": 2, "value": "10"}]
    },
    {
      "tracking_number": "RA123456785CN",
      "recipient_name": "Anna",
      "phone": "+79161234567",
      "email": "anna@example.ru",
      "declared_value": "1200",
      "currency": "RUB",
      "weight_kg": 0.3,
      "items": [{"description": "Socks"}]
    }
  ]
}"#;

    #[test]
    fn both_shapes_parse_and_parcels_know_their_line() {
        let m = parse(GOOD).expect("valid");
        assert_eq!(m.parcels.len(), 2);
        assert_eq!((m.parcels[0].line, m.parcels[1].line), (4, 14));
        assert_eq!(m.parcels[0].declared_value.cents(), 25_050);
        assert_eq!(m.parcels[0].items[0].value.map(|p| p.cents()), Some(1000));
        assert_eq!(
            (m.parcels[1].weight_grams, m.parcels[1].items[0].quantity),
            (300, 1)
        );
        let start = GOOD.find("[\n    {").expect("array");
        let end = GOOD.rfind(']').expect("end");
        let array = &GOOD[start..=end];
        assert_eq!(parse(array).expect("array form").parcels.len(), 2);
    }

    #[test]
    fn errors_name_the_parcel_its_field_and_line() {
        let bad = GOOD
            .replace("\"8 912 345-67-89\"", "\"12\"")
            .replace("\"quantity\": 2", "\"quantity\": 0")
            .replace("\"items\": [{\"description\": \"Socks\"}]", "\"items\": []");
        let e = parse(&bad).expect_err("bad");
        let got: Vec<_> = e
            .errors
            .iter()
            .map(|e| (e.line, e.field.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            got,
            [
                (4, "parcels[0].phone".to_owned()),
                (4, "parcels[0].items[0].quantity".to_owned()),
                (14, "parcels[1].items".to_owned()),
            ]
        );
        assert!(!e.to_string().contains("\"12\""));
    }

    #[test]
    fn duplicates_and_wrong_types_are_refused() {
        let dup = GOOD.replace("RA123456785CN", "RB123456785GB");
        let e = parse(&dup).expect_err("duplicate");
        assert_eq!(e.errors.len(), 1);
        assert!(e.errors[0].message.contains("already at line 4"), "{e}");
        let e = parse(&GOOD.replace("\"currency\": \"RUB\"", "\"currency\": [1]"))
            .expect_err("array as currency");
        assert_eq!(e.errors[0].field.as_deref(), Some("parcels[1].currency"));
        let e = parse("[1, {\"tracking_number\": \"RB123456785GB\"}]").expect_err("not objects");
        assert_eq!(e.errors[0].field.as_deref(), Some("parcels[0]"));
        assert!(e.errors.len() > 3, "{e}");
    }

    #[test]
    fn malformed_files_say_where() {
        let e = parse("{\n  \"parcels\": [\n    {,}\n  ]\n}").expect_err("syntax");
        assert_eq!(e.errors[0].line, 3);
        assert!(e.errors[0].message.contains("not valid JSON"), "{e}");
        let e = parse("{\"parcels\": \"secret-value\"}").expect_err("shape");
        assert!(!e.to_string().contains("secret-value"), "{e}");
        assert!(parse("").is_err());
        assert!(
            parse("[]").expect_err("empty").errors[0]
                .message
                .contains("no parcels")
        );
        let e = parse_json(b"[\n\xFF]", &ManifestOptions::default()).expect_err("bytes");
        assert_eq!(e.errors[0].line, 2);
    }
}
