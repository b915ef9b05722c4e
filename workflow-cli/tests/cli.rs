//! The `workflow` binary, run on real files: every subcommand on valid, invalid, non-JSON and
//! missing input, checking what it prints and its exit code.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The `workflow` binary with `args`, run in the fixtures' folder, without colour.
fn workflow_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_workflow"));
    command
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(fixture(""));
    command
}

fn workflow(args: &[&str]) -> Output {
    workflow_command(args)
        .output()
        .expect("the workflow binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit code")
}

fn json_out(o: &Output) -> Value {
    serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", stdout(o)))
}

/// A path for a file the tests write, in a folder under the target directory: each run
/// overwrites the files of the last one, and `cargo clean` removes them.
fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

// ---------------------------------------------------------------- validate

#[test]
fn validate_accepts_a_valid_file() {
    let o = workflow(&["validate", "order.asl.json", "eight.asl.json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("valid: order.asl.json (8 states)"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("valid: eight.asl.json (8 states)"));
}

#[test]
fn validate_shows_every_problem_with_its_source_line() {
    let o = workflow(&["validate", "invalid.asl.json"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    // Both problems, each with file:line:column and the line underlined.
    assert!(out.contains("error[unknown-field]: Field 'Nxt' is not supported by Pass states (did you mean 'Next'?)"), "{out}");
    assert!(out.contains("--> invalid.asl.json:4:31"), "{out}");
    assert!(
        out.contains(r#"4 |     "Hello": {"Type": "Pass", "Nxt": "World"},"#),
        "{out}"
    );
    assert!(
        out.contains(&format!("  | {}{}\n", " ".repeat(30), "^".repeat(14))),
        "{out}"
    );
    assert!(out.contains("error[unknown-state-type]"), "{out}");
    assert!(out.contains("--> invalid.asl.json:5:23"), "{out}");
    assert!(stderr(&o).contains("invalid.asl.json is not a valid state machine: 2 errors"));
}

#[test]
fn validate_not_json_and_not_a_state_machine_are_one_line() {
    let o = workflow(&["validate", "not-json.yaml"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: not-json.yaml:1:1: not JSON: expected value"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");

    let o = workflow(&["validate", "not-a-machine.json"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "error: not-a-machine.json is not a state machine: it is a JSON object with neither 'StartAt' nor 'States'\n"
    );
    let o = workflow(&["validate", "aws-cli-history.json"]);
    assert_eq!(code(&o), 1);
}

#[test]
fn validate_binary_and_empty_files_are_definition_problems() {
    let binary = temp("binary.json");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x7b]).unwrap();
    let empty = temp("empty.json");
    std::fs::write(&empty, "").unwrap();
    for (command, file) in [
        ("validate", &binary),
        ("lint", &binary),
        ("run", &binary),
        ("graph", &binary),
        ("validate", &empty),
    ] {
        let o = workflow(&[command, file.to_str().unwrap()]);
        assert_eq!(code(&o), 1, "{command} {}: {}", file.display(), stderr(&o));
    }
    let o = workflow(&["validate", binary.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("is not JSON: it is not UTF-8 text"),
        "{}",
        stderr(&o)
    );
    // An empty file's error is at line 1, column 1 (not 0).
    let o = workflow(&["validate", "--format", "json", empty.to_str().unwrap()]);
    let d = &json_out(&o)["files"][0]["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(1)),
        "{d}"
    );
}

#[test]
fn validate_missing_file() {
    let o = workflow(&["validate", "order.asl.json", "no-such-file.json"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("error: cannot read no-such-file.json: No such file or directory"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("valid: order.asl.json"));
}

#[test]
fn validate_json_for_tools() {
    let o = workflow(&[
        "validate",
        "--format",
        "json",
        "invalid.asl.json",
        "order.asl.json",
        "not-json.yaml",
    ]);
    assert_eq!(code(&o), 1);
    let doc = json_out(&o);
    assert_eq!(doc["valid"], false);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["diagnostics"][0]["code"], "unknown-field");
    assert_eq!(files[0]["diagnostics"][0]["pointer"], "/States/Hello/Nxt");
    assert_eq!(files[0]["diagnostics"][0]["line"], 4);
    assert_eq!(files[0]["diagnostics"][0]["column"], 31);
    assert_eq!(files[1]["valid"], true);
    assert_eq!(files[2]["diagnostics"][0]["code"], "invalid-json");
}

#[test]
fn validate_express_refuses_callbacks() {
    let o = workflow(&["validate", "--type", "express", "callback.asl.json"]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("error[express-unsupported-integration]"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn validate_refuses_unknown_and_malformed_intrinsic_calls() {
    // AWS refuses each of these when the state machine is created, with "The value for the
    // field '...' must be a valid JSONPath or a valid intrinsic function call".
    let file = temp("intrinsics.asl.json");
    std::fs::write(
        &file,
        r#"{
  "StartAt": "TestTask",
  "States": {
    "TestTask": {
      "Type": "Pass",
      "Parameters": {
        "outputPath.$": "States.format('test-{}.json', $.Comment)",
        "trailing.$": "States.Array($.a,)",
        "unbalanced.$": "States.Array(States.Array($.a)"
      },
      "End": true
    }
  }
}"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let o = workflow(&["validate", "--format", "json", path]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc = json_out(&o);
    let diagnostics = doc["files"][0]["diagnostics"].as_array().unwrap();
    let found: Vec<(&str, &str, &str)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["pointer"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
            )
        })
        .collect();
    let prefix = "must be a valid JSONPath or a valid intrinsic function call: ";
    assert_eq!(
        found,
        [
            (
                "unknown-intrinsic",
                "/States/TestTask/Parameters/outputPath.$",
                format!("The value for the field 'outputPath.$' {prefix}unknown intrinsic function 'States.format' (did you mean 'States.Format'?)").as_str()
            ),
            (
                "invalid-intrinsic",
                "/States/TestTask/Parameters/trailing.$",
                format!("The value for the field 'trailing.$' {prefix}a ',' must be followed by an argument (no trailing comma before ')')").as_str()
            ),
            (
                "invalid-intrinsic",
                "/States/TestTask/Parameters/unbalanced.$",
                format!("The value for the field 'unbalanced.$' {prefix}missing ')' at the end of the call").as_str()
            ),
        ]
    );
    assert!(
        diagnostics.iter().all(|d| d["severity"] == "error"),
        "{doc}"
    );
}

// ---------------------------------------------------------------- lint

#[test]
fn lint_finds_the_rules_with_ids_and_explanations() {
    let o = workflow(&["lint", "eight.asl.json"]);
    assert_eq!(code(&o), 0, "warnings and infos do not fail by default");
    let out = stdout(&o);
    assert!(
        out.contains(
            "info[generic-state-name]: 'Step1' says what type the state is, not what it does"
        ),
        "{out}"
    );
    assert!(out.contains("--> eight.asl.json:5:5"), "{out}");
    assert!(
        out.contains("= why: state names appear in the console"),
        "{out}"
    );

    let o = workflow(&["lint", "callback.asl.json"]);
    let out = stdout(&o);
    assert!(out.contains("warning[callback-no-heartbeat]: Task 'AskApproval' waits for a worker but has no HeartbeatSeconds"), "{out}");
    // Its Catch leads to a second state: not a single-Task machine.
    assert!(!out.contains("single-task-machine"), "{out}");

    let single = temp("single.asl.json");
    std::fs::write(
        &single,
        r#"{"StartAt": "Resize", "States": {"Resize": {"Type": "Task", "Resource": "${Resize}", "End": true}}}"#,
    )
    .unwrap();
    let o = workflow(&["lint", single.to_str().unwrap()]);
    let out = stdout(&o);
    for id in [
        "single-task-machine",
        "task-no-retry",
        "task-no-timeout",
        "task-no-catch",
    ] {
        assert!(out.contains(&format!("[{id}]")), "{id}: {out}");
    }
    assert!(!out.contains("hardcoded-arn"), "{out}");
}

#[test]
fn lint_allow_deny_and_express() {
    let o = workflow(&[
        "lint",
        "callback.asl.json",
        "--allow",
        "callback-no-heartbeat",
        "--allow",
        "single-task-machine",
    ]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("clean: callback.asl.json"),
        "{}",
        stdout(&o)
    );

    let o = workflow(&["lint", "callback.asl.json", "--deny-warnings"]);
    assert_eq!(code(&o), 1);

    let o = workflow(&[
        "lint",
        "--type",
        "express",
        "order.asl.json",
        "callback.asl.json",
    ]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains(
            "error[express-over-five-minutes]: 'CoolingOff' waits 3600 s, beyond EXPRESS's 300"
        ),
        "{out}"
    );
    assert!(out.contains("error[express-unsupported-integration]: Task 'AskApproval' uses the .waitForTaskToken pattern"), "{out}");

    let o = workflow(&["lint", "order.asl.json", "--allow", "no-such-rule"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--allow no-such-rule: no such rule; the rules are task-no-retry,"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn lint_bad_files() {
    let o = workflow(&["lint", "not-json.yaml"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("not-json.yaml:1:1: not JSON"));
    let o = workflow(&["lint", "invalid.asl.json"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("error[unknown-field]"));
    let o = workflow(&["lint", "missing.json"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn lint_rules_and_json() {
    let o = workflow(&["lint", "--rules"]);
    assert_eq!(code(&o), 0);
    for id in [
        "task-no-retry",
        "task-no-timeout",
        "callback-no-heartbeat",
        "task-no-catch",
        "catch-not-exhaustive",
        "map-no-max-concurrency",
        "hardcoded-arn",
        "generic-state-name",
        "single-task-machine",
        "express-over-five-minutes",
        "express-unsupported-integration",
        "retry-unbounded-backoff",
        "history-limit",
    ] {
        assert!(stdout(&o).contains(id), "{id}");
    }
    let o = workflow(&["lint", "--format", "json", "order.asl.json"]);
    let doc = json_out(&o);
    let findings = doc["files"][0]["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // The order machine retries, times out and catches; only its Map's unbounded list is left.
    assert_eq!(ids, vec!["history-limit"], "{findings:?}");
    assert_eq!(findings[0]["pointer"], "/States/ReserveItems");
    assert_eq!(findings[0]["line"], 22);
}

// ---------------------------------------------------------------- run

const ORDER_INPUT: &str = r#"{"total": 1500, "items": [{"sku": "book"}, {"sku": "lamp"}]}"#;

/// `workflow run order.asl.json` on [`ORDER_INPUT`] with the test case `case` of
/// `order.mock.json`, then the `extra` arguments.
fn run_order(case: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "order.asl.json",
        "--input",
        ORDER_INPUT,
        "--mock-config",
        "order.mock.json",
        "--test-case",
        case,
    ];
    args.extend_from_slice(extra);
    workflow(&args)
}

#[test]
fn run_with_a_mock_config() {
    let o = run_order("HappyPath", &["--time-scale", "0", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        json_out(&o),
        json!({"status": "SUCCEEDED", "output": {
            "total": 1500, "items": [{"sku": "book"}, {"sku": "lamp"}],
            "payment": {"receipt": "R-42"},
            "reservations": [{"reserved": true}, {"reserved": true}]
        }})
    );
    let o = run_order("Declined", &["--time-scale", "0", "--format", "json"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        json_out(&o),
        json!({"status": "FAILED", "error": "PaymentFailed", "cause": "over the limit"})
    );
}

#[test]
fn run_prints_a_history_table_and_writes_aws_json() {
    let history = temp("order-history.json");
    let o = run_order("HappyPath", &["--time-scale", "0"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    // Two timeouts, retried after 2 s and 4 s, then the hour-long Wait: the history records
    // the full durations even though the run took no time.
    assert!(
        out.contains("GatewayTimeout: the gateway did not answer"),
        "{out}"
    );
    assert!(out.contains("+1h00m06.000s   WaitStateExited"), "{out}");
    assert!(out.contains("SUCCEEDED in"), "{out}");
    assert!(out.contains(r#""receipt": "R-42""#), "{out}");

    let o = run_order(
        "HappyPath",
        &[
            "--time-scale",
            "0",
            "--history-out",
            history.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("events written to"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    let events = doc["events"].as_array().unwrap();
    assert_eq!(events[0]["type"], "ExecutionStarted");
    assert_eq!(events[0]["id"], 1);
    assert_eq!(events[0]["previousEventId"], 0);
    assert_eq!(events.last().unwrap()["type"], "ExecutionSucceeded");
    assert_eq!(
        events[1]["stateEnteredEventDetails"]["name"], "ChargeCard",
        "{}",
        events[1]
    );
}

#[test]
fn run_with_commands() {
    // `cat` echoes its input; the second command fails with an error document.
    let o = workflow(&[
        "run",
        "order.asl.json",
        "--input",
        r#"{"total": 5, "items": [{"sku": "pen"}]}"#,
        "--bind",
        r#"charge-card=echo '{"receipt": "from a command"}'"#,
        "--bind",
        "ReserveItem=cat",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = json_out(&o);
    assert_eq!(
        out["output"]["payment"],
        json!({"receipt": "from a command"})
    );
    assert_eq!(out["output"]["reservations"], json!([{"sku": "pen"}]));

    let o = workflow(&[
        "run",
        "order.asl.json",
        "--input",
        r#"{"total": 5, "items": []}"#,
        "--bind",
        r#"charge-card=echo '{"error": "CardDeclined", "cause": "no funds"}'; exit 3"#,
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        json_out(&o),
        json!({"status": "FAILED", "error": "PaymentFailed", "cause": "no funds"})
    );

    // A command that fails without a document: States.TaskFailed with its stderr.
    let definition = temp("stderr.asl.json");
    std::fs::write(
        &definition,
        r#"{"StartAt": "Charge", "States": {"Charge": {"Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:111111111111:function:charge-card", "End": true}}}"#,
    )
    .unwrap();
    let o = workflow(&[
        "run",
        definition.to_str().unwrap(),
        "--bind",
        "charge-card=echo 'the card service is down' >&2; exit 4",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        json_out(&o),
        json!({"status": "FAILED", "error": "States.TaskFailed", "cause": "the card service is down"})
    );

    // A machine without tasks needs no --bind.
    let o = workflow(&["run", "eight.asl.json", "--format", "json"]);
    assert_eq!(json_out(&o)["status"], "SUCCEEDED");
}

#[test]
fn run_callback_task_answered_by_its_command() {
    let o = workflow(&[
        "run",
        "callback.asl.json",
        "--time-scale",
        "0",
        "--format",
        "json",
        "--bind",
        r#"arn:aws:states:::sqs:sendMessage.waitForTaskToken=test -n "$WORKFLOW_TASK_TOKEN" && echo '{"approved": true}'"#,
    ]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(
        json_out(&o),
        json!({"status": "SUCCEEDED", "output": {"approved": true}})
    );
}

#[test]
fn run_with_an_http_endpoint() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut bodies = Vec::new();
        for answer in [
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 46\r\n\r\n{\"error\": \"GatewayTimeout\", \"cause\": \"busy\"}\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n12\r\n{\"receipt\": \"R-7\"}\r\n0\r\n\r\n",
        ] {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head and the body (Content-Length).
            loop {
                let n = stream.read(&mut buf).unwrap();
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(split) = text.find("\r\n\r\n") {
                    let length: usize = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if request.len() >= split + 4 + length {
                        bodies.push(text[split + 4..].to_string());
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            stream.write_all(answer.as_bytes()).unwrap();
        }
        bodies
    });
    let url = format!("charge-card=http://127.0.0.1:{port}/charge");
    let o = workflow(&[
        "run",
        "order.asl.json",
        "--input",
        r#"{"total": 9, "items": []}"#,
        "--bind",
        &url,
        "--time-scale",
        "0",
        "--format",
        "json",
    ]);
    let bodies = server.join().unwrap();
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(json_out(&o)["output"]["payment"], json!({"receipt": "R-7"}));
    // The endpoint got the Lambda payload, twice (the first answer was retried).
    assert_eq!(bodies, vec![r#"{"amount":9}"#, r#"{"amount":9}"#]);
}

#[test]
fn run_bad_inputs() {
    // A definition with problems is exit 1, as for validate; a file not read is exit 2.
    let o = workflow(&["run", "invalid.asl.json"]);
    assert_eq!(code(&o), 1);
    // The problems go to stderr: stdout is for the run's output.
    assert!(stderr(&o).contains("error[unknown-field]"));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("invalid.asl.json is not a valid state machine (2 problems)"));

    let o = workflow(&["run", "not-json.yaml"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).lines().count(), 1);

    let o = workflow(&["run", "missing.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read missing.json"));

    let o = workflow(&["run", "order.asl.json", "--input", "{not json"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("the --input is not JSON"),
        "{}",
        stderr(&o)
    );

    let o = workflow(&["run", "order.asl.json", "--mock-config", "order.mock.json"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--test-case is needed: order has the test cases HappyPath, Declined"),
        "{}",
        stderr(&o)
    );

    let o = workflow(&[
        "run",
        "order.asl.json",
        "--mock-config",
        "order.mock.json",
        "--test-case",
        "Nope",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no test case 'Nope'"));

    let o = workflow(&[
        "run",
        "order.asl.json",
        "--bind",
        "charge-card=https://example.com",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("https is not supported"));
}

#[test]
fn run_json_is_one_object_whatever_happens() {
    let o = workflow(&[
        "run",
        "invalid.asl.json",
        "--input",
        "{}",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    let v = json_out(&o);
    assert_eq!(v["status"], "NOT_STARTED");
    assert_eq!(v["error"], "InvalidDefinition");
    assert_eq!(v["diagnostics"][0]["code"], "unknown-field");
    assert_eq!(v["diagnostics"][1]["code"], "unknown-state-type");

    let o = workflow(&["run", "missing.json", "--format", "json"]);
    assert_eq!(code(&o), 2);
    let v = json_out(&o);
    assert_eq!(v["status"], "NOT_STARTED");
    assert_eq!(v["error"], "CannotRun");
    assert!(
        v["cause"]
            .as_str()
            .unwrap()
            .contains("cannot read missing.json")
    );

    let o = workflow(&[
        "run",
        "order.asl.json",
        "--input",
        "{not json",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 2);
    assert_eq!(json_out(&o)["error"], "CannotRun");
}

#[test]
fn a_timed_out_command_leaves_nothing_running() {
    // The shell stays the parent of `sleep` (a second command follows): both must go when
    // the task times out.
    let definition = temp("timeout.asl.json");
    std::fs::write(
        &definition,
        r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "TimeoutSeconds": 2,
            "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f", "End": true}}}"#,
    )
    .unwrap();
    let marker = format!("sleep 61.{}", std::process::id());
    let o = workflow(&[
        "run",
        definition.to_str().unwrap(),
        "--bind",
        &format!("f={marker}; echo {{}}"),
        "--time-scale",
        "0.01",
        "--format",
        "json",
    ]);
    assert_eq!(json_out(&o)["error"], "States.Timeout");
    // SIGKILL is immediate, but the process table may take a moment to say so.
    for _ in 0..50 {
        if !running(&marker) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("`{marker}` is still running after its task timed out");
}

/// A run whose task nothing serves: FAILED with States.Runtime, saying so.
#[track_caller]
fn assert_unserved(o: &Output, scale: &str) {
    assert_eq!(code(o), 1, "scale {scale}: {}", stdout(o));
    let out = json_out(o);
    assert_eq!(out["status"], "FAILED", "scale {scale}: {out}");
    assert_eq!(out["error"], "States.Runtime", "scale {scale}: {out}");
    assert!(
        out["cause"]
            .as_str()
            .is_some_and(|c| c.starts_with("Nothing serves the resource")),
        "scale {scale}: {out}"
    );
}

#[test]
fn run_unbound_task_fails_clearly() {
    // Nothing serves the callback task: it fails at once with States.Runtime, which neither
    // its Retry nor its Catch on States.ALL may handle (AWS: "States.ALL ... cannot catch
    // ... Runtime error types"). Time does not jump to its 60 s TimeoutSeconds first, at any
    // scale: the handler that reports the failure answers before any wait is skipped.
    for scale in ["0", "0.001", "1"] {
        let started = std::time::Instant::now();
        let o = workflow(&[
            "run",
            "callback.asl.json",
            "--time-scale",
            scale,
            "--format",
            "json",
        ]);
        assert_unserved(&o, scale);
        assert!(started.elapsed().as_secs() < 30, "scale {scale}");
    }
}

#[test]
fn run_scaled_time() {
    // The hour-long Wait at a scale of 0.0001 lasts 0.36 s.
    let started = std::time::Instant::now();
    let o = run_order("HappyPath", &["--time-scale", "0.0001", "--format", "json"]);
    let took = started.elapsed();
    assert_eq!(code(&o), 0);
    assert!(took.as_secs_f64() > 0.36, "{took:?}");
    assert!(took.as_secs_f64() < 30.0, "{took:?}");
    let o = workflow(&["run", "order.asl.json", "--time-scale", "-1"]);
    assert_eq!(code(&o), 2);
}

// ---------------------------------------------------------------- time limits at any scale
//
// Waits may be shortened or skipped; limits may not vanish. A bound command that runs uses
// real time against its TimeoutSeconds and the execution's limit at every scale, a loop that
// never waits stops at its limit, and a task nothing serves fails at once, as at scale 1.

/// Runs `workflow run` on `definition` (written to a temporary file) with `args`, and how
/// long it took; a run that outlives `limit` is killed and fails the test (the regressions
/// below used to hang).
fn run_timed(name: &str, definition: &Value, args: &[&str], limit: u64) -> (Output, f64) {
    let path = temp(name);
    std::fs::write(&path, definition.to_string()).unwrap();
    let started = std::time::Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .arg("run")
        .arg(&path)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the workflow binary runs");
    let pid = child.id().to_string();
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match ended.recv_timeout(std::time::Duration::from_secs(limit)) {
        Ok(output) => (output.expect("its output"), started.elapsed().as_secs_f64()),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("`workflow run {name} {args:?}` still ran after {limit} s");
        }
    }
}

/// Runs `check` for each scale at once (each run takes its real time).
fn at_scales(scales: &[&'static str], check: impl Fn(&'static str) + Sync) {
    std::thread::scope(|s| {
        for &scale in scales {
            let check = &check;
            s.spawn(move || check(scale));
        }
    });
}

fn lambda_task(fields: Value) -> Value {
    let mut task = json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true});
    if let (Some(task), Some(fields)) = (task.as_object_mut(), fields.as_object()) {
        task.extend(fields.clone());
    }
    json!({"StartAt": "T", "States": {"T": task}})
}

#[test]
fn a_command_that_never_answers_times_out_after_its_timeout_of_real_time() {
    // At scale 1 it fails with States.Timeout after 1 s; at 0 it used to hang, at 0.001 to
    // be cut after a millisecond.
    at_scales(&["0", "0.001", "1"], |scale| {
        let (o, took) = run_timed(
            &format!("never-answers-{scale}.asl.json"),
            &lambda_task(json!({"TimeoutSeconds": 1})),
            &[
                "--bind",
                "f=sleep 1000",
                "--time-scale",
                scale,
                "--format",
                "json",
            ],
            30,
        );
        assert_eq!(code(&o), 1, "scale {scale}: {}", stderr(&o));
        assert_eq!(json_out(&o)["error"], "States.Timeout", "scale {scale}");
        assert!((1.0..15.0).contains(&took), "scale {scale}: {took} s");
    });
}

#[test]
fn a_command_that_answers_in_time_is_not_cut_short_and_its_time_is_recorded() {
    // 0.3 s of work under a 1 s TimeoutSeconds: at scale 0.001 it used to count as 300 s.
    at_scales(&["0", "0.001"], |scale| {
        let history = temp(&format!("answers-in-time-{scale}.json"));
        let (o, _) = run_timed(
            &format!("answers-in-time-{scale}.asl.json"),
            &lambda_task(json!({"TimeoutSeconds": 1})),
            &[
                "--bind",
                r#"f=sleep 0.3; echo '{"ok": true}'"#,
                "--time-scale",
                scale,
                "--history-out",
                history.to_str().unwrap(),
                "--format",
                "json",
            ],
            30,
        );
        assert_eq!(code(&o), 0, "scale {scale}: {}", stdout(&o));
        assert_eq!(json_out(&o)["output"], json!({"ok": true}));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
        let at = |t: &str| {
            let e = doc["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["type"] == t)
                .unwrap_or_else(|| panic!("no {t}"));
            chrono::DateTime::parse_from_rfc3339(e["timestamp"].as_str().unwrap()).unwrap()
        };
        // The command's real time is recorded (at the old rule, none at scale 0): counted
        // from the moment it is under way, once `sh` has been started (a few ms on a busy
        // machine), to the moment its answer is taken (time then stands still until the
        // driver has it, instead of racing ahead).
        let worked =
            (at("LambdaFunctionSucceeded") - at("LambdaFunctionStarted")).num_milliseconds();
        assert!((200..1_000).contains(&worked), "scale {scale}: {worked} ms");
    });
}

#[test]
fn an_express_loop_that_never_waits_stops_at_its_limit() {
    // A Pass/Choice loop: at scale 0 it used to spin forever. Its limit here is 1 s (the
    // default five minutes work the same way, only longer; see the next test for those).
    let looping = json!({
        "TimeoutSeconds": 1,
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.done", "IsPresent": true, "Next": "D"}], "Default": "A"},
            "D": {"Type": "Succeed"}
        }
    });
    at_scales(&["0", "0.001"], |scale| {
        let (o, took) = run_timed(
            &format!("express-loop-{scale}.asl.json"),
            &looping,
            &[
                "--type",
                "express",
                "--time-scale",
                scale,
                "--format",
                "json",
            ],
            60,
        );
        assert_eq!(code(&o), 3, "scale {scale}: {}", stdout(&o));
        assert_eq!(
            json_out(&o),
            json!({"status": "TIMED_OUT", "error": "States.Timeout",
                   "cause": "The execution ran longer than its time limit of 1 seconds."}),
            "scale {scale}"
        );
        assert!(took >= 1.0, "scale {scale}: {took} s");
    });
}

#[test]
fn waits_past_the_limit_end_at_it_at_any_scale() {
    // AWS: an EXPRESS execution runs at most five minutes, a STANDARD one a year; past it,
    // TIMED_OUT with States.Timeout (exit code 3). Tiny scales must not overflow.
    let far = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 99_999_999, "End": true}}});
    let year = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "9999-12-31T23:59:59Z", "End": true}}});
    for (name, definition, kind, limit) in [
        ("express-wait", &far, "express", 300),
        ("standard-wait", &far, "standard", 31_536_000),
        ("standard-timestamp", &year, "standard", 31_536_000),
    ] {
        for scale in ["0", "0.000000001", "1e-300"] {
            let (o, _) = run_timed(
                &format!("{name}-{scale}.asl.json"),
                definition,
                &["--type", kind, "--time-scale", scale, "--format", "json"],
                30,
            );
            assert_eq!(code(&o), 3, "{name} at {scale}: {}", stdout(&o));
            assert_eq!(
                json_out(&o),
                json!({"status": "TIMED_OUT", "error": "States.Timeout",
                       "cause": format!("The execution ran longer than its time limit of {limit} seconds.")}),
                "{name} at {scale}"
            );
        }
    }
}

#[test]
fn a_task_nothing_serves_fails_at_once_at_any_scale() {
    // It used to wait out the execution's year at scale 0 (TIMED_OUT, exit 3).
    let definition = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": "q", "MessageBody": "m"}, "End": true}}});
    for scale in ["0", "0.001", "1"] {
        let (o, took) = run_timed(
            &format!("unserved-{scale}.asl.json"),
            &definition,
            &["--time-scale", scale, "--format", "json"],
            30,
        );
        assert_unserved(&o, scale);
        assert!(took < 10.0, "scale {scale}: {took} s");
    }
}

// ---------------------------------------------------------------- history

#[test]
fn history_reads_its_own_and_the_aws_cli_format() {
    let path = temp("eight-history.json");
    let o = workflow(&[
        "run",
        "eight.asl.json",
        "--history-out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    let o = workflow(&["history", path.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.contains("PassStateEntered"), "{out}");
    assert!(out.contains("Step8"));
    assert!(out.contains("18 events over"), "{out}");

    let o = workflow(&["history", "aws-cli-history.json"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.contains("+0.250s"), "{out}");
    assert!(out.contains("+1m01.500s"), "{out}");
    assert!(out.contains("Oops: it broke"), "{out}");
    assert!(
        out.contains("4 events over 1m01.500s; the last is ExecutionFailed"),
        "{out}"
    );
}

#[test]
fn history_bad_files() {
    let o = workflow(&["history", "not-json.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not-json.yaml is not JSON"));
    let o = workflow(&["history", "not-a-machine.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is not an execution history"));
    let o = workflow(&["history", "missing.json"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn history_summary_stays_one_line() {
    // Found by the `history` fuzz target: the last event's type is the file's text, and a
    // newline in it split the summary line (the type was written raw, unlike the table's
    // cells).
    let path = temp("newline-type.json");
    std::fs::write(
        &path,
        r#"[{"type": "ExecutionStarted"}, {"type": "Execution\nSucceeded"}]"#,
    )
    .unwrap();
    let o = workflow(&["history", path.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let last = out.lines().last().unwrap_or_default();
    assert!(last.starts_with("2 events over"), "{out}");
    assert!(last.contains("the last is Execution"), "{out}");
}

#[test]
fn history_gives_no_offset_to_a_timestamp_past_the_calendar() {
    // Found by the `history` fuzz target: 1e300 seconds since the epoch became i64::MAX
    // milliseconds and the offset from -1e300 overflowed (a panic in a debug build, a
    // negative span in a release one). Such a number is no time: like a timestamp that does
    // not parse, it gets no offset, and the times that remain give the offsets and the span.
    let path = temp("far-timestamps.json");
    std::fs::write(
        &path,
        r#"[{"type": "ExecutionStarted", "timestamp": 1e300},
            {"type": "PassStateEntered", "timestamp": 1700000000},
            {"type": "PassStateExited", "timestamp": -1e300},
            {"type": "ExecutionSucceeded", "timestamp": 1700000001.5}]"#,
    )
    .unwrap();
    let o = workflow(&["history", path.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let row = |event: &str| {
        out.lines()
            .find(|l| l.contains(event))
            .unwrap_or_else(|| panic!("no {event} row in {out}"))
            .to_string()
    };
    assert!(!row("ExecutionStarted").contains('+'), "{out}");
    assert!(!row("PassStateExited").contains('+'), "{out}");
    assert!(row("PassStateEntered").contains("+0.000s"), "{out}");
    assert!(row("ExecutionSucceeded").contains("+1.500s"), "{out}");
    assert!(
        out.contains("4 events over 1.500s; the last is ExecutionSucceeded"),
        "{out}"
    );
}

// ---------------------------------------------------------------- graph

#[test]
fn graph_mermaid_and_dot() {
    let o = workflow(&["graph", "order.asl.json"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.starts_with("flowchart TD\n"));
    assert!(
        out.contains(r#"subgraph s3_items["ReserveItems · each item"]"#),
        "{out}"
    );
    assert!(out.contains(r#"s1 -- "$.total #gt; 1000" --> s2"#), "{out}");
    assert!(out.contains(r#"s0 -. "catch States.ALL" .-> s7"#), "{out}");

    let o = workflow(&["graph", "--format", "dot", "order.asl.json"]);
    let out = stdout(&o);
    assert!(out.starts_with("digraph workflow {"));
    assert!(out.contains("subgraph cluster_s3_items {"), "{out}");
    assert!(
        out.contains(r#"s1 -> s2 [label="$.total > 1000"];"#),
        "{out}"
    );
}

#[test]
fn graph_highlights_a_history() {
    let path = temp("declined-history.json");
    let o = run_order("Declined", &["--history-out", path.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let o = workflow(&[
        "graph",
        "order.asl.json",
        "--history",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    // ChargeCard failed into PaymentFailed; nothing else ran.
    assert!(out.contains("class s0,s7 visited"), "{out}");
    assert!(out.contains("class s7 failed"), "{out}");
    let dot = stdout(&workflow(&[
        "graph",
        "--format",
        "dot",
        "order.asl.json",
        "--history",
        path.to_str().unwrap(),
    ]));
    assert!(dot.contains(r##"s0 -> s7 [label="catch States.ALL", style=dashed, color="#c62828", color="#2e7d32", penwidth=3];"##), "{dot}");
    assert!(
        dot.contains(r#"s1 -> s2 [label="$.total > 1000"];"#),
        "{dot}"
    );
}

#[test]
fn graph_svg_is_valid_svg() {
    let out = temp("order.svg");
    let o = workflow(&[
        "graph",
        "--format",
        "svg",
        "order.asl.json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let width: f64 = root.attribute("width").unwrap().parse().unwrap();
    assert!(width > 100.0);
    let texts: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    for name in [
        "ChargeCard",
        "IsBig",
        "CoolingOff",
        "ReserveItems",
        "Reserve",
        "Done",
        "PaymentFailed",
        "ReserveItems · each item",
    ] {
        assert!(texts.contains(name), "{name} missing from {texts}");
    }
    assert!(
        !text.contains("Times"),
        "text must not ask for a font that may be missing"
    );
    let o = workflow(&["graph", "--format", "svg", "missing.json"]);
    assert_eq!(code(&o), 2);
    let o = workflow(&["graph", "not-json.yaml"]);
    assert_eq!(code(&o), 1);
    let o = workflow(&["graph", "invalid.asl.json"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("error[unknown-field]"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("invalid.asl.json is not a valid state machine (2 problems)"));
}

// ---------------------------------------------------------------- cost

#[test]
fn cost_standard_pins() {
    // (10,000 x 8 - 4,000 free) x $0.025 / 1,000 = $1.90
    let o = workflow(&["cost", "eight.asl.json", "--executions-per-month", "10000"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("STANDARD  $1.90"), "{}", stdout(&o));
    // (1,000 x 20 - 4,000 free) x $0.025 / 1,000 = $0.40
    let o = workflow(&[
        "cost",
        "twenty.asl.json",
        "--executions-per-month",
        "1000",
        "--format",
        "json",
    ]);
    let doc = json_out(&o);
    assert_eq!(doc["transitions"]["min"], 20);
    assert_eq!(doc["transitions"]["max"], 20);
    assert!(
        (doc["standard"]["monthly_usd"].as_f64().unwrap() - 0.40).abs() < 1e-9,
        "{doc}"
    );
}

#[test]
fn cost_express_and_cheaper() {
    // 1,000,000 executions of 64 MB for 100 ms: $1.00 of requests, plus 6,250 GB-s at
    // $0.00001667 = $0.104; STANDARD: (8,000,000 - 4,000) x $0.025 / 1,000 = $199.90.
    let o = workflow(&[
        "cost",
        "eight.asl.json",
        "--executions-per-month",
        "1000000",
        "--express-duration-ms",
        "100",
        "--format",
        "json",
    ]);
    let doc = json_out(&o);
    assert!((doc["standard"]["monthly_usd"].as_f64().unwrap() - 199.90).abs() < 1e-6);
    assert!(
        (doc["express"]["monthly_usd"].as_f64().unwrap() - (1.0 + 6250.0 * 0.00001667)).abs()
            < 1e-9,
        "{doc}"
    );
    assert_eq!(doc["cheaper"], "EXPRESS");
    // At 100 executions a month STANDARD is free.
    let o = workflow(&[
        "cost",
        "eight.asl.json",
        "--executions-per-month",
        "100",
        "--format",
        "json",
    ]);
    assert_eq!(json_out(&o)["cheaper"], "STANDARD");
}

#[test]
fn cost_from_a_run_and_overridden_prices() {
    // The happy path: ChargeCard tried 3 times, IsBig, CoolingOff, ReserveItems, 2 x Reserve,
    // Done: 3 + 1 + 1 + 1 + 2 + 1 = 9 transitions.
    let o = workflow(&[
        "cost",
        "order.asl.json",
        "--input",
        ORDER_INPUT,
        "--mock-config",
        "order.mock.json",
        "--test-case",
        "HappyPath",
        "--time-scale",
        "0",
        "--executions-per-month",
        "10000",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json_out(&o);
    assert_eq!(doc["transitions"]["run"], 9);
    assert_eq!(doc["transitions"]["max"], Value::Null);
    // (90,000 - 4,000) x 0.025 / 1,000
    assert!((doc["standard"]["monthly_usd"].as_f64().unwrap() - 2.15).abs() < 1e-9);
    // The run's recorded duration (an hour and 6 s) prices EXPRESS.
    assert_eq!(doc["express"]["duration_ms"], 3_606_000);

    let prices = temp("prices.json");
    std::fs::write(
        &prices,
        r#"{"standard_free_transitions": 0, "standard_per_1000_transitions": 0.05}"#,
    )
    .unwrap();
    let o = workflow(&[
        "cost",
        "eight.asl.json",
        "--executions-per-month",
        "10000",
        "--prices",
        prices.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!((json_out(&o)["standard"]["monthly_usd"].as_f64().unwrap() - 4.0).abs() < 1e-9);
    let o = workflow(&["cost", "--show-prices", "eight.asl.json"]);
    assert!(stdout(&o).contains(r#""standard_per_1000_transitions": 0.025"#));
}

#[test]
fn cost_bad_files() {
    let o = workflow(&["cost", "missing.json"]);
    assert_eq!(code(&o), 2);
    let o = workflow(&["cost", "invalid.asl.json"]);
    assert_eq!(code(&o), 1);
    let o = workflow(&["cost", "not-json.yaml"]);
    assert_eq!(code(&o), 1);
    let o = workflow(&["cost", "not-a-machine.json"]);
    assert_eq!(code(&o), 1);
    let bad = temp("bad-prices.json");
    std::fs::write(&bad, r#"{"typo": 1}"#).unwrap();
    let o = workflow(&["cost", "eight.asl.json", "--prices", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("is not a price table"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------- limits

/// `workflow args...` with `input` on its stdin.
fn workflow_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(fixture(""))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the workflow binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // It stops reading past the limit: the rest of the write may fail, which is the point.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

#[test]
fn every_file_read_is_bounded() {
    // /dev/zero never ends: each read stops past its limit with one line and no growth.
    // A definition over AWS's limit is the definition's problem (1); any other file is the
    // command's (2).
    let definition = "is larger than 1,048,576 characters, AWS's limit for a definition";
    let input = "is larger than 262,144 bytes, AWS's limit for an execution input";
    let data = "is larger than 64 MiB, the most `workflow` reads";
    for (args, exit, says) in [
        (&["validate", "/dev/zero"][..], 1, definition),
        (&["lint", "/dev/zero"][..], 1, definition),
        (&["run", "/dev/zero"][..], 1, definition),
        (&["graph", "/dev/zero"][..], 1, definition),
        (&["cost", "/dev/zero"][..], 1, definition),
        (
            &["run", "eight.asl.json", "--input", "@/dev/zero"][..],
            2,
            input,
        ),
        (
            &["cost", "eight.asl.json", "--input", "@/dev/zero"][..],
            2,
            input,
        ),
        (&["history", "/dev/zero"][..], 2, data),
        (
            &["graph", "eight.asl.json", "--history", "/dev/zero"][..],
            2,
            data,
        ),
        (
            &["run", "order.asl.json", "--mock-config", "/dev/zero"][..],
            2,
            data,
        ),
        (
            &["cost", "eight.asl.json", "--prices", "/dev/zero"][..],
            2,
            data,
        ),
    ] {
        let o = workflow(args);
        assert_eq!(code(&o), exit, "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let o = workflow(&["validate", "--format", "json", "/dev/zero"]);
    assert_eq!(code(&o), 1);
    assert!(
        json_out(&o)["files"][0]["error"]
            .as_str()
            .unwrap()
            .contains(definition)
    );
}

#[test]
fn an_input_on_stdin_is_bounded_at_aws_limit() {
    // AWS counts the input's text, whitespace included: 262,144 bytes pass, one more does not.
    let padded = |bytes: usize| format!("{{}}{}", " ".repeat(bytes - 2)).into_bytes();
    let o = workflow_with_stdin(
        &["run", "eight.asl.json", "--input", "-", "--format", "json"],
        &padded(262_144),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = workflow_with_stdin(&["run", "eight.asl.json", "--input", "-"], &padded(262_145));
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "error: standard input is larger than 262,144 bytes, AWS's limit for an execution input\n"
    );
    let o = workflow_with_stdin(
        &["run", "eight.asl.json", "--input", "-"],
        &vec![0; 64 << 20],
    );
    assert_eq!(code(&o), 2);
}

#[test]
fn history_width_is_bounded() {
    let o = workflow(&["history", "aws-cli-history.json", "--width", "10000"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for width in ["0", "10001", "18446744073709551615"] {
        let o = workflow(&["history", "aws-cli-history.json", "--width", width]);
        assert_eq!(code(&o), 2, "--width {width}");
        assert!(stderr(&o).contains("--width"), "{}", stderr(&o));
    }
}

/// Whether a process whose command line contains `marker` is running.
fn running(marker: &str) -> bool {
    Command::new("pgrep")
        .args(["-f", marker])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[cfg(unix)]
#[test]
fn a_signal_to_workflow_stops_its_bound_commands_first() {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::time::{Duration, Instant};
    let definition = one_task_machine("signal.asl.json");
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // The command runs in its own process group, which a signal to `workflow` (or a
        // terminal's Ctrl-C) does not reach: `workflow` must stop it itself.
        let marker = format!("sleep 1000.{}{signal}", std::process::id());
        let mut command = Command::new(env!("CARGO_BIN_EXE_workflow"));
        command
            .args(["run", definition.to_str().unwrap(), "--format", "json"])
            .arg("--bind")
            .arg(format!("f={marker}; echo {{}}"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        // SAFETY: signal(2) between fork and exec: async-signal-safe, touches no memory.
        // A test runner started in the background may ignore SIGINT, which `workflow` keeps.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        let started = Instant::now();
        while !running(&marker) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "`{marker}` never started"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let o = child.wait_with_output().unwrap();
        // It ends by the signal itself, as Unix tools do (a shell shows 128 + the signal).
        assert_eq!(o.status.signal(), Some(signal), "{:?}", o.status);
        assert_eq!(stdout(&o), "");
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        // SIGKILL is immediate, but the process table may take a moment to say so.
        let stopped = Instant::now();
        while running(&marker) {
            assert!(
                stopped.elapsed() < Duration::from_secs(2),
                "`{marker}` outlived `workflow`"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A one-task machine whose task is the Lambda function `f`.
fn one_task_machine(name: &str) -> PathBuf {
    let definition = temp(name);
    std::fs::write(
        &definition,
        r#"{"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f", "End": true}}}"#,
    )
    .unwrap();
    definition
}

/// `workflow run` of the one-task machine with `f` bound to `target`, as JSON.
fn run_bound(target: &str) -> Value {
    let definition = one_task_machine("bound.asl.json");
    let o = workflow(&[
        "run",
        definition.to_str().unwrap(),
        "--bind",
        &format!("f={target}"),
        "--time-scale",
        "0",
        "--format",
        "json",
    ]);
    json_out(&o)
}

/// AWS's cause for a Lambda function's result over the payload limit (as the runtime's own
/// limits tests pin it).
const TOO_LARGE: &str = "The state/task 'arn:aws:lambda:us-east-1:111111111111:function:f' returned a result with a size exceeding the maximum number of bytes service limit.";

#[test]
fn a_bound_commands_output_is_bounded() {
    // A JSON string of 262,144 bytes of text is at the limit; one byte more is over it.
    let string_of = |bytes: usize| {
        format!(
            r#"printf '"'; head -c {} /dev/zero | tr '\0' a; printf '"'"#,
            bytes - 2
        )
    };
    let out = run_bound(&string_of(262_144));
    assert_eq!(out["status"], "SUCCEEDED", "{}", out["cause"]);
    assert_eq!(out["output"].as_str().unwrap().len(), 262_142);
    let out = run_bound(&string_of(262_145));
    assert_eq!(
        (&out["error"], &out["cause"]),
        (&json!("States.DataLimitExceeded"), &json!(TOO_LARGE))
    );
    // An endless output is cut at the limit and the command stopped.
    let out = run_bound("cat /dev/zero");
    assert_eq!(out["error"], "States.DataLimitExceeded");

    // 100 MB on stderr: the cause keeps its first 32,768 characters, AWS's bound.
    let out = run_bound(r#"head -c 100000000 /dev/zero | tr '\0' a >&2; exit 1"#);
    assert_eq!(out["error"], "States.TaskFailed");
    assert_eq!(out["cause"], json!("a".repeat(32_768)));
    // An error document's name is cut to AWS's 256 characters.
    let name = "E".repeat(1_000);
    let out = run_bound(&format!(r#"echo '{{"error": "{name}"}}'; exit 1"#));
    assert_eq!(out["error"], json!(name[..256]));
}

#[test]
fn an_endpoints_answer_is_bounded() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf);
        // A 2xx answer whose body goes on and on: the client stops reading.
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n\"");
        let chunk = vec![b'a'; 64 * 1024];
        while stream.write_all(&chunk).is_ok() {}
    });
    let out = run_bound(&format!("http://127.0.0.1:{port}/big"));
    server.join().unwrap();
    assert_eq!(
        (&out["error"], &out["cause"]),
        (&json!("States.DataLimitExceeded"), &json!(TOO_LARGE))
    );
}

#[test]
fn a_failed_write_to_stdout_is_exit_2() {
    let history = temp("full-history.json");
    let o = workflow(&[
        "run",
        "eight.asl.json",
        "--history-out",
        history.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    for args in [
        &["graph", "eight.asl.json"][..],
        &["graph", "--format", "svg", "eight.asl.json"][..],
        &["validate", "eight.asl.json"][..],
        &["validate", "--format", "json", "eight.asl.json"][..],
        &["lint", "eight.asl.json"][..],
        &["lint", "--rules"][..],
        &["run", "eight.asl.json"][..],
        &["run", "eight.asl.json", "--format", "json"][..],
        &["history", history.to_str().unwrap()][..],
        &["cost", "eight.asl.json"][..],
        &["cost", "--show-prices", "eight.asl.json"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_workflow"))
            .args(args)
            .current_dir(fixture(""))
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(code(&o), 2, "{args:?}");
        assert_eq!(
            stderr(&o),
            "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_reader_that_goes_away_ends_workflow_quietly() {
    use std::io::BufRead;
    use std::os::unix::process::ExitStatusExt;
    // Far more table than a pipe holds: `workflow` is still writing when the reader goes.
    let events: Vec<Value> = (1..=30_000)
        .map(|i| {
            json!({"id": i, "type": "PassStateEntered", "timestamp": "2024-01-01T00:00:00Z",
                         "stateEnteredEventDetails": {"name": format!("S{i}"), "input": "{}"}})
        })
        .collect();
    let big = temp("big-history.json");
    std::fs::write(&big, json!({ "events": events }).to_string()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(["history", big.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -1`.
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("event"), "{first}");
    let o = child.wait_with_output().unwrap();
    // Like `cat`: killed by SIGPIPE, nothing on stderr (no panic, no error line).
    assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{:?}", o.status);
    assert_eq!(stderr(&o), "");
}

#[test]
fn cost_show_prices_needs_no_file() {
    let o = workflow(&["cost", "--show-prices"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The built-in table: us-east-1's published STANDARD price.
    assert_eq!(json_out(&o)["standard_per_1000_transitions"], 0.025);
    let prices = temp("show-prices.json");
    std::fs::write(&prices, r#"{"standard_per_1000_transitions": 0.05}"#).unwrap();
    let o = workflow(&[
        "cost",
        "--show-prices",
        "--prices",
        prices.to_str().unwrap(),
    ]);
    assert_eq!(json_out(&o)["standard_per_1000_transitions"], 0.05);
    assert_eq!(json_out(&o)["express_per_million_requests"], 1.0);
    // Without --show-prices a FILE is still needed.
    let o = workflow(&["cost"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn cost_refuses_what_does_not_fit_and_bad_prices() {
    // order.asl.json's Map has no literal Items: --map-items sets the most, and 2^64 - 1
    // items of a Task state each is more transitions than a u64 holds.
    let o = workflow(&[
        "cost",
        "order.asl.json",
        "--map-items",
        "18446744073709551615",
    ]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(
        stderr(&o).contains("is more than 64 bits can count")
            && stderr(&o).contains("(--map-items 18446744073709551615)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
    // 2^64 - 1 MB rounds up to a 64-MB step past 2^64; 2^64 - 1 executions of 8 transitions.
    for (option, why) in [
        (
            "--express-memory-mb",
            "--express-memory-mb 18446744073709551615",
        ),
        (
            "--executions-per-month",
            "more transitions than 64 bits can count",
        ),
    ] {
        let o = workflow(&["cost", "eight.asl.json", option, "18446744073709551615"]);
        assert_eq!(code(&o), 2, "{option}");
        assert!(stderr(&o).contains(why), "{option}: {}", stderr(&o));
    }

    for (text, why) in [
        ("[]", "it is a JSON array, not an object of prices"),
        (
            r#"{"standard_per_1000_transitions": -1}"#,
            "standard_per_1000_transitions must be a number of at least 0, not -1",
        ),
        (
            r#"{"express_duration_tiers": [{"up_to_gb_hours": 1, "per_gb_second": 0.1}]}"#,
            "express_duration_tiers[0].up_to_gb_hours must be null",
        ),
    ] {
        let prices = temp("bad-prices-2.json");
        std::fs::write(&prices, text).unwrap();
        let o = workflow(&[
            "cost",
            "eight.asl.json",
            "--prices",
            prices.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 2, "{text}");
        assert!(stderr(&o).contains(why), "{text}: {}", stderr(&o));
    }
}

// ---------------------------------------------------------------- bounded output

/// A one-line (minified) definition of `A` and `n` states nothing leads to.
fn unreachable_states(n: usize) -> String {
    let states: Vec<String> = (0..n)
        .map(|i| format!(r#""U{i}":{{"Type":"Pass","End":true}}"#))
        .collect();
    format!(
        r#"{{"StartAt":"A","States":{{"A":{{"Type":"Pass","End":true}},{}}}}}"#,
        states.join(",")
    )
}

#[test]
fn diagnostics_of_a_minified_definition_stay_small() {
    // 1,900 unreachable states on one 60 KB line: the renderer used to repeat the whole line
    // (and as many spaces under it) for each of them, 186 MB in all.
    let path = temp("minified.asl.json");
    std::fs::write(&path, unreachable_states(1_900)).unwrap();
    let file = path.to_str().unwrap();
    let o = workflow(&["validate", file]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.len() < 32 * 1024, "{} bytes", out.len());
    // SHOWN_PER_CODE (20) of them, then the count of the rest.
    assert_eq!(out.matches("error[unreachable-state]").count(), 20);
    assert!(
        out.contains("... and 1,880 more unreachable-state diagnostics"),
        "{out}"
    );
    // Each source line is a window of it, the carets under the state's name.
    let shown = out.lines().find(|l| l.starts_with("1 | ")).unwrap();
    assert!(shown.chars().count() < 110, "{shown}");
    assert!(stderr(&o).contains("is not a valid state machine: 1900 errors"));

    // JSON: a tool gets up to 1,000 of one code, and how many more there were.
    let o = workflow(&["validate", "--format", "json", file]);
    let doc = json_out(&o);
    let result = &doc["files"][0];
    assert_eq!(result["diagnostics"].as_array().unwrap().len(), 1_000);
    assert_eq!(result["omitted"], json!({"unreachable-state": 900}));

    // The commands that print a document print the problems on stderr, bounded alike.
    for command in ["graph", "cost", "run"] {
        let o = workflow(&[command, file]);
        assert_eq!(code(&o), 1, "{command}");
        assert_eq!(stdout(&o), "", "{command}");
        assert!(
            stderr(&o).len() < 32 * 1024,
            "{command}: {}",
            stderr(&o).len()
        );
        assert!(stderr(&o).contains("... and 1,880 more unreachable-state diagnostics"));
    }
}

#[test]
fn user_text_in_messages_is_clipped_and_visible() {
    // A 450 KB state name (past the 80-character limit, unreachable) and the same text as a
    // Task's Resource (together under AWS's 1 MB definition limit); and a name with an
    // escape sequence, which must not reach a terminal raw.
    let long = "x".repeat(450_000);
    let text = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "End": true},
        long.clone(): {"Type": "Pass", "End": true},
        "B": {"Type": "Task", "Resource": long, "End": true},
        "\u{1b}[2J": {"Type": "Pass", "End": true}
    }})
    .to_string();
    let path = temp("long-text.asl.json");
    std::fs::write(&path, text).unwrap();
    let file = path.to_str().unwrap();
    for command in ["validate", "lint", "graph", "cost", "run"] {
        let o = workflow(&[command, file]);
        assert_eq!(code(&o), 1, "{command}");
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(all.len() < 32 * 1024, "{command}: {} bytes", all.len());
        assert!(!all.contains('\u{1b}'), "{command}: a raw escape");
        assert!(
            all.contains(r#"State "\u001B[2J" is not reachable"#),
            "{command}"
        );
    }
    let o = workflow(&["validate", "--format", "json", file]);
    let doc = json_out(&o);
    for d in doc["files"][0]["diagnostics"].as_array().unwrap() {
        assert!(d["message"].as_str().unwrap().chars().count() <= 500, "{d}");
        assert!(d["pointer"].as_str().unwrap().chars().count() <= 500, "{d}");
    }
}

// ---------------------------------------------------------------- graph: escaping and scale

/// State names, a Choice rule and a Catch with what each graph format must escape: a control
/// character (U+0001, which XML 1.0 cannot hold even escaped), a noncharacter (U+FFFF, also
/// not XML), quotes, a backslash, a newline, markup characters, brackets, a backtick and `#`.
const AWKWARD_NAMES: &str = r#"{"StartAt": "A\u0001\"<&>", "States": {
  "A\u0001\"<&>": {"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": "a`#]", "Next": "B\\\"\n"}], "Default": "C[x]"},
  "B\\\"\n": {"Type": "Parallel", "Branches": [{"StartAt": "D\uFFFF", "States": {"D\uFFFF": {"Type": "Pass", "End": true}}}],
      "Catch": [{"ErrorEquals": ["E\"\n<x>"], "Next": "C[x]"}], "End": true},
  "C[x]": {"Type": "Succeed"}}}"#;

fn awkward_graph(format: &str) -> String {
    let path = temp("awkward.asl.json");
    std::fs::write(&path, AWKWARD_NAMES).unwrap();
    let o = workflow(&["graph", "--format", format, path.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    // No raw control character but line ends, in any format.
    assert!(
        !out.chars().any(|c| c.is_control() && c != '\n'),
        "{format}: {out:?}"
    );
    out
}

#[test]
fn graph_svg_escapes_every_name() {
    let text = awkward_graph("svg");
    // This used to be invalid XML: U+0001 written raw.
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    // What cannot be shown is written visibly, the rest as it is.
    for shown in [
        r#"A\u0001"<&>"#,
        r#"B\"\n"#,
        r#"D\uFFFF"#,
        "C[x]",
        r#"catch E"\n<x>"#,
        r#"B\"\n · branch 1"#,
        r#"$.x == "a`#]""#,
    ] {
        assert!(texts.contains(&shown), "{shown} not in {texts:?}");
    }
}

#[test]
fn graph_mermaid_labels_stay_inside_their_quotes() {
    let out = awkward_graph("mermaid");
    // Mermaid's entity codes, back to text.
    let decode = |s: &str| {
        s.replace("#quot;", "\"")
            .replace("#lt;", "<")
            .replace("#gt;", ">")
            .replace("#amp;", "&")
            .replace("#96;", "`")
            .replace("#35;", "#")
    };
    let mut labels = Vec::new();
    for line in out.lines().skip(1) {
        // Every quoted label holds no quote: each line has 0 or 2 of them.
        let quotes = line.matches('"').count();
        assert!(quotes == 0 || quotes == 2, "{line}");
        if quotes == 2 {
            let (start, end) = (line.find('"').unwrap(), line.rfind('"').unwrap());
            labels.push(decode(&line[start + 1..end]));
        }
    }
    for label in [
        r#"A\u0001"<&>"#,
        r#"B\"\n<br/><small>Parallel</small>"#,
        r#"D\uFFFF<br/><small>Pass</small>"#,
        "C[x]<br/><small>Succeed</small>",
        r#"B\"\n · branch 1"#,
        r#"$.x == "a`#]""#,
        r#"catch E"\n<x>"#,
    ] {
        // The `<br/>` and `<small>` are ours; a name's `<` is an entity code.
        assert!(
            labels.iter().any(|l| l == label),
            "{label} not in {labels:?}"
        );
    }
    // A name's own `<`, `#` and backtick are codes, not markup.
    assert!(out.contains("A\\u0001#quot;#lt;#amp;#gt;"), "{out}");
    assert!(out.contains("a#96;#35;]"), "{out}");
}

/// The strings of a DOT document, decoded (`\"` and `\\`; `\n`, DOT's line break, as a
/// newline); panics on one that is not closed.
fn dot_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        loop {
            match chars.next().expect("a closed string") {
                '"' => break,
                '\\' => match chars.next().expect("an escaped character") {
                    'n' => s.push('\n'),
                    other => s.push(other),
                },
                other => s.push(other),
            }
        }
        out.push(s);
    }
    out
}

#[test]
fn graph_dot_escapes_quotes_and_backslashes() {
    let out = awkward_graph("dot");
    let strings = dot_strings(&out);
    for label in [
        r#"A\u0001"<&>"#,
        "B\\\"\\n\n(Parallel)",
        "D\\uFFFF\n(Pass)",
        "C[x]\n(Succeed)",
        r#"B\"\n · branch 1"#,
        r#"$.x == "a`#]""#,
        r#"catch E"\n<x>"#,
    ] {
        assert!(
            strings.iter().any(|s| s == label),
            "{label:?} not in {strings:?}"
        );
    }
}

/// `k` diamonds in a row (a Choice to two Pass states that meet at the next Choice).
fn diamond_chain(k: usize) -> String {
    let mut states = Vec::new();
    for i in 0..k {
        let next = if i + 1 < k {
            format!("C{}", i + 1)
        } else {
            "Done".to_string()
        };
        states.push(format!(
            r#""C{i}": {{"Type": "Choice", "Choices": [{{"Variable": "$.x", "BooleanEquals": true, "Next": "L{i}"}}], "Default": "R{i}"}},
            "L{i}": {{"Type": "Pass", "Next": "{next}"}}, "R{i}": {{"Type": "Pass", "Next": "{next}"}}"#
        ));
    }
    states.push(r#""Done": {"Type": "Succeed"}"#.to_string());
    format!(r#"{{"StartAt": "C0", "States": {{{}}}}}"#, states.join(","))
}

/// A chain of `n` states: Pass states, or with `handler` Tasks that each catch into a Fail
/// state after the last.
fn chain(n: usize, handler: bool) -> String {
    let mut states: Vec<String> = (0..n)
        .map(|i| {
            let next = if i + 1 < n {
                format!(r#""Next": "S{}""#, i + 1)
            } else {
                r#""End": true"#.to_string()
            };
            if handler {
                format!(
                    r#""S{i}": {{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", {next}, "Catch": [{{"ErrorEquals": ["States.ALL"], "Next": "Handler"}}]}}"#
                )
            } else {
                format!(r#""S{i}": {{"Type": "Pass", {next}}}"#)
            }
        })
        .collect();
    if handler {
        states.push(r#""Handler": {"Type": "Fail"}"#.to_string());
    }
    format!(r#"{{"StartAt": "S0", "States": {{{}}}}}"#, states.join(","))
}

#[test]
fn graph_and_cost_finish_on_big_graphs() {
    // Sizes past the old code's reach, done here in a fraction of a second (release) each:
    // layout-rs checked reachability for each edge with a search that is exponential on a
    // chain of diamonds (22 diamonds: 3.7 s, each one more doubling it; 40: days), and cost
    // searched for loops from every state (cubic: a 3,000-state chain took 5.7 s, 10,000 more
    // than 30 s) and listed paths one by one (2^40 here).
    let diamonds = temp("diamonds.asl.json");
    std::fs::write(&diamonds, diamond_chain(40)).unwrap();
    let long = temp("long-chain.asl.json");
    std::fs::write(&long, chain(10_000, false)).unwrap();
    // Every state catches into one handler after the last: edges spanning every rank, a
    // quadratic number of edge points unless bounded.
    let caught = temp("caught-chain.asl.json");
    std::fs::write(&caught, chain(2_000, true)).unwrap();
    for path in [&diamonds, &long, &caught] {
        let file = path.to_str().unwrap();
        let o = workflow(&["graph", "--format", "svg", file]);
        assert_eq!(code(&o), 0, "{file}: {}", stderr(&o));
        roxmltree::Document::parse(&stdout(&o)).expect("well-formed XML");
        let o = workflow(&["cost", "--format", "json", file]);
        assert_eq!(code(&o), 0, "{file}: {}", stderr(&o));
    }
    let o = workflow(&["cost", "--format", "json", diamonds.to_str().unwrap()]);
    let doc = json_out(&o);
    // Each diamond doubles the paths; each path is 40 Choices, 40 Pass states and Done.
    assert_eq!(doc["transitions"]["path_count"], 1u64 << 40);
    assert_eq!(doc["transitions"]["paths_truncated"], true);
    assert_eq!(doc["transitions"]["min"], 81);
    let o = workflow(&["cost", "--format", "json", long.to_str().unwrap()]);
    let doc = json_out(&o);
    assert_eq!(doc["transitions"]["min"], 10_000);
    assert_eq!(doc["transitions"]["max"], 10_000);
    assert_eq!(doc["transitions"]["path_count"], 1);
}

#[test]
fn validate_stays_fast_with_many_problems() {
    // 12,000 states whose Next names no state, next to 12,000 with an unknown field (compact,
    // to stay under AWS's 1 MB definition limit): the old validator looked for a "did you
    // mean" among all names for each bad target (74 s in release at 20,000 of each),
    // recounted every error so far for each state, and compared every structural problem
    // with every other one (24 s). Now each is linear.
    let mut states = vec![r#""A":{"Type":"Succeed"}"#.to_string()];
    for i in 0..12_000 {
        states.push(format!(r#""T{i}":{{"Type":"Pass","Next":"Q{i}"}}"#));
        states.push(format!(r#""U{i}":{{"Type":"Pass","End":true,"X":1}}"#));
    }
    let path = temp("many-problems.asl.json");
    std::fs::write(
        &path,
        format!(r#"{{"StartAt":"A","States":{{{}}}}}"#, states.join(",")),
    )
    .unwrap();
    let o = workflow(&["validate", path.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("... and 11,980 more unknown-target diagnostics"));
    assert!(stdout(&o).contains("... and 11,980 more unknown-field diagnostics"));
}

/// Found by the mutation script: a `--history-out` past the file-size limit (`ulimit -f`)
/// killed `workflow` by SIGXFSZ. It is an error writing a file, reported as a full disk is,
/// and the half-written history is removed.
#[cfg(unix)]
#[test]
fn run_history_out_past_the_file_size_limit_is_a_write_error() {
    let states: serde_json::Map<String, Value> = (0..20)
        .map(|i| {
            let next = if i == 19 {
                serde_json::json!({"Type": "Pass", "End": true})
            } else {
                serde_json::json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
            };
            (format!("S{i}"), next)
        })
        .collect();
    let definition = temp("history-limit.asl.json");
    std::fs::write(
        &definition,
        serde_json::json!({"StartAt": "S0", "States": states}).to_string(),
    )
    .unwrap();
    let input = temp("history-limit.input.json");
    std::fs::write(
        &input,
        serde_json::json!({"blob": "x".repeat(50_000)}).to_string(),
    )
    .unwrap();
    let history = temp("history-limit.history.json");
    let _ = std::fs::remove_file(&history);
    // The history (41 events of 50 KB) is about 2 MB; the limit, 400 blocks of 512 bytes.
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 400 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_workflow"))
        .args(["run", definition.to_str().unwrap()])
        .arg("--input")
        .arg(format!("@{}", input.display()))
        .args(["--history-out", history.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("cannot write"), "{err}");
    assert!(err.contains("history-limit.history.json"), "{err}");
    assert!(!history.exists(), "the half-written history is removed");
}
