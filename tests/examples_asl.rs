//! Every example workflow's exported ASL is checked in under `examples/asl/` (resources as
//! `${Name}` substitution variables) and `examples/asl/resolved/` (resolved with example ARNs,
//! as deployed; CI runs asl-validator and statelint on those). This test keeps them in sync
//! with the code: run it with `UPDATE_EXPORTED_ASL=1` to rewrite the files after a change.

use std::path::PathBuf;

use order_workflows::*;
use serde_json::Value;
use workflow::dsl::WorkflowDefinition;

/// Each example workflow: its name, exported ASL and ASL resolved with example ARNs.
fn exported() -> Vec<(&'static str, String, String)> {
    fn entry<W: WorkflowDefinition>() -> (&'static str, String, String) {
        let resolved = workflow::dsl::resolve_asl(W::ASL, |name| {
            Some(format!(
                "arn:aws:lambda:us-east-1:123456789012:function:{name}"
            ))
        });
        (W::NAME, format!("{}\n", W::ASL), format!("{resolved}\n"))
    }
    vec![
        entry::<SequentialOrder>(),
        entry::<ApprovalOrder>(),
        entry::<ShipAndNotify>(),
        entry::<ReserveItems>(),
        entry::<Payment>(),
        entry::<CompleteOrder>(),
    ]
}

#[test]
fn checked_in_asl_matches_the_code() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/asl");
    let update = std::env::var_os("UPDATE_EXPORTED_ASL").is_some();
    let mut stale = Vec::new();
    for (name, asl, resolved) in exported() {
        for (path, text) in [
            (dir.join(format!("{name}.asl.json")), &asl),
            (
                dir.join("resolved").join(format!("{name}.asl.json")),
                &resolved,
            ),
        ] {
            if update {
                std::fs::write(&path, text).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(on_disk) if &on_disk == text => {}
                _ => stale.push(path.display().to_string()),
            }
        }
    }
    assert!(
        stale.is_empty(),
        "exported ASL out of date (run `UPDATE_EXPORTED_ASL=1 cargo test --test examples_asl`): {stale:?}"
    );
}

#[test]
fn resolved_asl_is_valid_and_keeps_callbacks() {
    for (name, _, resolved) in exported() {
        let definition =
            workflow::core::definition::Definition::from_json_str(&resolved, &Default::default());
        assert!(definition.is_ok(), "{name}: {:?}", definition.err());
        assert!(
            !resolved.contains("${"),
            "{name} still has substitution variables"
        );
    }
    let (_, _, approval) = exported()
        .into_iter()
        .find(|(n, ..)| *n == "ApprovalOrder")
        .unwrap();
    // The callback task invokes its Lambda function with the task token in the payload.
    let machine: Value = serde_json::from_str(&approval).unwrap();
    let task = &machine["States"]["RequestApproval"];
    assert_eq!(
        task["Resource"],
        "arn:aws:states:::lambda:invoke.waitForTaskToken"
    );
    assert_eq!(
        task["Parameters"]["FunctionName"],
        "arn:aws:lambda:us-east-1:123456789012:function:RequestApproval"
    );
    assert_eq!(
        task["Parameters"]["Payload"]["TaskToken.$"],
        "$$.Task.Token"
    );
    assert_eq!(task["Parameters"]["Payload"]["order_id.$"], "$.order.id");
}
