//! `workflow graph FILE --format mermaid|dot|svg`: the state graph, Parallel branches and
//! Map processors as groups, Choice rules as edge labels, and with `--history` the path an
//! execution took.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;
use serde_json::{Map, Value};
use workflow_core::model::{StateKind, StateMachine, States};
use workflow_core::plan::CompileOptions;

use crate::{exit, history, input};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (GitHub renders it in Markdown).
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// An SVG picture, laid out by this binary (no Graphviz needed).
    Svg,
}

#[derive(clap::Args)]
pub struct Args {
    /// The ASL definition (JSON).
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormat,
    /// A saved history (`workflow run --history-out`, or `aws stepfunctions
    /// get-execution-history`): highlight the states and transitions it went through.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// What kind of transition an edge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// Next, a Choice rule, Default.
    Normal,
    /// A Catch.
    Catch,
    /// Into a Parallel branch or Map processor.
    Enter,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    /// Index into `groups`, or None at the top level.
    pub group: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: String,
    pub kind: EdgeKind,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub label: String,
    pub parent: Option<usize>,
}

/// The graph of a state machine, ready to draw.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub groups: Vec<Group>,
    pub visited: HashSet<String>,
    pub taken: HashSet<(String, String)>,
    pub failed: Option<String>,
}

pub const START: &str = "__start";
pub const END: &str = "__end";

/// The longest name a node shows: AWS's limit on state names, so that only a definition
/// AWS refuses has a name cut.
const NAME_CHARS: usize = 80;
/// The longest edge label (a Choice rule, a Catch) and the longest name in a group's label.
const LABEL_CHARS: usize = 48;

/// A state's name as a node shows it: at most [`NAME_CHARS`], control characters written
/// visibly. Every format escapes it further for its own syntax.
pub fn display_name(name: &str) -> String {
    crate::render::short(name, NAME_CHARS)
}

impl Graph {
    pub fn of(machine: &StateMachine) -> Graph {
        let mut g = Graph::default();
        let mut ids = HashMap::new();
        collect_ids(&machine.states, &mut ids);
        g.nodes.push(Node {
            id: START.into(),
            name: "Start".into(),
            kind: "start",
            group: None,
        });
        g.scope(&machine.states, None, &ids);
        g.nodes.push(Node {
            id: END.into(),
            name: "End".into(),
            kind: "end",
            group: None,
        });
        if let Some(first) = ids.get(machine.start_at.as_str()) {
            g.edges.push(Edge {
                from: START.into(),
                to: first.clone(),
                label: String::new(),
                kind: EdgeKind::Normal,
            });
        }
        for (name, state) in &machine.states {
            if state.is_terminal() {
                g.edges.push(Edge {
                    from: ids[name.as_str()].clone(),
                    to: END.into(),
                    label: String::new(),
                    kind: EdgeKind::Normal,
                });
            }
        }
        g
    }

    fn scope(&mut self, states: &States, group: Option<usize>, ids: &HashMap<String, String>) {
        for (name, state) in states {
            let id = ids[name.as_str()].clone();
            self.nodes.push(Node {
                id: id.clone(),
                name: name.clone(),
                kind: state.type_name(),
                group,
            });
            let edge = |to: &str, label: String, kind| Edge {
                from: id.clone(),
                to: ids.get(to).cloned().unwrap_or_default(),
                label,
                kind,
            };
            if let Some(next) = &state.next {
                self.edges.push(edge(next, String::new(), EdgeKind::Normal));
            }
            match &state.kind {
                StateKind::Choice(choice) => {
                    for rule in &choice.choices {
                        if let Some(next) = &rule.next {
                            self.edges.push(edge(
                                next,
                                describe(&rule.condition),
                                EdgeKind::Normal,
                            ));
                        }
                    }
                    if let Some(default) = &choice.default {
                        self.edges
                            .push(edge(default, "Default".into(), EdgeKind::Normal));
                    }
                }
                StateKind::Parallel(p) => {
                    for (i, b) in p.branches.iter().enumerate() {
                        let g = self.groups.len();
                        self.groups.push(Group {
                            id: format!("{id}_b{i}"),
                            label: format!(
                                "{} · branch {}",
                                crate::render::short(name, LABEL_CHARS),
                                i + 1
                            ),
                            parent: group,
                        });
                        self.scope(&b.states, Some(g), ids);
                        self.edges
                            .push(edge(&b.start_at, String::new(), EdgeKind::Enter));
                    }
                }
                StateKind::Map(m) => {
                    let g = self.groups.len();
                    self.groups.push(Group {
                        id: format!("{id}_items"),
                        label: format!("{} · each item", crate::render::short(name, LABEL_CHARS)),
                        parent: group,
                    });
                    self.scope(&m.item_processor.states, Some(g), ids);
                    self.edges.push(edge(
                        &m.item_processor.start_at,
                        String::new(),
                        EdgeKind::Enter,
                    ));
                }
                _ => {}
            }
            for c in state.catch.iter().flatten() {
                self.edges.push(edge(
                    &c.next,
                    crate::render::short(
                        &format!("catch {}", c.error_equals.join(", ")),
                        LABEL_CHARS,
                    ),
                    EdgeKind::Catch,
                ));
            }
        }
    }

    /// Marks what a history went through.
    pub fn highlight(&mut self, events: &[Value]) {
        let by_name: HashMap<&str, &str> = self
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.id.as_str()))
            .collect();
        let by_id: HashMap<u64, &Value> = events
            .iter()
            .filter_map(|e| Some((e.get("id")?.as_u64()?, e)))
            .collect();
        let mut visited = HashSet::new();
        let mut taken = HashSet::new();
        let mut last_entered: Option<String> = None;
        for e in events {
            let t = e["type"].as_str().unwrap_or("");
            if !t.ends_with("StateEntered") {
                continue;
            }
            let Some(name) = history::state_name(e) else {
                continue;
            };
            let Some(id) = by_name.get(name.as_str()) else {
                continue;
            };
            visited.insert(id.to_string());
            last_entered = Some(id.to_string());
            // Walk back to the state this one came from.
            let mut prev = e.get("previousEventId").and_then(Value::as_u64);
            let mut steps = 0;
            while let Some(p) = prev
                && steps < 64
            {
                steps += 1;
                let Some(pe) = by_id.get(&p) else { break };
                let pt = pe["type"].as_str().unwrap_or("");
                if pt.ends_with("StateExited") || pt.ends_with("StateEntered") {
                    if let Some(from) = history::state_name(pe)
                        && let Some(from_id) = by_name.get(from.as_str())
                    {
                        taken.insert((from_id.to_string(), id.to_string()));
                    }
                    break;
                }
                if pt == "MapIterationStarted" || pt == "ParallelStateStarted" {
                    break;
                }
                prev = pe.get("previousEventId").and_then(Value::as_u64);
            }
        }
        if let Some(first) = events.iter().find(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("StateEntered"))
        }) && let Some(name) = history::state_name(first)
            && let Some(id) = by_name.get(name.as_str())
        {
            taken.insert((START.to_string(), id.to_string()));
            visited.insert(START.to_string());
        }
        match events.last().and_then(|e| e["type"].as_str()) {
            Some("ExecutionSucceeded") => {
                visited.insert(END.to_string());
                if let Some(last) = self.last_top_level(events) {
                    taken.insert((last, END.to_string()));
                }
            }
            Some("ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted") => {
                self.failed = last_entered;
            }
            _ => {}
        }
        // Entering a group: the edge from the Parallel or Map state into its start.
        for edge in &self.edges {
            if edge.kind == EdgeKind::Enter && visited.contains(&edge.to) {
                taken.insert((edge.from.clone(), edge.to.clone()));
            }
        }
        self.visited = visited;
        self.taken = taken;
    }

    fn last_top_level(&self, events: &[Value]) -> Option<String> {
        let top: HashMap<&str, &str> = self
            .nodes
            .iter()
            .filter(|n| n.group.is_none())
            .map(|n| (n.name.as_str(), n.id.as_str()))
            .collect();
        events
            .iter()
            .rev()
            .filter(|e| {
                e["type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("StateEntered"))
            })
            .find_map(|e| {
                history::state_name(e).and_then(|n| top.get(n.as_str()).map(|s| s.to_string()))
            })
    }

    pub fn is_taken(&self, e: &Edge) -> bool {
        self.taken.contains(&(e.from.clone(), e.to.clone()))
    }
}

fn collect_ids(states: &States, ids: &mut HashMap<String, String>) {
    for (name, state) in states {
        let n = ids.len();
        ids.entry(name.clone()).or_insert_with(|| format!("s{n}"));
        match &state.kind {
            StateKind::Parallel(p) => p.branches.iter().for_each(|b| collect_ids(&b.states, ids)),
            StateKind::Map(m) => collect_ids(&m.item_processor.states, ids),
            _ => {}
        }
    }
}

/// A Choice rule in a few words: `$.total > 1000`, `$.kind == "book"`, `And(2)`.
pub fn describe(rule: &Map<String, Value>) -> String {
    let ops: &[(&str, &str)] = &[
        ("Equals", "=="),
        ("GreaterThanEquals", ">="),
        ("LessThanEquals", "<="),
        ("GreaterThan", ">"),
        ("LessThan", "<"),
        ("Matches", "matches"),
    ];
    if let Some(c) = rule.get("Condition").and_then(Value::as_str) {
        return crate::render::short(c, 40);
    }
    for (combinator, _) in [("And", ()), ("Or", ())] {
        if let Some(Value::Array(parts)) = rule.get(combinator) {
            let inner: Vec<String> = parts
                .iter()
                .filter_map(Value::as_object)
                .map(describe)
                .collect();
            let joined = inner.join(if combinator == "And" { " and " } else { " or " });
            return crate::render::short(&joined, 48);
        }
    }
    if let Some(Value::Object(inner)) = rule.get("Not") {
        return crate::render::short(&format!("not ({})", describe(inner)), 48);
    }
    let variable = rule.get("Variable").and_then(Value::as_str).unwrap_or("?");
    for (key, value) in rule {
        if key == "Variable" {
            continue;
        }
        let (name, is_path) = match key.strip_suffix("Path") {
            Some(n) => (n, true),
            None => (key.as_str(), false),
        };
        let shown = if is_path {
            value.as_str().unwrap_or("?").to_string()
        } else {
            value.to_string()
        };
        if let Some(test) = name.strip_prefix("Is") {
            let negated = value == &Value::Bool(false);
            return crate::render::short(
                &format!(
                    "{variable} {}is {}",
                    if negated { "not " } else { "" },
                    test.to_ascii_lowercase()
                ),
                40,
            );
        }
        for (suffix, sym) in ops {
            if name.ends_with(suffix) {
                return crate::render::short(&format!("{variable} {sym} {shown}"), 40);
            }
        }
    }
    "rule".to_string()
}

pub fn main(args: Args) -> anyhow::Result<u8> {
    let (_, def) = input::definition(&args.file, &CompileOptions::default())?;
    let mut graph = Graph::of(def.machine());
    if let Some(path) = &args.history {
        let text = input::read(path)?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", path.display()))?;
        let events = history::events_of(&value).ok_or_else(|| {
            anyhow::anyhow!(
                "{} is not an execution history: expected {{\"events\": [...]}}",
                path.display()
            )
        })?;
        graph.highlight(events);
    }
    let text = match args.format {
        GraphFormat::Mermaid => mermaid(&graph),
        GraphFormat::Dot => dot(&graph),
        GraphFormat::Svg => crate::svg::render(&graph),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let _ = crate::output::plain_stdout().write_all(text.as_bytes());
        }
    }
    Ok(exit::OK)
}

/// How a text format writes nodes and groups: Mermaid and DOT lay them out alike, each with
/// its own syntax for opening and closing a group.
struct GroupSyntax<'a> {
    /// One level of indentation.
    unit: &'a str,
    /// The line(s) opening a group, given its indentation.
    open: &'a dyn Fn(&Group, &str) -> String,
    /// The line closing a group, given its indentation.
    close: &'a dyn Fn(&str) -> String,
    /// A node's line, without indentation.
    node_line: &'a dyn Fn(&Node) -> String,
}

/// Writes the nodes outside any group, then each group (a Parallel branch or a Map processor)
/// with its nodes and nested groups, one indentation unit deeper per level: each node and
/// group visited once, without recursion.
fn write_nodes_and_groups(g: &Graph, out: &mut String, syntax: &GroupSyntax) {
    let mut members: Vec<Vec<&Node>> = vec![Vec::new(); g.groups.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); g.groups.len()];
    let mut top_groups = Vec::new();
    for n in &g.nodes {
        match n.group {
            Some(gi) => members[gi].push(n),
            None => out.push_str(&format!("{}{}\n", syntax.unit, (syntax.node_line)(n))),
        }
    }
    for (gi, group) in g.groups.iter().enumerate() {
        match group.parent {
            Some(p) => children[p].push(gi),
            None => top_groups.push(gi),
        }
    }
    // (group, depth, how many of its children are written)
    let mut stack: Vec<(usize, usize, usize)> =
        top_groups.iter().rev().map(|&gi| (gi, 1, 0)).collect();
    let mut opened = vec![false; g.groups.len()];
    while let Some(&mut (gi, depth, ref mut next)) = stack.last_mut() {
        let pad = syntax.unit.repeat(depth);
        if !opened[gi] {
            opened[gi] = true;
            out.push_str(&(syntax.open)(&g.groups[gi], &pad));
            for n in &members[gi] {
                out.push_str(&format!("{pad}{}{}\n", syntax.unit, (syntax.node_line)(n)));
            }
        }
        match children[gi].get(*next) {
            Some(&child) => {
                *next += 1;
                stack.push((child, depth + 1, 0));
            }
            None => {
                out.push_str(&(syntax.close)(&pad));
                stack.pop();
            }
        }
    }
}

/// Text for a quoted Mermaid label: its entity codes for what would end or mark up the label
/// (`#` first, since the codes start with it; a backtick would start a Markdown string), and
/// control characters written visibly (a newline would end the statement).
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::render::visible(s).chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            c => out.push(c),
        }
    }
    out
}

pub fn mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart TD\n");
    let node_line = |n: &Node| -> String {
        let label = mermaid_text(&display_name(&n.name));
        match n.kind {
            "start" => format!("{}((\"Start\"))", n.id),
            "end" => format!("{}(((\"End\")))", n.id),
            "Choice" => format!("{}{{\"{label}\"}}", n.id),
            kind => format!("{}[\"{label}<br/><small>{kind}</small>\"]", n.id),
        }
    };
    write_nodes_and_groups(
        g,
        &mut out,
        &GroupSyntax {
            unit: "    ",
            open: &|group, pad| {
                format!(
                    "{pad}subgraph {}[\"{}\"]\n",
                    group.id,
                    mermaid_text(&group.label)
                )
            },
            close: &|pad| format!("{pad}end\n"),
            node_line: &node_line,
        },
    );
    let mut highlighted = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let arrow = match (e.kind, e.label.is_empty()) {
            (EdgeKind::Normal, true) => " --> ".to_string(),
            (EdgeKind::Normal, false) => format!(" -- \"{}\" --> ", mermaid_text(&e.label)),
            (EdgeKind::Catch, _) => format!(" -. \"{}\" .-> ", mermaid_text(&e.label)),
            (EdgeKind::Enter, _) => " -.-> ".to_string(),
        };
        out.push_str(&format!("    {}{arrow}{}\n", e.from, e.to));
        if g.is_taken(e) {
            highlighted.push(i.to_string());
        }
    }
    out.push_str("    classDef start fill:#333,stroke:#333,color:#fff\n");
    out.push_str(&format!("    class {},{} start\n", START, END));
    if !g.visited.is_empty() {
        out.push_str("    classDef visited fill:#d9f2d9,stroke:#2e7d32,stroke-width:2px\n");
        let visited: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| g.visited.contains(&n.id) && n.kind != "start" && n.kind != "end")
            .map(|n| n.id.as_str())
            .collect();
        if !visited.is_empty() {
            out.push_str(&format!("    class {} visited\n", visited.join(",")));
        }
        if let Some(f) = &g.failed {
            out.push_str("    classDef failed fill:#fbe0e0,stroke:#c62828,stroke-width:2px\n");
            out.push_str(&format!("    class {f} failed\n"));
        }
        if !highlighted.is_empty() {
            out.push_str(&format!(
                "    linkStyle {} stroke:#2e7d32,stroke-width:3px\n",
                highlighted.join(",")
            ));
        }
    }
    out
}

/// Text for a quoted DOT string: backslashes and quotes escaped (a backslash would otherwise
/// start a DOT escape such as `\n`), control characters written visibly.
fn dot_text(s: &str) -> String {
    crate::render::visible(s)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

pub fn dot(g: &Graph) -> String {
    let mut out = String::from(
        "digraph workflow {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"DejaVu Sans\"];\n  edge [fontname=\"DejaVu Sans\", fontsize=10];\n",
    );
    let node_line = |n: &Node| -> String {
        let mut attrs = match n.kind {
            "start" => {
                "shape=circle, label=\"Start\", fillcolor=\"#333333\", fontcolor=white".to_string()
            }
            "end" => "shape=doublecircle, label=\"End\", fillcolor=\"#333333\", fontcolor=white"
                .to_string(),
            "Choice" => format!(
                "shape=diamond, style=filled, label=\"{}\"",
                dot_text(&display_name(&n.name))
            ),
            kind => format!("label=\"{}\\n({kind})\"", dot_text(&display_name(&n.name))),
        };
        if g.failed.as_deref() == Some(n.id.as_str()) {
            attrs.push_str(", fillcolor=\"#fbe0e0\", color=\"#c62828\", penwidth=2");
        } else if g.visited.contains(&n.id) && n.kind != "start" && n.kind != "end" {
            attrs.push_str(", fillcolor=\"#d9f2d9\", color=\"#2e7d32\", penwidth=2");
        }
        format!("{} [{attrs}];", n.id)
    };
    write_nodes_and_groups(
        g,
        &mut out,
        &GroupSyntax {
            unit: "  ",
            open: &|group, pad| {
                format!(
                    "{pad}subgraph cluster_{} {{\n{pad}  label=\"{}\"; style=\"rounded,dashed\"; color=\"#7f8c8d\"; fontname=\"DejaVu Sans\";\n",
                    group.id,
                    dot_text(&group.label)
                )
            },
            close: &|pad| format!("{pad}}}\n"),
            node_line: &node_line,
        },
    );
    for e in &g.edges {
        let mut attrs = Vec::new();
        if !e.label.is_empty() {
            attrs.push(format!("label=\"{}\"", dot_text(&e.label)));
        }
        match e.kind {
            EdgeKind::Catch => attrs.push("style=dashed, color=\"#c62828\"".into()),
            EdgeKind::Enter => attrs.push("style=dotted".into()),
            EdgeKind::Normal => {}
        }
        if g.is_taken(e) {
            attrs.push("color=\"#2e7d32\", penwidth=3".into());
        }
        out.push_str(&format!(
            "  {} -> {} [{}];\n",
            e.from,
            e.to,
            attrs.join(", ")
        ));
    }
    out.push_str("}\n");
    out
}
