//! The 18 intrinsic functions (`States.Format(...)`, `States.Array(...)`, ...): parsed once when
//! a definition is compiled, evaluated against paths at run time.
//!
//! # Syntax
//!
//! A call is `States.<Name>(<arg>, <arg>, ...)`. An argument is one of:
//!
//! * a string literal in single quotes. Inside it, `\'`, `\{`, `\}` and `\\` stand for `'`,
//!   `{`, `}` and `\`; any other backslash sequence is a syntax error (AWS rejects
//!   `'He said \"hi\"'` when the state machine is created). Unescaped `{` and `}` are allowed
//!   (AWS accepts `States.StringToJson('{"a": 1}')`); in the first argument of `States.Format`
//!   only an *unescaped* `{}` is a placeholder, so `'\{\}'` is the literal text `{}`;
//! * a number in JSON syntax (`3`, `-1`, `1.5`, `2e3`);
//! * `true`, `false` or `null`;
//! * a path: `$`, `$.a.b`, `$['x y']`, `$$.Execution.Name`, `$myVariable.field`. It runs up to
//!   the next `,` or `)` that is outside brackets and parentheses;
//! * another call. A field holds at most 10 calls in all, as the AWS documentation states (its
//!   example with nine calls nested five deep is "nine nested intrinsic functions").
//!
//! Function names are case-sensitive, and the number of arguments is checked when parsing. A
//! call that does not parse (an unknown or misspelled name, a wrong number of arguments, an
//! unbalanced parenthesis or quote, a trailing comma, an illegal escape) makes the definition
//! invalid: "The value for the field '...' must be a valid JSONPath or a valid intrinsic
//! function call". AWS is known to refuse illegal escapes (the recorded `illegal_escapes_*`
//! cases) and unknown names (`States.format(...)`, quoted with this message in
//! serverless-step-functions issue 399) when the state machine is created; that it checks
//! the number of arguments then too is not recorded, but such a call can never run.
//!
//! # Errors at run time
//!
//! * A path argument that matches nothing (or names a variable that is not set) fails with
//!   `States.Runtime`, as a `.$` path that matches nothing does elsewhere in a payload template.
//!   An *indefinite* path (`$.items[*].id`) that matches nothing is the empty array, as always.
//! * Arguments of the wrong type or out of range fail with `States.Runtime` too. The Amazon
//!   States Language specification names `States.IntrinsicFailure` for "the attempt to invoke
//!   an Intrinsic Function failed", but AWS's "Error handling in Step Functions" page says
//!   that name is "reserved for future use" and that intrinsic function processing errors are
//!   reported with the `States.Runtime` error name. The cause starts with the function name,
//!   for example `States.ArrayGetItem: index 5 is out of bounds for an array of 3 items`; the
//!   rest of the sentence is ours, as no source quotes what AWS prints.
//!
//! Either way no retrier or catcher handles the error (AWS never retries or catches
//! `States.Runtime`), and the cause is the detail only: the engine prefixes it with the state
//! it happened in.
//!
//! The exact rules of every function, and where they come from, are documented on
//! [`IntrinsicFunction`].

mod eval;
mod parse;
mod render;

pub(crate) use render::java_double;

use std::fmt;

use serde_json::Value;

use crate::entropy::Entropy;
use crate::error::AslError;
use crate::path::{Env, Path};

/// The most calls one field may hold (the outer call included).
pub const MAX_CALLS: usize = 10;

/// One of the 18 intrinsic functions.
///
/// Rules common to the numeric arguments: where the AWS documentation says a non-integer
/// "will be rounded off to the nearest integer", the rounding is Java's `Math.round`, that is
/// half-way values go up (towards positive infinity): `1.5` gives `2`, `-1.5` gives `-1`,
/// `-2.5` gives `-2`. The 21 recorded `States.MathAdd` cases pin this down (`-0.5 + 0.5` is
/// `1`: each argument is rounded on its own, then they are added). A number argument must be a
/// JSON number; a string holding digits is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntrinsicFunction {
    /// `States.Format(template, args...)`: replaces each `{}` of the template with the next
    /// argument. There must be exactly as many arguments as placeholders. A string argument is
    /// inserted as is; any other value the way Java's `toString` renders it after Jackson read
    /// it: `null`, `true`, `1`, `1.5`, `2.0`, `1.0E10`; an array as `[a, b]`, an object as
    /// `{Id=arn:..., Name=x}`, strings inside them unquoted (recorded:
    /// `$$.StateMachine` renders as `{Id=arn:aws:states:...:stateMachine:m, Name=m}`).
    Format,
    /// `States.StringToJson(string)`: parses the string as JSON. Surrounding whitespace is
    /// allowed; an empty, blank or malformed string (or one with more text after the value) is
    /// an error; `"null"` is `null`.
    StringToJson,
    /// `States.JsonToString(value)`: the compact JSON text of any value (no spaces, member
    /// order kept), as Jackson writes it: a decimal number as Java's `Double.toString` prints
    /// it (`1.0E7`, `2.0`), a control character without a short escape as `\u00XX` in
    /// uppercase hex.
    JsonToString,
    /// `States.Array(values...)`: an array of the arguments, zero or more.
    Array,
    /// `States.ArrayPartition(array, size)`: chunks of `size` items, the last one shorter. The
    /// size is rounded and must then be at least 1.
    ArrayPartition,
    /// `States.ArrayContains(array, value)`: whether an item equals the value, with the
    /// `equals` of the Java objects Jackson reads JSON into: object member order does not
    /// matter, `1` and `1.0` differ (`Integer` and `Double`), and so do `0.0` and `-0.0`
    /// (`Double.equals`).
    ArrayContains,
    /// `States.ArrayRange(first, last, step)`: `first`, `first + step`, ... up to and including
    /// `last` when the steps land on it. All three are rounded; the step must not be 0 and the
    /// result can hold at most 1000 items. A step that goes away from `last` gives `[]`.
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`: the item at a 0-based index. The index must be an
    /// integer (the documentation does not promise rounding for this one, so `1.5` is an
    /// error; `2.0` and `-0.0` are integers) and inside the array.
    ArrayGetItem,
    /// `States.ArrayLength(array)`: the number of items.
    ArrayLength,
    /// `States.ArrayUnique(array)`: the items without repeats, first occurrences kept in order,
    /// with the equality of [`ArrayContains`](IntrinsicFunction::ArrayContains).
    ArrayUnique,
    /// `States.Base64Encode(string)`: the standard Base64 (with padding, no line breaks) of the
    /// string's UTF-8 bytes. The string can have at most 10,000 characters.
    Base64Encode,
    /// `States.Base64Decode(string)`: decodes Base64 by the "MIME Base64 decoding scheme" the
    /// documentation names (RFC 2045, as Java's MIME decoder applies it): characters outside
    /// the alphabet are skipped, padding is optional, a malformed end is an error. The bytes
    /// are read as UTF-8 the way Java's `new String(bytes, UTF_8)` does: what is not UTF-8
    /// becomes U+FFFD. The input can have at most 10,000 characters.
    Base64Decode,
    /// `States.Hash(string, algorithm)`: the lowercase hex digest of the string's UTF-8 bytes.
    /// The algorithm is exactly one of `MD5`, `SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`; the
    /// string can have at most 10,000 characters.
    Hash,
    /// `States.JsonMerge(object, object, deep)`: a shallow merge in which the second object's
    /// members replace the first's. `deep` must be the boolean `false`: AWS only supports the
    /// shallow mode, so `true` is an error.
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`: a random integer with
    /// `start <= n < end`. Start and end are rounded, and start must then be below end. With a
    /// seed (an integer), the number comes from Java's `java.util.Random(seed)` and so is the
    /// same for the same seed and range; without one, from the engine's entropy source.
    MathRandom,
    /// `States.MathAdd(a, b)`: `round(a) + round(b)`. Both rounded values, and the sum, must
    /// lie in the 32-bit range `-2147483648..=2147483647` the documentation gives.
    MathAdd,
    /// `States.StringSplit(string, delimiters)`: splits at every character of `delimiters`
    /// (a set of characters, not a separator string) and drops empty pieces, as Java's
    /// `StringTokenizer` does: `StringSplit(',a,,b,', ',')` is `["a", "b"]`. With no delimiter
    /// characters the whole string is the one piece.
    StringSplit,
    /// `States.UUID()`: a random version 4 UUID in lowercase, from the engine's entropy source.
    Uuid,
}

impl IntrinsicFunction {
    /// All 18 functions.
    pub const ALL: [IntrinsicFunction; 18] = [
        IntrinsicFunction::Format,
        IntrinsicFunction::StringToJson,
        IntrinsicFunction::JsonToString,
        IntrinsicFunction::Array,
        IntrinsicFunction::ArrayPartition,
        IntrinsicFunction::ArrayContains,
        IntrinsicFunction::ArrayRange,
        IntrinsicFunction::ArrayGetItem,
        IntrinsicFunction::ArrayLength,
        IntrinsicFunction::ArrayUnique,
        IntrinsicFunction::Base64Encode,
        IntrinsicFunction::Base64Decode,
        IntrinsicFunction::Hash,
        IntrinsicFunction::JsonMerge,
        IntrinsicFunction::MathRandom,
        IntrinsicFunction::MathAdd,
        IntrinsicFunction::StringSplit,
        IntrinsicFunction::Uuid,
    ];

    /// The full name, such as `States.Format`.
    pub fn name(self) -> &'static str {
        match self {
            IntrinsicFunction::Format => "States.Format",
            IntrinsicFunction::StringToJson => "States.StringToJson",
            IntrinsicFunction::JsonToString => "States.JsonToString",
            IntrinsicFunction::Array => "States.Array",
            IntrinsicFunction::ArrayPartition => "States.ArrayPartition",
            IntrinsicFunction::ArrayContains => "States.ArrayContains",
            IntrinsicFunction::ArrayRange => "States.ArrayRange",
            IntrinsicFunction::ArrayGetItem => "States.ArrayGetItem",
            IntrinsicFunction::ArrayLength => "States.ArrayLength",
            IntrinsicFunction::ArrayUnique => "States.ArrayUnique",
            IntrinsicFunction::Base64Encode => "States.Base64Encode",
            IntrinsicFunction::Base64Decode => "States.Base64Decode",
            IntrinsicFunction::Hash => "States.Hash",
            IntrinsicFunction::JsonMerge => "States.JsonMerge",
            IntrinsicFunction::MathRandom => "States.MathRandom",
            IntrinsicFunction::MathAdd => "States.MathAdd",
            IntrinsicFunction::StringSplit => "States.StringSplit",
            IntrinsicFunction::Uuid => "States.UUID",
        }
    }

    /// The function with this full name (`States.Format`); names are case-sensitive.
    pub fn from_name(name: &str) -> Option<IntrinsicFunction> {
        IntrinsicFunction::ALL
            .into_iter()
            .find(|f| f.name() == name)
    }

    /// The smallest and largest number of arguments (`None`: no upper bound).
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            IntrinsicFunction::Format => (1, None),
            IntrinsicFunction::Array => (0, None),
            IntrinsicFunction::Uuid => (0, Some(0)),
            IntrinsicFunction::StringToJson
            | IntrinsicFunction::JsonToString
            | IntrinsicFunction::ArrayLength
            | IntrinsicFunction::ArrayUnique
            | IntrinsicFunction::Base64Encode
            | IntrinsicFunction::Base64Decode => (1, Some(1)),
            IntrinsicFunction::ArrayPartition
            | IntrinsicFunction::ArrayContains
            | IntrinsicFunction::ArrayGetItem
            | IntrinsicFunction::Hash
            | IntrinsicFunction::MathAdd
            | IntrinsicFunction::StringSplit => (2, Some(2)),
            IntrinsicFunction::MathRandom => (2, Some(3)),
            IntrinsicFunction::ArrayRange | IntrinsicFunction::JsonMerge => (3, Some(3)),
        }
    }

    /// True for the functions that AWS allows in a Fail state's `ErrorPath` and `CausePath`
    /// because they return a string: Format, JsonToString, ArrayGetItem, Base64Encode,
    /// Base64Decode, Hash and UUID.
    pub fn allowed_in_fail_state(self) -> bool {
        matches!(
            self,
            IntrinsicFunction::Format
                | IntrinsicFunction::JsonToString
                | IntrinsicFunction::ArrayGetItem
                | IntrinsicFunction::Base64Encode
                | IntrinsicFunction::Base64Decode
                | IntrinsicFunction::Hash
                | IntrinsicFunction::Uuid
        )
    }
}

impl fmt::Display for IntrinsicFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One argument of a call, as parsed.
#[derive(Clone, Debug)]
enum Arg {
    /// A string, number, boolean or null literal.
    Literal(Value),
    /// A path, evaluated against the environment.
    Path(Path),
    /// A nested call.
    Call(Box<Call>),
}

/// A piece of a `States.Format` template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// Text copied as is.
    Text(String),
    /// `{}`: the next argument goes here.
    Placeholder,
}

/// A call with its arguments.
#[derive(Clone, Debug)]
struct Call {
    function: IntrinsicFunction,
    args: Vec<Arg>,
    /// For `States.Format` with a literal template: the template split at its unescaped `{}`
    /// when the definition was parsed (escaped braces are text).
    template: Option<Vec<Piece>>,
}

/// A parsed intrinsic function call, e.g. `States.Format('{} {}', $.a, States.Array(1))`.
#[derive(Clone, Debug)]
pub struct IntrinsicCall {
    text: Box<str>,
    call: Call,
}

impl PartialEq for IntrinsicCall {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl IntrinsicCall {
    /// The paths the call reads, those of nested calls included, in the order written. (The
    /// walk recurses once per nested call: at most [`MAX_CALLS`].)
    pub fn paths(&self) -> Vec<&Path> {
        fn walk<'c>(call: &'c Call, out: &mut Vec<&'c Path>) {
            for arg in &call.args {
                match arg {
                    Arg::Path(p) => out.push(p),
                    Arg::Call(c) => walk(c, out),
                    Arg::Literal(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.call, &mut out);
        out
    }

    /// Parses the whole text of a `.$` value (or ErrorPath/CausePath/...). Checks the function
    /// name (only the 18, case-sensitive) and the number of arguments at parse time (see the
    /// module documentation). Whitespace is allowed around arguments and after the closing
    /// parenthesis, not before the call.
    pub fn parse(text: &str) -> Result<IntrinsicCall, IntrinsicSyntaxError> {
        let call = parse::parse(text)?;
        Ok(IntrinsicCall {
            text: text.into(),
            call,
        })
    }

    /// The call exactly as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The outermost function.
    pub fn function(&self) -> IntrinsicFunction {
        self.call.function
    }

    /// Evaluates with `$` = env.input, `$$` = env.context, `$var` = env.variables.
    /// `States.UUID` and unseeded `States.MathRandom` draw from `entropy`; nothing else does.
    pub fn evaluate(&self, env: &Env<'_>, entropy: &mut dyn Entropy) -> Result<Value, AslError> {
        eval::evaluate(&self.call, env, entropy)
    }
}

impl fmt::Display for IntrinsicCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why parsing failed: `code` is one of diagnostic::codes::{INVALID_INTRINSIC, UNKNOWN_INTRINSIC, INTRINSIC_ARITY}.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {offset})")]
pub struct IntrinsicSyntaxError {
    /// The diagnostic code: [`INVALID_INTRINSIC`](crate::diagnostic::codes::INVALID_INTRINSIC),
    /// [`UNKNOWN_INTRINSIC`](crate::diagnostic::codes::UNKNOWN_INTRINSIC) or
    /// [`INTRINSIC_ARITY`](crate::diagnostic::codes::INTRINSIC_ARITY).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Byte offset of the problem in the text.
    pub offset: usize,
}

/// True when a `.$` value should be treated as an intrinsic call rather than a path (it starts with `States.` and is not a path).
///
/// A text that passes this test but does not parse is a definition error, not a path.
pub fn is_intrinsic_call(text: &str) -> bool {
    text.starts_with("States.")
}

/// `1 item`, `3 items`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod tests;
