//! Metric, delta and histogram lines: decode (java-lib `ReportPointDecoder`/`HistogramDecoder`
//! through `AbstractIngesterFormatter`), source resolution, the time window and point validation.

use crate::lex::{is_blank, Lexer, Tok, Unmatched, CLS_DELTA_LEGAL, CLS_LEGAL};
use crate::model::*;
use crate::num::{metric_timestamp_ms, parse_java_double, parse_java_int};
use crate::validate::{chars_valid, is_delta_name, is_delta_only};

/// Runs one decoder body over the line: the proxy abandons a line on an unmatched quote wherever
/// it occurs, so every decoder maps it to the same parse failure here.
pub(crate) fn run_body(
    buf: &[u8],
    rec: &mut Rec,
    kind: Kind,
    body: fn(&[u8], &mut Lexer, &mut Rec) -> Result<(), Unmatched>,
) {
    let mut lx = Lexer::new(buf, rec.line_s as usize, rec.line_e as usize);
    rec.kind = kind;
    if let Err(Unmatched(q)) = body(buf, &mut lx, rec) {
        rec.fail(
            Stage::Parse,
            300,
            Reason::UnmatchedQuote,
            Tok {
                q,
                ..Tok::default()
            },
        );
    }
}

/// Reads `key = value` pairs until the end of the line into `rec.tags`.
pub(crate) fn read_pairs(
    buf: &[u8],
    lx: &mut Lexer,
    rec: &mut Rec,
    stop_at_numeric: bool,
) -> Result<(), Unmatched> {
    while let Some(k) = lx.peek()? {
        if stop_at_numeric && is_numeric(&k, buf) {
            return Ok(());
        }
        lx.next()?;
        let Some(op) = lx.next()? else {
            rec.fail(Stage::Parse, 300, Reason::TagNoSeparatorEol, k);
            return Ok(());
        };
        if !op.eq(buf, b"=") {
            rec.fail(Stage::Parse, 300, Reason::TagNoSeparator, op);
            return Ok(());
        }
        let Some(v) = lx.next()? else {
            rec.fail(Stage::Parse, 300, Reason::TagValueMissing, k);
            return Ok(());
        };
        rec.tags.push(Tag { k, v, flags: 0 });
    }
    Ok(())
}

/// commons-lang 2 `StringUtils.isNumeric`: every char a digit; true for the empty string.
fn is_numeric(t: &Tok, buf: &[u8]) -> bool {
    t.text(buf).iter().all(|c| c.is_ascii_digit())
}

/// Optional timestamp: taken only when the next token starts with a digit.
pub(crate) fn read_timestamp(
    buf: &[u8],
    lx: &mut Lexer,
    rec: &mut Rec,
    required: bool,
) -> Result<Option<f64>, Unmatched> {
    let t = lx.peek()?;
    let Some(t) = t.filter(|t| t.first(buf).is_some_and(|c| c.is_ascii_digit())) else {
        if required {
            rec.fail(
                Stage::Parse,
                300,
                Reason::ExpectedTimestamp,
                t.unwrap_or_default(),
            );
        }
        return Ok(None);
    };
    match parse_java_double(&t.text(buf)) {
        Some(v) => {
            lx.next()?;
            Ok(Some(v))
        }
        None => {
            rec.fail(Stage::Parse, 300, Reason::InvalidTimestamp, t);
            Ok(None)
        }
    }
}

pub fn decode_metric(buf: &[u8], rec: &mut Rec, opts: &Options) {
    if opts.fast_path {
        if crate::fast::metric_tokens(buf, rec) {
            return finish_point(buf, rec, opts, false);
        }
        rec.reset(rec.line_s, rec.line_e);
    }
    run_body(buf, rec, Kind::Metric, metric_body);
    if rec.ok() {
        finish_point(buf, rec, opts, false);
    }
}

fn metric_body(buf: &[u8], lx: &mut Lexer, rec: &mut Rec) -> Result<(), Unmatched> {
    let name = lx.next()?;
    let Some(v) = lx.next()? else {
        rec.fail(Stage::Parse, 300, Reason::ValueMissing, Tok::default());
        return Ok(());
    };
    let Some(name) = name else {
        rec.fail(Stage::Parse, 300, Reason::ValueMissing, Tok::default());
        return Ok(());
    };
    rec.name = name;
    if is_delta_name(&name.text(buf)) {
        rec.kind = Kind::Delta;
    }
    match parse_java_double(&v.text(buf)) {
        Some(x) => {
            rec.value = x;
            rec.value_tok = v;
        }
        None => {
            rec.fail(Stage::Parse, 300, Reason::InvalidValue, v);
            return Ok(());
        }
    }
    set_timestamp(buf, lx, rec)?;
    if !rec.ok() {
        return Ok(());
    }
    read_pairs(buf, lx, rec, false)
}

fn set_timestamp(buf: &[u8], lx: &mut Lexer, rec: &mut Rec) -> Result<(), Unmatched> {
    let tok = lx.peek()?;
    if let Some(v) = read_timestamp(buf, lx, rec, false)? {
        let (ms, unit) = metric_timestamp_ms(v);
        rec.ts = tok;
        rec.ts_ms = ms;
        rec.ts_unit = unit;
    }
    Ok(())
}

pub fn decode_histogram(buf: &[u8], rec: &mut Rec, opts: &Options) {
    run_body(buf, rec, Kind::HistogramM, histogram_body);
    if rec.ok() {
        if rec.ts.is_some() {
            // The decoder floors the timestamp to its bin before anything else looks at it.
            let d = rec.kind.histogram_ms();
            rec.ts_ms = rec.ts_ms.div_euclid(d) * d;
        }
        finish_point(buf, rec, opts, true);
    }
}

fn histogram_body(buf: &[u8], lx: &mut Lexer, rec: &mut Rec) -> Result<(), Unmatched> {
    let g = lx.next()?.unwrap_or_default();
    rec.kind = if g.eq(buf, b"!M") {
        Kind::HistogramM
    } else if g.eq(buf, b"!H") {
        Kind::HistogramH
    } else if g.eq(buf, b"!D") {
        Kind::HistogramD
    } else {
        rec.fail(Stage::Parse, 300, Reason::LiteralNotAllowed, g);
        return Ok(());
    };
    set_timestamp(buf, lx, rec)?;
    if !rec.ok() {
        return Ok(());
    }
    while lx.peek()?.is_some_and(|t| t.eq(buf, b"#")) {
        lx.next()?;
        let Some(c) = lx.next()? else {
            rec.fail(Stage::Parse, 300, Reason::CentroidEol, Tok::default());
            return Ok(());
        };
        let Some(count) = parse_java_int(&c.text(buf)) else {
            rec.fail(Stage::Parse, 300, Reason::BadCentroidWeight, c);
            return Ok(());
        };
        let Some(m) = lx.next()? else {
            rec.fail(
                Stage::Parse,
                300,
                Reason::CentroidEol,
                Tok {
                    q: 1,
                    ..Tok::default()
                },
            );
            return Ok(());
        };
        let Some(mean) = parse_java_double(&m.text(buf)) else {
            rec.fail(Stage::Parse, 300, Reason::BadCentroidValue, m);
            return Ok(());
        };
        rec.centroids.push((count, mean));
    }
    if rec.centroids.is_empty() {
        rec.fail(Stage::Parse, 300, Reason::EmptyHistogram, Tok::default());
        return Ok(());
    }
    let Some(name) = lx.next()? else {
        rec.fail(Stage::Parse, 300, Reason::ValueMissing, Tok::default());
        return Ok(());
    };
    rec.name = name;
    read_pairs(buf, lx, rec, false)
}

/// Map semantics (last key wins), source resolution, renames, time window and validation.
fn finish_point(buf: &[u8], rec: &mut Rec, opts: &Options, histogram: bool) {
    // One pass: last key wins (earlier duplicates die; the length check rejects most pairs before
    // any byte compare), and `source`/`host`/`tag` are recognised on their way past. Matching on
    // the raw length is exact for them: an escape only ever decodes to a quote char, which none
    // of the three contains.
    let n = rec.tags.len();
    let mut source = None;
    let mut host = None;
    for i in 0..n {
        let k = rec.tags[i].k;
        let klen = k.len();
        for j in i + 1..n {
            let kj = rec.tags[j].k;
            if (kj.len() == klen || k.esc || kj.esc) && k.text(buf) == kj.text(buf) {
                rec.tags[i].flags |= TAG_DEAD;
                break;
            }
        }
        if rec.tags[i].flags & TAG_DEAD != 0 {
            continue;
        }
        match klen {
            6 if k.eq(buf, b"source") => source = Some(i),
            4 if k.eq(buf, b"host") => host = Some(i),
            3 if k.eq(buf, b"tag") => rec.tags[i].flags |= TAG_UNDERSCORE,
            _ => {}
        }
    }
    if let Some(si) = source {
        rec.source = Some(rec.tags[si].v);
        rec.source_from = SourceFrom::Source;
        rec.tags[si].flags |= TAG_DEAD;
        if let Some(hi) = host {
            rec.tags[hi].flags |= TAG_UNDERSCORE;
        }
    } else if let Some(hi) = host {
        rec.source = Some(rec.tags[hi].v);
        rec.source_from = SourceFrom::Host;
        rec.tags[hi].flags |= TAG_DEAD;
    } else if !histogram {
        'outer: for (ci, key) in opts.custom_source_tags.iter().enumerate() {
            for t in rec.tags.iter() {
                if t.flags & TAG_DEAD == 0 && t.k.eq(buf, key) {
                    rec.source = Some(t.v);
                    rec.source_from = SourceFrom::Custom;
                    rec.custom_idx = ci as u8;
                    break 'outer;
                }
            }
        }
    }
    if let (Some(now), true) = (opts.now_ms, rec.ts.is_some()) {
        if rec.ts_ms <= now - opts.backfill_ms || rec.ts_ms >= now + opts.prefill_ms {
            rec.fail(
                Stage::Filter,
                402,
                Reason::OutsideTimeframe,
                rec.ts.unwrap_or_default(),
            );
            return;
        }
    }
    validate_point(buf, rec, opts, histogram);
}

fn validate_point(buf: &[u8], rec: &mut Rec, opts: &Options, histogram: bool) {
    let lim = &opts.limits;
    if let Some(src) = rec.source {
        if is_blank(&src.text(buf)) {
            return rec.fail(Stage::Validate, 406, Reason::SourceBlank, src);
        }
        if src.utf16_len(buf) > lim.host_len {
            return rec.fail(Stage::Validate, 407, Reason::SourceTooLong, src);
        }
    }
    let name = rec.name;
    let name_len = name.utf16_len(buf);
    if histogram && name_len > lim.histogram_len {
        return rec.fail(Stage::Validate, 409, Reason::HistogramNameTooLong, name);
    }
    if !histogram && name_len > lim.metric_len {
        return rec.fail(Stage::Validate, 408, Reason::NameTooLong, name);
    }
    if name.cls & (CLS_LEGAL | CLS_DELTA_LEGAL) == 0 {
        let text = name.text(buf);
        if !chars_valid(&text) {
            return rec.fail(Stage::Validate, 400, Reason::NameChars, name);
        }
        if is_delta_only(&text) {
            return rec.fail(Stage::Validate, 500, Reason::DeltaOnly, name);
        }
    }
    let live = rec.live_tags().count();
    if live > lim.tag_count {
        return rec.fail(Stage::Validate, 410, Reason::TooManyTags, Tok::default());
    }
    // Java iterates a HashMap here; we check in input order, which differs only when one line
    // breaks two different tag rules.
    for i in 0..rec.tags.len() {
        let t = rec.tags[i];
        if t.flags & TAG_DEAD != 0 {
            continue;
        }
        let klen = t.k.utf16_len(buf) + (t.flags & TAG_UNDERSCORE != 0) as usize;
        let vlen = t.v.utf16_len(buf);
        if klen + vlen >= 255 {
            return rec.fail(Stage::Validate, 411, Reason::TagTooLong, t.k);
        }
        if klen > lim.tag_key_len {
            return rec.fail(Stage::Validate, 412, Reason::TagKeyTooLong, t.k);
        }
        if t.k.cls & CLS_LEGAL == 0 && !chars_valid(&t.k.text(buf)) {
            return rec.fail(Stage::Validate, 401, Reason::TagKeyChars, t.k);
        }
        if is_blank(&t.v.text(buf)) {
            return rec.fail(Stage::Validate, 414, Reason::TagValueBlank, t.k);
        }
        if vlen > lim.tag_value_len {
            return rec.fail(Stage::Validate, 413, Reason::TagValueTooLong, t.k);
        }
    }
    if histogram {
        if rec.centroids.iter().all(|c| c.0 == 0) {
            rec.fail(Stage::Validate, 405, Reason::HistogramEmpty, Tok::default());
        }
    } else if rec.kind == Kind::Delta && rec.value <= 0.0 {
        rec.fail(
            Stage::Discard,
            404,
            Reason::DeltaNonPositive,
            Tok::default(),
        );
    }
}
