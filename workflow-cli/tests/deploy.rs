//! `workflow iam` and `workflow template` on real files: the policy's statements for each
//! integration (resources as narrow as the definition allows, following AWS's "IAM policies
//! for integrated services" pages), the template's substitutions, functions, logging and
//! role, and `workflow lint --template`.

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn json_out(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

const INTEGRATIONS: &str = "deploy/integrations.asl.json";

/// The resources of the statement that has exactly these actions.
fn resources_of(policy: &Value, actions: &[&str]) -> Value {
    let statement = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == json!(actions))
        .unwrap_or_else(|| panic!("no statement for {actions:?} in {policy:#}"));
    statement["Resource"].clone()
}

fn iam_of_integrations() -> (Value, String) {
    let o = workflow(&[
        "iam",
        INTEGRATIONS,
        "--region",
        "eu-west-1",
        "--account",
        "123456789012",
        "--state-machine-name",
        "Orders",
    ]);
    (json_out(&o), stderr(&o))
}

#[test]
fn iam_names_what_the_definition_writes() {
    let (policy, notes) = iam_of_integrations();
    assert_eq!(policy["Version"], "2012-10-17");
    // A function read from the input ("FunctionName.$") is any function: AWS's dynamic
    // policy, which covers the functions named in the definition too.
    assert_eq!(resources_of(&policy, &["lambda:InvokeFunction"]), "*");
    assert_eq!(
        resources_of(&policy, &["dynamodb:GetItem"]),
        json!(["arn:aws:dynamodb:eu-west-1:123456789012:table/Customers"])
    );
    // `${OrdersTable}` without a value: any table of the account, not any resource.
    assert_eq!(
        resources_of(&policy, &["dynamodb:PutItem"]),
        json!(["arn:aws:dynamodb:eu-west-1:123456789012:table/*"])
    );
    assert_eq!(
        resources_of(&policy, &["sns:Publish"]),
        json!(["arn:aws:sns:eu-west-1:123456789012:orders"])
    );
    assert_eq!(
        resources_of(&policy, &["sqs:SendMessage"]),
        json!(["arn:aws:sqs:eu-west-1:123456789012:packing"])
    );
    assert_eq!(
        resources_of(&policy, &["events:PutEvents"]),
        json!([
            "arn:aws:events:eu-west-1:123456789012:event-bus/default",
            "arn:aws:events:eu-west-1:123456789012:event-bus/partners"
        ])
    );
    // The three children (one substituted) and the Distributed Map's own executions.
    assert_eq!(
        resources_of(&policy, &["states:StartExecution"]),
        json!([
            "arn:aws:states:eu-west-1:123456789012:stateMachine:Audit",
            "arn:aws:states:eu-west-1:123456789012:stateMachine:*",
            "arn:aws:states:eu-west-1:123456789012:stateMachine:Report",
            "arn:aws:states:eu-west-1:123456789012:stateMachine:Orders"
        ])
    );
    assert_eq!(
        resources_of(
            &policy,
            &["events:PutTargets", "events:PutRule", "events:DescribeRule"]
        ),
        json!([
            "arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule",
            "arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForECSTaskRule",
            "arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForBatchJobsRule"
        ])
    );
    assert_eq!(
        resources_of(&policy, &["ecs:RunTask"]),
        json!(["arn:aws:ecs:eu-west-1:123456789012:task-definition/render-invoice:*"])
    );
    // The HTTP Task: the state machine itself, for its method and endpoint.
    let http = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == json!(["states:InvokeHTTPEndpoint"]))
        .unwrap();
    assert_eq!(
        http["Resource"],
        json!(["arn:aws:states:eu-west-1:123456789012:stateMachine:Orders"])
    );
    assert_eq!(
        http["Condition"]["StringEquals"]["states:HTTPMethod"],
        "POST"
    );
    assert_eq!(
        resources_of(
            &policy,
            &[
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret"
            ]
        ),
        json!(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:events!connection/example/*"])
    );
    assert_eq!(
        resources_of(&policy, &["s3:GetObject"]),
        json!(["arn:aws:s3:::order-data/items.json"])
    );
    // The activity adds nothing; no statement allows `*` actions.
    assert!(
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["Action"] != "*")
    );
    assert!(notes.contains("iam:PassRole"), "{notes}");
    assert!(notes.contains("${OrdersTable} has no value"), "{notes}");
}

#[test]
fn iam_fills_in_substitutions_and_the_account_it_is_told() {
    let o = workflow(&[
        "iam",
        INTEGRATIONS,
        "--substitute",
        "OrdersTable=Orders",
        "--substitute",
        "InvoiceMachine=arn:aws:states:eu-west-1:123456789012:stateMachine:Invoice",
    ]);
    let policy = json_out(&o);
    // Without --region and --account, those of the ARNs built from names are `*`.
    assert_eq!(
        resources_of(&policy, &["dynamodb:PutItem"]),
        json!(["arn:aws:dynamodb:*:*:table/Orders"])
    );
    let executions = resources_of(
        &policy,
        &["states:DescribeExecution", "states:StopExecution"],
    );
    assert!(
        executions.as_array().unwrap().contains(&json!(
            "arn:aws:states:eu-west-1:123456789012:execution:Invoice:*"
        )),
        "{executions}"
    );
    assert!(!stderr(&o).contains("${OrdersTable}"), "{}", stderr(&o));

    let o = workflow(&["iam", INTEGRATIONS, "--substitute", "Nope=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("has no ${Nope}; its substitutions are RequestApproval, OrdersTable, InvoiceMachine, ShipItem"),
        "{}",
        stderr(&o)
    );
    let o = workflow(&["iam", INTEGRATIONS, "--substitute", "OrdersTable"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected NAME=VALUE"), "{}", stderr(&o));
}

#[test]
fn iam_of_bad_files() {
    for (file, code) in [
        ("invalid.asl.json", 1),
        ("not-json.yaml", 1),
        ("missing.json", 2),
    ] {
        let o = workflow(&["iam", file]);
        assert_eq!(o.status.code(), Some(code), "{file}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{file}");
    }
}

#[test]
fn iam_of_an_order_with_logging_and_tracing() {
    let policy = json_out(&workflow(&[
        "iam",
        "order.asl.json",
        "--logging",
        "--tracing",
    ]));
    let statements = policy["Statement"].as_array().unwrap();
    let actions: Vec<&Value> = statements.iter().map(|s| &s["Action"][0]).collect();
    assert!(
        actions.contains(&&json!("logs:CreateLogDelivery")),
        "{policy:#}"
    );
    assert!(
        actions.contains(&&json!("xray:PutTraceSegments")),
        "{policy:#}"
    );
}

#[test]
fn template_fills_in_every_substitution() {
    let o = workflow(&["template", INTEGRATIONS, "--name", "Orders"]);
    let t = json_out(&o);
    assert_eq!(t["Transform"], "AWS::Serverless-2016-10-31");
    let machine = &t["Resources"]["StateMachine"]["Properties"];
    let substitutions = machine["DefinitionSubstitutions"].as_object().unwrap();
    let keys: Vec<&String> = substitutions.keys().collect();
    assert_eq!(
        keys,
        [
            "RequestApproval",
            "OrdersTable",
            "InvoiceMachine",
            "ShipItem"
        ]
    );
    // The two task functions are the template's; the table and the child are parameters.
    assert_eq!(
        substitutions["ShipItem"],
        json!({"Fn::GetAtt": ["ShipItemFunction", "Arn"]})
    );
    assert_eq!(substitutions["OrdersTable"], json!({"Ref": "OrdersTable"}));
    assert_eq!(
        t["Resources"]["ShipItemFunction"]["Type"],
        "AWS::Serverless::Function"
    );
    assert!(t["Resources"].get("OrdersTableFunction").is_none());
    assert_eq!(t["Parameters"]["StateMachineName"]["Default"], "Orders");
    // The definition is the file's, placeholders kept for CloudFormation to fill in.
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(INTEGRATIONS)).unwrap()).unwrap();
    assert_eq!(machine["Definition"], file);
    // The role's policy refers to the stack: its account, region and the machine's name.
    let statements = t["Resources"]["StateMachineRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    let http = statements
        .iter()
        .find(|s| s["Action"] == json!(["states:InvokeHTTPEndpoint"]))
        .unwrap();
    assert_eq!(
        http["Resource"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachineName}"}])
    );
    // The substituted child's executions: its name is field 6 of the ARN the stack is given.
    let executions = statements
        .iter()
        .find(|s| s["Action"] == json!(["states:DescribeExecution", "states:StopExecution"]))
        .unwrap();
    assert_eq!(
        executions["Resource"][0],
        json!({"Fn::Sub": ["arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${Field1}:*",
            {"Field1": {"Fn::Select": [6, {"Fn::Split": [":", {"Ref": "InvoiceMachine"}]}]}}]})
    );
}

#[test]
fn template_options_and_an_express_machine_without_logging() {
    let payment = "../../../examples/asl/Payment.asl.json";
    let t = json_out(&workflow(&[
        "template",
        payment,
        "--type",
        "express",
        "--tracing",
        "--arm64",
        "--code-uri",
        "target/lambda/payment",
        "--log-level",
        "all",
    ]));
    let machine = &t["Resources"]["StateMachine"]["Properties"];
    assert_eq!(machine["Name"], json!({"Ref": "StateMachineName"}));
    assert_eq!(t["Parameters"]["StateMachineName"]["Default"], "Payment");
    assert_eq!(machine["Type"], "EXPRESS");
    assert_eq!(machine["Tracing"], json!({"Enabled": true}));
    assert_eq!(t["Parameters"]["LogLevel"]["Default"], "ALL");
    let function = &t["Globals"]["Function"];
    assert_eq!(function["CodeUri"], "target/lambda/payment");
    assert_eq!(function["Architectures"], json!(["arm64"]));
    assert_eq!(function["Tracing"], "Active");

    let o = workflow(&[
        "template",
        payment,
        "--type",
        "express",
        "--log-level",
        "off",
    ]);
    let t = json_out(&o);
    assert!(
        t["Resources"]["StateMachine"]["Properties"]
            .get("Logging")
            .is_none()
    );
    assert!(
        stderr(&o).contains("warning[express-no-logging]"),
        "{}",
        stderr(&o)
    );
    // EXPRESS refuses `.sync` and `.waitForTaskToken`: no template for such a machine.
    let o = workflow(&["template", INTEGRATIONS, "--type", "express"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn lint_reads_a_template() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deploy");
    std::fs::create_dir_all(&dir).unwrap();
    let payment = "../../../examples/asl/Payment.asl.json";
    for (level, findings) in [("off", 1), ("error", 0)] {
        let o = workflow(&[
            "template",
            payment,
            "--type",
            "express",
            "--log-level",
            level,
        ]);
        let path = dir.join(format!("express-{level}.json"));
        std::fs::write(&path, &o.stdout).unwrap();
        let o = workflow(&[
            "lint",
            "--template",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report = json_out(&o);
        let found = report["files"][0]["findings"].as_array().unwrap();
        assert_eq!(found.len(), findings, "{level}: {report:#}");
        if findings == 1 {
            assert_eq!(found[0]["rule"], "express-no-logging");
            let o = workflow(&[
                "lint",
                "--template",
                path.to_str().unwrap(),
                "--deny-warnings",
            ]);
            assert_eq!(o.status.code(), Some(1));
        }
    }
}
