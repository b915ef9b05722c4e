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

fn workflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(fixture(""))
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

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("workflow-cli-tests-{}", std::process::id()));
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
    assert!(stdout(&o).contains("error[unknown-field]"));
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
    let still_running = || {
        Command::new("pgrep")
            .args(["-f", &marker])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    // SIGKILL is immediate, but the process table may take a moment to say so.
    for _ in 0..50 {
        if !still_running() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("`{marker}` is still running after its task timed out");
}

#[test]
fn run_unbound_task_fails_clearly() {
    let o = workflow(&[
        "run",
        "callback.asl.json",
        "--time-scale",
        "0",
        "--format",
        "json",
    ]);
    // The Catch turns the failure into the Fail state.
    assert_eq!(code(&o), 1);
    assert_eq!(
        json_out(&o),
        json!({"status": "FAILED", "error": "Rejected"})
    );
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
        stdout(&o).contains("error[unknown-field]"),
        "{}",
        stdout(&o)
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
