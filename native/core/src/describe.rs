//! One line as a JSON object in the `expect` form of the shared vectors (research note §13):
//! what `wflg lint --json` prints and what the vector tests compare. Not a hot path.

use crate::model::*;
use serde_json::{json, Map, Value};

fn text(buf: &[u8], t: &crate::lex::Tok) -> String {
    String::from_utf8_lossy(&t.text(buf)).into_owned()
}

fn num(v: f64) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v == f64::INFINITY {
        json!("Infinity")
    } else if v == f64::NEG_INFINITY {
        json!("-Infinity")
    } else if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

/// The proxy's message for a rejected line.
pub fn message(buf: &[u8], rec: &Rec) -> String {
    let d = || text(buf, &rec.detail);
    match rec.reason {
        Reason::None => String::new(),
        Reason::UnmatchedQuote => format!("Unmatched quote character: ({})", rec.detail.q as char),
        Reason::ValueMissing => "Value is missing".into(),
        Reason::InvalidValue => format!("Invalid value: {}", d()),
        Reason::InvalidTimestamp => format!("Invalid timestamp value: {}", d()),
        Reason::ExpectedTimestamp if rec.detail == Default::default() => {
            "Expected timestamp, found end of line".into()
        }
        Reason::ExpectedTimestamp => format!("Expected timestamp, found {}", d()),
        Reason::TagNoSeparatorEol => {
            format!(
                "Tag keys and values must be separated by '=', nothing found after '{}'",
                d()
            )
        }
        Reason::TagNoSeparator => format!(
            "Tag keys and values must be separated by '=', found {}",
            d()
        ),
        Reason::TagValueMissing => format!("Value missing for {}", d()),
        Reason::LiteralNotAllowed => format!("'{}' is not allowed here!", d()),
        Reason::EmptyHistogram => "Empty histogram (no centroids)".into(),
        Reason::CentroidEol if rec.detail.q == 1 => {
            "Unexpected end of line, expected: centroid value".into()
        }
        Reason::CentroidEol => "Unexpected end of line, expected: centroid weight".into(),
        Reason::BadCentroidWeight => format!("Expected: centroid weight, got: {}", d()),
        Reason::BadCentroidValue => format!("Expected: centroid value, got: {}", d()),
        Reason::ExtraInput => format!("Unexpected extra input: {}", d()),
        Reason::SpanIdNull => "spanId can't be null".into(),
        Reason::TraceIdNull => "traceId can't be null".into(),
        Reason::SpanFuture => "Span outside of reasonable timeframe".into(),
        Reason::SpanLogsJson => "not a complete JSON object".into(),
        Reason::SpanLogsNoLogs => "span logs without a logs array".into(),
        Reason::OutsideTimeframe => "Point outside of reasonable timeframe".into(),
        Reason::SourceBlank => "Source/host name is required".into(),
        Reason::SourceTooLong => format!("Source/host name is too long: {}", d()),
        Reason::NameTooLong => "Metric name is too long".into(),
        Reason::HistogramNameTooLong => "Histogram name is too long".into(),
        Reason::NameChars => "Point metric has illegal character(s)".into(),
        Reason::TooManyTags => "Too many point tags".into(),
        Reason::TagTooLong => format!("Point tag (key+value) too long: {}", d()),
        Reason::TagKeyTooLong => format!("Point tag key is too long: {}", d()),
        Reason::TagKeyChars => format!("Point tag key has illegal character(s): {}", d()),
        Reason::TagValueBlank => format!("Point tag value for {} is empty or missing", d()),
        Reason::TagValueTooLong => format!("Point tag value is too long: {}", d()),
        Reason::HistogramEmpty => "Empty histogram".into(),
        Reason::DeltaNonPositive => "Delta metrics cannot be non-positive".into(),
        Reason::DeltaOnly => "StringIndexOutOfBounds in charactersAreValid".into(),
        Reason::SpanSourceBlank => "Span source/host name is required".into(),
        Reason::SpanSourceTooLong => format!("Span source/host name is too long: {}", d()),
        Reason::SpanNameTooLong => "Span name is too long".into(),
        Reason::SpanTooManyTags => "Span has too many annotations".into(),
        Reason::SpanKeyTooLong => format!("Span annotation key is too long: {}", d()),
        Reason::SpanKeyChars => format!("Span annotation key has illegal character(s): {}", d()),
        Reason::SpanValueBlank => "Span annotation value is empty or missing".into(),
        Reason::LineTooLong => "line too long".into(),
        Reason::LogsJson => "not a complete JSON array".into(),
        Reason::SourceTagSyntax => "source tag needs action=save|add|delete and source=".into(),
        Reason::EventNameMissing => "Event name is missing".into(),
        Reason::AnnotatedSource => "Unexpected extra input: source".into(),
    }
}

fn source_fields(buf: &[u8], rec: &Rec, opts: &Options, m: &mut Map<String, Value>) {
    m.insert(
        "source".into(),
        rec.source.map_or(Value::Null, |s| json!(text(buf, &s))),
    );
    let from = match rec.source_from {
        SourceFrom::Default => "default".to_string(),
        SourceFrom::Source => "source".into(),
        SourceFrom::Host => "host".into(),
        SourceFrom::Tag => "tag".into(),
        SourceFrom::Custom => format!(
            "customSourceTag:{}",
            String::from_utf8_lossy(&opts.custom_source_tags[rec.custom_idx as usize])
        ),
    };
    m.insert("sourceFrom".into(), json!(from));
}

fn key_text(buf: &[u8], t: &Tag) -> String {
    let k = text(buf, &t.k);
    if t.flags & TAG_UNDERSCORE != 0 {
        format!("_{k}")
    } else {
        k
    }
}

fn timestamp(buf: &[u8], rec: &Rec, ms: i64) -> Value {
    match rec.ts {
        None => Value::Null,
        Some(t) => json!({"raw": text(buf, &t), "unit": rec.ts_unit.as_str(), "ms": ms}),
    }
}

fn tag_map(buf: &[u8], rec: &Rec) -> Value {
    let mut tags = Map::new();
    for t in rec.live_tags() {
        tags.insert(key_text(buf, t), json!(text(buf, &t.v)));
    }
    Value::Object(tags)
}

/// Describes `rec` (decoded from `buf`) as a JSON value.
pub fn describe(buf: &[u8], rec: &Rec, opts: &Options) -> Value {
    if rec.kind == Kind::Blank {
        return json!({"skip": true});
    }
    if !rec.ok() {
        return json!({"error": message(buf, rec), "stage": rec.stage.as_str(), "code": code_str(rec.code)});
    }
    let mut m = Map::new();
    match rec.kind {
        Kind::Metric | Kind::Delta => {
            m.insert("name".into(), json!(text(buf, &rec.name)));
            m.insert("value".into(), num(rec.value));
            if rec.value == 0.0 && rec.value.is_sign_negative() {
                m.insert("negativeZero".into(), json!(true));
            }
            m.insert("timestamp".into(), timestamp(buf, rec, rec.ts_ms));
            source_fields(buf, rec, opts, &mut m);
            m.insert("tags".into(), tag_map(buf, rec));
            if rec.kind == Kind::Delta {
                m.insert("isDelta".into(), json!(true));
            }
        }
        Kind::HistogramM | Kind::HistogramH | Kind::HistogramD => {
            let g = match rec.kind {
                Kind::HistogramM => "!M",
                Kind::HistogramH => "!H",
                _ => "!D",
            };
            m.insert("granularity".into(), json!(g));
            m.insert("durationMs".into(), json!(rec.kind.histogram_ms()));
            // `ts_ms` is already floored; the vectors show the unfloored ms under `timestamp`.
            let raw_ms = rec.ts.map(|t| {
                let v = crate::num::parse_java_double(&t.text(buf)).unwrap_or(0.0);
                crate::num::metric_timestamp_ms(v).0
            });
            m.insert("timestamp".into(), timestamp(buf, rec, raw_ms.unwrap_or(0)));
            m.insert(
                "alignedMs".into(),
                rec.ts.map_or(Value::Null, |_| json!(rec.ts_ms)),
            );
            let c: Vec<Value> = rec
                .centroids
                .iter()
                .map(|&(c, mean)| json!({"count": c, "mean": num(mean)}))
                .collect();
            m.insert("centroids".into(), Value::Array(c));
            m.insert("name".into(), json!(text(buf, &rec.name)));
            source_fields(buf, rec, opts, &mut m);
            m.insert("tags".into(), tag_map(buf, rec));
        }
        Kind::Span => describe_span(buf, rec, opts, &mut m),
        Kind::SpanLogs => return describe_span_logs(buf, rec),
        Kind::Event => describe_event(buf, rec, &mut m),
        Kind::SourceTag => {
            m.insert("sourceTag".into(), json!(text(buf, &rec.name)));
            source_fields(buf, rec, opts, &mut m);
        }
        Kind::Logs => {
            m.insert("logs".into(), json!(true));
        }
        Kind::Blank => unreachable!("handled above"),
    }
    Value::Object(m)
}

fn describe_span(buf: &[u8], rec: &Rec, opts: &Options, m: &mut Map<String, Value>) {
    // The handler replaces `*` in span names with `-` before forwarding.
    m.insert("name".into(), json!(text(buf, &rec.name).replace('*', "-")));
    source_fields(buf, rec, opts, m);
    m.insert("traceId".into(), json!(text(buf, &rec.trace_id)));
    m.insert("spanId".into(), json!(text(buf, &rec.span_id)));
    let mut tags = Vec::new();
    let mut truncated = Vec::new();
    for t in rec.live_tags() {
        if t.flags & TAG_SYNTHETIC != 0 {
            tags.push(json!(["_spanLogs", "true"]));
            continue;
        }
        let mut v = text(buf, &t.v);
        if t.flags & TAG_TRUNCATED != 0 {
            v = truncate_utf16(&v, opts.limits.span_value_len);
            truncated.push(json!(text(buf, &t.k)));
        }
        tags.push(json!([text(buf, &t.k), v]));
    }
    m.insert("tags".into(), Value::Array(tags));
    let start = rec.ts.unwrap_or_default();
    m.insert(
        "start".into(),
        json!({"raw": text(buf, &start), "unit": rec.ts_unit.as_str(), "ms": rec.ts_ms}),
    );
    let is = if rec.second_is_end {
        "endTimestamp"
    } else {
        "duration"
    };
    m.insert(
        "second".into(),
        json!({"raw": text(buf, &rec.second), "is": is}),
    );
    m.insert("durationMs".into(), json!(rec.duration_ms));
    if !truncated.is_empty() {
        m.insert("truncatedTagKeys".into(), Value::Array(truncated));
    }
}

/// Java `substring(0, n)` over UTF-16 units.
fn truncate_utf16(s: &str, n: usize) -> String {
    let mut units = 0;
    let mut out = String::new();
    for c in s.chars() {
        units += c.len_utf16();
        if units > n {
            break;
        }
        out.push(c);
    }
    out
}

fn describe_span_logs(buf: &[u8], rec: &Rec) -> Value {
    let line = &buf[rec.line_s as usize..rec.line_e as usize];
    let v: Value = serde_json::from_slice(line).unwrap_or(Value::Null);
    let s = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let logs: Vec<Value> = v
        .get("logs")
        .and_then(|l| l.as_array())
        .map(|a| {
            a.iter()
                .map(|e| {
                    let ts = e.get("timestamp").cloned().unwrap_or(Value::Null);
                    let ts = match &ts {
                        Value::String(x) => {
                            x.trim().parse::<i64>().map_or(ts.clone(), |n| json!(n))
                        }
                        _ => ts,
                    };
                    json!({"timestamp": ts, "timestampUnit": "us",
                           "fields": e.get("fields").cloned().unwrap_or(json!({}))})
                })
                .collect()
        })
        .unwrap_or_default();
    let secondary = v
        .get("_spanSecondaryId")
        .or_else(|| v.get("spanSecondaryId"))
        .cloned()
        .unwrap_or(Value::Null);
    json!({"traceId": s("traceId"), "spanId": s("spanId"), "logs": logs, "span": s("span"),
           "spanSecondaryId": secondary})
}

fn describe_event(buf: &[u8], rec: &Rec, m: &mut Map<String, Value>) {
    m.insert("name".into(), json!(text(buf, &rec.name)));
    m.insert("startMs".into(), json!(rec.ts_ms));
    m.insert("endMs".into(), json!(rec.end_ms));
    let mut hosts = Vec::new();
    let mut tags = Vec::new();
    let mut multi: Vec<(String, Vec<String>)> = Vec::new();
    for t in &rec.tags {
        let (k, v) = (text(buf, &t.k), text(buf, &t.v));
        match k.as_str() {
            "host" => hosts.push(json!(v)),
            "tag" | "eventTag" => tags.push(json!(v)),
            _ => match multi.iter_mut().find(|(mk, _)| *mk == k) {
                Some((_, vs)) => vs.push(v),
                None => multi.push((k, vec![v])),
            },
        }
    }
    let mut ann = Map::new();
    let mut dims = Map::new();
    for (k, vs) in multi {
        if vs.len() == 1 {
            ann.insert(k, json!(vs[0]));
        } else {
            dims.insert(k, json!(vs));
        }
    }
    m.insert("hosts".into(), Value::Array(hosts));
    m.insert(
        "tags".into(),
        if tags.is_empty() {
            Value::Null
        } else {
            Value::Array(tags)
        },
    );
    m.insert("annotations".into(), Value::Object(ann));
    m.insert("dimensions".into(), Value::Object(dims));
}
