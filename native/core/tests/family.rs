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

mod shapes {
    //! The shape cache (`Families::ids`) against a cold parser per line and against a cache where
    //! every shape collides: family ids and series hashes must not depend on what the cache held.
    use proptest::prelude::*;
    use wflg_core::batch::slot::{FAMILY_HI, FAMILY_LO, SERIES_HI, SERIES_LO};
    use wflg_core::batch::LINE_STRIDE;
    use wflg_core::family::Families;
    use wflg_core::{Columns, Options, Parser};

    const SPAN_IDS: &str = "traceId=7b3bf470-9456-11e8-9eb6-529269fb1459 \
                            spanId=0313bafe-9457-11e8-9eb6-529269fb1459";

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a".to_string()),
            Just("b".to_string()),
            Just("host".to_string()),
            Just("tag".to_string()),
            Just("_host".to_string()),
            Just("parent".to_string()),
            Just("a_key_longer_than_sixteen_bytes".to_string()),
            Just("\"q\\\"k\"".to_string()),
            Just("\"b\"".to_string()),
            Just("ünï".to_string()),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("1".to_string()),
            Just("x".to_string()),
            Just("\"two words\"".to_string()),
            Just("\"esc\\\"aped\"".to_string()),
            Just("v-longer-than-sixteen-bytes-here".to_string()),
        ]
    }

    /// Metric, delta and span lines over a small vocabulary, so shapes and series repeat, keys come
    /// in every order, repeat, and hit the proxy's renames and the span structural keys.
    fn line() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("m".to_string()),
            Just("∆m".to_string()),
            Just("a.name.longer.than.sixteen".to_string()),
            Just("\"q\\\"name\"".to_string()),
        ];
        let source = prop_oneof![
            Just(String::new()),
            Just(" source=s1".to_string()),
            Just(" source=s2".to_string()),
        ];
        let tags = proptest::collection::vec((token(), value()), 0..5);
        (0usize..3, name, source, tags).prop_map(|(kind, name, source, tags)| {
            let tags: String = tags.iter().map(|(k, v)| format!(" {k}={v}")).collect();
            if kind == 2 {
                format!("span{source} {SPAN_IDS}{tags} 1552949776000 343")
            } else {
                format!("{name} 2 1533529977{source}{tags}")
            }
        })
    }

    fn ids(p: &mut Parser, buf: &[u8]) -> Vec<(u64, u64)> {
        let mut cols = Columns::default();
        p.parse_batch(buf, &mut cols);
        let w = |l: &[u32], hi: usize, lo: usize| (l[hi] as u64) << 32 | l[lo] as u64;
        cols.lines
            .chunks(LINE_STRIDE)
            .map(|l| (w(l, FAMILY_HI, FAMILY_LO), w(l, SERIES_HI, SERIES_LO)))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

        #[test]
        fn cached_ids_match_a_cold_parse_and_a_colliding_cache(
            lines in proptest::collection::vec(line(), 1..40),
        ) {
            let buf = lines.join("\n");
            let warm = ids(&mut Parser::new(Options::default()), buf.as_bytes());
            let mut colliding = Parser::new(Options::default());
            colliding.families = Families::colliding();
            prop_assert_eq!(&ids(&mut colliding, buf.as_bytes()), &warm);
            for (i, l) in lines.iter().enumerate() {
                let cold = ids(&mut Parser::new(Options::default()), l.as_bytes());
                prop_assert_eq!(cold[0], warm[i], "{}", l);
            }
        }

        #[test]
        fn tag_order_changes_neither_family_nor_series(
            tags in proptest::collection::btree_map("[a-z]{1,20}", "[a-z0-9]{1,20}", 0..6),
            seed in any::<u64>(),
        ) {
            let mut pairs: Vec<_> = tags.into_iter().collect();
            let render = |pairs: &[(String, String)]| {
                let t: String = pairs.iter().map(|(k, v)| format!(" {k}={v}")).collect();
                format!("m 1 1533529977 source=s{t}")
            };
            let a = render(&pairs);
            let mut s = seed;
            for i in (1..pairs.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                pairs.swap(i, (s >> 33) as usize % (i + 1));
            }
            let b = render(&pairs);
            let mut p = Parser::new(Options::default());
            let got = ids(&mut p, format!("{a}\n{b}").as_bytes());
            prop_assert_eq!(got[0], got[1], "{} / {}", a, b);
        }
    }

    #[test]
    fn series_tell_values_and_sources_apart_and_families_keys() {
        let mut p = Parser::new(Options::default());
        let got = ids(
            &mut p,
            b"m 1 1 source=s a=1 b=2\nm 1 1 source=s a=2 b=1\nm 1 1 source=t a=1 b=2\n\
              m 1 1 source=s a=1 b=2 c=3\nm 1 1 source=s ab=1 b=2",
        );
        assert_eq!(got[0].0, got[1].0);
        assert_eq!(got[0].0, got[2].0);
        let series: std::collections::HashSet<u64> = got.iter().map(|g| g.1).collect();
        assert_eq!(series.len(), got.len(), "every line is its own series");
        assert_ne!(got[0].0, got[3].0);
        assert_ne!(got[0].0, got[4].0);
    }
}
