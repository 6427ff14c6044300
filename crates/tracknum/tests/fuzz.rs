//! Fuzzing identify and scan: arbitrary and number-like input never panics, and what comes out
//! keeps its invariants (a normalised number is ASCII letters and digits; a hit is the text at
//! its offset; the JSON parses).
//!
//! Cheap by default; `POSYLKA_FUZZ_CASES=2000000 cargo test --release -p posylka-tracknum --test
//! fuzz` runs millions of inputs per target.

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tracknum::json::Verdict;
use tracknum::{Identification, MAX_LEN, Scanner, identify_into, scan};

fn cases() -> u32 {
    std::env::var("POSYLKA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        // Millions of cases: no file of past failures to read per case, no shrinking marathon.
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    })
}

/// Characters people and pages put around and inside numbers, and some that nothing expects.
fn number_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('0', '9'),
        3 => prop::char::range('A', 'Z'),
        1 => prop::char::range('a', 'z'),
        1 => prop::sample::select(vec![' ', '-', '.', '_', '\t', '\u{a0}', '\u{2013}', '\u{200b}', '\n', '\r']),
        1 => prop::sample::select(vec!['А', 'В', 'Е', 'К', 'М', 'Н', 'О', 'Р', 'С', 'Т', 'У', 'Х', 'р', 'с', 'Ж', 'я']),
        1 => prop::sample::select(vec!['０', '９', 'Ｒ', 'ｂ', '«', '»', '№', '：', '（', '"', '\\', '\u{0}', '\u{1f}']),
        1 => any::<char>(),
    ]
}

fn number_like() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(number_char(), 0..60).prop_map(|v| v.into_iter().collect()),
        // Shapes of real numbers with a character or two changed.
        (
            prop::sample::select(vec![
                "RB123456785GB",
                "rb 1234 5678 5gb",
                "LP00573419278865",
                "62009147017544",
                "1Z5R89390357567127",
                "9400100000000000000000",
                "420123459400111899223197428490",
                "9205590164917312751089",
                "GM2951173225174494",
                "YT2229521272164446",
                "3074935419642839",
            ]),
            any::<prop::sample::Index>(),
            number_char(),
        )
            .prop_map(|(base, at, c)| {
                let mut chars: Vec<char> = base.chars().collect();
                let i = at.index(chars.len());
                chars[i] = c;
                chars.into_iter().collect()
            }),
    ]
}

#[test]
fn identify_never_panics_and_keeps_its_invariants() {
    // Reused across cases, as the CLI reuses them: stale state must not leak into a verdict.
    let scratch = RefCell::new((Identification::default(), Vec::new()));
    let result = runner().run(&number_like(), |input| {
        let (id, json) = &mut *scratch.borrow_mut();
        identify_into(&input, id);
        if let Some(n) = &id.number {
            prop_assert!((1..=MAX_LEN).contains(&n.len()));
            prop_assert!(
                n.as_bytes()
                    .iter()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            );
        }
        prop_assert!(!id.problems.is_empty() || !id.candidates.is_empty());
        json.clear();
        Verdict {
            input: &input,
            identification: id,
            offset: None,
            today: Some((2026, 3)),
        }
        .write(json);
        let parsed: Result<serde_json::Value, _> = serde_json::from_slice(json);
        prop_assert!(parsed.is_ok(), "{input:?} gives bad JSON");
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Text: pieces of mail, numbers, words and raw bytes (not always UTF-8) run together.
fn text_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        number_like().prop_map(String::into_bytes),
        prop::sample::select(vec![
            " ",
            "\n",
            "трек-номер: ",
            "Заказ № ",
            "运单号：",
            "tracking ",
            "+7 916 123-45-67",
            "2026-03-01 10:00",
            "пришла",
            "RB 1234 5678 5GB",
            "1Z 999 AA1 01 2345 6784",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..12),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

#[test]
fn scan_never_panics_and_hits_are_the_text_at_their_offsets() {
    let result = runner().run(&(text_like(), 1..64usize), |(text, chunk)| {
        let mut whole = Vec::new();
        let mut failure = None;
        scan(&text, |hit| {
            let start = hit.offset as usize;
            let at = text.get(start..start + hit.text.len());
            if at != Some(hit.text.as_bytes()) || hit.identification.number.is_none() {
                failure = Some(format!("hit {:?} at {start}", hit.text));
            }
            whole.push((hit.offset, hit.text.to_owned()));
        });
        prop_assert!(failure.is_none(), "{failure:?} in {text:?}");
        // Fed in chunks, the scanner finds the same.
        let mut scanner = Scanner::new();
        let mut streamed = Vec::new();
        for piece in text.chunks(chunk) {
            scanner.feed(piece, |hit| {
                streamed.push((hit.offset, hit.text.to_owned()))
            });
        }
        scanner.finish(|hit| streamed.push((hit.offset, hit.text.to_owned())));
        prop_assert_eq!(streamed, whole, "chunks of {} in {:?}", chunk, text);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
