//! The rarer line kinds: `@Event` (java-lib `EventDecoder`), `@SourceTag`/`@SourceDescription`,
//! span-log JSON objects and JSON-array logs. None of them forms a family.

use crate::lex::{Lexer, Tok, Unmatched};
use crate::metric::{read_pairs, read_timestamp, run_body};
use crate::model::*;
use crate::num::metric_timestamp_ms;
use crate::validate::chars_valid;

pub fn decode_event(buf: &[u8], rec: &mut Rec) {
    run_body(buf, rec, Kind::Event, event_body);
    if !rec.ok() {
        return;
    }
    if rec.end_ms == 0 || rec.end_ms <= rec.ts_ms {
        rec.end_ms = rec.ts_ms + 1;
    }
    for t in rec.tags.iter() {
        let special = t.k.eq(buf, b"host") || t.k.eq(buf, b"tag") || t.k.eq(buf, b"eventTag");
        if !special && !chars_valid(&t.k.text(buf)) {
            return rec.fail(Stage::Validate, 401, Reason::TagKeyChars, t.k);
        }
    }
}

fn event_body(buf: &[u8], lx: &mut Lexer, rec: &mut Rec) -> Result<(), Unmatched> {
    let lit = lx.next()?.unwrap_or_default();
    if !lit.eq(buf, b"@Event") {
        rec.fail(Stage::Parse, 300, Reason::LiteralNotAllowed, lit);
        return Ok(());
    }
    let start_tok = lx.peek()?;
    let Some(start) = read_timestamp(buf, lx, rec, true)? else {
        return Ok(());
    };
    rec.ts = start_tok;
    (rec.ts_ms, rec.ts_unit) = metric_timestamp_ms(start);
    if let Some(end) = read_timestamp(buf, lx, rec, false)? {
        rec.end_ms = metric_timestamp_ms(end).0;
    }
    if !rec.ok() {
        return Ok(());
    }
    let Some(name) = lx.next()? else {
        rec.fail(Stage::Parse, 300, Reason::EventNameMissing, Tok::default());
        return Ok(());
    };
    rec.name = name;
    read_pairs(buf, lx, rec, false)
}

/// `@SourceTag action=save|add|delete source=<src> <tag>…` and
/// `@SourceDescription action=save|delete source=<src> <text>`: checked for shape only.
pub fn decode_source_tag(buf: &[u8], rec: &mut Rec) {
    rec.kind = Kind::SourceTag;
    let mut lx = Lexer::new(buf, rec.line_s as usize, rec.line_e as usize);
    let mut action = false;
    let mut source = None;
    let mut i = 0;
    loop {
        let t = match lx.next() {
            Ok(Some(t)) => t,
            Ok(None) => break,
            Err(Unmatched(q)) => {
                return rec.fail(
                    Stage::Parse,
                    300,
                    Reason::UnmatchedQuote,
                    Tok {
                        q,
                        ..Tok::default()
                    },
                )
            }
        };
        i += 1;
        if i == 1 {
            rec.name = t;
            continue;
        }
        if matches!(lx.peek(), Ok(Some(op)) if op.eq(buf, b"=")) {
            let _ = lx.next();
            let Ok(Some(v)) = lx.next() else {
                return rec.fail(Stage::Parse, 300, Reason::SourceTagSyntax, t);
            };
            if t.eq(buf, b"action") {
                let a = v.text(buf);
                action = matches!(a.as_ref(), b"save" | b"add" | b"delete");
            } else if t.eq(buf, b"source") {
                source = Some(v);
            }
        }
    }
    match source {
        Some(s) if action => {
            rec.source = Some(s);
            rec.source_from = SourceFrom::Source;
        }
        _ => rec.fail(Stage::Parse, 300, Reason::SourceTagSyntax, Tok::default()),
    }
}

/// Span logs: one JSON object with a mandatory `logs` array. Spans and span logs carry no WF code
/// at the proxy, hence `n/a`.
pub fn decode_span_logs(buf: &[u8], rec: &mut Rec) {
    rec.kind = Kind::SpanLogs;
    let line = &buf[rec.line_s as usize..rec.line_e as usize];
    match serde_json::from_slice::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(o)) => {
            if !o.get("logs").is_some_and(|l| l.is_array()) {
                rec.fail(
                    Stage::Parse,
                    CODE_NA,
                    Reason::SpanLogsNoLogs,
                    Tok::default(),
                );
            }
        }
        _ => rec.fail(Stage::Parse, CODE_NA, Reason::SpanLogsJson, Tok::default()),
    }
}

/// JSON-array logs (`[…]`): wflg does not model logs; it checks the JSON and counts them.
pub fn decode_logs(buf: &[u8], rec: &mut Rec) {
    rec.kind = Kind::Logs;
    let line = &buf[rec.line_s as usize..rec.line_e as usize];
    if !matches!(
        serde_json::from_slice::<serde_json::Value>(line),
        Ok(serde_json::Value::Array(_))
    ) {
        rec.fail(Stage::Parse, CODE_NA, Reason::LogsJson, Tok::default());
    }
}
