//! Span lines (java-lib `SpanDecoder`/`SpanIngesterFormatter`, proxy `SpanHandlerImpl`,
//! `Validation.validateSpan`): an ordered tag list with repeats kept, then two numbers.

use crate::lex::{is_blank, Lexer, Tok, Unmatched};
use crate::metric::{read_pairs, read_timestamp, run_body};
use crate::model::*;
use crate::num::span_times_ms;
use crate::validate::chars_valid;

pub fn decode_span(buf: &[u8], rec: &mut Rec, opts: &Options) {
    run_body(buf, rec, Kind::Span, span_body);
    if rec.ok() {
        finish_span(buf, rec, opts);
    }
}

fn span_body(buf: &[u8], lx: &mut Lexer, rec: &mut Rec) -> Result<(), Unmatched> {
    rec.name = lx.next()?.unwrap_or_default();
    read_pairs(buf, lx, rec, true)?;
    if !rec.ok() {
        return Ok(());
    }
    let start_tok = lx.peek()?;
    let Some(start) = read_timestamp(buf, lx, rec, true)? else {
        return Ok(());
    };
    let second_tok = lx.peek()?;
    let Some(second) = read_timestamp(buf, lx, rec, true)? else {
        return Ok(());
    };
    if let Some(extra) = lx.next()? {
        rec.fail(Stage::Parse, 300, Reason::ExtraInput, extra);
        return Ok(());
    }
    rec.ts = start_tok;
    rec.second = second_tok.unwrap_or_default();
    let (start_ms, duration_ms, unit, is_end) = span_times_ms(start as i64, second as i64);
    rec.ts_ms = start_ms;
    rec.ts_unit = unit;
    rec.duration_ms = duration_ms;
    rec.second_is_end = is_end;
    Ok(())
}

fn finish_span(buf: &[u8], rec: &mut Rec, opts: &Options) {
    let mut span_id = None;
    let mut trace_id = None;
    for t in rec.tags.iter_mut() {
        if t.k.eq(buf, b"source") || t.k.eq(buf, b"host") {
            rec.source = Some(t.v);
            rec.source_from = SourceFrom::Tag;
            t.flags |= TAG_DEAD;
        } else if t.k.eq(buf, b"spanId") {
            span_id = Some(t.v);
            t.flags |= TAG_DEAD;
        } else if t.k.eq(buf, b"traceId") {
            trace_id = Some(t.v);
            t.flags |= TAG_DEAD;
        }
    }
    if rec.source.is_none() && opts.span_annotator && !names_source(buf, rec, opts) {
        return rec.fail(Stage::Parse, 300, Reason::AnnotatedSource, Tok::default());
    }
    let Some(span_id) = span_id else {
        return rec.fail(Stage::Parse, 300, Reason::SpanIdNull, Tok::default());
    };
    let Some(trace_id) = trace_id else {
        return rec.fail(Stage::Parse, 300, Reason::TraceIdNull, Tok::default());
    };
    rec.span_id = span_id;
    rec.trace_id = trace_id;
    if let Some(now) = opts.now_ms {
        if rec.ts_ms > now + opts.prefill_ms {
            return rec.fail(
                Stage::Filter,
                402,
                Reason::SpanFuture,
                rec.ts.unwrap_or_default(),
            );
        }
    }
    let lim = &opts.limits;
    if let Some(src) = rec.source {
        if is_blank(&src.text(buf)) {
            return rec.fail(Stage::Validate, 426, Reason::SpanSourceBlank, src);
        }
        if src.utf16_len(buf) > lim.host_len {
            return rec.fail(Stage::Validate, 427, Reason::SpanSourceTooLong, src);
        }
    }
    // The handler replaces `*` with `-` before validating, so WF-415 never fires; length is
    // unchanged by that replacement.
    if rec.name.utf16_len(buf) > lim.span_len {
        return rec.fail(Stage::Validate, 428, Reason::SpanNameTooLong, rec.name);
    }
    if rec.live_tags().count() > lim.span_tag_count {
        return rec.fail(
            Stage::Validate,
            430,
            Reason::SpanTooManyTags,
            Tok::default(),
        );
    }
    let mut truncated = false;
    let mut has_span_logs = false;
    for i in 0..rec.tags.len() {
        let t = rec.tags[i];
        if t.flags & TAG_DEAD != 0 {
            continue;
        }
        if t.k.utf16_len(buf) > lim.span_key_len {
            return rec.fail(Stage::Validate, 432, Reason::SpanKeyTooLong, t.k);
        }
        if !chars_valid(&t.k.text(buf)) {
            return rec.fail(Stage::Validate, 416, Reason::SpanKeyChars, t.k);
        }
        if is_blank(&t.v.text(buf)) {
            return rec.fail(Stage::Validate, 434, Reason::SpanValueBlank, t.k);
        }
        if t.v.utf16_len(buf) > lim.span_value_len {
            rec.tags[i].flags |= TAG_TRUNCATED;
            truncated = true;
        }
        has_span_logs |= t.k.eq(buf, b"_spanLogs");
    }
    if truncated && !has_span_logs {
        rec.tags.push(Tag {
            k: Tok::default(),
            v: Tok::default(),
            flags: TAG_SYNTHETIC,
        });
    }
}

/// The annotator's raw-text test (`SharedGraphiteHostAnnotator`): any of `source=`, `host=`,
/// `"source"=`, `"host"=` or `<customSourceTag>=` followed by a char above U+0020 suppresses it.
fn names_source(buf: &[u8], rec: &Rec, opts: &Options) -> bool {
    let line = &buf[rec.line_s as usize..rec.line_e as usize];
    let hit = |needle: &[u8]| {
        memchr::memmem::find_iter(line, needle)
            .any(|i| line.get(i + needle.len()).is_some_and(|&c| c > b' '))
    };
    [&b"source="[..], b"host=", b"\"source\"=", b"\"host\"="]
        .iter()
        .any(|n| hit(n))
        || opts.custom_source_tags.iter().any(|t| {
            let mut n = t.clone();
            n.push(b'=');
            hit(&n)
        })
}
