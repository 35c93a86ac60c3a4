//! Family keys and ids against the shared vector file that TS and Python also test against.

use serde_json::Value;
use wflg_core::family::{family_hex, family_id_of_key};
use wflg_core::{Format, Options, Parser};

#[test]
fn family_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/family-ids.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("vectors/family-ids.jsonl");
    let mut n = 0;
    for l in text.lines().filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_str(l).expect("json");
        let line = v["line"].as_str().expect("line");
        let mut p = Parser::new(Options {
            format: Format::parse(v["format"].as_str().expect("format")).expect("known"),
            ..Options::default()
        });
        let rec = p.parse_line(line.as_bytes(), 0, line.len()).clone();
        let key = p.families.key_of(line.as_bytes(), &rec).to_vec();
        assert_eq!(
            String::from_utf8(key).expect("utf8"),
            v["family_key"].as_str().expect("key"),
            "{line}"
        );
        let rec = p.parse_line(line.as_bytes(), 0, line.len());
        assert_eq!(
            family_hex(rec.family),
            v["family_id"].as_str().expect("id"),
            "{line}"
        );
        assert_eq!(
            family_hex(family_id_of_key(
                v["family_key"].as_str().expect("key").as_bytes()
            )),
            v["family_id"]
        );
        n += 1;
    }
    assert!(n >= 15);
}
