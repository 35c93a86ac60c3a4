//! Property tests: formatter → parser round trips on random records, and the parser never
//! panics on random bytes in any format.

use proptest::prelude::*;
use wflg_core::format::{write_histogram, write_metric, write_span};
use wflg_core::model::{Kind, Rec, Stage, TAG_SYNTHETIC, TAG_UNDERSCORE};
use wflg_core::{Columns, Format, Options, Parser};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_.,/-]{1,24}",
        "[a-z]{1,8}[ =#'\"\\\\\t]{0,3}[a-z]{0,8}",
        "\\PC{0,20}",
    ]
}

fn decoded(buf: &[u8], t: &wflg_core::lex::Tok) -> Vec<u8> {
    t.text(buf).into_owned()
}

fn tags_of(buf: &[u8], rec: &Rec) -> Vec<(Vec<u8>, Vec<u8>)> {
    rec.live_tags()
        .filter(|t| t.flags & TAG_SYNTHETIC == 0)
        .map(|t| {
            let mut k = if t.flags & TAG_UNDERSCORE != 0 {
                b"_".to_vec()
            } else {
                Vec::new()
            };
            k.extend_from_slice(&t.k.text(buf));
            (k, decoded(buf, &t.v))
        })
        .collect()
}

fn distinct(tags: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    tags.into_iter()
        .filter(|(k, _)| {
            !matches!(k.as_str(), "source" | "host" | "tag" | "fqdn") && seen.insert(k.clone())
        })
        .collect()
}

fn parse_one(line: &[u8], format: Format) -> Parser {
    let mut p = Parser::new(Options {
        format,
        ..Options::default()
    });
    p.parse_line(line, 0, line.len() - 1); // without the newline the formatter wrote
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn metric_round_trip(
        name in text(),
        value in prop_oneof![any::<f64>(), (-1e6f64..1e6), Just(f64::NAN), Just(-0.0)],
        ts in proptest::option::of(1_000_000_000_000i64..9_999_999_999_999),
        source in proptest::option::of(text()),
        tags in proptest::collection::vec((text(), text()), 0..6),
    ) {
        let tags = distinct(tags);
        let pairs: Vec<(&[u8], &[u8])> = tags.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())).collect();
        let mut out = Vec::new();
        let r = write_metric(&mut out, name.as_bytes(), value, ts, source.as_deref().map(str::as_bytes), &pairs);
        prop_assume!(r.is_ok());
        let p = parse_one(&out, Format::Wavefront);
        let rec = &p.rec;
        let line = String::from_utf8_lossy(&out).into_owned();
        prop_assert_ne!(rec.stage, Stage::Parse, "{}", line);
        prop_assert_eq!(decoded(&out, &rec.name), name.as_bytes().to_vec(), "{}", line);
        prop_assert!(rec.value.to_bits() == value.to_bits() || (value.is_nan() && rec.value.is_nan()), "{} {}", line, rec.value);
        prop_assert_eq!(rec.ts.map(|_| rec.ts_ms), ts, "{}", line);
        prop_assert_eq!(rec.source.map(|s| decoded(&out, &s)), source.map(|s| s.into_bytes()), "{}", line);
        let mut got = tags_of(&out, rec);
        let mut want: Vec<(Vec<u8>, Vec<u8>)> = tags.into_iter().map(|(k, v)| (k.into_bytes(), v.into_bytes())).collect();
        got.sort();
        want.sort();
        prop_assert_eq!(got, want, "{}", line);
    }

    #[test]
    fn histogram_round_trip(
        g in 0usize..3,
        ts in proptest::option::of(1_000_000_000_000i64..9_999_999_999_999),
        centroids in proptest::collection::vec((any::<i32>(), -1e9f64..1e9), 1..8),
        name in text(),
        source in proptest::option::of(text()),
        tags in proptest::collection::vec((text(), text()), 0..4),
    ) {
        let kind = [Kind::HistogramM, Kind::HistogramH, Kind::HistogramD][g];
        let tags = distinct(tags);
        let pairs: Vec<(&[u8], &[u8])> = tags.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())).collect();
        let mut out = Vec::new();
        let r = write_histogram(&mut out, kind, ts, &centroids, name.as_bytes(), source.as_deref().map(str::as_bytes), &pairs);
        prop_assume!(r.is_ok());
        let p = parse_one(&out, Format::Histogram);
        let rec = &p.rec;
        let line = String::from_utf8_lossy(&out).into_owned();
        prop_assert_ne!(rec.stage, Stage::Parse, "{}", line);
        prop_assert_eq!(rec.kind, kind);
        prop_assert_eq!(&rec.centroids, &centroids, "{}", line);
        prop_assert_eq!(decoded(&out, &rec.name), name.as_bytes().to_vec(), "{}", line);
        let d = kind.histogram_ms();
        prop_assert_eq!(rec.ts.map(|_| rec.ts_ms), ts.map(|t| t.div_euclid(d) * d));
        prop_assert_eq!(tags_of(&out, rec).len(), tags.len());
    }

    #[test]
    fn span_round_trip(
        name in text(),
        source in text(),
        trace in "[0-9a-f-]{8,36}",
        span in "[0-9a-f-]{8,36}",
        tags in proptest::collection::vec(("[a-z][a-z0-9._]{0,10}", text()), 0..6),
        start in 1_000_000_000_000i64..9_999_999_999_999,
        duration in 0i64..10_000_000,
    ) {
        let pairs: Vec<(&[u8], &[u8])> = tags.iter()
            .filter(|(k, _)| !matches!(k.as_str(), "source" | "host" | "traceId" | "spanId"))
            .map(|(k, v)| (k.as_bytes(), v.as_bytes())).collect();
        let mut out = Vec::new();
        let r = write_span(&mut out, name.as_bytes(), Some(source.as_bytes()), trace.as_bytes(), span.as_bytes(), &pairs, start, duration);
        prop_assume!(r.is_ok());
        let p = parse_one(&out, Format::Trace);
        let rec = &p.rec;
        let line = String::from_utf8_lossy(&out).into_owned();
        prop_assert_ne!(rec.stage, Stage::Parse, "{}", line);
        prop_assert_eq!(rec.ts_ms, start, "{}", line);
        prop_assert_eq!(rec.duration_ms, duration, "{}", line);
        prop_assert_eq!(decoded(&out, &rec.trace_id), trace.into_bytes());
        prop_assert_eq!(decoded(&out, &rec.span_id), span.into_bytes());
        // Repeated keys are kept in order for spans.
        let got: Vec<(Vec<u8>, Vec<u8>)> = rec.tags.iter()
            .filter(|t| t.flags & (TAG_SYNTHETIC | wflg_core::model::TAG_DEAD) == 0)
            .map(|t| (decoded(&out, &t.k), decoded(&out, &t.v))).collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = pairs.iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
        prop_assert_eq!(got, want, "{}", line);
    }

    #[test]
    fn parser_never_panics_on_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        f in 0usize..6,
    ) {
        let format = [Format::Auto, Format::Wavefront, Format::Histogram, Format::Trace, Format::SpanLogs, Format::Event][f];
        let mut p = Parser::new(Options { format, now_ms: Some(1_533_533_577_000), ..Options::default() });
        let mut cols = Columns::default();
        p.parse_batch(&bytes, &mut cols);
        prop_assert_eq!(cols.len(), Parser::line_count(&bytes));
        let mut out = Vec::new();
        p.describe_batch(&bytes, &mut out);
        prop_assert_eq!(out.iter().filter(|&&c| c == b'\n').count(), cols.len());
    }

    #[test]
    fn parser_never_panics_on_near_valid_lines(
        parts in proptest::collection::vec(prop_oneof![
            Just("m".to_string()), Just(" ".to_string()), Just("=".to_string()), Just("#".to_string()),
            Just("\"".to_string()), Just("'".to_string()), Just("\\".to_string()), Just("1".to_string()),
            Just("1533529977".to_string()), Just("!M".to_string()), Just("@Event".to_string()),
            Just("source".to_string()), Just("∆".to_string()), Just("\t".to_string()), Just("{".to_string()),
            Just("}".to_string()), Just("traceId=a".to_string()), Just("spanId=b".to_string()), Just("\u{3000}".to_string()),
        ], 0..30),
        f in 0usize..6,
    ) {
        let line = parts.concat();
        let format = [Format::Auto, Format::Wavefront, Format::Histogram, Format::Trace, Format::SpanLogs, Format::Event][f];
        let opts = Options { format, now_ms: Some(1_533_533_577_000), ..Options::default() };
        let mut p = Parser::new(opts.clone());
        let rec = p.parse_line(line.as_bytes(), 0, line.len()).clone();
        let _ = wflg_core::describe::describe(line.as_bytes(), &rec, &opts);
    }
}
