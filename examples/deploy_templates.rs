//! Writes the AWS SAM template and the execution role's policy of every example workflow, as
//! a `workflow!` type writes them (`Deploy::sam_template`, `Deploy::iam_policy`), into a
//! directory: `<Name>.template.json` and `<Name>.policy.json`. CI checks them with cfn-lint
//! and parliament.
//!
//! `cargo run --example deploy_templates -- OUT_DIR`

use std::path::PathBuf;

use order_workflows::*;
use workflow::deploy::{Deploy, PolicyOptions, Template};
use workflow::prelude::*;

/// The template and the policy of one workflow, with the log delivery and tracing
/// permissions its template's role has too.
fn documents<W: Deploy>() -> (&'static str, Template, Value) {
    let template = W::sam_template(&W::template_options().tracing(true));
    let values = workflow::core::deploy::pattern::PlainValues::default();
    let policy = W::iam_policy(&PolicyOptions::default().logging(true).tracing(true))
        .document(&|p| Value::String(values.render(p)));
    (W::NAME, template, policy)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: deploy_templates OUT_DIR")?,
    );
    std::fs::create_dir_all(&out)?;
    for (name, template, policy) in [
        documents::<SequentialOrder>(),
        documents::<ApprovalOrder>(),
        documents::<ShipAndNotify>(),
        documents::<ReserveItems>(),
        documents::<Payment>(),
        documents::<CompleteOrder>(),
    ] {
        for note in &template.policy.notes {
            eprintln!("note: {name}: {}: {}", note.pointer, note.message);
        }
        std::fs::write(
            out.join(format!("{name}.template.json")),
            serde_json::to_string_pretty(&template.document)? + "\n",
        )?;
        std::fs::write(
            out.join(format!("{name}.policy.json")),
            serde_json::to_string_pretty(&policy)? + "\n",
        )?;
        println!("{name}: {name}.template.json, {name}.policy.json");
    }
    Ok(())
}
