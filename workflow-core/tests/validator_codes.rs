//! One invalid definition per validator code (`tests/fixtures/invalid/<code>.asl.json`), each
//! checked for exactly the diagnostics it should give: code, severity, JSON pointer, line,
//! column and the start of the message. Every code of `workflow_core::diagnostic::codes` must
//! have its fixture: the list of codes is read from the source, so a new code without a fixture
//! fails [`every_code_has_a_fixture`].
//!
//! Also: the tricky-but-legal definitions of `tests/fixtures/valid/` are accepted without a
//! warning, and a definition with many mistakes reports every one of them at once.
//!
//! Fixtures whose name starts with `express-` (invalid) or contains `.express.` (valid) are
//! validated as EXPRESS state machines. A fixture may have variants, named
//! `<code>.<variant>.asl.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use workflow_core::Severity::{self, Error, Warning};
use workflow_core::definition::Definition;
use workflow_core::diagnostic::{Diagnostic, codes};
use workflow_core::plan::{CompileOptions, MachineType};

/// Where the diagnostics of a fixture come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// `Definition::from_json_str`: its errors, or its warnings when it succeeds.
    Validate,
    /// The definition is valid (no warnings); `Definition::plan` reports what the runtime
    /// cannot run.
    Plan,
}

/// Code, severity, JSON pointer, line, column, start of the message.
type Expected = (
    &'static str,
    Severity,
    &'static str,
    usize,
    usize,
    &'static str,
);

struct Case {
    file: &'static str,
    stage: Stage,
    expected: &'static [Expected],
}

/// Codes that cannot come from a JSON definition, with the reason. (`unsupported` comes from
/// `Definition::plan`, not from validation, and its fixture is checked there.)
const NO_FIXTURE: &[(&str, &str)] = &[(
    codes::NESTING_TOO_DEEP,
    "JSON text that nests that deep is not JSON to serde_json; only a model built in code can \
     (tests/nesting.rs checks it)",
)];

const CASES: &[Case] = &[
    Case {
        file: "choice-rule-comparisons",
        stage: Stage::Validate,
        expected: &[(
            codes::CHOICE_RULE_COMPARISONS,
            Error,
            "/States/Route/Choices/0",
            8,
            9,
            "a Choice rule must have exactly one comparison operator",
        )],
    },
    Case {
        file: "choice-rule-next",
        stage: Stage::Validate,
        expected: &[(
            codes::CHOICE_RULE_NEXT,
            Error,
            "/States/Route/Choices/0",
            8,
            9,
            "These fields are required: [Next]",
        )],
    },
    Case {
        file: "choice-rule-value",
        stage: Stage::Validate,
        expected: &[(
            codes::CHOICE_RULE_VALUE,
            Error,
            "/States/Route/Choices/0/NumericGreaterThan",
            10,
            33,
            "NumericGreaterThan takes a number, not a string",
        )],
    },
    Case {
        file: "cross-scope-transition",
        stage: Stage::Validate,
        expected: &[(
            codes::CROSS_SCOPE_TRANSITION,
            Error,
            "/States/Fan out/Branches/0/States/Left/Next",
            13,
            23,
            "Missing 'Next' target: Collect (the state exists, but in another scope",
        )],
    },
    Case {
        file: "cycle-without-exit",
        stage: Stage::Validate,
        expected: &[(
            codes::CYCLE_WITHOUT_EXIT,
            Warning,
            "/States/Poll",
            16,
            5,
            "State \"Poll\" can never reach a terminal state",
        )],
    },
    Case {
        file: "duplicate-key",
        stage: Stage::Validate,
        expected: &[(
            codes::DUPLICATE_KEY,
            Warning,
            "/States/Transcode/TimeoutSeconds",
            15,
            7,
            "The key 'TimeoutSeconds' appears more than once in the same object",
        )],
    },
    Case {
        file: "duplicate-key.template",
        stage: Stage::Validate,
        expected: &[(
            codes::DUPLICATE_KEY,
            Error,
            "/States/Build/Parameters/id.$",
            9,
            17,
            "The field 'id' is given twice",
        )],
    },
    Case {
        file: "duplicate-label",
        stage: Stage::Validate,
        expected: &[(
            codes::DUPLICATE_LABEL,
            Error,
            "/States/Tag images/Label",
            28,
            16,
            "Duplicate Label: 'images'",
        )],
    },
    Case {
        file: "duplicate-state-name",
        stage: Stage::Validate,
        expected: &[(
            codes::DUPLICATE_STATE_NAME,
            Error,
            "/States/Process/Branches/1/States/Process",
            20,
            13,
            "Duplicate State name: Process",
        )],
    },
    Case {
        file: "empty-choices",
        stage: Stage::Validate,
        expected: &[(
            codes::EMPTY_CHOICES,
            Error,
            "/States/Route/Choices",
            7,
            7,
            "'Choices' must contain at least one rule",
        )],
    },
    Case {
        file: "empty-error-equals",
        stage: Stage::Validate,
        expected: &[(
            codes::EMPTY_ERROR_EQUALS,
            Error,
            "/States/Upload/Retry/0/ErrorEquals",
            10,
            11,
            "'ErrorEquals' must list at least one error name",
        )],
    },
    Case {
        file: "express-unsupported-integration",
        stage: Stage::Validate,
        expected: &[(
            codes::EXPRESS_UNSUPPORTED_INTEGRATION,
            Error,
            "/States/Run job/Resource",
            7,
            19,
            "Express state machine does not support '.sync' service integration",
        )],
    },
    Case {
        file: "heartbeat-not-below-timeout",
        stage: Stage::Validate,
        expected: &[(
            codes::HEARTBEAT_NOT_BELOW_TIMEOUT,
            Error,
            "/States/Approve/HeartbeatSeconds",
            9,
            27,
            "'HeartbeatSeconds' (600) must be smaller than 'TimeoutSeconds' (300)",
        )],
    },
    Case {
        file: "intrinsic-arity",
        stage: Stage::Validate,
        expected: &[(
            codes::INTRINSIC_ARITY,
            Error,
            "/States/First item/Parameters/first.$",
            8,
            20,
            "The value for the field 'first.$' must be a valid JSONPath or a valid intrinsic function call: States.ArrayGetItem takes 2 arguments, but 1 was given",
        )],
    },
    Case {
        file: "invalid-dynamic-value",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_DYNAMIC_VALUE,
            Error,
            "/States/Build request/Parameters/customerId.$",
            8,
            25,
            "The value for the field 'customerId.$' must be a valid JSONPath or a valid intrinsic function call: a path starts with '$' (did you mean '$.customer.id'?)",
        )],
    },
    Case {
        file: "invalid-intrinsic",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_INTRINSIC,
            Error,
            "/States/Greet/Parameters/message.$",
            8,
            22,
            "The value for the field 'message.$' must be a valid JSONPath or a valid intrinsic function call: missing ')'",
        )],
    },
    Case {
        file: "invalid-json",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_JSON,
            Error,
            "",
            9,
            5,
            "The definition is not valid JSON",
        )],
    },
    Case {
        file: "invalid-jsonata",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_JSONATA,
            Error,
            "/States/Pick/Output/first",
            9,
            18,
            "Invalid JSONata expression '{% $states.input.items[0 %}': '[' is not closed",
        )],
    },
    Case {
        file: "invalid-label",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_LABEL,
            Warning,
            "/States/Import/Label",
            7,
            16,
            "Invalid Label: 'import: customers' contains characters",
        )],
    },
    Case {
        file: "invalid-path",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_PATH,
            Error,
            "/States/Shape/OutputPath",
            7,
            21,
            "Value must be a valid JSONPath: a path must start with '$' (did you mean '$.result'?)",
        )],
    },
    Case {
        file: "invalid-processor",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_PROCESSOR,
            Error,
            "/States/Process files/ItemProcessor/ProcessorConfig",
            9,
            9,
            "These fields are required: [ExecutionType]",
        )],
    },
    Case {
        file: "invalid-resource",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_RESOURCE,
            Error,
            "/States/Query/Resource",
            7,
            19,
            "The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. To call this API action, use the AWS SDK integration: arn:aws:states:::aws-sdk:dynamodb:query",
        )],
    },
    Case {
        file: "invalid-state-name",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_STATE_NAME,
            Error,
            "/States/Send the monthly statement to every customer whose account was active during the last month",
            5,
            5,
            "Invalid State name: State 'Send the monthly statement to every customer whose account was active during the last month' exceeds the 80-character limit allowed by the service",
        )],
    },
    Case {
        file: "invalid-timestamp",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_TIMESTAMP,
            Error,
            "/States/Wait for launch/Timestamp",
            7,
            20,
            "String does not match RFC3339 timestamp",
        )],
    },
    Case {
        file: "invalid-value",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_VALUE,
            Error,
            "/States/CallApi/Retry/0/JitterStrategy",
            16,
            29,
            "'JitterStrategy' must be \"FULL\" or \"NONE\", not \"Full\"",
        )],
    },
    Case {
        file: "invalid-variable-name",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_VARIABLE_NAME,
            Warning,
            "/States/Remember/Assign/order-id.$",
            8,
            9,
            "'order-id' is not a valid variable name",
        )],
    },
    Case {
        file: "missing-field",
        stage: Stage::Validate,
        expected: &[(
            codes::MISSING_FIELD,
            Error,
            "/States/ChargeCard",
            5,
            5,
            "These fields are required: [Resource]",
        )],
    },
    Case {
        file: "missing-transition",
        stage: Stage::Validate,
        expected: &[
            (
                codes::MISSING_TRANSITION,
                Error,
                "/States/Greet",
                5,
                5,
                "State \"Greet\" needs 'Next' or \"End\": true",
            ),
            (
                codes::NO_TERMINAL_STATE,
                Error,
                "/States",
                4,
                3,
                "Workflow has no terminal state",
            ),
        ],
    },
    Case {
        file: "next-and-end",
        stage: Stage::Validate,
        expected: &[(
            codes::NEXT_AND_END,
            Error,
            "/States/Record",
            5,
            5,
            "A state cannot have both 'Next' and \"End\": true",
        )],
    },
    Case {
        file: "no-terminal-state",
        stage: Stage::Validate,
        expected: &[(
            codes::NO_TERMINAL_STATE,
            Error,
            "/States",
            4,
            3,
            "Workflow has no terminal state",
        )],
    },
    Case {
        file: "not-a-reference-path",
        stage: Stage::Validate,
        expected: &[(
            codes::NOT_A_REFERENCE_PATH,
            Error,
            "/States/Lookup/ResultPath",
            8,
            21,
            "Value is not a Reference Path: '$.items[*].details'",
        )],
    },
    Case {
        file: "not-an-object",
        stage: Stage::Validate,
        expected: &[(
            codes::NOT_AN_OBJECT,
            Error,
            "/States/Done",
            9,
            13,
            "A state must be a JSON object, not a string",
        )],
    },
    Case {
        file: "out-of-range",
        stage: Stage::Validate,
        expected: &[(
            codes::OUT_OF_RANGE,
            Error,
            "/States/Reserve/Retry/0/BackoffRate",
            12,
            26,
            "'BackoffRate' must be at least 1.0, not 0.5",
        )],
    },
    Case {
        file: "query-language-downgrade",
        stage: Stage::Validate,
        expected: &[(
            codes::QUERY_LANGUAGE_DOWNGRADE,
            Error,
            "/States/Legacy",
            6,
            5,
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        )],
    },
    Case {
        file: "states-all-not-last",
        stage: Stage::Validate,
        expected: &[(
            codes::STATES_ALL_NOT_LAST,
            Error,
            "/States/Charge/Catch/0/ErrorEquals/0",
            10,
            27,
            "States.ALL must appear alone and at end of list",
        )],
    },
    Case {
        file: "unknown-error-name",
        stage: Stage::Validate,
        expected: &[(
            codes::UNKNOWN_ERROR_NAME,
            Warning,
            "/States/Poll/Retry/0/ErrorEquals/0",
            11,
            27,
            "'States.TimeOut' is not a predefined error name",
        )],
    },
    Case {
        file: "uncatchable-error",
        stage: Stage::Validate,
        expected: &[(
            codes::UNCATCHABLE_ERROR,
            Warning,
            "/States/Charge/Catch/0/ErrorEquals/0",
            11,
            27,
            "'States.Runtime' never matches: AWS never retries or catches a States.Runtime error",
        )],
    },
    Case {
        file: "reserved-error-name",
        stage: Stage::Validate,
        expected: &[(
            codes::RESERVED_ERROR_NAME,
            Warning,
            "/States/Route/Catch/0/ErrorEquals/0",
            21,
            27,
            "'States.NoChoiceMatched' is reserved for future use: AWS reports a Choice state that matches no rule and has no Default as States.Runtime",
        )],
    },
    Case {
        file: "reserved-error-name.retry",
        stage: Stage::Validate,
        expected: &[
            (
                codes::RESERVED_ERROR_NAME,
                Warning,
                "/States/Charge/Retry/0/ErrorEquals/0",
                11,
                27,
                "'States.IntrinsicFailure' is reserved for future use: AWS reports an intrinsic function that fails as States.Runtime, which no retrier or catcher handles, so this retrier applies only to an error that a task or a Fail state reports under this name",
            ),
            (
                codes::RESERVED_ERROR_NAME,
                Warning,
                "/States/Charge/Retry/0/ErrorEquals/1",
                11,
                54,
                "'States.ParameterPathFailure' is reserved for future use: AWS reports a payload template path that matches nothing as States.Runtime",
            ),
        ],
    },
    Case {
        file: "unknown-field",
        stage: Stage::Validate,
        expected: &[(
            codes::UNKNOWN_FIELD,
            Error,
            "/States/Hello/Nxt",
            8,
            7,
            "Field 'Nxt' is not supported by Pass states (did you mean 'Next'?)",
        )],
    },
    Case {
        file: "unknown-intrinsic",
        stage: Stage::Validate,
        expected: &[(
            codes::UNKNOWN_INTRINSIC,
            Error,
            "/States/Label/Parameters/label.$",
            8,
            20,
            "The value for the field 'label.$' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.Concat' (did you mean 'States.Format'?)",
        )],
    },
    Case {
        file: "unknown-intrinsic.lowercase",
        stage: Stage::Validate,
        expected: &[(
            codes::UNKNOWN_INTRINSIC,
            Error,
            "/States/TestTask/Parameters/outputPath.$",
            8,
            25,
            "The value for the field 'outputPath.$' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.format' (did you mean 'States.Format'?)",
        )],
    },
    Case {
        file: "unknown-intrinsic.every-place",
        stage: Stage::Validate,
        expected: &[
            (
                codes::UNKNOWN_INTRINSIC,
                Error,
                "/States/Call/Credentials/RoleArn.$",
                8,
                36,
                "The value for the field 'RoleArn.$' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.Bogus'; the functions are States.Format, States.StringToJson,",
            ),
            (
                codes::UNKNOWN_INTRINSIC,
                Error,
                "/States/Call/Parameters/Payload/list/1/deep.$",
                12,
                34,
                "The value for the field 'deep.$' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.Bogus'; the functions are",
            ),
            (
                codes::UNKNOWN_INTRINSIC,
                Error,
                "/States/Call/ResultSelector/r.$",
                15,
                33,
                "The value for the field 'r.$' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.JsonToStrng' (did you mean 'States.JsonToString'?)",
            ),
            (
                codes::UNKNOWN_INTRINSIC,
                Error,
                "/States/Call/Assign/v.$",
                16,
                25,
                "The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.UUId' (did you mean 'States.UUID'?)",
            ),
            (
                codes::UNKNOWN_INTRINSIC,
                Error,
                "/States/Each/ItemSelector/item.$",
                21,
                34,
                "The value for the field 'item.$' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.ArrayGet' (did you mean 'States.Array'?)",
            ),
            (
                codes::UNKNOWN_INTRINSIC,
                Error,
                "/States/Each/ItemProcessor/States/Inner/Parameters/x.$",
                25,
                59,
                "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.Foo' (did you mean 'States.Format'?)",
            ),
            (
                codes::UNKNOWN_INTRINSIC,
                Error,
                "/States/Failed/CausePath",
                32,
                20,
                "The value for the field 'CausePath' must be a valid JSONPath or a valid intrinsic function call: unknown intrinsic function 'States.format' (did you mean 'States.Format'?)",
            ),
        ],
    },
    Case {
        file: "invalid-intrinsic.malformed",
        stage: Stage::Validate,
        expected: &[
            (
                codes::INVALID_INTRINSIC,
                Error,
                "/States/Build/Parameters/trailingComma.$",
                8,
                28,
                "The value for the field 'trailingComma.$' must be a valid JSONPath or a valid intrinsic function call: a ',' must be followed by an argument (no trailing comma before ')')",
            ),
            (
                codes::INVALID_INTRINSIC,
                Error,
                "/States/Build/Parameters/unclosedCall.$",
                9,
                27,
                "The value for the field 'unclosedCall.$' must be a valid JSONPath or a valid intrinsic function call: missing ')' at the end of the call",
            ),
            (
                codes::INVALID_INTRINSIC,
                Error,
                "/States/Build/Parameters/extraParenthesis.$",
                10,
                31,
                "The value for the field 'extraParenthesis.$' must be a valid JSONPath or a valid intrinsic function call: unexpected text after the closing ')'",
            ),
            (
                codes::INVALID_INTRINSIC,
                Error,
                "/States/Build/Parameters/unclosedString.$",
                11,
                29,
                "The value for the field 'unclosedString.$' must be a valid JSONPath or a valid intrinsic function call: unterminated string: a closing ' is missing",
            ),
            (
                codes::INVALID_INTRINSIC,
                Error,
                "/States/Build/Parameters/illegalEscape.$",
                12,
                28,
                "The value for the field 'illegalEscape.$' must be a valid JSONPath or a valid intrinsic function call: illegal escape sequence '\\\"' in a string; only",
            ),
            (
                codes::INVALID_INTRINSIC,
                Error,
                "/States/Build/Parameters/emptyArgument.$",
                13,
                28,
                "The value for the field 'emptyArgument.$' must be a valid JSONPath or a valid intrinsic function call: expected an argument",
            ),
            (
                codes::INVALID_INTRINSIC,
                Error,
                "/States/Build/Parameters/spaceBeforeParenthesis.$",
                14,
                37,
                "The value for the field 'spaceBeforeParenthesis.$' must be a valid JSONPath or a valid intrinsic function call: expected '(' after the function name 'States.Array'",
            ),
        ],
    },
    Case {
        file: "unknown-start-at",
        stage: Stage::Validate,
        expected: &[(
            codes::UNKNOWN_START_AT,
            Error,
            "/StartAt",
            3,
            14,
            "Missing 'Next' target: Start",
        )],
    },
    Case {
        file: "unknown-state-type",
        stage: Stage::Validate,
        expected: &[(
            codes::UNKNOWN_STATE_TYPE,
            Error,
            "/States/Resize/Type",
            6,
            15,
            "'Type' must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map; found \"Lambda\"",
        )],
    },
    Case {
        file: "unknown-target",
        stage: Stage::Validate,
        expected: &[
            (
                codes::UNKNOWN_TARGET,
                Error,
                "/States/Fetch/Next",
                8,
                15,
                "Missing 'Next' target: Proces (did you mean 'Process'?)",
            ),
            (
                codes::UNREACHABLE_STATE,
                Error,
                "/States/Process",
                10,
                5,
                "State \"Process\" is not reachable.",
            ),
        ],
    },
    Case {
        file: "unreachable-state",
        stage: Stage::Validate,
        expected: &[(
            codes::UNREACHABLE_STATE,
            Error,
            "/States/Cleanup",
            9,
            5,
            "State \"Cleanup\" is not reachable.",
        )],
    },
    Case {
        file: "unsupported-jsonata",
        stage: Stage::Validate,
        expected: &[(
            codes::UNSUPPORTED_JSONATA,
            Error,
            "/States/Notify/Output/to",
            9,
            15,
            "Reference to 'phone' at the top level is not supported.",
        )],
    },
    Case {
        file: "unsupported",
        stage: Stage::Plan,
        expected: &[(
            codes::UNSUPPORTED,
            Error,
            "/States/Process CSV/ItemReader",
            7,
            7,
            "'ItemReader' (reading or writing items in Amazon S3) is not supported",
        )],
    },
    Case {
        file: "wait-duration",
        stage: Stage::Validate,
        expected: &[(
            codes::WAIT_DURATION,
            Error,
            "/States/Pause",
            5,
            5,
            "A Wait state needs exactly one of 'Seconds', 'Timestamp', 'SecondsPath' and 'TimestampPath'; found 2",
        )],
    },
    Case {
        file: "wrong-type",
        stage: Stage::Validate,
        expected: &[(
            codes::WRONG_TYPE,
            Error,
            "/States/Notify/End",
            12,
            14,
            "'End' must be a boolean, not a string",
        )],
    },
    Case {
        file: "invalid-jsonata.unclosed",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_JSONATA,
            Warning,
            "/States/Greet/Output/greeting",
            9,
            21,
            "This string starts with '{%' but does not end with '%}', so it is a literal string",
        )],
    },
    Case {
        file: "invalid-processor.both-processors",
        stage: Stage::Validate,
        expected: &[(
            codes::INVALID_PROCESSOR,
            Warning,
            "/States/Each/Iterator",
            17,
            7,
            "A Map state has both 'ItemProcessor' and 'Iterator', its deprecated name",
        )],
    },
    Case {
        file: "no-terminal-state.branch",
        stage: Stage::Validate,
        expected: &[(
            codes::NO_TERMINAL_STATE,
            Warning,
            "/States/Watch/Branches/0/States",
            10,
            11,
            "Workflow has no terminal state",
        )],
    },
    Case {
        file: "unknown-field.query-language",
        stage: Stage::Validate,
        expected: &[(
            codes::UNKNOWN_FIELD,
            Error,
            "/States/Fetch/ResultPath",
            13,
            7,
            "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage",
        )],
    },
];

fn fixtures(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
}

/// The fixture names (without `.asl.json`) of a fixtures directory.
fn fixture_names(kind: &str) -> BTreeSet<String> {
    std::fs::read_dir(fixtures(kind))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .map(|name| {
            name.strip_suffix(".asl.json")
                .unwrap_or_else(|| panic!("{kind}/{name}: fixtures are named <name>.asl.json"))
                .to_string()
        })
        .collect()
}

fn options(express: bool) -> CompileOptions {
    CompileOptions {
        machine_type: if express {
            MachineType::Express
        } else {
            MachineType::Standard
        },
    }
}

/// The code constants of `workflow_core::diagnostic::codes`, read from its source.
fn declared_codes() -> Vec<(String, String)> {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/diagnostic.rs"))
            .unwrap();
    let start = source.find("pub mod codes {").expect("the codes module");
    let end = start
        + source[start..]
            .find("\n}")
            .expect("the end of the codes module");
    source[start..end]
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("pub const ")?;
            let (name, rest) = rest.split_once(": &str = \"")?;
            let value = rest.strip_suffix("\";")?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

fn diagnostics(case: &Case) -> Vec<Diagnostic> {
    let path = fixtures("invalid").join(format!("{}.asl.json", case.file));
    let text = std::fs::read_to_string(&path).unwrap();
    let options = options(case.file.starts_with("express-"));
    match (Definition::from_json_str(&text, &options), case.stage) {
        (Err(errors), Stage::Validate) => errors.0,
        (Ok(definition), Stage::Validate) => definition.warnings().to_vec(),
        (Ok(definition), Stage::Plan) => {
            assert!(
                definition.warnings().is_empty(),
                "{}: {:?}",
                case.file,
                definition.warnings()
            );
            match definition.plan() {
                Err(problems) => problems.0,
                Ok(_) => Vec::new(),
            }
        }
        (Err(errors), Stage::Plan) => panic!("{}: should be valid: {errors}", case.file),
    }
}

fn describe(d: &Diagnostic) -> String {
    let loc = d
        .location
        .expect("every diagnostic of a text has a location");
    format!(
        "({}, {:?}, {:?}, {}, {}): {}",
        d.code, d.severity, d.pointer, loc.line, loc.column, d.message
    )
}

#[test]
fn every_fixture_gives_exactly_its_diagnostics() {
    let mut failures = Vec::new();
    for case in CASES {
        let actual = diagnostics(case);
        let mut unmatched: Vec<&Diagnostic> = actual.iter().collect();
        let mut missing = Vec::new();
        for &(code, severity, pointer, line, column, message) in case.expected {
            let found = unmatched.iter().position(|d| {
                let loc = d.location.unwrap();
                d.code == code
                    && d.severity == severity
                    && d.pointer == pointer
                    && (loc.line, loc.column) == (line, column)
                    && d.message.starts_with(message)
            });
            match found {
                Some(i) => {
                    unmatched.remove(i);
                }
                None => missing.push(format!(
                    "({code}, {severity:?}, {pointer:?}, {line}, {column}): {message}..."
                )),
            }
        }
        if !missing.is_empty() || !unmatched.is_empty() {
            failures.push(format!(
                "{}:\n  missing:\n    {}\n  unexpected:\n    {}\n  all:\n    {}",
                case.file,
                missing.join("\n    "),
                unmatched
                    .iter()
                    .map(|d| describe(d))
                    .collect::<Vec<_>>()
                    .join("\n    "),
                actual
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_has_a_fixture() {
    let codes = declared_codes();
    assert!(codes.len() >= 40, "could not read the codes: {codes:?}");
    let files = fixture_names("invalid");
    let cases: BTreeSet<&str> = CASES.iter().map(|c| c.file).collect();
    let mut problems = Vec::new();
    for (name, code) in &codes {
        if NO_FIXTURE.iter().any(|(c, _)| c == code) {
            continue;
        }
        if !files.contains(code.as_str()) {
            problems.push(format!(
                "codes::{name}: no fixture tests/fixtures/invalid/{code}.asl.json"
            ));
        }
        // The fixture named after a code must give that code.
        let gives = CASES
            .iter()
            .find(|c| c.file == code)
            .is_some_and(|c| c.expected.iter().any(|e| e.0 == code));
        if !gives {
            problems.push(format!(
                "codes::{name}: no case for {code}.asl.json gives {code}"
            ));
        }
    }
    for file in &files {
        if !cases.contains(file.as_str()) {
            problems.push(format!("{file}.asl.json: no case in CASES"));
        }
        let code = file.split('.').next().unwrap();
        if !codes.iter().any(|(_, c)| c == code) {
            problems.push(format!("{file}.asl.json: '{code}' is not a code"));
        }
    }
    for case in CASES {
        if !files.contains(case.file) {
            problems.push(format!("{}: no such fixture", case.file));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn tricky_but_legal_definitions_are_accepted_without_warnings() {
    let names = fixture_names("valid");
    assert!(names.len() >= 15);
    let mut failures = Vec::new();
    for name in names {
        let text =
            std::fs::read_to_string(fixtures("valid").join(format!("{name}.asl.json"))).unwrap();
        match Definition::from_json_str(&text, &options(name.contains(".express"))) {
            Ok(definition) if definition.warnings().is_empty() => {}
            Ok(definition) => failures.push(format!(
                "{name}: warnings:\n    {}",
                definition
                    .warnings()
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n    ")
            )),
            Err(errors) => failures.push(format!("{name}: {errors}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_mistake_is_reported_at_once() {
    let text = std::fs::read_to_string(fixtures("").join("all-at-once.asl.json")).unwrap();
    let errors = Definition::from_json_str(&text, &CompileOptions::default())
        .unwrap_err()
        .0;
    let branch = "/States/Fan out/Branches";
    let processor = "/States/Each/ItemProcessor/States";
    let expected: BTreeSet<(&str, String)> = [
        // Structural problems (found while reading) ...
        (
            codes::UNKNOWN_FIELD,
            format!("{branch}/0/States/Left/TimeoutSeconds"),
        ),
        (
            codes::UNKNOWN_STATE_TYPE,
            format!("{branch}/2/States/Third/Type"),
        ),
        // ... do not hide the others, in every scope.
        (codes::INVALID_RESOURCE, "/States/Validate/Resource".into()),
        (
            codes::OUT_OF_RANGE,
            "/States/Validate/TimeoutSeconds".into(),
        ),
        (
            codes::STATES_ALL_NOT_LAST,
            "/States/Validate/Retry/0/ErrorEquals/0".into(),
        ),
        (
            codes::OUT_OF_RANGE,
            "/States/Validate/Retry/0/BackoffRate".into(),
        ),
        (
            codes::CHOICE_RULE_VALUE,
            "/States/Route/Choices/0/StringEquals".into(),
        ),
        (codes::CHOICE_RULE_NEXT, "/States/Route/Choices/2".into()),
        (codes::UNKNOWN_TARGET, "/States/Route/Default".into()),
        (codes::WAIT_DURATION, format!("{branch}/1/States/Right")),
        (
            codes::CROSS_SCOPE_TRANSITION,
            format!("{branch}/1/States/Right/Next"),
        ),
        (
            codes::NOT_A_REFERENCE_PATH,
            "/States/Fan out/ResultPath".into(),
        ),
        (
            codes::INVALID_DYNAMIC_VALUE,
            format!("{processor}/Item/Parameters/id.$"),
        ),
        (codes::INVALID_PATH, format!("{processor}/Check/OutputPath")),
        (codes::UNREACHABLE_STATE, format!("{processor}/Orphan")),
        (codes::INVALID_JSONATA, "/States/Format/Output/name".into()),
        (codes::UNREACHABLE_STATE, "/States/Never".into()),
    ]
    .into_iter()
    .collect();
    let actual: BTreeSet<(&str, String)> =
        errors.iter().map(|d| (d.code, d.pointer.clone())).collect();
    assert_eq!(
        actual,
        expected,
        "\n{}",
        errors.iter().map(describe).collect::<Vec<_>>().join("\n")
    );
    assert_eq!(errors.len(), expected.len(), "each is reported once");
    // Nothing that only follows from the structural problems: the state whose type is
    // misspelt is not also an unknown StartAt, and its branch is not also empty.
    assert!(errors.iter().all(|d| d.location.is_some()));
}
