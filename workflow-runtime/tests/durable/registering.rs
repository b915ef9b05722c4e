//! The registry of state machines: revisions saved in the store, and the revision each
//! execution runs.

use serde_json::json;
use workflow_runtime::store::Store;
use workflow_runtime::{LoadOptions, RegisterError, Runtime};

use crate::common::{OpenStore, clock, runtime, session, temp_dir};

const FIRST: &str =
    r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true}}}"#;
const SECOND: &str =
    r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": true}}}"#;

#[tokio::test]
async fn registering_saves_revisions_and_the_same_definition_is_the_same_revision() {
    // The default store keeps state machines as a durable one does.
    let rt = Runtime::new();
    let options = LoadOptions::default();
    let first = rt.register("orders", FIRST, &options).await.unwrap();
    assert_eq!((first.name(), first.revision()), ("orders", Some(1)));
    let again = rt.register("orders", FIRST, &options).await.unwrap();
    assert_eq!(again.revision(), Some(1));
    let second = rt.register("orders", SECOND, &options).await.unwrap();
    assert_eq!(second.revision(), Some(2));
    let saved = rt
        .store()
        .state_machine("orders", Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.definition, FIRST, "the definition is kept as given");

    // Each execution records the revision it runs, whatever is registered after.
    let one = rt.start(&first, json!({})).await.unwrap();
    let two = rt.start(&second, json!({})).await.unwrap();
    assert_eq!(one.outcome().await.output(), Some(&json!(1)));
    assert_eq!(two.outcome().await.output(), Some(&json!(2)));
    let store = rt.store();
    let revision =
        |arn: String| async move { store.execution(&arn).await.unwrap().unwrap().revision };
    assert_eq!(revision(one.execution_arn().to_string()).await, 1);
    assert_eq!(revision(two.execution_arn().to_string()).await, 2);
}

#[tokio::test]
async fn a_definition_or_a_name_that_cannot_be_registered_is_refused_with_its_problems() {
    let rt = Runtime::new();
    let options = LoadOptions::default();
    let invalid = rt
        .register(
            "orders",
            r#"{"StartAt": "Nowhere", "States": {}}"#,
            &options,
        )
        .await;
    assert!(
        matches!(invalid, Err(RegisterError::Load(_))),
        "{invalid:?}"
    );
    let badly_named = rt.register("orders:v2", FIRST, &options).await;
    assert!(
        matches!(&badly_named, Err(RegisterError::InvalidName(m)) if m.contains("':'")),
        "{badly_named:?}"
    );
    let listed = rt
        .store()
        .list_state_machines(workflow_runtime::store::PageRequest::first(10))
        .await
        .unwrap();
    assert!(listed.items.is_empty(), "nothing was saved: {listed:?}");
}

#[test]
fn an_unregistered_workflow_is_registered_when_an_execution_of_it_starts() {
    let dir = temp_dir("unregistered");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        let options = LoadOptions::default().name("adhoc");
        let wf = rt.load_with(FIRST, &options).unwrap();
        assert_eq!(wf.revision(), None);
        for _ in 0..3 {
            let handle = rt.start(&wf, json!({})).await.unwrap();
            handle.outcome().await;
            let record = rt
                .store()
                .execution(handle.execution_arn())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(record.revision, 1);
        }
        // Saved once, as given: a recovery finds the definition each execution ran.
        let saved = rt
            .store()
            .state_machine("adhoc", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((saved.revision, saved.definition.as_str()), (1, FIRST));
        // A workflow registered in another runtime is registered here too.
        let elsewhere = Runtime::new()
            .register("adhoc", SECOND, &LoadOptions::default())
            .await
            .unwrap();
        let handle = rt.start(&elsewhere, json!({})).await.unwrap();
        let record = rt
            .store()
            .execution(handle.execution_arn())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.revision, 2);
    });
}
