//! Number grammar of the JVM as the proxy uses it: `Double.parseDouble`, `Integer.parseInt`, and
//! the magnitude-based timestamp unit inference of metrics and spans.

/// Timestamp unit as inferred from magnitude.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Unit {
    #[default]
    None = 0,
    S = 1,
    Ms = 2,
    Us = 3,
    Ns = 4,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::None => "none",
            Unit::S => "s",
            Unit::Ms => "ms",
            Unit::Us => "us",
            Unit::Ns => "ns",
        }
    }
}

/// Java `Double.parseDouble`: leading/trailing chars ≤ U+0020 trimmed, optional sign,
/// `NaN`/`Infinity` (exact case), decimal with optional exponent, hex floats with a mandatory
/// binary exponent, and one optional trailing `f F d D`. Everything else is `None`.
pub fn parse_java_double(raw: &[u8]) -> Option<f64> {
    if let Some(v) = plain_decimal(raw) {
        return Some(v);
    }
    let mut s = raw;
    while let [first, rest @ ..] = s {
        if *first > b' ' {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if *last > b' ' {
            break;
        }
        s = rest;
    }
    if s.is_empty() {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body == b"NaN" {
        return Some(f64::NAN);
    }
    if body == b"Infinity" {
        return Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        let v = parse_hex_float(&body[2..])?;
        return Some(if neg { -v } else { v });
    }
    // Decimal: digits [. digits] [e [+-] digits] [fFdD], at least one mantissa digit.
    let mut i = 0;
    let mut mant_digits = 0;
    while i < body.len() && body[i].is_ascii_digit() {
        i += 1;
        mant_digits += 1;
    }
    if i < body.len() && body[i] == b'.' {
        i += 1;
        while i < body.len() && body[i].is_ascii_digit() {
            i += 1;
            mant_digits += 1;
        }
    }
    if mant_digits == 0 {
        return None;
    }
    if i < body.len() && (body[i] | 0x20) == b'e' {
        i += 1;
        if i < body.len() && (body[i] == b'+' || body[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < body.len() && body[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    let num_end = i;
    if i < body.len() && matches!(body[i], b'f' | b'F' | b'd' | b'D') {
        i += 1;
    }
    if i != body.len() {
        return None;
    }
    let digits = &body[..num_end];
    let v = match fast_decimal(digits) {
        Some(v) => v,
        // The grammar above admitted ASCII only, so this cannot fail; `?` keeps it panic-free.
        None => std::str::from_utf8(digits).ok()?.parse().ok()?,
    };
    Some(if neg { -v } else { v })
}

/// Clinger's fast path: at most 15 significant digits and no exponent, so the mantissa and the
/// power of ten are exact doubles and one division rounds correctly. Covers nearly every value
/// and timestamp seen in practice without the general algorithm.
#[inline]
fn fast_decimal(b: &[u8]) -> Option<f64> {
    if b.len() > 16 {
        return None;
    }
    let mut m: u64 = 0;
    let mut frac = 0usize;
    let mut seen_dot = false;
    let mut nd = 0;
    for &c in b {
        if c == b'.' {
            seen_dot = true;
            continue;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        m = m * 10 + (c - b'0') as u64;
        nd += 1;
        frac += seen_dot as usize;
    }
    if nd > 15 {
        return None;
    }
    Some(m as f64 / POW10[frac])
}

/// `[-]digits[.digits]` with at most 15 digits in one pass: the shape of nearly every value and
/// timestamp on the wire. `None` sends anything else through the full grammar; the result is
/// `fast_decimal`'s (one correctly rounded division of exact operands), so both paths agree.
#[inline]
fn plain_decimal(raw: &[u8]) -> Option<f64> {
    let (neg, b) = match raw.first() {
        Some(b'-') => (true, &raw[1..]),
        _ => (false, raw),
    };
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let mut m: u64 = 0;
    let mut nd = 0usize;
    let mut frac = 0usize;
    let mut dot = false;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            m = m * 10 + d as u64;
            nd += 1;
            frac += dot as usize;
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            return None;
        }
    }
    if nd == 0 || nd > 15 {
        return None;
    }
    let v = m as f64 / POW10[frac];
    Some(if neg { -v } else { v })
}

const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

fn parse_hex_float(b: &[u8]) -> Option<f64> {
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut digits = 0;
    let mut i = 0;
    let mut seen_dot = false;
    let mut sticky = false;
    while i < b.len() {
        let c = b[i];
        if c == b'.' && !seen_dot {
            seen_dot = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        digits += 1;
        if mant >> 58 == 0 {
            mant = (mant << 4) | d as u64;
            if seen_dot {
                exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !seen_dot {
                exp += 4;
            }
        }
        i += 1;
    }
    if digits == 0 || i >= b.len() || (b[i] | 0x20) != b'p' {
        return None;
    }
    i += 1;
    let mut eneg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        eneg = b[i] == b'-';
        i += 1;
    }
    let es = i;
    let mut e: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        e = (e * 10 + (b[i] - b'0') as i64).min(1 << 20);
        i += 1;
    }
    if i == es {
        return None;
    }
    if i < b.len() && matches!(b[i], b'f' | b'F' | b'd' | b'D') {
        i += 1;
    }
    if i != b.len() {
        return None;
    }
    let mant = mant | sticky as u64;
    let e = if eneg { -e } else { e } + exp;
    Some(mant as f64 * 2f64.powi(e.clamp(-2000, 2000) as i32))
}

/// Java `Integer.parseInt`: optional sign, ASCII digits, 32-bit range.
pub fn parse_java_int(raw: &[u8]) -> Option<i32> {
    let (neg, d) = match raw.first()? {
        b'-' => (true, &raw[1..]),
        b'+' => (false, &raw[1..]),
        _ => (false, raw),
    };
    if d.is_empty() || d.len() > 11 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in d {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    let v = if neg { -v } else { v };
    i32::try_from(v).ok()
}

/// Metric, histogram and event timestamps (java-lib `parseTimestamp`): the double's integer part
/// picks the unit; seconds keep their fraction as milliseconds.
pub fn metric_timestamp_ms(v: f64) -> (i64, Unit) {
    let l = v as i64; // Java's (long) cast: saturating, NaN -> 0; Rust `as` matches.
    if l < 1_000_000_000_000 {
        ((1000.0 * v) as i64, Unit::S)
    } else if l < 10_000_000_000_000 {
        (l, Unit::Ms)
    } else if l < 10_000_000_000_000_000 {
        (l / 1000, Unit::Us)
    } else {
        (l / 1_000_000, Unit::Ns)
    }
}

/// Span start and duration (java-lib `SpanDecoder.setDuration`): both raw longs, the second is an
/// end time when it is not before the start, and both take the unit inferred from the start.
pub fn span_times_ms(start: i64, second: i64) -> (i64, i64, Unit, bool) {
    let is_end = second.wrapping_sub(start) >= 0;
    let duration = if is_end {
        second.wrapping_sub(start)
    } else {
        second
    };
    if start > 999_999_999_999_999_999 {
        (start / 1_000_000, duration / 1_000_000, Unit::Ns, is_end)
    } else if start > 999_999_999_999_999 {
        (start / 1000, duration / 1000, Unit::Us, is_end)
    } else if start > 999_999_999_999 {
        (start, duration, Unit::Ms, is_end)
    } else {
        (
            start.wrapping_mul(1000),
            duration.wrapping_mul(1000),
            Unit::S,
            is_end,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_double_grammar() {
        let ok: &[(&str, f64)] = &[
            ("1", 1.0),
            ("5.", 5.0),
            (".5", 0.5),
            ("007", 7.0),
            ("-1.5e3", -1500.0),
            ("1E+2", 100.0),
            ("1d", 1.0),
            ("2.5F", 2.5),
            (" 3 ", 3.0),
            ("0x1p3", 8.0),
            ("0x1.8p1", 3.0),
            ("-0X.8P0", -0.5),
            ("1e-400", 0.0),
            ("9007199254740993", 9007199254740992.0),
        ];
        for (s, v) in ok {
            assert_eq!(parse_java_double(s.as_bytes()), Some(*v), "{s}");
        }
        assert!(parse_java_double(b"NaN").unwrap().is_nan());
        assert_eq!(parse_java_double(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_java_double(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_java_double(b"1e400"), Some(f64::INFINITY));
        for bad in [
            "nan",
            "inf",
            "+Inf",
            "1,5",
            "1_000",
            "0x10",
            "",
            ".",
            "e5",
            "1e",
            "1.2.3",
            "-1.12-34",
            "Infinityd",
            "1dd",
            "0x",
            "0xp1",
            "--1",
            "1 2",
        ] {
            assert_eq!(parse_java_double(bad.as_bytes()), None, "{bad}");
        }
        assert!(parse_java_double(b"-0").unwrap().is_sign_negative());
    }

    proptest::proptest! {
        // The Clinger fast path must round exactly like the general algorithm (std's parser).
        #[test]
        fn fast_path_agrees_with_std(int in "[0-9]{1,16}", frac in proptest::option::of("[0-9]{0,15}")) {
            let s = match &frac { Some(f) => format!("{int}.{f}"), None => int.clone() };
            let want: f64 = s.parse().expect("std parses plain decimals");
            proptest::prop_assert_eq!(parse_java_double(s.as_bytes()).map(f64::to_bits), Some(want.to_bits()), "{}", s);
        }

        // Signs, dots anywhere, empty mantissas, too many digits: over this alphabet Java's
        // grammar and std's are the same language, so the one-pass shortcut and the full
        // grammar must agree with std on acceptance and on every bit.
        #[test]
        fn plain_decimals_agree_with_std(sign in "-?", body in "[0-9.]{0,19}") {
            let s = format!("{sign}{body}");
            let want = s.parse::<f64>().ok().map(f64::to_bits);
            proptest::prop_assert_eq!(parse_java_double(s.as_bytes()).map(f64::to_bits), want, "{}", s);
        }
    }

    #[test]
    fn java_int_grammar() {
        assert_eq!(parse_java_int(b"+5"), Some(5));
        assert_eq!(parse_java_int(b"-7"), Some(-7));
        assert_eq!(parse_java_int(b"2147483647"), Some(i32::MAX));
        assert_eq!(parse_java_int(b"2147483648"), None);
        assert_eq!(parse_java_int(b"1.5"), None);
        assert_eq!(parse_java_int(b""), None);
        assert_eq!(parse_java_int(b"+"), None);
    }

    #[test]
    fn timestamp_bands() {
        assert_eq!(metric_timestamp_ms(1533529977.0), (1533529977000, Unit::S));
        assert_eq!(metric_timestamp_ms(1533529977.5), (1533529977500, Unit::S));
        assert_eq!(
            metric_timestamp_ms(1533529977123.0),
            (1533529977123, Unit::Ms)
        );
        assert_eq!(
            metric_timestamp_ms(15335299771234.0),
            (15335299771, Unit::Us)
        );
        assert_eq!(
            metric_timestamp_ms(1.533529977627992e18),
            (1533529977627, Unit::Ns)
        );
        assert_eq!(
            span_times_ms(1533529977627, 12),
            (1533529977627, 12, Unit::Ms, false)
        );
        assert_eq!(
            span_times_ms(1533529977, 1533529980),
            (1533529977000, 3000, Unit::S, true)
        );
        assert_eq!(
            span_times_ms(1533529977627992, 3000000),
            (1533529977627, 3000, Unit::Us, false)
        );
    }
}
