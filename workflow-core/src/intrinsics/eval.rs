//! Evaluating parsed calls.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use base64::Engine as _;
use serde_json::{Map, Number, Value};

use super::render::{jackson_json, java_to_string};
use super::{Arg, Call, IntrinsicFunction as F, Piece, plural};
use crate::entropy::{Entropy, uuid_v4};
use crate::error::AslError;
use crate::path::{Env, Path, PathError};

/// Most characters `States.Base64Encode`, `States.Base64Decode` and `States.Hash` accept.
const MAX_STRING_CHARS: usize = 10_000;
/// Most items `States.ArrayRange` may produce.
const MAX_RANGE_ITEMS: i128 = 1000;

pub(super) fn evaluate(
    call: &Call,
    env: &Env<'_>,
    entropy: &mut dyn Entropy,
) -> Result<Value, AslError> {
    eval_call(call, env, entropy)
}

fn eval_arg<'x>(
    arg: &'x Arg,
    env: &Env<'x>,
    entropy: &mut dyn Entropy,
) -> Result<Cow<'x, Value>, AslError> {
    match arg {
        Arg::Literal(v) => Ok(Cow::Borrowed(v)),
        Arg::Path(path) => path.select(env).map_err(|e| path_error(path, &e, env)),
        Arg::Call(call) => eval_call(call, env, entropy).map(Cow::Owned),
    }
}

fn path_error(path: &Path, error: &PathError, env: &Env<'_>) -> AslError {
    match error {
        PathError::NoMatch => AslError::runtime(format!(
            "The JSONPath '{}' specified as an intrinsic function argument could not be found in the input '{}'",
            path.text(),
            compact(env.input)
        )),
        PathError::UnknownVariable(name) => AslError::runtime(format!(
            "The variable '${name}' referenced by the intrinsic function argument '{}' is not defined",
            path.text()
        )),
        PathError::TooLarge => AslError::runtime(format!(
            "The JSONPath '{}' specified as an intrinsic function argument could not be evaluated: {error}",
            path.text()
        )),
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn eval_call(call: &Call, env: &Env<'_>, entropy: &mut dyn Entropy) -> Result<Value, AslError> {
    let mut args = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        args.push(eval_arg(arg, env, entropy)?);
    }
    let f = call.function;
    match f {
        F::Format => format(call.template.as_deref(), &args),
        F::StringToJson => {
            let s = string_arg(f, &args[0], "argument")?;
            serde_json::from_str(s).map_err(|e| {
                fail(
                    f,
                    format!("the string is not valid JSON ({e}): {}", excerpt(s)),
                )
            })
        }
        F::JsonToString => Ok(Value::String(jackson_json(&args[0]))),
        F::Array => Ok(Value::Array(
            args.into_iter().map(Cow::into_owned).collect(),
        )),
        F::ArrayPartition => {
            let items = array_arg(f, &args[0], "first argument")?;
            let size = rounded_arg(f, &args[1], "chunk size")?;
            if size < 1 {
                return Err(fail(
                    f,
                    format!("the chunk size must be a positive integer, but was {size}"),
                ));
            }
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            Ok(Value::Array(
                items
                    .chunks(size)
                    .map(|chunk| Value::Array(chunk.to_vec()))
                    .collect(),
            ))
        }
        F::ArrayContains => {
            let items = array_arg(f, &args[0], "first argument")?;
            Ok(Value::Bool(
                items.iter().any(|item| java_equals(item, &args[1])),
            ))
        }
        F::ArrayRange => array_range(&args),
        F::ArrayGetItem => {
            let items = array_arg(f, &args[0], "first argument")?;
            let index = integer_arg(f, &args[1], "index")?;
            usize::try_from(index)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .ok_or_else(|| {
                    fail(
                        f,
                        format!(
                            "index {index} is out of bounds for an array of {}",
                            plural(items.len(), "item")
                        ),
                    )
                })
        }
        F::ArrayLength => Ok(Value::from(array_arg(f, &args[0], "argument")?.len())),
        F::ArrayUnique => Ok(Value::Array(unique(array_arg(f, &args[0], "argument")?))),
        F::Base64Encode => {
            let s = limited_string_arg(f, &args[0], "argument")?;
            Ok(Value::String(
                base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
            ))
        }
        F::Base64Decode => base64_decode(limited_string_arg(f, &args[0], "argument")?),
        F::Hash => {
            let data = limited_string_arg(f, &args[0], "data (first argument)")?;
            let algorithm = string_arg(f, &args[1], "algorithm (second argument)")?;
            hash(data, algorithm)
        }
        F::JsonMerge => {
            let first = object_arg(f, &args[0], "first argument")?;
            let second = object_arg(f, &args[1], "second argument")?;
            match &*args[2] {
                Value::Bool(false) => {}
                Value::Bool(true) => {
                    return Err(fail(
                        f,
                        "deep merging is not supported; the third argument must be false",
                    ));
                }
                other => {
                    return Err(fail(
                        f,
                        format!(
                            "the third argument (deep merge) must be the boolean false, but was {}",
                            describe(other)
                        ),
                    ));
                }
            }
            let mut merged: Map<String, Value> = first.clone();
            for (k, v) in second {
                merged.insert(k.clone(), v.clone());
            }
            Ok(Value::Object(merged))
        }
        F::MathRandom => math_random(&args, entropy),
        F::MathAdd => {
            let a = rounded_arg(f, &args[0], "first argument")?;
            let b = rounded_arg(f, &args[1], "second argument")?;
            for (value, which) in [(a, "first"), (b, "second")] {
                if i32::try_from(value).is_err() {
                    return Err(fail(
                        f,
                        format!(
                            "the {which} argument ({value}) is outside the range -2147483648 to 2147483647"
                        ),
                    ));
                }
            }
            // The documented domain is 32-bit; AWS's behaviour when the sum leaves it is not
            // documented, so it is an error here rather than a silent wrap or widening.
            let sum = a + b;
            if i32::try_from(sum).is_err() {
                return Err(fail(
                    f,
                    format!("the sum {sum} is outside the range -2147483648 to 2147483647"),
                ));
            }
            Ok(Value::from(sum))
        }
        F::StringSplit => {
            let s = string_arg(f, &args[0], "first argument")?;
            let delimiters = string_arg(f, &args[1], "delimiter (second argument)")?;
            Ok(Value::Array(
                s.split(|c: char| delimiters.contains(c))
                    .filter(|piece| !piece.is_empty())
                    .map(|piece| Value::String(piece.to_string()))
                    .collect(),
            ))
        }
        F::Uuid => Ok(Value::String(uuid_v4(entropy))),
    }
}

// ----- errors and argument access -----

/// The error of a call whose arguments the function refuses (a wrong type, a value out of
/// range, a string that is not JSON, ...).
///
/// Its name is `States.Runtime`: AWS's "Error handling in Step Functions" page says
/// `States.IntrinsicFailure` is "reserved for future use" and that intrinsic function
/// processing errors are reported with the `States.Runtime` error name (see
/// [`names::RESERVED`](crate::error::names::RESERVED)); so no retrier or catcher handles it.
///
/// The cause is the function's name and our own sentence. The sentence AWS prints is not
/// known: the AWS-recorded corpus has no failing intrinsic call, and no AWS documentation
/// page, AWS re:Post or Stack Overflow page, or GitHub issue in the stored search corpora
/// quotes one AWS printed (searched for `States.ArrayGetItem` out of range,
/// `States.StringToJson` of text that is not JSON, `States.MathAdd` of a non-integer, a
/// wrong argument type). The engine prefixes the cause with AWS's "An error occurred while
/// executing the state '...' (entered at the event id #...)."
fn fail(f: F, detail: impl std::fmt::Display) -> AslError {
    AslError::runtime(format!("{}: {detail}", f.name()))
}

/// `a string "abc"`, `an object {"a":1}`: the type and (the start of) the value.
fn describe(value: &Value) -> String {
    if value.is_null() {
        return "null".to_string();
    }
    format!(
        "{} {}",
        crate::model::type_name(value),
        excerpt(&compact(value))
    )
}

/// At most 100 characters of `text`.
fn excerpt(text: &str) -> String {
    const MAX: usize = 100;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

fn string_arg<'v>(f: F, value: &'v Value, what: &str) -> Result<&'v str, AslError> {
    value.as_str().ok_or_else(|| {
        fail(
            f,
            format!("the {what} must be a string, but was {}", describe(value)),
        )
    })
}

/// A string of at most 10,000 characters. Characters are counted as Java counts them (UTF-16
/// code units), since that is what the documented limit is measured in on AWS.
fn limited_string_arg<'v>(f: F, value: &'v Value, what: &str) -> Result<&'v str, AslError> {
    let s = string_arg(f, value, what)?;
    let len = s.encode_utf16().count();
    if len > MAX_STRING_CHARS {
        return Err(fail(
            f,
            format!("the {what} has {len} characters; at most {MAX_STRING_CHARS} are allowed"),
        ));
    }
    Ok(s)
}

fn array_arg<'v>(f: F, value: &'v Value, what: &str) -> Result<&'v [Value], AslError> {
    value.as_array().map(Vec::as_slice).ok_or_else(|| {
        fail(
            f,
            format!("the {what} must be an array, but was {}", describe(value)),
        )
    })
}

fn object_arg<'v>(f: F, value: &'v Value, what: &str) -> Result<&'v Map<String, Value>, AslError> {
    value.as_object().ok_or_else(|| {
        fail(
            f,
            format!(
                "the {what} must be a JSON object, but was {}",
                describe(value)
            ),
        )
    })
}

fn number_arg<'v>(f: F, value: &'v Value, what: &str) -> Result<&'v Number, AslError> {
    match value {
        Value::Number(n) => Ok(n),
        other => Err(fail(
            f,
            format!("the {what} must be a number, but was {}", describe(other)),
        )),
    }
}

/// A number rounded to the nearest integer the way Java's `Math.round` does: half-way values
/// go up, towards positive infinity (`-1.5` gives `-1`). Values beyond the 64-bit range
/// saturate, as `Math.round` does.
pub(super) fn java_round(x: f64) -> i64 {
    let floor = x.floor();
    let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    // `as` saturates at the i64 bounds.
    rounded as i64
}

/// A number argument, rounded to an integer.
fn rounded_arg(f: F, value: &Value, what: &str) -> Result<i64, AslError> {
    let n = number_arg(f, value, what)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    if n.as_u64().is_some() {
        return Ok(i64::MAX);
    }
    Ok(java_round(n.as_f64().unwrap_or(0.0)))
}

/// A number argument that must be an integer (`2` or `2.0`, not `2.5`). Integers beyond the
/// 64-bit range saturate (an index of `1e19` is out of bounds, not a non-integer).
fn integer_arg(f: F, value: &Value, what: &str) -> Result<i64, AslError> {
    let n = number_arg(f, value, what)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    if n.as_u64().is_some() {
        return Ok(i64::MAX);
    }
    let x = n.as_f64().unwrap_or(f64::NAN);
    if x.fract() == 0.0 {
        // `as` saturates at the i64 bounds.
        Ok(x as i64)
    } else {
        Err(fail(
            f,
            format!("the {what} must be an integer, but was {n}"),
        ))
    }
}

// ----- the functions with more to them -----

fn format(literal_template: Option<&[Piece]>, args: &[Cow<'_, Value>]) -> Result<Value, AslError> {
    let f = F::Format;
    let runtime_pieces;
    let pieces = match literal_template {
        Some(p) => p,
        None => {
            let template = string_arg(f, &args[0], "first argument (the format string)")?;
            runtime_pieces = split_template(template);
            &runtime_pieces
        }
    };
    let values = &args[1..];
    let placeholders = pieces.iter().filter(|p| **p == Piece::Placeholder).count();
    if placeholders != values.len() {
        return Err(fail(
            f,
            format!(
                "the format string has {} but {} given",
                match placeholders {
                    1 => "1 placeholder '{}'".to_string(),
                    n => format!("{n} placeholders '{{}}'"),
                },
                match values.len() {
                    1 => "1 value was".to_string(),
                    n => format!("{n} values were"),
                }
            ),
        ));
    }
    let mut out = String::new();
    let mut next = values.iter();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Placeholder => {
                if let Some(value) = next.next() {
                    java_to_string(value, &mut out);
                }
            }
        }
    }
    Ok(Value::String(out))
}

/// Splits a template that came from a path or a call (it has no escapes) at each `{}`.
fn split_template(template: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut parts = template.split("{}");
    if let Some(first) = parts.next()
        && !first.is_empty()
    {
        pieces.push(Piece::Text(first.to_string()));
    }
    for part in parts {
        pieces.push(Piece::Placeholder);
        if !part.is_empty() {
            pieces.push(Piece::Text(part.to_string()));
        }
    }
    pieces
}

fn array_range(args: &[Cow<'_, Value>]) -> Result<Value, AslError> {
    let f = F::ArrayRange;
    let first = rounded_arg(f, &args[0], "first argument (the first element)")?;
    let last = rounded_arg(f, &args[1], "second argument (the last element)")?;
    let step = rounded_arg(f, &args[2], "third argument (the step)")?;
    if step == 0 {
        return Err(fail(f, "the step (third argument) must not be 0"));
    }
    let (first, last, step) = (i128::from(first), i128::from(last), i128::from(step));
    // A step that moves away from `last` yields nothing; AWS does not document this case.
    let items = if (step > 0 && first > last) || (step < 0 && first < last) {
        0
    } else {
        (last - first) / step + 1
    };
    if items > MAX_RANGE_ITEMS {
        return Err(fail(
            f,
            format!("the range would have {items} items; at most {MAX_RANGE_ITEMS} are allowed"),
        ));
    }
    Ok(Value::Array(
        (0..items)
            .map(|i| Value::from((first + i * step) as i64))
            .collect(),
    ))
}

/// The items without repeats, in first-occurrence order. Items are bucketed by a hash that
/// ignores object member order, then compared with JSON equality, so this is linear in
/// practice.
fn unique(items: &[Value]) -> Vec<Value> {
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        let h = value_hash(item);
        let bucket = seen.entry(h).or_default();
        if bucket.iter().any(|&i| java_equals(&out[i], item)) {
            continue;
        }
        bucket.push(out.len());
        out.push(item.clone());
    }
    out
}

/// Equality of JSON values as AWS's Java engine compares them (`equals` of the Java objects
/// Jackson reads JSON into): an integer never equals a decimal (`1` and `1.0` differ, as
/// `Integer` and `Double` do), two decimals are equal only when they are the same `double`
/// bit for bit (`Double.equals`: `0.0` and `-0.0` differ), object member order does not
/// matter. Iterative, so that no input depth reaches the stack.
pub(super) fn java_equals(a: &Value, b: &Value) -> bool {
    // Children still to compare; scalars never allocate.
    let mut pending: Vec<(&Value, &Value)> = Vec::new();
    let mut next = Some((a, b));
    while let Some((a, b)) = next {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let same = if x.is_f64() && y.is_f64() {
                    x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
                } else {
                    x == y
                };
                if !same {
                    return false;
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                pending.extend(x.iter().zip(y));
            }
            (Value::Object(x), Value::Object(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                for (key, v) in x {
                    match y.get(key) {
                        Some(w) => pending.push((v, w)),
                        None => return false,
                    }
                }
            }
            (a, b) => {
                if a != b {
                    return false;
                }
            }
        }
        next = pending.pop();
    }
    true
}

/// A hash consistent with [`java_equals`]: equal values hash equal.
fn value_hash(value: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    match value {
        Value::Null => 0u8.hash(&mut h),
        Value::Bool(b) => (1u8, b).hash(&mut h),
        Value::Number(n) => {
            2u8.hash(&mut h);
            // Equal numbers have the same text (`1` and `1.0`, `0.0` and `-0.0` differ in
            // both).
            n.to_string().hash(&mut h);
        }
        Value::String(s) => (3u8, s).hash(&mut h),
        Value::Array(items) => {
            (4u8, items.len()).hash(&mut h);
            for item in items {
                value_hash(item).hash(&mut h);
            }
        }
        Value::Object(map) => {
            // Member order does not matter for equality, so combine the members' hashes with
            // an order-independent operation.
            let mut sum = 0u64;
            for (k, v) in map {
                let mut m = DefaultHasher::new();
                k.hash(&mut m);
                value_hash(v).hash(&mut m);
                sum = sum.wrapping_add(m.finish());
            }
            (5u8, map.len(), sum).hash(&mut h);
        }
    }
    h.finish()
}

/// `States.Base64Decode`: the "MIME Base64 decoding scheme" AWS documents, as Java's MIME
/// decoder (`Base64.getMimeDecoder()`) applies it, and the bytes read as UTF-8 the way Java's
/// `new String(bytes, UTF_8)` does: a byte sequence that is not UTF-8 becomes U+FFFD, it is
/// not an error.
fn base64_decode(input: &str) -> Result<Value, AslError> {
    let bytes = mime_base64_decode(input).map_err(|why| {
        fail(
            F::Base64Decode,
            format!("the argument is not valid Base64: {why}"),
        )
    })?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Decodes Base64 by the rules of RFC 2045 (MIME) as Java's MIME decoder applies them:
/// characters outside the Base64 alphabet (line breaks, spaces, anything else) are skipped;
/// `=` ends the data, and must come as `xx==` or `xxx=` (padding is optional, but `xx=` and a
/// group starting with `=` are errors); a last group of one character is an error; the unused
/// low bits of the last group are ignored; after the padding only characters outside the
/// alphabet may follow.
fn mime_base64_decode(input: &str) -> Result<Vec<u8>, &'static str> {
    fn sextet(c: char) -> Option<u32> {
        let v = match c {
            'A'..='Z' => u32::from(c) - u32::from('A'),
            'a'..='z' => u32::from(c) - u32::from('a') + 26,
            '0'..='9' => u32::from(c) - u32::from('0') + 52,
            '+' => 62,
            '/' => 63,
            _ => return None,
        };
        Some(v)
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let mut bits = 0u32;
    // Characters of the group being read (a group of 4 gives 3 bytes).
    let mut in_group = 0;
    let mut chars = input.chars();
    let mut padded = false;
    while let Some(c) = chars.next() {
        if c == '=' {
            match in_group {
                0 => return Err("'=' cannot start a group of four characters"),
                2 if chars.next() != Some('=') => {
                    return Err("two characters of a group must be followed by '=='");
                }
                _ => {}
            }
            padded = true;
            break;
        }
        let Some(v) = sextet(c) else { continue };
        bits = bits << 6 | v;
        in_group += 1;
        if in_group == 4 {
            out.extend_from_slice(&[(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]);
            bits = 0;
            in_group = 0;
        }
    }
    match in_group {
        1 => return Err("the last group has a single character, too few bits for a byte"),
        2 => out.push((bits >> 4) as u8),
        3 => out.extend_from_slice(&[(bits >> 10) as u8, (bits >> 2) as u8]),
        _ => {}
    }
    if padded && chars.any(|c| sextet(c).is_some()) {
        return Err("Base64 characters follow the '=' padding");
    }
    Ok(out)
}

fn hash(data: &str, algorithm: &str) -> Result<Value, AslError> {
    use sha2::Digest;
    let bytes = data.as_bytes();
    let digest = match algorithm {
        "MD5" => hex::encode(md5::Md5::digest(bytes)),
        "SHA-1" => hex::encode(sha1::Sha1::digest(bytes)),
        "SHA-256" => hex::encode(sha2::Sha256::digest(bytes)),
        "SHA-384" => hex::encode(sha2::Sha384::digest(bytes)),
        "SHA-512" => hex::encode(sha2::Sha512::digest(bytes)),
        other => {
            return Err(fail(
                F::Hash,
                format!(
                    "unsupported hash algorithm '{other}'; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
                ),
            ));
        }
    };
    Ok(Value::String(digest))
}

fn math_random(args: &[Cow<'_, Value>], entropy: &mut dyn Entropy) -> Result<Value, AslError> {
    let f = F::MathRandom;
    let start = rounded_arg(f, &args[0], "start (first argument)")?;
    let end = rounded_arg(f, &args[1], "end (second argument)")?;
    if start >= end {
        return Err(fail(
            f,
            format!("the start ({start}) must be less than the end ({end})"),
        ));
    }
    let range = (i128::from(end) - i128::from(start)) as u64;
    let offset = match args.get(2) {
        Some(seed) => {
            let seed = integer_arg(f, seed, "seed (third argument)")?;
            let mut rng = JavaRandom::new(seed);
            match i32::try_from(range) {
                Ok(bound) => rng.next_int(bound) as u64,
                Err(_) => bounded(rng.next_long() as u64, range),
            }
        }
        None => bounded(entropy.next_u64(), range),
    };
    Ok(Value::from((i128::from(start) + i128::from(offset)) as i64))
}

/// Maps a uniform 64-bit value onto `0..range` (multiply-shift: no loop, negligible bias).
fn bounded(random: u64, range: u64) -> u64 {
    ((u128::from(random) * u128::from(range)) >> 64) as u64
}

/// Java's `java.util.Random` (a 48-bit linear congruential generator), so that a seeded
/// `States.MathRandom` gives the same number for the same seed, as AWS documents. That AWS
/// uses this very generator is an assumption; the documentation only promises repeatability.
pub(super) struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    pub(super) fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = (self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        // Java's `(int)` keeps the low 32 bits.
        (self.seed >> (48 - bits)) as i32
    }

    /// `nextInt(bound)` for `bound > 0`.
    pub(super) fn next_int(&mut self, bound: i32) -> i32 {
        let mut r = self.next(31);
        let m = bound - 1;
        if bound & m == 0 {
            return ((i64::from(bound) * i64::from(r)) >> 31) as i32;
        }
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }

    pub(super) fn next_long(&mut self) -> i64 {
        let high = i64::from(self.next(32)) << 32;
        high.wrapping_add(i64::from(self.next(32)))
    }
}
