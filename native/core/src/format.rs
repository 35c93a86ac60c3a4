//! The one formatter: writes lines the parser reads back to the same fields.
//!
//! Every string is double-quoted with `"` escaped as `\"`. What the proxy's tokenizer cannot
//! carry is refused with a reason instead of being written wrong: a newline anywhere; a quoted
//! text ending in `\` (its closing quote would read as escaped), written unquoted when it has no
//! separator in it; span tag keys that are all digits (they end the tag list); a histogram named
//! `#`. A refused record leaves `out` as it was.

use crate::model::Kind;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatError {
    Newline,
    TrailingBackslash,
    NumericSpanKey,
    AmbiguousTag,
    HistogramName,
    NotHistogram,
    SpanStartTooSmall,
    NoCentroids,
    Timestamp,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FormatError::Newline => "a newline cannot be carried in a Wavefront line",
            FormatError::TrailingBackslash => {
                "a text ending in a backslash with a separator in it cannot be quoted"
            }
            FormatError::NumericSpanKey => "an all-digit span tag key would end the tag list",
            FormatError::AmbiguousTag => "no timestamp and every tag key starts with a digit",
            FormatError::HistogramName => "a histogram cannot be named '#'",
            FormatError::NotHistogram => "not a histogram kind",
            FormatError::SpanStartTooSmall => "span start before 2001-09-09 needs whole seconds",
            FormatError::NoCentroids => "a histogram needs at least one centroid",
            FormatError::Timestamp => "timestamp must be 13-digit ms or whole non-negative seconds",
        })
    }
}

impl std::error::Error for FormatError {}

pub type Pairs<'a> = [(&'a [u8], &'a [u8])];

/// Writes `s` as one token that decodes back to `s`.
pub fn write_text(out: &mut Vec<u8>, s: &[u8]) -> Result<(), FormatError> {
    if memchr::memchr(b'\n', s).is_some() {
        return Err(FormatError::Newline);
    }
    if s.last() == Some(&b'\\') {
        let plain = !s.is_empty()
            && !matches!(s[0], b'"' | b'\'' | b'#' | b'=')
            && !s
                .iter()
                .any(|&c| c == b' ' || c == b'\t' || c == b'=' || (c < 0x20 && c != b'\\'))
            && std::str::from_utf8(s)
                .is_ok_and(|t| !t.chars().any(|c| crate::lex::is_java_ws(c as u32)));
        if !plain {
            return Err(FormatError::TrailingBackslash);
        }
        out.extend_from_slice(s);
        return Ok(());
    }
    out.push(b'"');
    let mut last = 0;
    for i in memchr::memchr_iter(b'"', s) {
        out.extend_from_slice(&s[last..i]);
        out.extend_from_slice(b"\\\"");
        last = i + 1;
    }
    out.extend_from_slice(&s[last..]);
    out.push(b'"');
    Ok(())
}

/// Shortest text that Java's `Double.parseDouble` reads back to the same double.
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
        let _ = write!(out, "{}", v as i64);
    } else {
        // Rust's shortest round-trip repr; `{:e}` keeps huge and tiny values short.
        let a = v.abs();
        if (1e-5..1e16).contains(&a) {
            let _ = write!(out, "{v}");
        } else {
            let _ = write!(out, "{v:e}");
        }
    }
}

/// Milliseconds as a timestamp the metric unit inference reads back as the same ms: 13 digits
/// (2001-09-09 to 2286-11-20) as ms, otherwise whole seconds. Anything else would pass through a
/// double multiplication on the way back in and could come back one ms off.
fn write_ts_ms(out: &mut Vec<u8>, ms: i64) -> Result<(), FormatError> {
    if (1_000_000_000_000..10_000_000_000_000).contains(&ms) {
        let _ = write!(out, "{ms}");
    } else if ms >= 0 && ms % 1000 == 0 && ms < 1_000_000_000_000_000 {
        let _ = write!(out, "{}", ms / 1000);
    } else {
        return Err(FormatError::Timestamp);
    }
    Ok(())
}

fn write_pairs(
    out: &mut Vec<u8>,
    tags: &Pairs,
    skip_first: Option<usize>,
) -> Result<(), FormatError> {
    if let Some(i) = skip_first {
        write_pair(out, tags[i])?;
    }
    for (j, &t) in tags.iter().enumerate() {
        if Some(j) != skip_first {
            write_pair(out, t)?;
        }
    }
    Ok(())
}

fn write_pair(out: &mut Vec<u8>, (k, v): (&[u8], &[u8])) -> Result<(), FormatError> {
    out.push(b' ');
    write_text(out, k)?;
    out.push(b'=');
    write_text(out, v)
}

fn guarded<F: FnOnce(&mut Vec<u8>) -> Result<(), FormatError>>(
    out: &mut Vec<u8>,
    f: F,
) -> Result<(), FormatError> {
    let mark = out.len();
    let r = f(out);
    match r {
        Ok(()) => out.push(b'\n'),
        Err(_) => out.truncate(mark),
    }
    r
}

/// Where the first tag must come from when no timestamp and no source precede the tags: a key
/// starting with a digit there would be read as a timestamp.
fn first_tag(tags: &Pairs, needs_guard: bool) -> Result<Option<usize>, FormatError> {
    if !needs_guard
        || tags
            .first()
            .is_none_or(|t| !t.0.first().is_some_and(|c| c.is_ascii_digit()))
    {
        return Ok(None);
    }
    match tags
        .iter()
        .position(|t| !t.0.first().is_some_and(|c| c.is_ascii_digit()))
    {
        Some(i) => Ok(Some(i)),
        None => Err(FormatError::AmbiguousTag),
    }
}

/// `"name" value [ts] source="s" "k"="v"…\n` (metrics and ∆ deltas alike).
pub fn write_metric(
    out: &mut Vec<u8>,
    name: &[u8],
    value: f64,
    ts_ms: Option<i64>,
    source: Option<&[u8]>,
    tags: &Pairs,
) -> Result<(), FormatError> {
    guarded(out, |out| {
        write_text(out, name)?;
        out.push(b' ');
        write_f64(out, value);
        if let Some(ms) = ts_ms {
            out.push(b' ');
            write_ts_ms(out, ms)?;
        }
        if let Some(s) = source {
            out.extend_from_slice(b" source=");
            write_text(out, s)?;
        }
        let first = first_tag(tags, ts_ms.is_none() && source.is_none())?;
        write_pairs(out, tags, first)
    })
}

/// `!M [ts] #c mean … "name" source="s" "k"="v"…\n`.
#[allow(clippy::too_many_arguments)]
pub fn write_histogram(
    out: &mut Vec<u8>,
    kind: Kind,
    ts_ms: Option<i64>,
    centroids: &[(i32, f64)],
    name: &[u8],
    source: Option<&[u8]>,
    tags: &Pairs,
) -> Result<(), FormatError> {
    let g: &[u8] = match kind {
        Kind::HistogramM => b"!M",
        Kind::HistogramH => b"!H",
        Kind::HistogramD => b"!D",
        _ => return Err(FormatError::NotHistogram),
    };
    if name == b"#" {
        return Err(FormatError::HistogramName);
    }
    if centroids.is_empty() {
        return Err(FormatError::NoCentroids);
    }
    guarded(out, |out| {
        out.extend_from_slice(g);
        if let Some(ms) = ts_ms {
            out.push(b' ');
            write_ts_ms(out, ms)?;
        }
        for &(c, m) in centroids {
            let _ = write!(out, " #{c} ");
            write_f64(out, m);
        }
        out.push(b' ');
        write_text(out, name)?;
        if let Some(s) = source {
            out.extend_from_slice(b" source=");
            write_text(out, s)?;
        }
        write_pairs(out, tags, None)
    })
}

/// `"name" source="s" traceId="t" spanId="i" "k"="v"… start duration\n` in milliseconds.
#[allow(clippy::too_many_arguments)]
pub fn write_span(
    out: &mut Vec<u8>,
    name: &[u8],
    source: Option<&[u8]>,
    trace_id: &[u8],
    span_id: &[u8],
    tags: &Pairs,
    start_ms: i64,
    duration_ms: i64,
) -> Result<(), FormatError> {
    if tags.iter().any(|t| t.0.iter().all(|c| c.is_ascii_digit())) {
        return Err(FormatError::NumericSpanKey);
    }
    let seconds = start_ms <= 999_999_999_999;
    if seconds && (start_ms % 1000 != 0 || duration_ms % 1000 != 0) {
        return Err(FormatError::SpanStartTooSmall);
    }
    guarded(out, |out| {
        write_text(out, name)?;
        if let Some(s) = source {
            out.extend_from_slice(b" source=");
            write_text(out, s)?;
        }
        out.extend_from_slice(b" traceId=");
        write_text(out, trace_id)?;
        out.extend_from_slice(b" spanId=");
        write_text(out, span_id)?;
        write_pairs(out, tags, None)?;
        let d = duration_ms.max(0);
        if seconds {
            let _ = write!(out, " {} {}", start_ms / 1000, d / 1000);
        } else if d >= start_ms {
            // A duration not smaller than the start would read as an end time: send the end.
            let _ = write!(out, " {} {}", start_ms, start_ms + d);
        } else {
            let _ = write!(out, " {start_ms} {d}");
        }
        Ok(())
    })
}
