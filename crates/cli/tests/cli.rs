//! The `posylka` binary, run as a user runs it: arguments, standard input, exit codes, JSON.

use std::process::Output;

mod common;

fn posylka(args: &[&str], stdin: &[u8]) -> Output {
    common::run_posylka(args, stdin, |_| {})
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

#[test]
fn id_json_has_the_documented_shape() {
    let out = posylka(&["id", "--json", "rb 1234 5678 5gb"], b"");
    assert!(out.status.success());
    let v = &json_lines(&out)[0];
    assert_eq!(v["input"], "rb 1234 5678 5gb");
    assert_eq!(v["number"], "RB123456785GB");
    assert_eq!(v["kind"], "tracking");
    assert_eq!(v["valid"], true);
    let c = &v["candidates"][0];
    for (key, want) in [
        ("format", "s10"),
        ("carrier", "royal-mail"),
        ("carrier_name", "Royal Mail"),
        ("service", "Letter Post Registered"),
        ("origin_country", "GB"),
    ] {
        assert_eq!(c[key], want, "{key}");
    }
    assert_eq!(c["international"], true);
    assert_eq!(c["confidence"], 0.99);
    assert!(c["tracking_url"].is_string());
    assert_eq!(v["problems"], serde_json::json!([]));
}

#[test]
fn id_reads_stdin_one_per_line_skipping_blank_lines() {
    let out = posylka(
        &["id", "--json"],
        "RA123456785CN\n\n   \n3074935419642839\nпосылка\nCP235611343CN\r\n".as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_lines(&out);
    let kinds: Vec<&str> = v
        .iter()
        .map(|x| x["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["tracking", "order_number", "unknown", "tracking"]);
    assert_eq!(v[2]["valid"], false, "invalid input is a verdict");
    assert_eq!(v[2]["problems"][0]["code"], "invalid_character");
    assert_eq!(
        v[3]["input"], "CP235611343CN",
        "line ends are not part of the input"
    );
}

#[test]
fn id_readable_output_names_the_problem() {
    let out = posylka(&["id", "RA123456786CN"], b"");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("INVALID"), "{text}");
    assert!(text.contains("expected 5"), "{text}");
}

#[test]
fn unreadable_input_is_exit_2_with_the_line() {
    let out = posylka(&["id"], b"RA123456785CN\n\xff\xfe\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn scan_json_gives_byte_offsets() {
    let text = "Заказ 3074935419642839, трек RB 1234 5678 5GB.";
    let out = posylka(&["scan", "--json"], text.as_bytes());
    assert!(out.status.success());
    let v = json_lines(&out);
    assert_eq!(v.len(), 2, "{v:?}");
    for hit in &v {
        let offset = hit["offset"].as_u64().unwrap_or_default() as usize;
        let input = hit["input"].as_str().unwrap_or_default();
        assert_eq!(&text[offset..offset + input.len()], input);
    }
    assert_eq!(v[0]["kind"], "order_number");
    assert_eq!(v[1]["number"], "RB123456785GB");
}

#[test]
fn scan_reads_files_and_reports_a_missing_one() {
    let dir = std::env::temp_dir().join(format!("posylka-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("mail.txt");
    std::fs::write(&file, "tracking LP00573419278865\n").expect("write");
    let out = posylka(&["scan", "--json", file.to_str().unwrap_or_default()], b"");
    assert!(out.status.success());
    assert_eq!(json_lines(&out)[0]["number"], "LP00573419278865");
    let missing = posylka(&["scan", "/nonexistent/mail.txt"], b"");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/mail.txt"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn normalize_json_maps_events_to_milestones() {
    let input = concat!(
        r#"{"text": "Прибыло на территорию РФ", "code": "8.13", "carrier": "Russian Post"}"#,
        "\n",
        r#"{"text": "Delivered, In/At Mailbox"}"#,
        "\n"
    );
    let out = posylka(&["normalize", "--json"], input.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_lines(&out);
    assert_eq!(v[0]["milestone"], "arrived_destination_country");
    assert_eq!(v[1]["milestone"], "delivered");
    assert!(
        v[1]["confidence"]
            .as_f64()
            .is_some_and(|c| c > 0.0 && c <= 1.0)
    );
}

#[test]
fn normalize_names_the_bad_line() {
    let out = posylka(&["normalize", "--json"], b"{\"text\": \"ok\"}\n{not json\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
}

#[test]
fn id_names_a_bad_line_deep_in_a_large_input_and_writes_the_lines_before_it() {
    // Big enough for two threads and several blocks: the line number must count across both.
    let mut input = Vec::new();
    for i in 0..40_000 {
        input.extend_from_slice(format!("RB{i:09}GB\n").as_bytes());
    }
    input.extend_from_slice(b"RB123\xff456785GB\n");
    input.extend_from_slice(b"RB123456785GB\n");
    let out = posylka(&["id", "--json"], &input);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 40001"), "{err}");
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), 40_000);
}
