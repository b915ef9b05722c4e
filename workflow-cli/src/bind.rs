//! `--bind RESOURCE=COMMAND` and `--bind RESOURCE=http://...`: task handlers outside the
//! process.
//!
//! A command runs with `sh -c`, gets the task's input as JSON on stdin and prints its result
//! as JSON on stdout. A non-zero exit fails the task: with the `error` and `cause` of a JSON
//! object it printed on stdout (`{"error": "CardDeclined", "cause": "..."}`), else with
//! `States.TaskFailed` and what it wrote on stderr. An HTTP endpoint receives the input as
//! the body of a POST; a 2xx answer's body is the result, any other answer fails the task the
//! same way.
//!
//! What is read is bounded: a result (stdout, a 2xx body) over AWS's 256 KiB payload limit
//! fails the task with `States.DataLimitExceeded` (the command is stopped at once), and only
//! the start of stderr is kept, as much as AWS's 32,768-character cause can show.

use std::process::Stdio;
use std::sync::Arc;

use anyhow::bail;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use workflow_core::execution::{PAYLOAD_LIMIT_BYTES, task_result_too_large};
use workflow_runtime::{BoxFuture, Runtime, TaskContext, TaskError, TaskHandler};

use crate::clock::{InFlight, ScaledClock};
use crate::signals::ProcessGroup;

/// The most of a command's stderr kept for a cause: AWS's 32,768 characters take at most
/// four bytes each (the runtime cuts the cause to 32,768 characters).
const STDERR_KEPT_BYTES: usize = 4 * TaskError::MAX_CAUSE_CHARS;

/// The most of an HTTP answer read: a body at the payload limit, with room for the head and
/// the chunks' framing.
const HTTP_ANSWER_MAX_BYTES: usize = PAYLOAD_LIMIT_BYTES + 64 * 1024;

/// Where a resource's calls go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A shell command.
    Command(String),
    /// An `http://host[:port]/path` endpoint.
    Http {
        /// `host:port`.
        authority: String,
        /// `/path?query`.
        path: String,
        /// The URL as given.
        url: String,
    },
}

/// One `--bind`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The resource, Lambda function name or substitution name.
    pub resource: String,
    /// What serves it.
    pub target: Target,
}

/// Parses `RESOURCE=TARGET`.
pub fn parse(arg: &str) -> anyhow::Result<Binding> {
    let Some((resource, target)) = arg.split_once('=') else {
        bail!("--bind {arg}: expected RESOURCE=COMMAND or RESOURCE=http://host:port/path");
    };
    let (resource, target) = (resource.trim(), target.trim());
    if resource.is_empty() || target.is_empty() {
        bail!("--bind {arg}: expected RESOURCE=COMMAND or RESOURCE=http://host:port/path");
    }
    let target = if let Some(rest) = target.strip_prefix("http://") {
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            bail!("--bind {arg}: the URL has no host");
        }
        let authority = if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        Target::Http {
            authority,
            path: path.to_string(),
            url: target.to_string(),
        }
    } else if target.starts_with("https://") {
        bail!(
            "--bind {arg}: https is not supported; use http:// (a local endpoint) or a command such as `curl -s --data @- https://...`"
        );
    } else {
        Target::Command(target.to_string())
    };
    Ok(Binding {
        resource: resource.to_string(),
        target,
    })
}

/// Registers a binding on the runtime. Lambda function names and ARNs are bound as Lambda
/// functions (so `lambda:invoke` calls get their `Payload` and the invoke response shape);
/// every resource is also bound by its exact text (which covers `${Name}` substitutions).
pub fn register(runtime: &Runtime, clock: &Arc<ScaledClock>, binding: &Binding) {
    let handler = External {
        target: binding.target.clone(),
        runtime: runtime.clone(),
        clock: clock.clone(),
    };
    let r = &binding.resource;
    if r.starts_with("arn:aws:lambda:") || !r.contains(':') {
        runtime.bind_lambda(r, handler.clone());
    }
    runtime.bind(r.clone(), handler);
}

#[derive(Clone)]
struct External {
    target: Target,
    runtime: Runtime,
    clock: Arc<ScaledClock>,
}

impl TaskHandler for External {
    fn call(&self, input: Value, ctx: TaskContext) -> BoxFuture<Result<Value, TaskError>> {
        let target = self.target.clone();
        let runtime = self.runtime.clone();
        let guard = self.clock.enter();
        Box::pin(async move {
            let result = match &target {
                Target::Command(command) => run_command(command, &input, &ctx).await,
                Target::Http {
                    authority,
                    path,
                    url,
                } => post(authority, path, url, &input, &ctx).await,
            };
            answer_callback(&runtime, &ctx, result, guard)
        })
    }
}

/// A `.waitForTaskToken` task waits for its token: the external handler answers for the
/// worker, so its result is sent back as SendTaskSuccess once the call is submitted.
pub fn answer_callback(
    runtime: &Runtime,
    ctx: &TaskContext,
    result: Result<Value, TaskError>,
    guard: InFlight,
) -> Result<Value, TaskError> {
    let (Some(token), Ok(output)) = (ctx.task_token(), &result) else {
        return result;
    };
    let token = token.to_string();
    let output = output.clone();
    let runtime = runtime.clone();
    tokio::spawn(async move {
        // Let the driver record the submission first; time stands still meanwhile.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        let _ = runtime.send_task_success(&token, output).await;
        drop(guard);
    });
    Ok(Value::Object(Default::default()))
}

/// A failure document printed by a command or returned by an endpoint.
fn failure_from(body: &str, fallback_cause: String) -> TaskError {
    if let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(body) {
        let field = |a: &str, b: &str| {
            doc.get(a)
                .or_else(|| doc.get(b))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if let Some(error) = field("error", "Error") {
            return TaskError {
                error,
                cause: field("cause", "Cause"),
            };
        }
    }
    TaskError::new("States.TaskFailed", fallback_cause)
}

/// Reads `source` to its end, or returns `None` once it holds more than `limit` bytes: at
/// most `limit + 1` bytes are read.
async fn read_at_most(
    source: Option<impl AsyncRead + Unpin>,
    limit: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    if let Some(source) = source {
        source
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .await?;
    }
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// Reads `source` to its end (a writer blocked on a full pipe would never end), keeping only
/// its first `kept` bytes.
async fn read_keeping_start(
    source: Option<impl AsyncRead + Unpin>,
    kept: usize,
) -> std::io::Result<Vec<u8>> {
    let mut start = Vec::new();
    if let Some(mut source) = source {
        (&mut source)
            .take(kept as u64)
            .read_to_end(&mut start)
            .await?;
        tokio::io::copy(&mut source, &mut tokio::io::sink()).await?;
    }
    Ok(start)
}

async fn run_command(command: &str, input: &Value, ctx: &TaskContext) -> Result<Value, TaskError> {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .env("WORKFLOW_STATE_NAME", ctx.state_name())
        .env("WORKFLOW_RESOURCE", ctx.resource())
        .env("WORKFLOW_EXECUTION_ARN", ctx.execution_arn())
        .env("WORKFLOW_RETRY_COUNT", ctx.retry_count().to_string());
    if let Some(token) = ctx.task_token() {
        cmd.env("WORKFLOW_TASK_TOKEN", token);
    }
    // Its own process group, so that a cancelled task (a timeout, the execution's end) stops
    // everything the shell started, not only the shell.
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = cmd.spawn().map_err(|e| {
        TaskError::new(
            "States.TaskFailed",
            format!("cannot start `{command}`: {e}"),
        )
    })?;
    let mut group = ProcessGroup::led_by(child.id());
    let body = input.to_string();
    let mut stdin = child.stdin.take();
    let writer = async move {
        if let Some(stdin) = stdin.as_mut() {
            // A command that does not read its input closes the pipe early: not an error.
            let _ = stdin.write_all(body.as_bytes()).await;
            let _ = stdin.shutdown().await;
        }
        drop(stdin);
    };
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let result = async {
        let result = read_at_most(stdout, PAYLOAD_LIMIT_BYTES).await;
        if matches!(result, Ok(None)) {
            // Too large already: whatever follows changes nothing.
            group.kill();
        }
        result
    };
    let (_, stdout, stderr) = tokio::join!(
        writer,
        result,
        read_keeping_start(stderr, STDERR_KEPT_BYTES)
    );
    let status = child.wait().await;
    // It ended by itself: what it left running in the background is its own business.
    group.release();
    let failed_to_run = |e: std::io::Error| {
        TaskError::new(
            "States.TaskFailed",
            format!("`{command}` failed to run: {e}"),
        )
    };
    let (status, stdout, stderr) = (
        status.map_err(failed_to_run)?,
        stdout.map_err(failed_to_run)?,
        stderr.map_err(failed_to_run)?,
    );
    let Some(stdout) = stdout else {
        return Err(task_result_too_large(ctx.resource()));
    };
    let stdout = String::from_utf8_lossy(&stdout);
    let stderr = String::from_utf8_lossy(&stderr);
    if status.success() {
        if stdout.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&stdout).map_err(|e| {
            TaskError::new(
                "States.TaskFailed",
                format!(
                    "`{command}` printed something that is not JSON on stdout ({}): {}",
                    workflow_core::nesting::parse_error_message(&e),
                    crate::render::short(stdout.trim(), 200)
                ),
            )
        })
    } else {
        let status = status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
        let cause = if stderr.trim().is_empty() {
            format!("`{command}` exited with {status}")
        } else {
            stderr.trim().to_string()
        };
        Err(failure_from(&stdout, cause))
    }
}

async fn post(
    authority: &str,
    path: &str,
    url: &str,
    input: &Value,
    ctx: &TaskContext,
) -> Result<Value, TaskError> {
    let fail = |what: String| TaskError::new("States.TaskFailed", what);
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| fail(format!("cannot reach {url}: {e}")))?;
    let body = input.to_string();
    let host = authority.strip_suffix(":80").unwrap_or(authority);
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\nX-Workflow-State-Name: {}\r\nX-Workflow-Retry-Count: {}\r\n",
        body.len(),
        header_safe(ctx.state_name()),
        ctx.retry_count()
    );
    if let Some(token) = ctx.task_token() {
        request.push_str(&format!(
            "X-Workflow-Task-Token: {}\r\n",
            header_safe(token)
        ));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| fail(format!("cannot send to {url}: {e}")))?;
    let mut raw = Vec::new();
    (&mut stream)
        .take(HTTP_ANSWER_MAX_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .await
        .map_err(|e| fail(format!("cannot read the answer of {url}: {e}")))?;
    let whole = raw.len() <= HTTP_ANSWER_MAX_BYTES;
    let (status, reason, body) =
        parse_response(&raw).ok_or_else(|| fail(format!("{url} did not answer with HTTP")))?;
    if (200..300).contains(&status) {
        if !whole || body.len() > PAYLOAD_LIMIT_BYTES {
            return Err(task_result_too_large(ctx.resource()));
        }
        if body.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&body).map_err(|e| {
            fail(format!(
                "{url} answered {status} with a body that is not JSON ({}): {}",
                workflow_core::nesting::parse_error_message(&e),
                crate::render::short(body.trim(), 200)
            ))
        })
    } else {
        Err(failure_from(
            &body,
            format!(
                "{url} answered {status} {reason}: {}",
                crate::render::short(body.trim(), 500)
            ),
        ))
    }
}

fn header_safe(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Status, reason and body of a raw HTTP/1.x response (chunked bodies decoded). A response
/// cut short (read up to a bound) gives the part of its body that arrived.
pub fn parse_response(raw: &[u8]) -> Option<(u16, String, String)> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.lines();
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let reason = parts.next().unwrap_or("").to_string();
    let mut chunked = false;
    let mut length: Option<usize> = None;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
            if k == "content-length" {
                length = v.parse().ok();
            }
        }
    }
    let mut body = &raw[split + 4..];
    let decoded;
    if chunked {
        let mut out = Vec::new();
        let mut rest = body;
        // Stops at the last chunk, or where the response was cut.
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&rest[..eol]);
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            rest = &rest[eol + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size.min(rest.len())]);
            rest = rest.get(size + 2..).unwrap_or(&[]);
        }
        decoded = out;
        body = &decoded;
    } else if let Some(n) = length {
        body = &body[..n.min(body.len())];
    }
    Some((status, reason, String::from_utf8_lossy(body).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_parse() {
        assert_eq!(
            parse("charge=./charge.sh --live").unwrap(),
            Binding {
                resource: "charge".into(),
                target: Target::Command("./charge.sh --live".into())
            }
        );
        let b = parse("arn:aws:states:::sqs:sendMessage=http://127.0.0.1:8080/sqs").unwrap();
        assert_eq!(b.resource, "arn:aws:states:::sqs:sendMessage");
        assert_eq!(
            b.target,
            Target::Http {
                authority: "127.0.0.1:8080".into(),
                path: "/sqs".into(),
                url: "http://127.0.0.1:8080/sqs".into()
            }
        );
        let b = parse("x=http://localhost").unwrap();
        assert!(
            matches!(b.target, Target::Http { ref authority, ref path, .. } if authority == "localhost:80" && path == "/")
        );
        for bad in [
            "nothing",
            "=cmd",
            "x=",
            "x=https://example.com",
            "x=http:///p",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn http_responses() {
        let (s, r, b) =
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}trailing")
                .unwrap();
        assert_eq!((s, r.as_str(), b.as_str()), (200, "OK", "{\"a\":1}"));
        let (s, _, b) = parse_response(
            b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((s, b.as_str()), (500, "{\"a\":1}"));
        assert!(parse_response(b"garbage").is_none());
    }

    #[test]
    fn failure_documents() {
        let e = failure_from(r#"{"error": "CardDeclined", "cause": "limit"}"#, "x".into());
        assert_eq!(
            (e.error.as_str(), e.cause.as_deref()),
            ("CardDeclined", Some("limit"))
        );
        let e = failure_from(r#"{"Error": "E"}"#, "x".into());
        assert_eq!((e.error.as_str(), e.cause), ("E", None));
        let e = failure_from("not json", "stderr text".into());
        assert_eq!(
            (e.error.as_str(), e.cause.as_deref()),
            ("States.TaskFailed", Some("stderr text"))
        );
    }
}
