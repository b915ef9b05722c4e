//! How `States.Format` turns a value into text.
//!
//! AWS reads JSON with Jackson into plain Java objects and then calls `toString()` on each
//! argument. The recorded case `States.Format('... {}.', $$.StateMachine)` shows it:
//! `{Id=arn:aws:states:us-east-1:111111111111:stateMachine:Name, Name=Name}`, which is
//! `java.util.AbstractMap.toString`. Following the same Java types:
//!
//! * a string is inserted as is, also inside arrays and objects (no quotes, no escaping);
//! * `null`, `true`, `false` as written;
//! * an integer as its digits; a number with a fraction or an exponent is a Java `Double`,
//!   printed by `Double.toString`: `1.5`, `2.0`, `1.0E7`, `1.0E-4`;
//! * an array as `AbstractCollection.toString`: `[1, a, [2, 3]]`;
//! * an object as `AbstractMap.toString`: `{a=1, b={c=x}}`, members in document order.
//!
//! `States.JsonToString` writes JSON text as Jackson does ([`jackson_json`]).

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use serde_json::{Number, Value};

/// Appends the Java `toString()` rendering of `value` to `out`.
pub(super) fn java_to_string(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&java_number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_to_string(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                java_to_string(v, out);
            }
            out.push('}');
        }
    }
}

/// The compact JSON text Jackson writes for a value (`States.JsonToString`): no whitespace,
/// members in document order, a decimal number as Java's `Double.toString` prints it (`1.0E7`,
/// `1.0E-4`, `2.0`), a control character without a short escape as `\u00XX` with uppercase
/// hex digits (Jackson's `CharTypes` table); everything else as serde_json's compact form.
pub(super) fn jackson_json(value: &Value) -> String {
    struct Jackson;
    impl Formatter for Jackson {
        fn write_f64<W: ?Sized + io::Write>(
            &mut self,
            writer: &mut W,
            value: f64,
        ) -> io::Result<()> {
            writer.write_all(java_double(value).as_bytes())
        }
        fn write_char_escape<W: ?Sized + io::Write>(
            &mut self,
            writer: &mut W,
            escape: CharEscape,
        ) -> io::Result<()> {
            match escape {
                CharEscape::AsciiControl(byte) => write!(writer, "\\u{byte:04X}"),
                other => CompactFormatter.write_char_escape(writer, other),
            }
        }
    }
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Jackson);
    // Writing a `Value` into memory cannot fail, and the text is UTF-8.
    let _ = value.serialize(&mut serializer);
    String::from_utf8(out).unwrap_or_default()
}

fn java_number(n: &Number) -> String {
    if n.is_f64() {
        java_double(n.as_f64().unwrap_or(0.0))
    } else {
        n.to_string()
    }
}

/// Java's `Double.toString` (as of JDK 19): the shortest digits that identify the value (see
/// [`shortest_digits`]), in plain notation with at least one fractional digit when
/// `1e-3 <= |x| < 1e7`, otherwise as `d.dddE<n>`. Older JDKs sometimes print a longer digit
/// string (JDK 17 prints `1e23` as `9.999999999999999E22`); which JDK AWS runs is not known.
pub(crate) fn java_double(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    if !x.is_finite() {
        // Not reachable from JSON; Java's spelling for completeness.
        return if x.is_nan() {
            "NaN"
        } else if x > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .to_string();
    }
    let (digits, exponent) = shortest_digits(x.abs());
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    let abs = x.abs();
    if (1e-3..1e7).contains(&abs) {
        let point = exponent + 1;
        if point <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
            out.push_str(&digits);
        } else {
            let point = point as usize;
            if point >= digits.len() {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&exponent.to_string());
    }
    out
}

/// The significant digits and the decimal exponent Java's `Double.toString` (JDK 19 and
/// later) chooses for a positive finite `x`: the shortest decimal that rounds to `x`, except
/// that when one digit would do, the closest decimal of one *or two* digits is taken
/// (`Double.MIN_VALUE` is `4.9E-324`, not `5.0E-324`).
fn shortest_digits(x: f64) -> (String, i32) {
    // Rust's `{:e}` gives the shortest round-tripping digits, the closest among them:
    // `1.2345e7`, `5e-4`.
    let (digits, exponent) = split_sci(&format!("{x:e}"));
    if digits.len() == 1 {
        // `{:.1e}` is the closest two-digit decimal (correctly rounded).
        let two = format!("{x:.1e}");
        if two.parse::<f64>() == Ok(x) {
            let (mut digits2, exponent2) = split_sci(&two);
            if digits2.ends_with('0') {
                digits2.pop();
            }
            return (digits2, exponent2);
        }
    }
    (digits, exponent)
}

/// `1.2345e7` to (`12345`, 7).
fn split_sci(sci: &str) -> (String, i32) {
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci, "0"));
    (
        mantissa.chars().filter(|c| *c != '.').collect(),
        exponent.parse().unwrap_or(0),
    )
}
