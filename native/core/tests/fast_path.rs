//! The one-pass metric tokenizer (`fast.rs`) against the general decoder: on random near-valid
//! lines and on the whole public corpus, every column the batch parser writes must be identical
//! with the fast path on and off.

use proptest::prelude::*;
use wflg_core::{Columns, Format, Options, Parser};

fn parse(buf: &[u8], format: Format, fast_path: bool) -> Columns {
    let mut p = Parser::new(Options {
        format,
        fast_path,
        now_ms: Some(1_533_533_577_000),
        custom_source_tags: vec![b"fqdn".to_vec(), b"dc".to_vec()],
        ..Options::default()
    });
    let mut cols = Columns::default();
    p.parse_batch(buf, &mut cols);
    cols
}

fn same(a: &Columns, b: &Columns) -> Result<(), String> {
    if a.lines != b.lines {
        return Err("lines differ".into());
    }
    if a.tags != b.tags {
        return Err("tags differ".into());
    }
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    if bits(&a.nums) != bits(&b.nums) {
        return Err(format!("nums differ: {:?} vs {:?}", a.nums, b.nums));
    }
    if bits(&a.aux) != bits(&b.aux) {
        return Err("aux differ".into());
    }
    Ok(())
}

/// Pieces that sit on every boundary the tokenizer models or refuses: separators of each kind,
/// quotes and escapes, `=` and `#` at token starts, Java and non-Java whitespace beyond ASCII,
/// delta signs, numbers the proxy's grammar accepts and refuses, the keys with meaning.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z][a-z0-9_.]{0,6}",
        4 => Just(" ".to_string()),
        2 => Just("=".to_string()),
        2 => Just("\"".to_string()),
        1 => Just("'".to_string()),
        1 => Just("\\".to_string()),
        1 => Just("\\\"".to_string()),
        1 => Just("#".to_string()),
        1 => Just("\t".to_string()),
        1 => Just("\u{0b}".to_string()),
        1 => Just("\u{1c}".to_string()),
        1 => Just("\u{3000}".to_string()),
        1 => Just("\u{2003}".to_string()),
        1 => Just("\u{a0}".to_string()),
        1 => Just("ü".to_string()),
        1 => Just("∆".to_string()),
        1 => Just("Δ".to_string()),
        1 => Just("~".to_string()),
        3 => prop_oneof![
            Just("1"), Just("-2.5"), Just("1e3"), Just("0x1p3"), Just("NaN"), Just("-Infinity"),
            Just("1.5f"), Just("1533529977"), Just("1533529977123"), Just("1533529977123456"),
            Just("99999999999999999999"), Just("."), Just("-"), Just("1e"), Just("+7"),
        ].prop_map(str::to_string),
        2 => prop_oneof![
            Just("source="), Just("host="), Just("tag="), Just("fqdn="), Just("dc="), Just("k="),
            Just("k=\"v w\""), Just("k='v'"), Just("k=\"\""), Just("k=\"a\\\"b\""), Just("k= v"),
            Just("k =v"), Just("k=v=w"), Just("k=\"v\"x"), Just("source=\" \""),
        ].prop_map(str::to_string),
    ]
}

/// Mostly well-formed metric lines with one or two disturbances, so the fast path accepts
/// often and the boundary cases are near it.
fn near_metric() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(""), Just("∆"), Just("Δ"), Just("~"), Just("\"q ")],
        "[a-z][a-z0-9_.]{0,40}",
        prop_oneof![
            Just("1"),
            Just("2.5"),
            Just("-3e2"),
            Just("NaN"),
            Just("x"),
            Just("0")
        ],
        prop_oneof![
            Just(""),
            Just(" 1533529977"),
            Just(" 1533529977000"),
            Just(" 15x"),
            Just(" 1e9")
        ],
        proptest::collection::vec(
            (
                "[a-z]{1,24}",
                prop_oneof![
                    "[a-z0-9./-]{1,30}".prop_map(|v| v),
                    "[a-z ]{0,8}".prop_map(|v| format!("\"{v}\"")),
                    "[a-z]{0,4}".prop_map(|v| format!("'{v}'")),
                ],
            ),
            0..5,
        ),
        proptest::collection::vec(piece(), 0..2),
        0usize..200,
    )
        .prop_map(|(pre, name, value, ts, tags, noise, at)| {
            let mut line = format!("{pre}{name} {value}{ts}");
            for (k, v) in tags {
                line.push(' ');
                line.push_str(&k);
                line.push('=');
                line.push_str(&v);
            }
            for n in noise {
                let mut cut = at.min(line.len());
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.insert_str(cut, &n);
            }
            line
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn fast_path_matches_general_decoder_on_near_valid_lines(
        lines in proptest::collection::vec(near_metric(), 1..4),
        f in 0usize..2,
    ) {
        let format = [Format::Auto, Format::Wavefront][f];
        let buf = lines.join("\n");
        let r = same(&parse(buf.as_bytes(), format, true), &parse(buf.as_bytes(), format, false));
        prop_assert!(r.is_ok(), "{:?}: {:?}", r, buf);
    }

    #[test]
    fn fast_path_matches_general_decoder_on_piece_soup(
        pieces in proptest::collection::vec(piece(), 1..16),
    ) {
        let buf = pieces.concat();
        let r = same(&parse(buf.as_bytes(), Format::Auto, true), &parse(buf.as_bytes(), Format::Auto, false));
        prop_assert!(r.is_ok(), "{:?}: {:?}", r, buf);
    }
}

#[test]
fn fast_path_matches_general_decoder_on_the_public_corpus() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/corpus/public-telemetry.wf.zst"
    );
    let buf = zstd::decode_all(std::fs::File::open(path).expect("corpus")).expect("zstd corpus");
    for format in [Format::Auto, Format::Wavefront] {
        let fast = parse(&buf, format, true);
        assert!(fast.len() > 300_000);
        same(&fast, &parse(&buf, format, false)).unwrap();
    }
}

/// Lengths are where the tokenizer's byte classes stand in for validation's own scans (UTF-16
/// length, legal chars): names, sources, keys and values one unit either side of each limit,
/// ASCII, behind a delta sign, and with two- and four-byte chars, must get the general decoder's
/// verdict, and the verdicts must include both sides of every limit.
#[test]
fn fast_path_matches_general_decoder_at_length_limits() {
    use wflg_core::Limits;
    for limits in [Limits::PROXY_DEFAULTS, Limits::SAAS_DEFAULTS] {
        let mut buf = String::new();
        let near = |n: usize| [n - 1, n, n + 1];
        for n in near(limits.metric_len) {
            for pre in ["", "∆", "Δ", "∆~"] {
                let units = pre.chars().count();
                buf += &format!("{pre}{} 1 source=s\n", "a".repeat(n - units));
            }
            buf += &format!("{}ü 1 source=s\n", "a".repeat(n - 1));
        }
        for n in near(limits.host_len) {
            buf += &format!("m 1 source={}\n", "h".repeat(n));
            buf += &format!("m 1 source=\"{}𝄞\"\n", "h".repeat(n - 2));
        }
        for n in near(limits.tag_key_len) {
            buf += &format!("m 1 source=s {}=v\n", "k".repeat(n));
        }
        for n in near(limits.tag_value_len).into_iter().chain(near(254)) {
            buf += &format!("m 1 source=s k={}\n", "v".repeat(n - 1));
            buf += &format!("m 1 source=s k=\"{}ü\"\n", "v".repeat(n - 1));
            buf += &format!("m 1 source=s k=\"{}𝄞\"\n", "v".repeat(n - 2));
        }
        let run = |fast_path: bool| {
            let mut p = Parser::new(Options {
                fast_path,
                limits,
                ..Options::default()
            });
            let mut cols = Columns::default();
            p.parse_batch(buf.as_bytes(), &mut cols);
            cols
        };
        let fast = run(true);
        same(&fast, &run(false)).unwrap();
        let codes: std::collections::BTreeSet<u32> = fast
            .lines
            .chunks(wflg_core::batch::LINE_STRIDE)
            .map(|l| l[2] >> 16)
            .collect();
        // A key or value over its own limit is caught by the pair limit (key + value < 255)
        // first unless its limit is below it.
        let own = |lim: usize, code: u32| (lim + 2 < 255).then_some(code);
        let wanted = [0, 400, 407, 408, 411]
            .into_iter()
            .chain(own(limits.tag_key_len, 412))
            .chain(own(limits.tag_value_len, 413));
        for want in wanted {
            assert!(codes.contains(&want), "no line with code {want}: {codes:?}");
        }
    }
}
