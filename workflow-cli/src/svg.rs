//! SVG drawn by the binary itself: layout-rs places the nodes and routes the edges, and this
//! backend writes the SVG, with the group boxes of Parallel branches and Map processors
//! behind the nodes. Text uses installed sans-serif fonts (layout-rs's own writer asks for
//! Times, which many machines lack).

use std::collections::HashMap;
use std::fmt::Write;

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use crate::graph::{EdgeKind, Graph};

const FONT: &str = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";
const GREEN: u32 = 0x2e7d32;
const RED: u32 = 0xc62828;

fn color(rgb: u32) -> Color {
    // layout-rs colours are RGBA.
    Color::new((rgb << 8) | 0xff)
}

/// `#rrggbb` (or `none` when transparent): SVG 1.1 has no `#rrggbbaa`.
fn web(c: &Color) -> String {
    let hex = c.to_web_color();
    if hex.ends_with("00") && hex.len() == 9 {
        "none".to_string()
    } else {
        hex[..7.min(hex.len())].to_string()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the graph as a standalone SVG document.
pub fn render(g: &Graph) -> String {
    let mut vg = VisualGraph::new(Orientation::TopToBottom);
    let mut handles = HashMap::new();
    for n in &g.nodes {
        let visited = g.visited.contains(&n.id);
        let failed = g.failed.as_deref() == Some(n.id.as_str());
        let (line, fill) = if failed {
            (color(RED), color(0xfbe0e0))
        } else if visited && n.kind != "start" && n.kind != "end" {
            (color(GREEN), color(0xd9f2d9))
        } else if n.kind == "start" || n.kind == "end" {
            (color(0x333333), color(0x333333))
        } else {
            (color(0x37474f), color(0xffffff))
        };
        let width = if visited || failed { 3 } else { 1 };
        let (shape, size) = match n.kind {
            "start" => (ShapeKind::new_circle(""), Point::new(24., 24.)),
            "end" => (ShapeKind::new_double_circle(""), Point::new(24., 24.)),
            kind => {
                let label = format!("{}\n{}", n.name, kind);
                let chars = n.name.chars().count().max(kind.len()) as f64;
                (
                    ShapeKind::new_box(&label),
                    Point::new((chars * 8.0 + 24.0).max(90.0), 44.0),
                )
            }
        };
        let rounded = if n.kind == "Choice" { 18 } else { 6 };
        let look = StyleAttr::new(line, width, Some(fill), rounded, 13);
        let element = Element::create(shape, look, Orientation::TopToBottom, size);
        handles.insert(n.id.clone(), vg.add_node(element));
    }
    for e in &g.edges {
        let (Some(&from), Some(&to)) = (handles.get(&e.from), handles.get(&e.to)) else {
            continue;
        };
        let taken = g.is_taken(e);
        let line = if taken {
            color(GREEN)
        } else if e.kind == EdgeKind::Catch {
            color(RED)
        } else {
            color(0x546e7a)
        };
        let style = match e.kind {
            EdgeKind::Normal => LineStyleKind::Normal,
            EdgeKind::Catch | EdgeKind::Enter => LineStyleKind::Dashed,
        };
        let look = StyleAttr::new(line, if taken { 3 } else { 1 }, None, 0, 11);
        let arrow = Arrow::new(
            LineEndKind::None,
            LineEndKind::Arrow,
            style,
            &e.label,
            &look,
            &None,
            &None,
        );
        vg.add_edge(arrow, from, to);
    }
    let mut canvas = Canvas::default();
    vg.do_it(false, false, false, &mut canvas);

    // Group boxes, computed from where the layout put their nodes (innermost drawn last).
    let mut boxes = String::new();
    let depth = |mut gi: usize| {
        let mut d = 0;
        while let Some(p) = g.groups[gi].parent {
            d += 1;
            gi = p;
        }
        d
    };
    let mut order: Vec<usize> = (0..g.groups.len()).collect();
    order.sort_by_key(|&gi| depth(gi));
    for gi in order {
        let members: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| {
                let mut grp = n.group;
                while let Some(x) = grp {
                    if x == gi {
                        return true;
                    }
                    grp = g.groups[x].parent;
                }
                false
            })
            .map(|n| n.id.as_str())
            .collect();
        let mut bbox: Option<(Point, Point)> = None;
        for id in members {
            let Some(&h) = handles.get(id) else { continue };
            let (a, b) = vg.pos(h).bbox(false);
            bbox = Some(match bbox {
                None => (a, b),
                Some((p, q)) => (
                    Point::new(p.x.min(a.x), p.y.min(a.y)),
                    Point::new(q.x.max(b.x), q.y.max(b.y)),
                ),
            });
        }
        let Some((a, b)) = bbox else { continue };
        let pad = 14.0 + 4.0 * (3 - depth(gi).min(3)) as f64;
        let (x, y) = (a.x - pad, a.y - pad - 14.0);
        let (w, h) = (b.x - a.x + 2.0 * pad, b.y - a.y + 2.0 * pad + 14.0);
        canvas.grow(Point::new(x + w, y + h));
        let _ = writeln!(
            boxes,
            "<g class=\"group\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"10\" fill=\"#eef3f8\" fill-opacity=\"0.6\" stroke=\"#90a4ae\" stroke-dasharray=\"6,4\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#546e7a\">{}</text></g>",
            x + 8.0,
            y + 14.0,
            esc(&g.groups[gi].label)
        );
    }
    canvas.finish(&boxes)
}

struct Canvas {
    body: String,
    max: Point,
    clips: Vec<String>,
    paths: usize,
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas {
            body: String::new(),
            max: Point::zero(),
            clips: Vec::new(),
            paths: 0,
        }
    }
}

impl Canvas {
    fn grow(&mut self, p: Point) {
        self.max.x = self.max.x.max(p.x + 8.0);
        self.max.y = self.max.y.max(p.y + 8.0);
    }

    fn finish(&self, behind: &str) -> String {
        let (w, h) = (self.max.x.ceil(), self.max.y.ceil());
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#
        );
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}">"#
        );
        let _ = writeln!(
            out,
            r#"<defs><marker id="arrowhead" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="7" refX="10" refY="3.5" orient="auto"><polygon points="0 0, 10 3.5, 0 7" fill="context-stroke"/></marker>{}</defs>"#,
            self.clips.join("")
        );
        let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
        out.push_str(behind);
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        _properties: Option<String>,
        clip: Option<ClipHandle>,
    ) {
        self.grow(xy.add(size));
        let fill = look.fill_color.map_or("none".to_string(), |c| web(&c));
        let clip = clip.map_or(String::new(), |c| format!(r#" clip-path="url(#clip{c})""#));
        let _ = writeln!(
            self.body,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{}" fill="{fill}" stroke="{}" stroke-width="{}"{clip}/>"#,
            xy.x,
            xy.y,
            size.x,
            size.y,
            look.rounded,
            web(&look.line_color),
            look.line_width
        );
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(start);
        self.grow(stop);
        let _ = writeln!(
            self.body,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{}"/>"#,
            start.x,
            start.y,
            stop.x,
            stop.y,
            web(&look.line_color),
            look.line_width
        );
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.grow(xy.add(size.scale(0.5)));
        let fill = look.fill_color.map_or("none".to_string(), |c| web(&c));
        let _ = writeln!(
            self.body,
            r#"<ellipse cx="{:.1}" cy="{:.1}" rx="{:.1}" ry="{:.1}" fill="{fill}" stroke="{}" stroke-width="{}"/>"#,
            xy.x,
            xy.y,
            size.x / 2.0,
            size.y / 2.0,
            web(&look.line_color),
            look.line_width
        );
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        let lines: Vec<&str> = text.lines().collect();
        if lines.is_empty() {
            return;
        }
        let size = look.font_size as f64;
        let first_y = xy.y - (lines.len() as f64 - 1.0) * size * 0.6;
        let mut spans = String::new();
        for (i, line) in lines.iter().enumerate() {
            // The second line of a state's label is its type: smaller and grey.
            let (style, dy) = if i == 0 {
                (String::new(), 0.0)
            } else {
                (
                    r##" font-size="0.8em" fill="#607d8b""##.to_string(),
                    size * 1.2,
                )
            };
            let _ = write!(
                spans,
                r#"<tspan x="{:.1}" dy="{dy:.1}"{style}>{}</tspan>"#,
                xy.x,
                esc(line)
            );
        }
        self.grow(Point::new(
            xy.x + text.len() as f64 * size * 0.3,
            xy.y + size,
        ));
        let _ = writeln!(
            self.body,
            r##"<text x="{:.1}" y="{first_y:.1}" font-size="{}" text-anchor="middle" dominant-baseline="middle" fill="#263238">{spans}</text>"##,
            xy.x, look.font_size
        );
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        look: &StyleAttr,
        _properties: Option<String>,
        text: &str,
    ) {
        if path.len() < 2 {
            return;
        }
        for (a, b) in path {
            self.grow(*a);
            self.grow(*b);
        }
        let mut d = format!(
            "M {:.1} {:.1} C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}",
            path[0].0.x,
            path[0].0.y,
            path[0].1.x,
            path[0].1.y,
            path[1].0.x,
            path[1].0.y,
            path[1].1.x,
            path[1].1.y
        );
        for (a, b) in path.iter().skip(2) {
            let _ = write!(d, " S {:.1} {:.1}, {:.1} {:.1}", a.x, a.y, b.x, b.y);
        }
        let id = self.paths;
        self.paths += 1;
        let dash = if dashed {
            r#" stroke-dasharray="5,4""#
        } else {
            ""
        };
        let end = if head.1 {
            r#" marker-end="url(#arrowhead)""#
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            r#"<path id="edge{id}" d="{d}" fill="none" stroke="{}" stroke-width="{}"{dash}{end}/>"#,
            web(&look.line_color),
            look.line_width
        );
        if !text.is_empty() {
            let _ = writeln!(
                self.body,
                r##"<text font-size="{}" fill="#37474f"><textPath href="#edge{id}" startOffset="50%" text-anchor="middle">{}</textPath></text>"##,
                look.font_size,
                esc(text)
            );
        }
    }

    fn create_clip(&mut self, xy: Point, size: Point, rounded_px: usize) -> ClipHandle {
        let handle = self.clips.len();
        self.clips.push(format!(
            r#"<clipPath id="clip{handle}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{rounded_px}"/></clipPath>"#,
            xy.x, xy.y, size.x, size.y
        ));
        handle
    }
}
