//! SVG drawn by the binary itself: [`crate::layout`] places the nodes and routes the edges,
//! and this module writes the picture, the group boxes of Parallel branches and Map
//! processors behind, the edges, then the nodes. The look is one stylesheet, so that a big
//! graph stays a compact file. Text uses installed sans-serif fonts.

use std::collections::HashMap;
use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use crate::graph::{self, EdgeKind, Graph};
use crate::layout;

const FONT: &str = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";

/// The look of every element, by class: `state` (`visited`, `failed` where it failed),
/// `terminal` for Start and End, `edge` (`catch`, `enter` into a branch or processor, `taken`),
/// `box` and `box-label` for a group, `label` for an edge's, `name` and `type` for a state's
/// text.
const STYLE: &str = "\
.state{fill:#fff;stroke:#37474f;stroke-width:1}\
.state.visited{fill:#d9f2d9;stroke:#2e7d32;stroke-width:3}\
.state.failed{fill:#fbe0e0;stroke:#c62828;stroke-width:3}\
.terminal{fill:#333;stroke:#333;stroke-width:1}\
.terminal.visited{stroke:#2e7d32;stroke-width:3}\
.edge{fill:none;stroke:#546e7a;stroke-width:1;marker-end:url(#arrowhead)}\
.edge.catch{stroke:#c62828;stroke-dasharray:5,4}\
.edge.enter{stroke-dasharray:5,4}\
.edge.taken{stroke:#2e7d32;stroke-width:3}\
.box{fill:#eef3f8;fill-opacity:0.6;stroke:#90a4ae;stroke-dasharray:6,4}\
.box-label{font-size:11px;fill:#546e7a;paint-order:stroke;stroke:#eef3f8;stroke-width:3px;stroke-linejoin:round}\
.name{font-size:13px;fill:#263238;text-anchor:middle;dominant-baseline:middle}\
.type{font-size:0.8em;fill:#607d8b}\
.label{font-size:11px;fill:#37474f;dominant-baseline:middle;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}";

/// Room around the picture.
const MARGIN: f64 = 12.0;
/// A state's box: its height, its least width, and the width of one column of its name.
const STATE_HEIGHT: f64 = 44.0;
const STATE_MIN_WIDTH: f64 = 90.0;
const NAME_COLUMN: f64 = 7.5;
/// An edge label's column width and height (11px text).
const LABEL_COLUMN: f64 = 6.3;
const LABEL_HEIGHT: f64 = 14.0;
/// Start's and End's circles.
const TERMINAL_SIZE: f64 = 24.0;

/// XML text: the markup characters escaped, and what XML 1.0 cannot hold at all, even
/// escaped (most control characters, U+FFFE, U+FFFF), written visibly (`\u0001`).
fn esc(s: &str) -> String {
    crate::render::visible(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A coordinate as SVG text: one decimal, none when it is whole (a big graph's file is mostly
/// numbers).
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if tenths % 10.0 == 0.0 {
            write!(f, "{}", tenths / 10.0)
        } else {
            write!(f, "{:.1}", tenths / 10.0)
        }
    }
}

/// A box: left, top, right, bottom.
type Bounds = (f64, f64, f64, f64);

fn union(a: Option<Bounds>, b: Bounds) -> Bounds {
    match a {
        None => b,
        Some(a) => (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)),
    }
}

/// Renders the graph as a standalone SVG document.
pub fn render(g: &Graph) -> String {
    let index: HashMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let names: Vec<String> = g
        .nodes
        .iter()
        .map(|n| graph::display_name(&n.name))
        .collect();
    let nodes: Vec<layout::Node> = g
        .nodes
        .iter()
        .zip(&names)
        .map(|(n, name)| {
            let (width, height) = match n.kind {
                "start" | "end" => (TERMINAL_SIZE, TERMINAL_SIZE),
                kind => {
                    let columns = name.width().max(kind.len()) as f64;
                    (
                        (columns * NAME_COLUMN + 24.0).max(STATE_MIN_WIDTH),
                        STATE_HEIGHT,
                    )
                }
            };
            layout::Node {
                width,
                height,
                group: n.group,
            }
        })
        .collect();
    // Edges to a state that does not exist are not drawn.
    let drawn: Vec<&graph::Edge> = g
        .edges
        .iter()
        .filter(|e| index.contains_key(e.from.as_str()) && index.contains_key(e.to.as_str()))
        .collect();
    let edges: Vec<layout::Edge> = drawn
        .iter()
        .map(|e| layout::Edge {
            from: index[e.from.as_str()],
            to: index[e.to.as_str()],
            label: (!e.label.is_empty())
                .then(|| (e.label.width() as f64 * LABEL_COLUMN + 12.0, LABEL_HEIGHT)),
        })
        .collect();
    let parents: Vec<Option<usize>> = g.groups.iter().map(|gr| gr.parent).collect();
    let first = index.get(graph::START).copied().unwrap_or(0);
    let drawing = layout::layout(&nodes, &parents, &edges, first);

    let node_box = |i: usize| {
        let (x, y) = drawing.centers[i];
        let (w, h) = (nodes[i].width, nodes[i].height);
        (x - w / 2.0, y - h / 2.0, x + w / 2.0, y + h / 2.0)
    };
    let mut bounds: Option<Bounds> = None;
    for i in 0..nodes.len() {
        bounds = Some(union(bounds, node_box(i)));
    }

    let mut body = String::new();
    // Behind everything, outer boxes before the boxes inside them (a group comes before the
    // groups inside it in `g.groups`); their labels above the edges, which may cross them.
    let mut box_labels = String::new();
    for (gi, group) in g.groups.iter().enumerate() {
        let Some((x0, y0, x1, y1)) = drawing.group_boxes[gi] else {
            continue;
        };
        // A label wider than its box reads on past its right side.
        let label_end = x0 + 8.0 + group.label.width() as f64 * LABEL_COLUMN;
        bounds = Some(union(bounds, (x0, y0, x1.max(label_end), y1)));
        let _ = writeln!(
            body,
            r#"<rect class="box" x="{}" y="{}" width="{}" height="{}" rx="10"/>"#,
            Num(x0),
            Num(y0),
            Num(x1 - x0),
            Num(y1 - y0),
        );
        let _ = writeln!(
            box_labels,
            r#"<text class="box-label" x="{}" y="{}">{}</text>"#,
            Num(x0 + 8.0),
            Num(y0 + 13.0),
            esc(&group.label)
        );
    }
    for (e, r) in drawn.iter().zip(&drawing.routes) {
        let mut class = String::from("edge");
        match e.kind {
            EdgeKind::Catch => class.push_str(" catch"),
            EdgeKind::Enter => class.push_str(" enter"),
            EdgeKind::Normal => {}
        }
        if g.is_taken(e) {
            class.push_str(" taken");
        }
        let p = &r.points;
        let mut d = format!("M{} {}", Num(p[0].0), Num(p[0].1));
        if r.self_loop {
            let (a, b) = (p[0], p[p.len() - 1]);
            let _ = write!(
                d,
                "C{} {},{} {},{} {}",
                Num(a.0 + 36.0),
                Num(a.1 - 16.0),
                Num(b.0 + 36.0),
                Num(b.1 + 16.0),
                Num(b.0),
                Num(b.1)
            );
        } else {
            // Vertical tangents at every point: smooth, and straight down a column.
            for pair in p.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if (a.0 - b.0).abs() < 0.05 {
                    let _ = write!(d, "V{}", Num(b.1));
                    continue;
                }
                let mid = Num((a.1 + b.1) / 2.0);
                let _ = write!(
                    d,
                    "C{} {mid},{} {mid},{} {}",
                    Num(a.0),
                    Num(b.0),
                    Num(b.0),
                    Num(b.1)
                );
            }
        }
        for &(x, y) in p {
            bounds = Some(union(bounds, (x, y, x, y)));
        }
        let _ = writeln!(body, r#"<path class="{class}" d="{d}"/>"#);
        if let Some((x, y)) = r.label_at {
            let end = x + e.label.width() as f64 * LABEL_COLUMN;
            bounds = Some(union(
                bounds,
                (x, y - LABEL_HEIGHT / 2.0, end, y + LABEL_HEIGHT / 2.0),
            ));
            let _ = writeln!(
                body,
                r#"<text class="label" x="{}" y="{}">{}</text>"#,
                Num(x),
                Num(y),
                esc(&e.label)
            );
        }
    }
    body.push_str(&box_labels);
    for (i, n) in g.nodes.iter().enumerate() {
        let (x, y) = drawing.centers[i];
        let visited = g.visited.contains(&n.id);
        let failed = g.failed.as_deref() == Some(n.id.as_str());
        let state = if failed {
            " failed"
        } else if visited {
            " visited"
        } else {
            ""
        };
        match n.kind {
            "start" | "end" => {
                let r = TERMINAL_SIZE / 2.0;
                let (cx, cy) = (Num(x), Num(y));
                let _ = write!(
                    body,
                    r#"<circle class="terminal{state}" cx="{cx}" cy="{cy}" r="{}"/>"#,
                    Num(r)
                );
                if n.kind == "end" {
                    // The double circle of an end.
                    let _ = write!(
                        body,
                        r##"<circle cx="{cx}" cy="{cy}" r="{}" fill="none" stroke="#fff" stroke-width="1.5"/>"##,
                        Num(r - 4.0)
                    );
                }
                body.push('\n');
            }
            kind => {
                let (x0, y0, x1, y1) = node_box(i);
                let rounded = if kind == "Choice" { 18 } else { 6 };
                let _ = writeln!(
                    body,
                    r#"<rect class="state{state}" x="{}" y="{}" width="{}" height="{}" rx="{rounded}"/><text class="name" x="{}" y="{}"><tspan>{}</tspan><tspan class="type" x="{}" dy="15.6">{kind}</tspan></text>"#,
                    Num(x0),
                    Num(y0),
                    Num(x1 - x0),
                    Num(y1 - y0),
                    Num(x),
                    Num(y - 7.8),
                    esc(&names[i]),
                    Num(x),
                );
            }
        }
    }

    let (left, top, right, bottom) = bounds.unwrap_or((0.0, 0.0, 0.0, 0.0));
    let (width, height) = (
        (right - left + 2.0 * MARGIN).ceil(),
        (bottom - top + 2.0 * MARGIN).ceil(),
    );
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = writeln!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#
    );
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">"#
    );
    let _ = writeln!(
        out,
        r#"<defs><style>{STYLE}</style><marker id="arrowhead" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="7" refX="10" refY="3.5" orient="auto"><polygon points="0 0, 10 3.5, 0 7" fill="context-stroke"/></marker></defs>"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<g transform="translate({} {})">"#,
        Num(MARGIN - left),
        Num(MARGIN - top)
    );
    out.push_str(&body);
    out.push_str("</g>\n</svg>\n");
    out
}
