//! The validator's messages in the words of `workflow!`.
//!
//! The core validator speaks ASL: its messages are the ones a JSON file gets, worded as AWS
//! words them. A `workflow!` user wrote DSL words, so where a diagnostic is mapped back onto
//! the tokens, its message is translated: a field is named as it is written (`backoff_rate`,
//! not 'BackoffRate'; a template key `amount`, not 'amount.$'), a transition by what writes it
//! (`next`, `end`, a `default`, `when` or `catch` arm), a state type by its keyword (`task`,
//! `choice`, ...), a JSON pointer by the state it leads to. The DSL's fields are the
//! snake_case of the ASL fields, so the translation of fields follows from the field lists of
//! the lowering; the ASL constructs that no DSL field names are in [`PHRASES`] and
//! [`CONSTRUCTS`]. The JSON-file validator's own messages are left as they are.

use super::lower::{CATCHER_FIELDS, RETRIER_FIELDS, SETTINGS, STATE_FIELDS, pascal_case};

/// The ASL state types, whose DSL keywords are their lower case.
const STATE_TYPES: &[&str] = &[
    "Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

/// Phrases of the validator's messages about ASL constructs, and what a `workflow!` writes
/// instead, applied in this order (the longer phrases first).
const PHRASES: &[(&str, &str)] = &[
    ("\"End\": true", "`end`"),
    (
        "'Choices' must contain at least one rule",
        "A `choice` state needs at least one `when` arm",
    ),
    (
        "('StartAt', 'Next', 'Default', a Choice rule or a Catch)",
        "(being the first state of its scope, `next`, a `when` or `default` arm, or a `catch`)",
    ),
    (
        "a Parallel branch or Map processor",
        "a `branch` or an `item_processor`",
    ),
    (
        "Express state machine",
        "A `machine_type: EXPRESS` workflow",
    ),
    (
        "'.waitForTaskToken' service integration :",
        "`callback` tasks:",
    ),
    ("a STANDARD state machine", "`machine_type: STANDARD`"),
    (
        "These fields are required: [ExecutionType]: a DISTRIBUTED Map",
        "`execution_type` is required: a `map` state with `mode: DISTRIBUTED`",
    ),
    (
        "(with and without '.$')",
        "(once as a path or intrinsic call, once as a value)",
    ),
    // An intrinsic function's string argument, which the DSL writes in double quotes.
    ("a 'string'", "a \"string\""),
    ("a Map label", "a `label`"),
    ("Choice rule", "`when` arm"),
    ("state machine", "workflow"),
];

/// ASL fields that are not the PascalCase of a DSL field, and the DSL's word for them.
const CONSTRUCTS: &[(&str, &str)] = &[
    ("Default", "default"),
    ("Branches", "branch"),
    ("ItemProcessor", "item_processor"),
];

/// The fields whose DSL values are words (`jitter_strategy: FULL`): their values are not
/// strings, so a message quotes them as code.
const WORD_VALUED: &[&str] = &["JitterStrategy", "Mode", "ExecutionType", "ProcessorConfig"];

/// `message`, of a diagnostic at `pointer`, in the words of the DSL.
pub fn in_dsl_words(message: &str, pointer: &str) -> String {
    let mut text = message.to_string();
    for (asl, dsl) in PHRASES {
        text = text.replace(asl, dsl);
    }
    let last = pointer.rsplit('/').next().unwrap_or_default();
    if let Some(comparison) = comparison(last) {
        text = replace_word(&text, last, &comparison);
    }
    if last == "Variable" {
        text = match text.strip_prefix("Variable ") {
            Some(rest) => format!("The path {rest}"),
            None => replace_word(&text, "Variable", "the path"),
        };
    }
    if WORD_VALUED.contains(&last) {
        text = word_values(&text);
    }
    text = pointers(&text);
    text = quoted(&text, pointer);
    // The field a diagnostic is about, where the message names it without quotes
    // ("ResultPath '$$.x' must start with '$.'"). (`Next` and `Default` are the arms above.)
    if let Some(dsl) = dsl_field(last).filter(|_| !matches!(last, "Next" | "Default")) {
        text = replace_word(&text, last, &format!("`{dsl}`"));
    }
    text = state_names_quoted(&text);
    state_types(&text)
}

/// A step of a JSON pointer through the scopes of a state machine.
#[derive(Debug, PartialEq)]
enum Step {
    /// `/States/<name>`.
    State(String),
    /// `/Branches/<index>`, in the state before.
    Branch(usize),
    /// `/ItemProcessor` (or `/Iterator`), in the state before.
    Processor,
}

/// The tokens of a JSON pointer (`~1` is `/`, `~0` is `~`).
fn tokens(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The states and scopes a pointer goes through, up to the first field of a state that is
/// not a scope.
fn walk(pointer: &str) -> Vec<Step> {
    let tokens = tokens(pointer);
    let mut steps = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let in_state = matches!(steps.last(), Some(Step::State(_)));
        match tokens[i].as_str() {
            "States" if !in_state => match tokens.get(i + 1) {
                Some(name) => {
                    steps.push(Step::State(name.clone()));
                    i += 2;
                }
                None => break,
            },
            "Branches" if in_state => match tokens.get(i + 1).and_then(|n| n.parse().ok()) {
                Some(n) => {
                    steps.push(Step::Branch(n));
                    i += 2;
                }
                None => break,
            },
            "ItemProcessor" | "Iterator" if in_state => {
                steps.push(Step::Processor);
                i += 1;
            }
            _ => break,
        }
    }
    steps
}

/// The names of the states a pointer is in: the state it points into and the Parallel and
/// Map states around it.
pub fn state_names(pointer: &str) -> Vec<String> {
    walk(pointer)
        .into_iter()
        .filter_map(|step| match step {
            Step::State(name) => Some(name),
            _ => None,
        })
        .collect()
}

fn ordinal(n: usize) -> String {
    const WORDS: &[&str] = &[
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    match WORDS.get(n) {
        Some(word) => (*word).to_string(),
        None => format!("{}th", n + 1),
    }
}

/// Where a pointer leads, in DSL words: the state (and the branch or item processor it is
/// in), or the scope.
fn describe(pointer: &str) -> String {
    let steps = walk(pointer);
    let scope = |steps: &[Step]| -> String {
        let owner = steps.iter().rev().find_map(|s| match s {
            Step::State(name) => Some(name.as_str()),
            _ => None,
        });
        match (steps.last(), owner) {
            (Some(Step::Branch(n)), Some(owner)) => {
                format!("the {} branch of `{owner}`", ordinal(*n))
            }
            (Some(Step::Processor), Some(owner)) => format!("the `item_processor` of `{owner}`"),
            _ => "the top level".to_string(),
        }
    };
    match steps.last() {
        Some(Step::State(name)) if steps.len() > 1 => {
            format!("`{name}` in {}", scope(&steps[..steps.len() - 1]))
        }
        Some(Step::State(name)) => format!("`{name}`"),
        _ => scope(&steps),
    }
}

/// Every JSON pointer written in a message (`at /States/Fulfil/Branches/0/States/Ship`), as
/// the state or scope it leads to.
fn pointers(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("/States") {
        let starts_token = rest[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || c == '(');
        let end = rest[i..]
            .find(|c: char| c.is_whitespace() || matches!(c, ';' | ')' | ','))
            .map_or(rest.len(), |e| i + e);
        out.push_str(&rest[..i]);
        if starts_token {
            out.push_str(&describe(&rest[i..end]));
        } else {
            out.push_str(&rest[i..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The DSL's word for an ASL field, if the DSL has that field.
fn dsl_field(asl: &str) -> Option<&'static str> {
    STATE_FIELDS
        .iter()
        .chain(RETRIER_FIELDS)
        .chain(CATCHER_FIELDS)
        .chain(SETTINGS)
        .find(|f| pascal_case(f) == asl)
        .copied()
        .or_else(|| {
            CONSTRUCTS
                .iter()
                .find(|(a, _)| *a == asl)
                .map(|(_, dsl)| *dsl)
        })
}

/// What writes the `Next` at `pointer`: `next`, or the arm of a choice or a catch.
fn next_word(pointer: &str) -> &'static str {
    let tokens = tokens(pointer);
    let before_index = tokens.len().checked_sub(3).and_then(|i| tokens.get(i));
    match (
        tokens.last().map(String::as_str),
        before_index.map(String::as_str),
    ) {
        (Some("Default"), _) => "default",
        (Some("Next"), Some("Catch")) => "catch",
        (Some("Next"), Some("Choices")) => "when",
        _ => "next",
    }
}

/// Every single-quoted name ('BackoffRate', 'amount.$', 'ChargePayment') as the code the DSL
/// writes (`backoff_rate`, `amount`, `ChargePayment`). An apostrophe (a task's) is not a
/// quote, nor is a quote inside a path (`['name']`): a quote opens at the start of a word and
/// closes at its end.
fn quoted(text: &str, pointer: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let opens =
            chars[i] == '\'' && (i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(');
        let close = opens
            .then(|| {
                (i + 2..chars.len()).find(|&j| {
                    chars[j] == '\'' && chars.get(j + 1).is_none_or(|c| !c.is_alphanumeric())
                })
            })
            .flatten();
        let Some(close) = close else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        let content: String = chars[i + 1..close].iter().collect();
        let word = match content.strip_suffix(".$") {
            Some(key) if !key.is_empty() => key.to_string(),
            _ if content == "Next" => next_word(pointer).to_string(),
            _ => dsl_field(&content).map_or(content, str::to_string),
        };
        out.push('`');
        out.push_str(&word);
        out.push('`');
        i = close + 1;
    }
    out
}

/// `State "Rush"` as State `Rush`.
fn state_names_quoted(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("State \"") {
        let name_start = i + "State \"".len();
        let Some(len) = rest[name_start..].find('"') else {
            break;
        };
        out.push_str(&rest[..i]);
        out.push_str("State `");
        out.push_str(&rest[name_start..name_start + len]);
        out.push('`');
        rest = &rest[name_start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Double-quoted words ("FULL") as the bare words the DSL writes (`FULL`).
fn word_values(text: &str) -> String {
    let parts: Vec<&str> = text.split('"').collect();
    let mut out = String::from(parts[0]);
    let mut i = 1;
    while i < parts.len() {
        let word = parts[i];
        let closed = i + 1 < parts.len();
        if closed && !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || c == '_') {
            out.push('`');
            out.push_str(word);
            out.push('`');
            out.push_str(parts[i + 1]);
            i += 2;
        } else {
            out.push('"');
            out.push_str(word);
            i += 1;
        }
    }
    out
}

/// True when `text[at..at + len]` is a whole word.
fn whole_word(text: &str, at: usize, len: usize) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[at + len..].chars().next();
    !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '`')
        && !after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '`')
}

fn replace_word(text: &str, word: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        out.push_str(&rest[..i]);
        if whole_word(rest, i, word.len()) {
            out.push_str(with);
        } else {
            out.push_str(word);
        }
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}

/// A state type named as one ("Wait states", "a Succeed or Fail state") as its keyword
/// (`wait` states, a `succeed` or `fail` state).
fn state_types(text: &str) -> String {
    let mut out = text.to_string();
    for ty in STATE_TYPES {
        let keyword = format!("`{}`", ty.to_lowercase());
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(i) = rest.find(ty) {
            result.push_str(&rest[..i]);
            let after = &rest[i + ty.len()..];
            if whole_word(rest, i, ty.len()) && names_a_state_type(after) {
                result.push_str(&keyword);
            } else {
                result.push_str(ty);
            }
            rest = after;
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// True when what follows a state type's name makes it one: " state", or " or Fail state".
fn names_a_state_type(mut after: &str) -> bool {
    loop {
        if after.starts_with(" state") {
            return true;
        }
        let Some(next) = after
            .strip_prefix(" or ")
            .or_else(|| after.strip_prefix(", "))
            .or_else(|| after.strip_prefix(" and "))
        else {
            return false;
        };
        let Some(ty) = STATE_TYPES.iter().find(|t| next.starts_with(**t)) else {
            return false;
        };
        after = &next[ty.len()..];
    }
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A Choice comparison operator (`TimestampGreaterThan`) as the DSL writes it: the
/// timestamp comparison `>`.
fn comparison(operator: &str) -> Option<String> {
    if operator.starts_with("Is") && operator.len() > 2 {
        return Some(format!("`{}`", snake_case(operator)));
    }
    if operator == "StringMatches" {
        return Some("`matches`".to_string());
    }
    let (family, rest) = ["String", "Numeric", "Timestamp", "Boolean"]
        .iter()
        .find_map(|f| {
            operator
                .strip_prefix(f)
                .map(|rest| (f.to_lowercase(), rest))
        })?;
    let (rest, two_paths) = match rest.strip_suffix("Path") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let op = match rest {
        "Equals" => "==",
        "LessThan" => "<",
        "GreaterThan" => ">",
        "LessThanEquals" => "<=",
        "GreaterThanEquals" => ">=",
        _ => return None,
    };
    let paths = if two_paths { " of two paths" } else { "" };
    Some(format!("the {family} comparison `{op}`{paths}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each expectation is the validator's message with the DSL's words in place of ASL's: the
    // field as it is written in the macro (`backoff_rate`), the keyword of a state type, the
    // arm that writes a transition.

    #[test]
    fn fields_are_named_as_written() {
        assert_eq!(
            in_dsl_words(
                "'BackoffRate' must be at least 1.0, not 0.5",
                "/States/Charge/Retry/0/BackoffRate"
            ),
            "`backoff_rate` must be at least 1.0, not 0.5"
        );
        assert_eq!(
            in_dsl_words(
                "'HeartbeatSeconds' (600) must be smaller than 'TimeoutSeconds' (300)",
                "/States/Ask/HeartbeatSeconds"
            ),
            "`heartbeat_seconds` (600) must be smaller than `timeout_seconds` (300)"
        );
        assert_eq!(
            in_dsl_words(
                "The value for the field 'amount.$' must be a valid JSONPath or a valid intrinsic function call",
                "/States/Charge/Parameters/amount.$"
            ),
            "The value for the field `amount` must be a valid JSONPath or a valid intrinsic function call"
        );
    }

    #[test]
    fn transitions_are_named_by_what_writes_them() {
        assert_eq!(
            in_dsl_words(
                "A state cannot have both 'Next' and \"End\": true: keep 'Next' to go on to another state, or \"End\": true to stop here",
                "/States/Record"
            ),
            "A state cannot have both `next` and `end`: keep `next` to go on to another state, or `end` to stop here"
        );
        assert_eq!(
            in_dsl_words(
                "State \"Rush\" needs 'Next' or \"End\": true",
                "/States/Rush"
            ),
            "State `Rush` needs `next` or `end`"
        );
        assert_eq!(
            in_dsl_words(
                "Missing 'Next' target: Shpi (did you mean 'Ship'?)",
                "/States/Route/Default"
            ),
            "Missing `default` target: Shpi (did you mean `Ship`?)"
        );
        assert_eq!(
            in_dsl_words("Missing 'Next' target: Shpi", "/States/Charge/Catch/1/Next"),
            "Missing `catch` target: Shpi"
        );
        assert_eq!(
            in_dsl_words(
                "Missing 'Next' target: Shpi",
                "/States/Route/Choices/0/Next"
            ),
            "Missing `when` target: Shpi"
        );
    }

    #[test]
    fn state_types_are_keywords() {
        assert_eq!(
            in_dsl_words(
                "Field 'End' is not supported by Choice states",
                "/States/Route/End"
            ),
            "Field `end` is not supported by `choice` states"
        );
        assert_eq!(
            in_dsl_words(
                "Workflow has no terminal state: add a Succeed or Fail state, or \"End\": true on a state",
                "/States"
            ),
            "Workflow has no terminal state: add a `succeed` or `fail` state, or `end` on a state"
        );
        // Not a state type: the name of a state, a word of prose.
        assert_eq!(
            state_types("Duplicate State name: Map (a Task)"),
            "Duplicate State name: Map (a Task)"
        );
    }

    #[test]
    fn pointers_are_the_states_they_lead_to() {
        assert_eq!(
            describe("/States/Fulfil/Branches/0/States/Ship"),
            "`Ship` in the first branch of `Fulfil`"
        );
        assert_eq!(describe("/States/Resize/Label"), "`Resize`");
        assert_eq!(describe("/States"), "the top level");
        assert_eq!(
            describe("/States/Fan/ItemProcessor/States"),
            "the `item_processor` of `Fan`"
        );
        assert_eq!(
            in_dsl_words(
                "Duplicate State name: Ship (first defined at /States/Fulfil/Branches/1/States/Ship); state names must be unique in the whole state machine",
                "/States/Ship"
            ),
            "Duplicate State name: Ship (first defined at `Ship` in the second branch of `Fulfil`); state names must be unique in the whole workflow"
        );
        // A template key named "States" is no scope.
        assert_eq!(
            state_names("/States/Build/Parameters/States/x"),
            vec!["Build".to_string()]
        );
        assert_eq!(
            state_names("/States/Fan/ItemProcessor/States/Work/Next"),
            vec!["Fan".to_string(), "Work".to_string()]
        );
    }

    #[test]
    fn values_and_comparisons_as_written() {
        assert_eq!(
            in_dsl_words(
                "'JitterStrategy' must be \"FULL\" or \"NONE\", not \"Full\"",
                "/States/Charge/Retry/0/JitterStrategy"
            ),
            "`jitter_strategy` must be `FULL` or `NONE`, not `Full`"
        );
        // A string value stays a string where the DSL writes one.
        assert_eq!(
            in_dsl_words(
                "'Version' should be \"1.0\", the only version of the Amazon States Language, not \"2.0\"",
                "/Version"
            ),
            "`version` should be \"1.0\", the only version of the Amazon States Language, not \"2.0\""
        );
        assert_eq!(
            in_dsl_words(
                "String does not match RFC3339 timestamp: TimestampGreaterThan takes a timestamp such as '2016-03-14T01:59:00Z', not 'yesterday'",
                "/States/Route/Choices/0/TimestampGreaterThan"
            ),
            "String does not match RFC3339 timestamp: the timestamp comparison `>` takes a timestamp such as `2016-03-14T01:59:00Z`, not `yesterday`"
        );
        assert_eq!(
            in_dsl_words(
                "ResultPath '$$.Execution' must start with '$.': it cannot write to the context object or a variable",
                "/States/Charge/Catch/0/ResultPath"
            ),
            "`result_path` `$$.Execution` must start with `$.`: it cannot write to the context object or a variable"
        );
        // An apostrophe is no quote.
        assert_eq!(
            quoted("pass the value on in the branch's output", ""),
            "pass the value on in the branch's output"
        );
    }
}
