//! The tests every [`Store`] must pass, written once: [`store_contract_tests!`] makes a
//! `#[test]` of each for a store. Each takes a new, empty store. What they expect comes from
//! the [`Store`] trait's documentation (newest first by start date then ARN, revisions from 1,
//! all-or-nothing writes), which follows AWS's `ListExecutions` and `DescribeExecution`.
//!
//! [`store_contract_tests!`]: crate::store_contract_tests

use std::future::Future;
use std::sync::Arc;

use serde_json::json;
use workflow_core::execution::{Event, Failure, Millis, TaskId, TimerId};
use workflow_core::journal::{Entry, HistoryCheck};
use workflow_core::plan::MachineType;

use super::samples::{self, arn, finished, start_of, waiting};

use crate::store::{
    Deletion, ExecutionFilter, ExecutionRecord, PageRequest, Progress, StateMachineRecord,
    StateMachineStatus, Status, Store, StoreError, Unfinished, Waiting,
};

/// Makes a `#[test]` of every contract test for the store `make()` returns (a value that
/// dereferences to the store, such as a `Box`, or a guard that removes the store's files when
/// dropped). Each test gets a store of its own.
///
/// ```ignore
/// mod contract {
///     workflow_runtime::store_contract_tests!(|| Box::new(MemoryStore::new()));
/// }
/// ```
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@each $make;
            state_machine_revisions,
            state_machine_listing,
            state_machine_deletion,
            execution_creation,
            progress,
            execution_listing,
            listing_while_creating,
            invalid_page_tokens,
            journal_round_trip,
            unfinished,
            tokens,
            purge_finished,
        );
    };
    (@each $make:expr; $($test:ident,)*) => {
        $(
            #[test]
            fn $test() {
                let store = ($make)();
                $crate::store::testing::contract::block_on(
                    $crate::store::testing::contract::$test(&*store),
                );
            }
        )*
    };
}

/// Runs a contract test to its end on a runtime of its own.
pub fn block_on<F: Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
        .block_on(test)
}

/// Creates `record` with its start record and nothing to wait for.
async fn create(store: &dyn Store, record: &ExecutionRecord) {
    store
        .create_execution(record, Some(&start_of(record)), &Waiting::default())
        .await
        .expect("create the execution");
}

/// Ends `record` with `status` at `stop_date`; returns the record as it now stands.
async fn finish(
    store: &dyn Store,
    record: &ExecutionRecord,
    status: Status,
    stop_date: Millis,
) -> ExecutionRecord {
    let progress = finished(status, stop_date);
    store
        .append(&record.arn, &[], &progress)
        .await
        .expect("finish the execution");
    // As `Progress::Finished` documents: the record takes its status, stop date, output,
    // error and cause.
    let Progress::Finished {
        output,
        error,
        cause,
        ..
    } = progress
    else {
        unreachable!("finished() makes a Progress::Finished")
    };
    ExecutionRecord {
        status,
        stop_date: Some(stop_date),
        output,
        error,
        cause,
        ..record.clone()
    }
}

/// Every page of a listing, followed token by token: checks each page's size and that only
/// the last one has no next token.
async fn list_all(
    store: &dyn Store,
    filter: &ExecutionFilter,
    page_size: usize,
) -> Vec<ExecutionRecord> {
    let mut all = Vec::new();
    let mut request = PageRequest::first(page_size);
    // A listing of n items takes n / page_size + 1 pages at most; more is a loop.
    for _ in 0..1_000 {
        let page = store
            .list_executions(filter, request.clone())
            .await
            .expect("list executions");
        assert!(
            page.items.len() <= page_size,
            "a page holds at most max items"
        );
        all.extend(page.items.iter().cloned());
        match page.next {
            Some(token) => {
                assert_eq!(
                    page.items.len(),
                    page_size,
                    "a page followed by another is full"
                );
                request = PageRequest::after(page_size, token);
            }
            None => return all,
        }
    }
    panic!("the listing never ended");
}

/// Newest first, by start date, then ARN: the order the [`Store`] trait lists in.
fn newest_first(mut records: Vec<ExecutionRecord>) -> Vec<ExecutionRecord> {
    records.sort_by(|a, b| (b.start_date, &b.arn).cmp(&(a.start_date, &a.arn)));
    records
}

fn arns(records: &[ExecutionRecord]) -> Vec<&str> {
    records.iter().map(|r| r.arn.as_str()).collect()
}

/// A state machine's revisions: a new one gets 1, a changed definition or type the next
/// number, the same definition the newest revision unchanged; each is kept.
pub async fn state_machine_revisions(store: &dyn Store) {
    let first = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#;
    let second = r#"{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}"#;
    let standard = MachineType::Standard;

    let r1 = store
        .save_state_machine("orders", first, standard, 100)
        .await
        .unwrap();
    assert_eq!((r1.name.as_str(), r1.revision), ("orders", 1));
    assert_eq!((r1.definition.as_str(), r1.machine_type), (first, standard));
    assert_eq!((r1.created, r1.updated), (100, 100));

    // The same definition again: the newest revision, as it was (not even its date moves).
    let again = store
        .save_state_machine("orders", first, standard, 200)
        .await
        .unwrap();
    assert_eq!(again, r1);

    let r2 = store
        .save_state_machine("orders", second, standard, 300)
        .await
        .unwrap();
    assert_eq!(r2.revision, 2);
    assert_eq!(
        (r2.created, r2.updated),
        (100, 300),
        "created is the first revision's"
    );

    // The type alone differs: a new revision too.
    let r3 = store
        .save_state_machine("orders", second, MachineType::Express, 400)
        .await
        .unwrap();
    assert_eq!((r3.revision, r3.machine_type), (3, MachineType::Express));

    // The first definition again is compared with the newest only: a fourth revision.
    let r4 = store
        .save_state_machine("orders", first, standard, 500)
        .await
        .unwrap();
    assert_eq!((r4.revision, r4.definition.as_str()), (4, first));

    assert_eq!(store.state_machine("orders", None).await.unwrap(), Some(r4));
    assert_eq!(
        store.state_machine("orders", Some(1)).await.unwrap(),
        Some(r1)
    );
    assert_eq!(
        store.state_machine("orders", Some(2)).await.unwrap(),
        Some(r2)
    );
    assert_eq!(
        store.state_machine("orders", Some(3)).await.unwrap(),
        Some(r3)
    );
    assert_eq!(store.state_machine("orders", Some(0)).await.unwrap(), None);
    assert_eq!(store.state_machine("orders", Some(5)).await.unwrap(), None);
    assert_eq!(store.state_machine("nobody", None).await.unwrap(), None);

    // Another state machine numbers its revisions on its own.
    let other = store
        .save_state_machine("refunds", second, standard, 600)
        .await
        .unwrap();
    assert_eq!((other.revision, other.created), (1, 600));
}

/// State machines are listed by name, each with its newest revision, in pages.
pub async fn state_machine_listing(store: &dyn Store) {
    let definition = |n: u32| format!(r#"{{"Comment": "{n}"}}"#);
    let standard = MachineType::Standard;
    for (n, name) in ["charlie", "alpha", "delta", "bravo", "echo"]
        .iter()
        .enumerate()
    {
        store
            .save_state_machine(name, &definition(0), standard, n as Millis)
            .await
            .unwrap();
    }
    let bravo2 = store
        .save_state_machine("bravo", &definition(1), standard, 9)
        .await
        .unwrap();

    for page_size in [1, 2, 3, 5, 6] {
        let mut names = Vec::new();
        let mut request = PageRequest::first(page_size);
        for _ in 0..10 {
            let page = store.list_state_machines(request.clone()).await.unwrap();
            assert!(page.items.len() <= page_size);
            for item in &page.items {
                if item.name == "bravo" {
                    assert_eq!(
                        *item, bravo2,
                        "a state machine is listed at its newest revision"
                    );
                }
                names.push(item.name.clone());
            }
            match page.next {
                Some(token) => request = PageRequest::after(page_size, token),
                None => break,
            }
        }
        assert_eq!(
            names,
            ["alpha", "bravo", "charlie", "delta", "echo"],
            "pages of {page_size}"
        );
    }
}

/// Deleting a state machine, as AWS's DeleteStateMachine: at once, with its revisions, when
/// none of its executions is unfinished; otherwise it is DELETING (it takes no new revision)
/// until a later call finds none unfinished, and named among the DELETING ones. Its
/// executions' records stay.
pub async fn state_machine_deletion(store: &dyn Store) {
    let definition = r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#;
    let standard = MachineType::Standard;
    store
        .save_state_machine("doomed", definition, standard, 1)
        .await
        .unwrap();
    let r2 = store
        .save_state_machine("doomed", "{}", standard, 2)
        .await
        .unwrap();
    store
        .save_state_machine("kept", definition, standard, 3)
        .await
        .unwrap();
    let ended = samples::execution("doomed", "e0", 10);
    create(store, &ended).await;
    let ended = finish(store, &ended, Status::Succeeded, 11).await;
    let running = samples::execution("doomed", "e1", 12);
    create(store, &running).await;

    assert_eq!(
        store.deleting_state_machines().await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        store.delete_state_machine("doomed").await.unwrap(),
        Deletion::Deleting,
        "an execution of it runs"
    );
    assert_eq!(store.deleting_state_machines().await.unwrap(), ["doomed"]);
    let deleting = StateMachineRecord {
        status: StateMachineStatus::Deleting,
        ..r2.clone()
    };
    assert_eq!(
        store.state_machine("doomed", None).await.unwrap(),
        Some(deleting.clone())
    );
    let first = store.state_machine("doomed", Some(1)).await.unwrap();
    assert_eq!(
        first.map(|r| (r.revision, r.status)),
        Some((1, StateMachineStatus::Deleting)),
        "its revisions are kept for the executions that run them"
    );
    for text in ["{}", definition] {
        assert_eq!(
            store.save_state_machine("doomed", text, standard, 13).await,
            Err(StoreError::StateMachineDeleting {
                name: "doomed".to_string()
            }),
            "a DELETING state machine takes no revision"
        );
    }
    let listed = store
        .list_state_machines(PageRequest::first(10))
        .await
        .unwrap();
    let statuses: Vec<(&str, StateMachineStatus)> = listed
        .items
        .iter()
        .map(|r| (r.name.as_str(), r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("doomed", StateMachineStatus::Deleting),
            ("kept", StateMachineStatus::Active)
        ]
    );
    assert_eq!(
        store.delete_state_machine("doomed").await.unwrap(),
        Deletion::Deleting,
        "still running"
    );

    let running = finish(store, &running, Status::Failed, 20).await;
    assert_eq!(
        store.delete_state_machine("doomed").await.unwrap(),
        Deletion::Deleted
    );
    assert_eq!(store.state_machine("doomed", None).await.unwrap(), None);
    assert_eq!(store.state_machine("doomed", Some(1)).await.unwrap(), None);
    assert_eq!(
        store.deleting_state_machines().await.unwrap(),
        Vec::<String>::new()
    );
    assert!(store.state_machine("kept", None).await.unwrap().is_some());
    for execution in [ended, running] {
        assert_eq!(
            store.execution(&execution.arn).await.unwrap(),
            Some(execution),
            "executions stay until purged"
        );
    }
    let listed = store
        .list_state_machines(PageRequest::first(10))
        .await
        .unwrap();
    let names: Vec<&str> = listed.items.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["kept"]);
    assert_eq!(
        store.delete_state_machine("doomed").await.unwrap(),
        Deletion::NotFound,
        "already gone"
    );
    assert_eq!(
        store.delete_state_machine("nobody").await.unwrap(),
        Deletion::NotFound
    );
    // A new state machine of the name starts from revision 1 again.
    let again = store
        .save_state_machine("doomed", definition, standard, 30)
        .await
        .unwrap();
    assert_eq!(
        (again.revision, again.created, again.status),
        (1, 30, StateMachineStatus::Active)
    );

    // An execution pending a redrive is unfinished too.
    let mut pending = samples::execution("kept", "pending", 40);
    pending.status = Status::PendingRedrive;
    create(store, &pending).await;
    assert_eq!(
        store.delete_state_machine("kept").await.unwrap(),
        Deletion::Deleting
    );
    assert_eq!(store.deleting_state_machines().await.unwrap(), ["kept"]);
}

/// An execution is kept as created, every field; its ARN is taken once.
pub async fn execution_creation(store: &dyn Store) {
    let plain = samples::execution("orders", "plain", 1_000);
    create(store, &plain).await;
    assert_eq!(
        store.execution(&plain.arn).await.unwrap(),
        Some(plain.clone())
    );

    // Every field set, none at its default: each must come back as it went in.
    let mut full = ExecutionRecord::new(
        arn("refunds", "full"),
        "full",
        "refunds",
        7,
        MachineType::Express,
        -5,
        json!([1, "two", {"three": 3.5}]),
    );
    full.status = Status::Failed;
    full.stop_date = Some(9_000_000_000_000);
    full.output = Some(Arc::new(json!({"partial": true})));
    full.error = Some("Custom.Error".to_string());
    full.cause = Some("a cause with 'quotes', \"double\" ones and ü".to_string());
    full.redrive_count = 3;
    full.redrive_date = Some(8_000);
    store
        .create_execution(&full, None, &Waiting::default())
        .await
        .unwrap();
    assert_eq!(
        store.execution(&full.arn).await.unwrap(),
        Some(full.clone())
    );

    // The same ARN again, with another input: refused, and the first record is kept.
    let mut twin = plain.clone();
    twin.input = Arc::new(json!("another input"));
    let refused = store
        .create_execution(&twin, Some(&start_of(&twin)), &Waiting::default())
        .await;
    assert_eq!(
        refused,
        Err(StoreError::ExecutionAlreadyExists {
            arn: plain.arn.clone()
        })
    );
    assert_eq!(
        store.execution(&plain.arn).await.unwrap(),
        Some(plain.clone())
    );

    // The same name under another state machine is another ARN.
    let cousin = samples::execution("refunds", "plain", 1_000);
    create(store, &cousin).await;
    assert_eq!(store.execution(&cousin.arn).await.unwrap(), Some(cousin));
    assert_eq!(
        store.execution(&arn("orders", "nobody")).await.unwrap(),
        None
    );
}

/// An append records the progress it brings: what the execution waits for, its redrive, its
/// end. Expectations follow [`Progress`]'s documentation.
pub async fn progress(store: &dyn Store) {
    let execution = samples::execution("orders", "progressing", 1_000);
    create(store, &execution).await;
    let id = execution.arn.as_str();

    let w1 = waiting(Some(5_000), &[("token-a", 3)], true);
    store
        .append(id, &[], &Progress::Running(w1.clone()))
        .await
        .unwrap();
    assert_eq!(
        store.execution(id).await.unwrap(),
        Some(execution.clone()),
        "running on changes what it waits for, not its record"
    );
    assert_eq!(
        store.unfinished().await.unwrap(),
        [Unfinished::new(execution.clone(), w1)]
    );

    let failed = finish(store, &execution, Status::Failed, 9_000).await;
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(failed.stop_date, Some(9_000));
    assert_eq!(failed.error.as_deref(), Some("States.TaskFailed"));
    assert_eq!(store.execution(id).await.unwrap(), Some(failed.clone()));
    assert_eq!(store.unfinished().await.unwrap(), []);
    assert_eq!(
        store.token("token-a").await.unwrap(),
        None,
        "an ended execution waits for no token"
    );

    let w2 = waiting(Some(12_000), &[], false);
    let redriven = Progress::Redriven {
        redrive_date: 10_000,
        waiting: w2.clone(),
    };
    store.append(id, &[], &redriven).await.unwrap();
    let mut expected = failed.clone();
    expected.status = Status::Running;
    expected.redrive_count = 1;
    expected.redrive_date = Some(10_000);
    expected.stop_date = None;
    expected.error = None;
    expected.cause = None;
    assert_eq!(store.execution(id).await.unwrap(), Some(expected.clone()));
    assert_eq!(
        store.unfinished().await.unwrap(),
        [Unfinished::new(expected.clone(), w2)]
    );

    let succeeded = finish(store, &expected, Status::Succeeded, 20_000).await;
    assert_eq!(succeeded.output, Some(Arc::new(json!({"done": 20_000}))));
    assert_eq!(
        (succeeded.error.as_ref(), succeeded.redrive_count),
        (None, 1)
    );
    assert_eq!(store.execution(id).await.unwrap(), Some(succeeded));

    let unknown = arn("orders", "nobody");
    assert_eq!(
        store
            .append(&unknown, &[], &Progress::Running(Waiting::default()))
            .await,
        Err(StoreError::ExecutionDoesNotExist {
            arn: unknown.clone()
        })
    );
    assert_eq!(store.execution(&unknown).await.unwrap(), None);
}

/// Executions of two state machines, several started in the same millisecond, some ended:
/// every filter, every page size, lists each selected execution once, newest first.
pub async fn execution_listing(store: &dyn Store) {
    let mut all = Vec::new();
    // Start dates with ties: the ARN orders executions of one millisecond.
    let starts = [
        3_000, 1_000, 3_000, 2_000, 3_000, 1_000, 5_000, 3_000, 2_000, 3_000, 4_000,
    ];
    for (n, start_date) in starts.into_iter().enumerate() {
        let machine = if n % 3 == 0 { "beta" } else { "alpha" };
        let mut execution = samples::execution(machine, &format!("run-{n:02}"), start_date);
        create(store, &execution).await;
        execution = match n % 4 {
            1 => finish(store, &execution, Status::Succeeded, start_date + 10).await,
            2 => finish(store, &execution, Status::Failed, start_date + 10).await,
            _ => execution,
        };
        all.push(execution);
    }

    let filters = [
        ExecutionFilter::all(),
        ExecutionFilter::all().state_machine("alpha"),
        ExecutionFilter::all().state_machine("beta"),
        ExecutionFilter::all().status(Status::Running),
        ExecutionFilter::all().status(Status::Succeeded),
        ExecutionFilter::all().status(Status::Aborted),
        ExecutionFilter::all()
            .state_machine("alpha")
            .status(Status::Failed),
        ExecutionFilter::all().state_machine("nobody"),
    ];
    for filter in &filters {
        let selected = all.iter().filter(|r| {
            filter
                .state_machine
                .as_ref()
                .is_none_or(|m| *m == r.state_machine)
                && filter.status.is_none_or(|s| s == r.status)
        });
        let expected = newest_first(selected.cloned().collect());
        for page_size in [1, 2, 3, 4, 11, 100] {
            let listed = list_all(store, filter, page_size).await;
            assert_eq!(
                arns(&listed),
                arns(&expected),
                "{filter:?} in pages of {page_size}"
            );
            assert_eq!(listed, expected, "whole records");
        }
    }
}

/// Executions created while a listing is paged through do not make it lose or repeat one
/// that was there before.
pub async fn listing_while_creating(store: &dyn Store) {
    let mut before = Vec::new();
    for n in 0..9 {
        let execution =
            samples::execution("orders", &format!("first-{n}"), 1_000 + (n / 3) * 1_000);
        create(store, &execution).await;
        before.push(execution);
    }
    let filter = ExecutionFilter::all();
    let mut listed = Vec::new();
    let mut request = PageRequest::first(2);
    let mut added = 0;
    for _ in 0..100 {
        let page = store
            .list_executions(&filter, request.clone())
            .await
            .unwrap();
        listed.extend(page.items);
        // Between pages: one newer than all, one in the same millisecond as the page's last,
        // one older than all.
        for start_date in [9_000, listed.last().map_or(0, |r| r.start_date), 0] {
            let execution = samples::execution("orders", &format!("later-{added}"), start_date);
            create(store, &execution).await;
            added += 1;
        }
        match page.next {
            Some(token) => request = PageRequest::after(2, token),
            None => break,
        }
    }
    let mut seen = std::collections::HashSet::new();
    for record in &listed {
        assert!(
            seen.insert(record.arn.clone()),
            "{} listed twice",
            record.arn
        );
    }
    for record in &before {
        assert!(seen.contains(&record.arn), "{} lost", record.arn);
    }
    let order: Vec<(Millis, &str)> = listed
        .iter()
        .map(|r| (r.start_date, r.arn.as_str()))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] > w[1]),
        "newest first across pages: {order:?}"
    );
}

/// A page token that the listing did not give with the same arguments is refused with
/// `InvalidToken`, as AWS's listings refuse one ("keep all other arguments unchanged"),
/// instead of being read as a position or ignored (which would list from the start again).
pub async fn invalid_page_tokens(store: &dyn Store) {
    fn refused<T>(token: &str) -> Result<T, StoreError> {
        Err(StoreError::InvalidToken {
            token: token.to_string(),
        })
    }
    for n in 0..3 {
        create(store, &samples::execution("orders", &format!("e{n}"), n)).await;
        store
            .save_state_machine(&format!("m{n}"), "{}", MachineType::Standard, n)
            .await
            .unwrap();
    }
    let alpha = ExecutionFilter::all().state_machine("orders");
    let failed = ExecutionFilter::all().status(Status::Failed);
    let executions = |filter: &ExecutionFilter| {
        let filter = filter.clone();
        async move {
            store
                .list_executions(&filter, PageRequest::first(1))
                .await
                .unwrap()
                .next
                .expect("a second page")
        }
    };
    let of_all = executions(&ExecutionFilter::all()).await;
    let of_alpha = executions(&alpha).await;
    let of_machines = store
        .list_state_machines(PageRequest::first(1))
        .await
        .unwrap()
        .next
        .expect("a second page");
    // Each token works where it was given.
    for (filter, token) in [(&ExecutionFilter::all(), &of_all), (&alpha, &of_alpha)] {
        let page = store
            .list_executions(filter, PageRequest::after(1, token.clone()))
            .await;
        assert!(page.is_ok(), "{page:?}");
    }
    let made_up = [
        "",
        "garbage",
        "2/arn:aws:states:us-east-1:123456789012:execution:orders:e1",
        "[]",
        "{}",
        "[\"executions\", null, null, \"x\", \"arn\"]",
        "[\"executions\", null, null, 1.5, \"arn\"]",
    ];
    let listings = [
        (ExecutionFilter::all(), vec![&of_alpha, &of_machines]),
        (alpha.clone(), vec![&of_all, &of_machines]),
        (failed, vec![&of_all, &of_alpha]),
    ];
    for (filter, foreign) in &listings {
        let tokens = made_up
            .iter()
            .copied()
            .chain(foreign.iter().map(|t| t.as_str()));
        for token in tokens {
            let page = store
                .list_executions(filter, PageRequest::after(1, token))
                .await;
            assert_eq!(
                page.map(|p| p.items),
                refused(token),
                "{filter:?} after {token:?}"
            );
        }
    }
    for token in made_up.iter().copied().chain([of_all.as_str(), &of_alpha]) {
        let page = store
            .list_state_machines(PageRequest::after(1, token))
            .await;
        assert_eq!(
            page.map(|p| p.items),
            refused(token),
            "state machines after {token:?}"
        );
    }
}

/// Entries of every kind, with payloads that test a store's encoding: key order, numbers at
/// the edges of their types, escapes.
fn varied_entries(first_at: Millis) -> Vec<Entry> {
    let payload = json!({
        "zeta": 1,
        "alpha": [1.5, -0.0, 1e300, 5e-324, 18446744073709551615u64, -9223372036854775808i64],
        "text": "quote \" backslash \\ nul \u{0} tab \t emoji \u{1F600} ü",
        "nested": {"z": null, "y": true, "x": {"deep": [[], {}]}},
    });
    let events = [
        Event::TaskSucceeded {
            task: TaskId(1),
            output: payload.clone(),
        },
        Event::TaskFailed {
            task: TaskId(2),
            failure: Failure::new("States.Timeout", "it took too long"),
        },
        Event::TaskFailed {
            task: TaskId(3),
            failure: Failure::default(),
        },
        Event::TaskSubmitted {
            task: TaskId(4),
            output: json!("submitted"),
        },
        Event::TaskHeartbeat {
            task: TaskId(u64::MAX),
        },
        Event::TimerFired { timer: TimerId(5) },
        Event::Stop {
            failure: Failure::new("Stopped", "by a test"),
        },
        Event::Redrive { revision: None },
        Event::Redrive {
            revision: Some(u64::MAX),
        },
        Event::Continue,
    ];
    events
        .into_iter()
        .enumerate()
        .map(|(n, event)| Entry {
            event,
            at: first_at + n as Millis,
            check: HistoryCheck {
                events: 3 + n as u64,
                digest: u64::MAX - n as u64,
            },
        })
        .collect()
}

/// A durable store gives back an execution's journal exactly as appended, in order; a store
/// that is not durable keeps none.
pub async fn journal_round_trip(store: &dyn Store) {
    let execution = samples::execution("orders", "journaled", 1_000);
    let start = start_of(&execution);
    store
        .create_execution(&execution, Some(&start), &Waiting::default())
        .await
        .unwrap();
    let entries = varied_entries(2_000);
    let (first, rest) = entries.split_at(3);
    let running = Progress::Running(Waiting::default());
    store.append(&execution.arn, first, &running).await.unwrap();
    store.append(&execution.arn, &[], &running).await.unwrap();
    store.append(&execution.arn, rest, &running).await.unwrap();

    let journal = store.journal(&execution.arn).await.unwrap();
    if !store.is_durable() {
        assert_eq!(
            journal, None,
            "a store that is not durable keeps no journal"
        );
        return;
    }
    let (kept_start, kept_entries) = journal.expect("the journal of a durable store");
    assert_eq!(kept_start, start);
    assert_eq!(kept_entries, entries);
    // `Value`'s equality ignores the order of an object's keys: compare the text too.
    let text = |e: &Entry| serde_json::to_string(e).expect("an entry serializes");
    assert_eq!(
        serde_json::to_string(&kept_start).unwrap(),
        serde_json::to_string(&start).unwrap()
    );
    for (kept, appended) in kept_entries.iter().zip(&entries) {
        assert_eq!(text(kept), text(appended));
    }

    let later = finish(store, &execution, Status::Succeeded, 3_000).await;
    assert_eq!(store.execution(&execution.arn).await.unwrap(), Some(later));
    let (_, after_end) = store.journal(&execution.arn).await.unwrap().unwrap();
    assert_eq!(after_end, entries, "an append without entries adds none");

    // Without a start record there is no journal.
    let unjournaled = samples::execution("orders", "unjournaled", 1_000);
    store
        .create_execution(&unjournaled, None, &Waiting::default())
        .await
        .unwrap();
    assert_eq!(store.journal(&unjournaled.arn).await.unwrap(), None);
    assert_eq!(store.journal(&arn("orders", "nobody")).await.unwrap(), None);
}

/// Unfinished executions are the running ones and those pending a redrive, each with what
/// it waits for as last recorded.
pub async fn unfinished(store: &dyn Store) {
    assert_eq!(store.unfinished().await.unwrap(), []);
    let running = samples::execution("orders", "running", 1);
    let w_running = waiting(Some(60_000), &[("tok-1", 1)], false);
    store
        .create_execution(&running, Some(&start_of(&running)), &w_running)
        .await
        .unwrap();

    let mut pending = samples::execution("orders", "pending", 2);
    pending.status = Status::PendingRedrive;
    pending.redrive_count = 1;
    create(store, &pending).await;

    let busy = samples::execution("refunds", "busy", 3);
    create(store, &busy).await;
    let w_busy = waiting(None, &[], true);
    store
        .append(&busy.arn, &[], &Progress::Running(w_busy.clone()))
        .await
        .unwrap();

    let done = samples::execution("orders", "done", 4);
    create(store, &done).await;
    finish(store, &done, Status::Succeeded, 5).await;
    let timed_out = samples::execution("orders", "timed-out", 4);
    create(store, &timed_out).await;
    finish(store, &timed_out, Status::TimedOut, 6).await;

    let mut found = store.unfinished().await.unwrap();
    found.sort_by(|a, b| a.record.arn.cmp(&b.record.arn));
    let mut expected = vec![
        Unfinished::new(running, w_running),
        Unfinished::new(pending, Waiting::default()),
        Unfinished::new(busy, w_busy),
    ];
    expected.sort_by(|a, b| a.record.arn.cmp(&b.record.arn));
    assert_eq!(found, expected);
}

/// A task token leads to the execution and task waiting for it, as long as it waits.
pub async fn tokens(store: &dyn Store) {
    let first = samples::execution("orders", "first", 1);
    let w1 = waiting(None, &[("t1", 1), ("t2", 2)], false);
    store
        .create_execution(&first, Some(&start_of(&first)), &w1)
        .await
        .unwrap();
    let found = |t: &'static str| async move { store.token(t).await.unwrap() };
    assert_eq!(found("t1").await, Some((first.arn.clone(), TaskId(1))));
    assert_eq!(found("t2").await, Some((first.arn.clone(), TaskId(2))));

    let w2 = waiting(Some(9), &[("t3", 7), ("t2", 2)], false);
    store
        .append(&first.arn, &[], &Progress::Running(w2.clone()))
        .await
        .unwrap();
    assert_eq!(found("t1").await, None, "answered, or its task ended");
    assert_eq!(found("t2").await, Some((first.arn.clone(), TaskId(2))));
    assert_eq!(found("t3").await, Some((first.arn.clone(), TaskId(7))));
    assert_eq!(
        store.unfinished().await.unwrap(),
        [Unfinished::new(first.clone(), w2)],
        "the tokens in the order given"
    );

    let second = samples::execution("orders", "second", 2);
    create(store, &second).await;
    store
        .append(
            &second.arn,
            &[],
            &Progress::Running(waiting(None, &[("u1", 1)], false)),
        )
        .await
        .unwrap();
    assert_eq!(found("u1").await, Some((second.arn.clone(), TaskId(1))));

    finish(store, &first, Status::Aborted, 10).await;
    assert_eq!(found("t2").await, None);
    assert_eq!(found("t3").await, None);
    assert_eq!(found("u1").await, Some((second.arn.clone(), TaskId(1))));
    assert_eq!(found("nobody's").await, None);
}

/// Purging deletes the executions that ended before the date given, journal and all, and
/// nothing else.
pub async fn purge_finished(store: &dyn Store) {
    let mut kept = Vec::new();
    let mut purged = Vec::new();
    for (name, stop) in [("a", 1_000), ("b", 2_000), ("c", 3_000)] {
        let execution = samples::execution("orders", name, 500);
        create(store, &execution).await;
        store
            .append(
                &execution.arn,
                &varied_entries(600),
                &Progress::Running(Waiting::default()),
            )
            .await
            .unwrap();
        let ended = finish(store, &execution, Status::Failed, stop).await;
        if stop < 2_000 {
            purged.push(ended)
        } else {
            kept.push(ended)
        }
    }
    // Running executions are never purged, however old.
    let running = samples::execution("orders", "running", 0);
    create(store, &running).await;
    kept.push(running);

    // "Before" is strict: b ended at 2,000 and stays.
    assert_eq!(store.purge_finished(2_000).await.unwrap(), 1);
    for record in &purged {
        assert_eq!(store.execution(&record.arn).await.unwrap(), None);
        assert_eq!(store.journal(&record.arn).await.unwrap(), None);
    }
    for record in &kept {
        assert_eq!(
            store.execution(&record.arn).await.unwrap(),
            Some(record.clone())
        );
    }
    let listed = list_all(store, &ExecutionFilter::all(), 10).await;
    assert_eq!(listed, newest_first(kept.clone()));
    if store.is_durable() {
        let (_, entries) = store.journal(&kept[0].arn).await.unwrap().unwrap();
        assert_eq!(
            entries,
            varied_entries(600),
            "a kept execution keeps its journal"
        );
    }

    assert_eq!(
        store.purge_finished(2_000).await.unwrap(),
        0,
        "nothing more ended before"
    );
    assert_eq!(store.purge_finished(Millis::MAX).await.unwrap(), 2);
    let listed = list_all(store, &ExecutionFilter::all(), 10).await;
    assert_eq!(arns(&listed), [kept[2].arn.as_str()]);
    assert_eq!(
        store.unfinished().await.unwrap().len(),
        1,
        "the running one is still there to resume"
    );
}
