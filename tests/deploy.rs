//! A `workflow!` type deploys as its exported ASL does: `Deploy::sam_template` writes the
//! template `workflow template` writes for the checked-in `examples/asl/<Name>.asl.json`,
//! with one Lambda function for each of the workflow's tasks.

use std::path::PathBuf;

use order_workflows::*;
use serde_json::{Value, json};
use workflow::core::deploy::template::template;
use workflow::core::model::StateMachine;
use workflow::deploy::{Deploy, TemplateOptions};

fn check<W: Deploy>() {
    let typed = W::sam_template(&W::template_options());
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/asl")
        .join(format!("{}.asl.json", W::NAME));
    let text = std::fs::read_to_string(&path).unwrap();
    let machine = StateMachine::from_json_str(&text).unwrap();
    let from_asl = template(
        &machine,
        &TemplateOptions::new(W::NAME).machine_type(W::MACHINE_TYPE),
    );
    assert_eq!(typed.document, from_asl.document, "{}", W::NAME);

    // One function per task, named after it, invoked through the definition's placeholder.
    let resources = typed.document["Resources"].as_object().unwrap();
    let substitutions = &resources["StateMachine"]["Properties"]["DefinitionSubstitutions"];
    let mut tasks: Vec<&str> = W::tasks().iter().map(|task| task.name()).collect();
    tasks.dedup();
    for task in &tasks {
        let function = format!("{task}Function");
        assert_eq!(
            resources[&function]["Properties"]["Environment"]["Variables"]["WORKFLOW_TASK"],
            *task,
            "{}",
            W::NAME
        );
        assert_eq!(
            substitutions[*task],
            json!({"Fn::GetAtt": [function, "Arn"]})
        );
    }
    let functions = resources
        .values()
        .filter(|r| r["Type"] == "AWS::Serverless::Function")
        .count();
    assert_eq!(functions, substitutions.as_object().unwrap().len());
    assert_eq!(
        resources["StateMachine"]["Properties"]["Type"],
        Value::from(W::MACHINE_TYPE.as_str())
    );
}

#[test]
fn typed_workflows_deploy_as_their_exported_asl() {
    check::<SequentialOrder>();
    check::<ApprovalOrder>();
    check::<ShipAndNotify>();
    check::<ReserveItems>();
    check::<Payment>();
    check::<CompleteOrder>();
}
