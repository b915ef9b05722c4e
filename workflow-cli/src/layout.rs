//! A layered drawing of a directed graph for `workflow graph --format svg` (Sugiyama's
//! method), in time near-linear in nodes and edges:
//!
//! 1. loops are broken by turning back the edges a depth-first search finds going back;
//! 2. each node gets the rank of its longest path from a source (an edge with a label spans
//!    two ranks, its label taking the middle);
//! 3. an edge spanning several ranks gets a point on each rank it crosses, while the total
//!    stays within [`MAX_POINTS`]: past it, the longest edges are drawn straight;
//! 4. the order within each rank comes from [`SWEEPS`] barycenter sweeps, each counted for
//!    crossings (the best order kept), the members of a group kept next to each other;
//! 5. x positions come from [`PASSES`] passes pulling each node toward the mean of its
//!    neighbours, each rank then spread by isotonic regression so that nothing overlaps.
//!
//! No step recurses: a chain of states is as deep as it is long.

use std::cmp::Ordering;

/// Barycenter sweeps (down then up) ordering the ranks.
const SWEEPS: usize = 6;
/// Passes (down then up) placing the nodes.
const PASSES: usize = 8;
/// Space between two nodes side by side.
const NODE_GAP: f64 = 24.0;
/// Space between two edge points side by side.
const POINT_GAP: f64 = 10.0;
/// Room between a group's box and what it holds.
const GROUP_PAD: f64 = 10.0;
/// Room at the top of a group's box for its label.
const GROUP_HEADER: f64 = 16.0;
/// Space between two ranks (more where group boxes end or start between them).
const RANK_GAP: f64 = 40.0;
/// The most edge points (for edges spanning several ranks): a multiple of the graph's size,
/// so that a chain whose every state catches into one handler at its end (a quadratic
/// number of points) still draws in linear time.
const MAX_POINTS: usize = 4_096;
/// Points allowed per node and edge of the graph, beyond [`MAX_POINTS`].
const POINTS_PER_ELEMENT: usize = 4;

/// A node to place: its size and its group (a box drawn around its members).
#[derive(Clone, Debug)]
pub struct Node {
    pub width: f64,
    pub height: f64,
    pub group: Option<usize>,
}

/// An edge to route, with the size of its label if it has one.
#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: Option<(f64, f64)>,
}

/// Where everything went: node centers, each edge's route from its source to its target,
/// and each group's box (left, top, right, bottom; `None` for a group with no node), with
/// room at its top for a label.
#[derive(Clone, Debug)]
pub struct Drawing {
    pub centers: Vec<(f64, f64)>,
    pub routes: Vec<Route>,
    pub group_boxes: Vec<Option<(f64, f64, f64, f64)>>,
}

/// An edge's points, from its source's border to its target's; where its label starts (the
/// label's left end, vertically centered).
#[derive(Clone, Debug)]
pub struct Route {
    pub points: Vec<(f64, f64)>,
    pub label_at: Option<(f64, f64)>,
    /// An edge from a node to itself: a loop on its right side.
    pub self_loop: bool,
}

/// One thing to place on a rank: a node, or a point of an edge spanning ranks.
#[derive(Clone, Debug)]
struct Item {
    width: f64,
    height: f64,
    /// The groups around it, outermost first (for a point: those around both ends).
    groups: Vec<usize>,
    rank: usize,
    /// A point of an edge, not a node.
    point: bool,
}

/// Places `nodes` and routes `edges`; `first` is where the search for loops starts (the
/// start node), `group_parent` the group around each group.
pub fn layout(
    nodes: &[Node],
    group_parent: &[Option<usize>],
    edges: &[Edge],
    first: usize,
) -> Drawing {
    let n = nodes.len();
    let reversed = back_edges(n, edges, first);
    let rank = ranks(n, edges, &reversed);
    let chains = group_chains(nodes, group_parent);
    let mut items: Vec<Item> = nodes
        .iter()
        .enumerate()
        .map(|(v, node)| Item {
            width: node.width,
            height: node.height,
            groups: chains[v].clone(),
            rank: rank[v],
            point: false,
        })
        .collect();

    // Each edge as a path of items, top to bottom; which of its points carries the label.
    let mut paths: Vec<Vec<usize>> = Vec::with_capacity(edges.len());
    let mut label_item: Vec<Option<usize>> = vec![None; edges.len()];
    let budget = MAX_POINTS + POINTS_PER_ELEMENT * (n + edges.len());
    let mut by_span: Vec<usize> = (0..edges.len()).collect();
    let span = |e: &Edge| rank[e.from].abs_diff(rank[e.to]);
    by_span.sort_by_key(|&i| span(&edges[i]));
    let mut points_left = budget;
    let mut with_points = vec![false; edges.len()];
    for &i in &by_span {
        let s = span(&edges[i]);
        if edges[i].from != edges[i].to && s > 1 && s - 1 <= points_left {
            points_left -= s - 1;
            with_points[i] = true;
        }
    }
    for (i, e) in edges.iter().enumerate() {
        let (top, bottom) = if reversed[i] {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        };
        let mut path = vec![top];
        if with_points[i] {
            let common = common_prefix(&chains[top], &chains[bottom]);
            let count = rank[bottom] - rank[top] - 1;
            // The label at the middle point (the upper one of two, beside a Choice's other
            // labels).
            let label_index = e.label.map(|_| {
                if reversed[i] {
                    count - 1 - (count - 1) / 2
                } else {
                    (count - 1) / 2
                }
            });
            for k in 0..count {
                let (width, height) = match (label_index == Some(k), e.label) {
                    (true, Some(size)) => size,
                    _ => (0.0, 0.0),
                };
                if label_index == Some(k) {
                    label_item[i] = Some(items.len());
                }
                path.push(items.len());
                items.push(Item {
                    width,
                    height,
                    groups: chains[top][..common].to_vec(),
                    rank: rank[top] + k + 1,
                    point: true,
                });
            }
        }
        path.push(bottom);
        paths.push(path);
    }

    // Neighbours on the rank above and below, through the edges' paths.
    let mut above: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut below: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for path in &paths {
        for pair in path.windows(2) {
            let (u, w) = (pair[0], pair[1]);
            if u != w && items[w].rank == items[u].rank + 1 {
                below[u].push(w);
                above[w].push(u);
            }
        }
    }

    let rank_count = items.iter().map(|it| it.rank + 1).max().unwrap_or(0);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); rank_count];
    for v in initial_order(&items, &below, first) {
        order[items[v].rank].push(v);
    }
    let order = reduce_crossings(&items, &above, &below, order);
    // What pulls an item sideways: its neighbours in its own group, when it has some there
    // (above or below), so that a group's chain stands straight inside its box instead of
    // leaning toward the edges that enter and leave it (its box would then reach over its
    // neighbours').
    let mut pull_above = above.clone();
    let mut pull_below = below.clone();
    for v in 0..items.len() {
        let Some(&g) = items[v].groups.last() else {
            continue;
        };
        let in_group = |u: &usize| items[*u].groups.contains(&g);
        if above[v].iter().chain(&below[v]).any(in_group) {
            pull_above[v].retain(in_group);
            pull_below[v].retain(in_group);
        }
    }
    let x = place(&items, &pull_above, &pull_below, &order);

    // Ranks from the top: each as tall as its tallest item, apart by RANK_GAP and the room
    // of the group boxes that end above the gap or start below it.
    let group_count = group_parent.len();
    let mut first_rank = vec![usize::MAX; group_count];
    let mut last_rank = vec![0usize; group_count];
    for item in items.iter().filter(|it| !it.point) {
        for &g in &item.groups {
            first_rank[g] = first_rank[g].min(item.rank);
            last_rank[g] = last_rank[g].max(item.rank);
        }
    }
    let mut y_of_rank = Vec::with_capacity(rank_count);
    let mut top = 0.0;
    for (r, rank_items) in order.iter().enumerate() {
        let height = rank_items
            .iter()
            .map(|&v| items[v].height)
            .fold(0.0, f64::max);
        y_of_rank.push(top + height / 2.0);
        let stacked = |rank: usize, ends: &dyn Fn(usize) -> bool| {
            order.get(rank).map_or(0, |its| {
                its.iter()
                    .map(|&v| items[v].groups.iter().filter(|&&g| ends(g)).count())
                    .max()
                    .unwrap_or(0)
            })
        };
        let closing = stacked(r, &|g| last_rank[g] == r);
        let opening = stacked(r + 1, &|g| first_rank[g] == r + 1);
        top += height
            + RANK_GAP
            + GROUP_PAD * closing as f64
            + (GROUP_PAD + GROUP_HEADER) * opening as f64;
    }
    let center = |v: usize| (x[v], y_of_rank[items[v].rank]);

    let routes = route(
        &items,
        nodes,
        edges,
        &paths,
        &reversed,
        &label_item,
        &center,
    );
    let centers: Vec<(f64, f64)> = (0..n).map(center).collect();
    let group_boxes = group_boxes(nodes, group_parent, &chains, &centers);
    Drawing {
        centers,
        routes,
        group_boxes,
    }
}

/// Each group's box: around its nodes and the boxes of the groups inside it (innermost
/// first), with [`GROUP_PAD`] of room and [`GROUP_HEADER`] more at the top.
fn group_boxes(
    nodes: &[Node],
    group_parent: &[Option<usize>],
    chains: &[Vec<usize>],
    centers: &[(f64, f64)],
) -> Vec<Option<(f64, f64, f64, f64)>> {
    type Bounds = (f64, f64, f64, f64);
    let union = |a: Option<Bounds>, b: Bounds| match a {
        None => b,
        Some(a) => (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)),
    };
    let mut content: Vec<Option<Bounds>> = vec![None; group_parent.len()];
    let mut depth = vec![0usize; group_parent.len()];
    for (v, node) in nodes.iter().enumerate() {
        for (d, &g) in chains[v].iter().enumerate() {
            depth[g] = d;
        }
        if let Some(g) = node.group {
            let (x, y) = centers[v];
            let (w, h) = (node.width / 2.0, node.height / 2.0);
            content[g] = Some(union(content[g], (x - w, y - h, x + w, y + h)));
        }
    }
    let mut innermost_first: Vec<usize> = (0..group_parent.len()).collect();
    innermost_first.sort_by_key(|&g| std::cmp::Reverse(depth[g]));
    let mut boxes = vec![None; group_parent.len()];
    for g in innermost_first {
        let Some((l, t, r, b)) = content[g] else {
            continue;
        };
        let padded = (
            l - GROUP_PAD,
            t - GROUP_PAD - GROUP_HEADER,
            r + GROUP_PAD,
            b + GROUP_PAD,
        );
        boxes[g] = Some(padded);
        if let Some(p) = group_parent[g] {
            content[p] = Some(union(content[p], padded));
        }
    }
    boxes
}

/// The edges a depth-first search from `first` (then from every node not yet reached) finds
/// going back to a node on its path: turning them back makes the graph acyclic.
fn back_edges(n: usize, edges: &[Edge], first: usize) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        if e.from != e.to {
            out[e.from].push(i);
        }
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut reversed = vec![false; edges.len()];
    let roots = std::iter::once(first).chain(0..n).filter(|&v| v < n);
    for root in roots {
        if mark[root] != Mark::New {
            continue;
        }
        mark[root] = Mark::OnPath;
        let mut stack = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let Some(&i) = out[v].get(*next) else {
                mark[v] = Mark::Done;
                stack.pop();
                continue;
            };
            *next += 1;
            let w = edges[i].to;
            match mark[w] {
                Mark::New => {
                    mark[w] = Mark::OnPath;
                    stack.push((w, 0));
                }
                Mark::OnPath => reversed[i] = true,
                Mark::Done => {}
            }
        }
    }
    reversed
}

/// Each node's rank: the longest path to it from a source, an edge with a label counting
/// two (Kahn's topological order over the edges turned acyclic).
fn ranks(n: usize, edges: &[Edge], reversed: &[bool]) -> Vec<usize> {
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for (i, e) in edges.iter().enumerate() {
        if e.from == e.to {
            continue;
        }
        let (a, b) = if reversed[i] {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        };
        let length = if e.label.is_some() { 2 } else { 1 };
        out[a].push((b, length));
        indegree[b] += 1;
    }
    let mut rank = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &(w, length) in &out[v] {
            rank[w] = rank[w].max(rank[v] + length);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                ready.push(w);
            }
        }
    }
    rank
}

/// The groups around each node, outermost first.
fn group_chains(nodes: &[Node], group_parent: &[Option<usize>]) -> Vec<Vec<usize>> {
    nodes
        .iter()
        .map(|node| {
            let mut chain = Vec::new();
            let mut g = node.group;
            // A group that does not exist, or parents that loop, would be a bug of the
            // caller: stop there rather than index out of bounds or loop.
            while let Some(x) = g.filter(|&x| x < group_parent.len())
                && chain.len() < group_parent.len()
            {
                chain.push(x);
                g = group_parent[x];
            }
            chain.reverse();
            chain
        })
        .collect()
}

fn common_prefix(a: &[usize], b: &[usize]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The order items are first met by a depth-first search from `first` down the edges'
/// paths, then the others: a chain's states line up, a Choice's targets follow its rules.
fn initial_order(items: &[Item], below: &[Vec<usize>], first: usize) -> Vec<usize> {
    let mut seen = vec![false; items.len()];
    let mut order = Vec::with_capacity(items.len());
    let roots = std::iter::once(first).chain(0..items.len());
    for root in roots.filter(|&v| v < items.len()) {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        order.push(root);
        let mut stack = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let Some(&w) = below[v].get(*next) else {
                stack.pop();
                continue;
            };
            *next += 1;
            if !seen[w] {
                seen[w] = true;
                order.push(w);
                stack.push((w, 0));
            }
        }
    }
    order
}

/// Barycenter sweeps, keeping the order with the fewest crossings.
fn reduce_crossings(
    items: &[Item],
    above: &[Vec<usize>],
    below: &[Vec<usize>],
    mut order: Vec<Vec<usize>>,
) -> Vec<Vec<usize>> {
    let mut position = vec![0usize; items.len()];
    let index = |order: &[Vec<usize>], position: &mut [usize]| {
        for rank_items in order {
            for (i, &v) in rank_items.iter().enumerate() {
                position[v] = i;
            }
        }
    };
    let group_count = items
        .iter()
        .flat_map(|it| it.groups.iter().map(|&g| g + 1))
        .max()
        .unwrap_or(0);
    let mut sorter = RankSorter {
        group_sum: vec![0.0; group_count],
        group_count: vec![0; group_count],
        key: vec![0.0; items.len()],
    };
    // The first order already keeps groups together, as every later one does.
    index(&order, &mut position);
    for rank_items in &mut order {
        sorter.sort(items, rank_items, &|v| position[v] as f64);
    }
    index(&order, &mut position);
    let mut best = order.clone();
    let mut fewest = crossings(&order, below, &position);
    for sweep in 0..SWEEPS * 2 {
        if fewest == 0 {
            break;
        }
        let down = sweep % 2 == 0;
        let ranks: Vec<usize> = if down {
            (1..order.len()).collect()
        } else {
            (0..order.len().saturating_sub(1)).rev().collect()
        };
        for r in ranks {
            let neighbours = if down { above } else { below };
            let mut rank_items = std::mem::take(&mut order[r]);
            let barycenter = |v: usize| {
                let ns = &neighbours[v];
                if ns.is_empty() {
                    position[v] as f64
                } else {
                    ns.iter().map(|&u| position[u] as f64).sum::<f64>() / ns.len() as f64
                }
            };
            sorter.sort(items, &mut rank_items, &barycenter);
            for (i, &v) in rank_items.iter().enumerate() {
                position[v] = i;
            }
            order[r] = rank_items;
        }
        let now = crossings(&order, below, &position);
        if now < fewest {
            fewest = now;
            best = order.clone();
        }
    }
    best
}

/// Sorts one rank by barycenter, each group's members together: a group sorts among its
/// siblings by the mean barycenter of its members on this rank.
struct RankSorter {
    group_sum: Vec<f64>,
    group_count: Vec<usize>,
    key: Vec<f64>,
}

impl RankSorter {
    fn sort(
        &mut self,
        items: &[Item],
        rank_items: &mut [usize],
        barycenter: &dyn Fn(usize) -> f64,
    ) {
        for &v in rank_items.iter() {
            let b = barycenter(v);
            self.key[v] = b;
            for &g in &items[v].groups {
                self.group_sum[g] += b;
                self.group_count[g] += 1;
            }
        }
        let group_key = |g: usize| self.group_sum[g] / self.group_count[g].max(1) as f64;
        // At the first level where two items' groups differ, compare what stands there for
        // each: a group (by its mean) or the item itself.
        let compare = |&a: &usize, &b: &usize| -> Ordering {
            let (ga, gb) = (&items[a].groups, &items[b].groups);
            let level = common_prefix(ga, gb);
            let side = |v: usize, groups: &[usize]| match groups.get(level) {
                Some(&g) => (group_key(g), 1, g),
                None => (self.key[v], 0, v),
            };
            let (ka, kb) = (side(a, ga), side(b, gb));
            ka.0.total_cmp(&kb.0)
                .then(ka.1.cmp(&kb.1))
                .then(ka.2.cmp(&kb.2))
        };
        rank_items.sort_by(compare);
        for &v in rank_items.iter() {
            for &g in &items[v].groups {
                self.group_sum[g] = 0.0;
                self.group_count[g] = 0;
            }
        }
    }
}

/// Edge crossings between every two adjacent ranks (Barth, Jünger and Mutzel's count of
/// inversions with an accumulator tree): O(E log V).
fn crossings(order: &[Vec<usize>], below: &[Vec<usize>], position: &[usize]) -> u64 {
    let mut total = 0u64;
    for r in 0..order.len().saturating_sub(1) {
        let lower = order[r + 1].len();
        if lower < 2 {
            continue;
        }
        // The lower ends, edges taken in order of their upper end then lower end.
        let mut ends: Vec<usize> = Vec::new();
        for &u in &order[r] {
            let start = ends.len();
            ends.extend(below[u].iter().map(|&w| position[w]));
            ends[start..].sort_unstable();
        }
        let mut size = 1;
        while size < lower {
            size *= 2;
        }
        let mut tree = vec![0u64; 2 * size];
        for &p in &ends {
            let mut i = p + size;
            tree[i] += 1;
            while i > 1 {
                if i % 2 == 0 {
                    total += tree[i + 1];
                }
                i /= 2;
                tree[i] += 1;
            }
        }
    }
    total
}

/// x of every item: passes pulling items toward their neighbours' mean, each rank then
/// spread without overlap.
fn place(
    items: &[Item],
    above: &[Vec<usize>],
    below: &[Vec<usize>],
    order: &[Vec<usize>],
) -> Vec<f64> {
    let mut x = vec![0.0; items.len()];
    for rank_items in order {
        let mut at = 0.0;
        for (i, &v) in rank_items.iter().enumerate() {
            if i > 0 {
                at += separation(items, rank_items[i - 1], v);
            }
            x[v] = at;
        }
    }
    let mut desired = vec![0.0; items.len()];
    // Down passes follow the rank above, up passes the rank below; the last pass both.
    for pass in 0..=PASSES * 2 {
        let both = pass == PASSES * 2;
        let down = pass % 2 == 0;
        let ranks: Vec<usize> = if down {
            (0..order.len()).collect()
        } else {
            (0..order.len()).rev().collect()
        };
        for r in ranks {
            for &v in &order[r] {
                let (first, extra): (&[usize], &[usize]) = match (both, down) {
                    (true, _) => (&above[v], &below[v]),
                    (false, true) => (&above[v], &[]),
                    (false, false) => (&below[v], &[]),
                };
                let count = first.len() + extra.len();
                desired[v] = if count == 0 {
                    x[v]
                } else {
                    first.iter().chain(extra).map(|&u| x[u]).sum::<f64>() / count as f64
                };
            }
            spread(items, &order[r], &desired, &mut x);
        }
    }
    // From 0 at the left.
    let left = items
        .iter()
        .enumerate()
        .map(|(v, it)| x[v] - it.width / 2.0)
        .fold(f64::INFINITY, f64::min);
    if left.is_finite() {
        for value in &mut x {
            *value -= left;
        }
    }
    x
}

/// The least distance between the centers of `a` and `b`, side by side.
fn separation(items: &[Item], a: usize, b: usize) -> f64 {
    let (ia, ib) = (&items[a], &items[b]);
    let gap = if ia.point && ib.point {
        POINT_GAP
    } else {
        NODE_GAP
    };
    let common = common_prefix(&ia.groups, &ib.groups);
    let boxes = (ia.groups.len() - common) + (ib.groups.len() - common);
    (ia.width + ib.width) / 2.0 + gap + GROUP_PAD * boxes as f64
}

/// Places one rank's items, in order and apart, as near their desired x as can be: the
/// weighted isotonic regression of the desired positions less each item's least offset
/// from the first (pool adjacent violators), in linear time.
fn spread(items: &[Item], rank_items: &[usize], desired: &[f64], x: &mut [f64]) {
    // Points weigh more: long edges straighten first.
    let weight = |v: usize| if items[v].point { 2.0 } else { 1.0 };
    let mut offset = Vec::with_capacity(rank_items.len());
    let mut at = 0.0;
    for (i, &v) in rank_items.iter().enumerate() {
        if i > 0 {
            at += separation(items, rank_items[i - 1], v);
        }
        offset.push(at);
    }
    // Blocks of items at one shifted position: (weighted sum, weight, first item).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for (i, &v) in rank_items.iter().enumerate() {
        let w = weight(v);
        blocks.push((w * (desired[v] - offset[i]), w, i));
        while blocks.len() > 1 {
            let (s2, w2, _) = blocks[blocks.len() - 1];
            let (s1, w1, _) = blocks[blocks.len() - 2];
            if s1 / w1 <= s2 / w2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last].0 = s1 + s2;
            blocks[last].1 = w1 + w2;
        }
    }
    for (b, &(sum, w, start)) in blocks.iter().enumerate() {
        let end = blocks.get(b + 1).map_or(rank_items.len(), |next| next.2);
        for i in start..end {
            x[rank_items[i]] = sum / w + offset[i];
        }
    }
}

/// The edges' points: from the source's border through their points to the target's, the
/// ends spread along a node's border in the order of where they go.
fn route(
    items: &[Item],
    nodes: &[Node],
    edges: &[Edge],
    paths: &[Vec<usize>],
    reversed: &[bool],
    label_item: &[Option<usize>],
    center: &dyn Fn(usize) -> (f64, f64),
) -> Vec<Route> {
    // Per node, the edges leaving its bottom and entering its top, each with the x of the
    // point it heads to, to spread their ends in that order.
    let mut bottoms: Vec<Vec<(f64, usize)>> = vec![Vec::new(); nodes.len()];
    let mut tops: Vec<Vec<(f64, usize)>> = vec![Vec::new(); nodes.len()];
    for (i, path) in paths.iter().enumerate() {
        if edges[i].from == edges[i].to {
            continue;
        }
        let (first, second) = (path[0], path[1]);
        let (last, before) = (path[path.len() - 1], path[path.len() - 2]);
        bottoms[first].push((center(second).0, i));
        tops[last].push((center(before).0, i));
    }
    let mut bottom_x = vec![0.0; edges.len()];
    let mut top_x = vec![0.0; edges.len()];
    let spread_ends = |lists: &mut [Vec<(f64, usize)>], out: &mut [f64]| {
        for (v, list) in lists.iter_mut().enumerate() {
            list.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (cx, _) = center(v);
            let span = nodes[v].width * 0.6;
            let k = list.len();
            for (j, &(_, i)) in list.iter().enumerate() {
                out[i] = if k == 1 {
                    cx
                } else {
                    cx - span / 2.0 + span * j as f64 / (k - 1) as f64
                };
            }
        }
    };
    spread_ends(&mut bottoms, &mut bottom_x);
    spread_ends(&mut tops, &mut top_x);
    edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if e.from == e.to {
                let (cx, cy) = center(e.from);
                let right = cx + nodes[e.from].width / 2.0;
                return Route {
                    points: vec![(right, cy - 6.0), (right + 28.0, cy), (right, cy + 6.0)],
                    label_at: e.label.map(|_| (right + 32.0, cy)),
                    self_loop: true,
                };
            }
            let path = &paths[i];
            let mut points = Vec::with_capacity(path.len());
            let (top, bottom) = (path[0], path[path.len() - 1]);
            points.push((bottom_x[i], center(top).1 + items[top].height / 2.0));
            let mut label_at = None;
            for &p in &path[1..path.len() - 1] {
                let (px, py) = center(p);
                if label_item[i] == Some(p) {
                    // The edge passes the label's left end; the text reads to its right.
                    let left = px - items[p].width / 2.0;
                    points.push((left, py));
                    label_at = Some((left + 6.0, py));
                } else {
                    points.push((px, py));
                }
            }
            points.push((top_x[i], center(bottom).1 - items[bottom].height / 2.0));
            if reversed[i] {
                points.reverse();
            }
            if e.label.is_some() && label_at.is_none() {
                // Drawn straight (no points): the label at the middle.
                let (a, b) = (points[0], points[points.len() - 1]);
                label_at = Some(((a.0 + b.0) / 2.0 + 6.0, (a.1 + b.1) / 2.0));
            }
            Route {
                points,
                label_at,
                self_loop: false,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(width: f64, group: Option<usize>) -> Node {
        Node {
            width,
            height: 40.0,
            group,
        }
    }

    fn edge(from: usize, to: usize) -> Edge {
        Edge {
            from,
            to,
            label: None,
        }
    }

    /// No two nodes on one rank overlap, and edges go down (up for the ones turned back).
    fn assert_well_formed(nodes: &[Node], edges: &[Edge], d: &Drawing) {
        let mut by_y: std::collections::BTreeMap<i64, Vec<usize>> = Default::default();
        for (v, &(_, y)) in d.centers.iter().enumerate() {
            by_y.entry(y.round() as i64).or_default().push(v);
        }
        for row in by_y.values_mut() {
            row.sort_by(|&a, &b| d.centers[a].0.total_cmp(&d.centers[b].0));
            for pair in row.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                let right_of_a = d.centers[a].0 + nodes[a].width / 2.0;
                let left_of_b = d.centers[b].0 - nodes[b].width / 2.0;
                assert!(right_of_a < left_of_b, "{a} and {b} overlap");
            }
        }
        for (e, r) in edges.iter().zip(&d.routes) {
            if e.from == e.to {
                assert!(r.self_loop);
                continue;
            }
            let (start, end) = (r.points[0], r.points[r.points.len() - 1]);
            assert!((start.1 - d.centers[e.from].1).abs() <= 20.0 + 1e-9);
            assert!((end.1 - d.centers[e.to].1).abs() <= 20.0 + 1e-9);
        }
    }

    #[test]
    fn a_chain_is_one_straight_column() {
        let n = 1_000;
        let nodes: Vec<Node> = (0..n).map(|_| node(90.0, None)).collect();
        let edges: Vec<Edge> = (1..n).map(|i| edge(i - 1, i)).collect();
        let d = layout(&nodes, &[], &edges, 0);
        assert!(d.centers.iter().all(|c| c.0 == d.centers[0].0));
        assert!(d.centers.windows(2).all(|w| w[1].1 > w[0].1));
        // Every route is its two ends: nothing spans ranks.
        assert!(d.routes.iter().all(|r| r.points.len() == 2));
        assert_well_formed(&nodes, &edges, &d);
    }

    #[test]
    fn crossings_are_counted() {
        // Two over two: 0 -> 3 and 1 -> 2 cross once; 0 -> 2 and 1 -> 3 do not.
        let order = vec![vec![0, 1], vec![2, 3]];
        let position = [0, 1, 0, 1];
        let crossed = [vec![3], vec![2], vec![], vec![]];
        assert_eq!(crossings(&order, &crossed, &position), 1);
        let straight = [vec![2], vec![3], vec![], vec![]];
        assert_eq!(crossings(&order, &straight, &position), 0);
        // Two edges from the left node, both right of the two from the right one: 2 x 2.
        let order = vec![vec![0, 1], vec![2, 3, 4]];
        let position = [0, 1, 0, 1, 2];
        let below = [vec![3, 4], vec![2, 2], vec![], vec![], vec![]];
        assert_eq!(crossings(&order, &below, &position), 4);
    }

    #[test]
    fn the_order_untangles_a_crossing() {
        // 0 above 1 and 2; 1 leads to 4, 2 to 3: the first order (search order) crosses, the
        // sweeps must not.
        let nodes: Vec<Node> = (0..5).map(|_| node(60.0, None)).collect();
        let edges = vec![edge(0, 1), edge(0, 2), edge(2, 3), edge(1, 4), edge(0, 3)];
        let d = layout(&nodes, &[], &edges, 0);
        let x = |v: usize| d.centers[v].0;
        assert_eq!(x(1) < x(2), x(4) < x(3), "{:?}", d.centers);
        assert_well_formed(&nodes, &edges, &d);
    }

    #[test]
    fn loops_are_turned_back() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, and 1 -> 1: the search from 0 turns back 2 -> 0 only.
        let edges = vec![edge(0, 1), edge(1, 2), edge(2, 0), edge(2, 3), edge(1, 1)];
        assert_eq!(back_edges(4, &edges, 0), [false, false, true, false, false]);
        let rank = ranks(4, &edges, &back_edges(4, &edges, 0));
        assert_eq!(rank, [0, 1, 2, 3]);
        let nodes: Vec<Node> = (0..4).map(|_| node(60.0, None)).collect();
        let d = layout(&nodes, &[], &edges, 0);
        // The edge turned back is drawn from 2 up to 0, through a point on rank 1.
        let back = &d.routes[2];
        assert_eq!(back.points.len(), 3);
        assert!(back.points[0].1 > back.points[2].1);
        assert_well_formed(&nodes, &edges, &d);
    }

    #[test]
    fn labels_take_a_rank_of_their_own() {
        let nodes: Vec<Node> = (0..3).map(|_| node(60.0, None)).collect();
        let mut edges = vec![edge(0, 1), edge(0, 2)];
        edges[1].label = Some((80.0, 14.0));
        let d = layout(&nodes, &[], &edges, 0);
        let (lx, ly) = d.routes[1].label_at.expect("a label");
        // Between its ends, beside the route.
        assert!(ly > d.centers[0].1 && ly < d.centers[2].1);
        assert_eq!(d.routes[1].points.len(), 3);
        assert!(lx > d.routes[1].points[1].0);
        assert_well_formed(&nodes, &edges, &d);
    }

    #[test]
    fn edge_points_stay_within_their_budget() {
        // A chain where every node also leads to one last node: spans add up to n^2 / 2
        // (12.5 million points for 5,000); the budget allows a multiple of the graph's size.
        let n = 5_000;
        let nodes: Vec<Node> = (0..=n).map(|_| node(60.0, None)).collect();
        let mut edges: Vec<Edge> = (1..n).map(|i| edge(i - 1, i)).collect();
        edges.extend((0..n).map(|i| edge(i, n)));
        let d = layout(&nodes, &[], &edges, 0);
        let points: usize = d.routes.iter().map(|r| r.points.len() - 2).sum();
        assert!(points <= MAX_POINTS + POINTS_PER_ELEMENT * (nodes.len() + edges.len()));
        // The shortest edges got their points first: the last ones, into the sink.
        assert_eq!(d.routes[edges.len() - 2].points.len(), 3);
        assert_eq!(d.routes[n - 1].points.len(), 2);
        assert_well_formed(&nodes, &edges, &d);
    }

    /// A chain of four nodes in `group`: the first opens `width` groups (a Parallel's
    /// branches), the second one (a Map's processor), each holding the same one level less
    /// deep. Returns the first node.
    fn nested(
        depth: usize,
        width: usize,
        group: Option<usize>,
        nodes: &mut Vec<Node>,
        edges: &mut Vec<Edge>,
        parents: &mut Vec<Option<usize>>,
    ) -> usize {
        let first = nodes.len();
        for i in 0..4 {
            nodes.push(node(80.0, group));
            if i > 0 {
                edges.push(edge(first + i - 1, first + i));
            }
        }
        if depth > 0 {
            for (opener, count) in [(first, width), (first + 1, 1)] {
                for _ in 0..count {
                    let g = parents.len();
                    parents.push(group);
                    let start = nested(depth - 1, width, Some(g), nodes, edges, parents);
                    edges.push(edge(opener, start));
                }
            }
        }
        first
    }

    #[test]
    fn boxes_of_groups_side_by_side_do_not_overlap() {
        let (mut nodes, mut edges, mut parents) = (Vec::new(), Vec::new(), Vec::new());
        nested(2, 2, None, &mut nodes, &mut edges, &mut parents);
        let d = layout(&nodes, &parents, &edges, 0);
        let inside = |mut g: usize, outer: usize| loop {
            if g == outer {
                return true;
            }
            match parents[g] {
                Some(p) => g = p,
                None => return false,
            }
        };
        let boxes: Vec<(f64, f64, f64, f64)> = d.group_boxes.iter().map(|b| b.unwrap()).collect();
        for a in 0..boxes.len() {
            for b in a + 1..boxes.len() {
                if inside(a, b) || inside(b, a) {
                    continue;
                }
                let (p, q) = (boxes[a], boxes[b]);
                let apart = p.2 <= q.0 || q.2 <= p.0 || p.3 <= q.1 || q.3 <= p.1;
                assert!(apart, "boxes {a} {p:?} and {b} {q:?} overlap");
            }
        }
        assert_well_formed(&nodes, &edges, &d);
    }

    #[test]
    fn groups_stay_together_inside_their_boxes() {
        // 0 fans out to 1..=6; 2, 4 and 6 are in group 0, 4 and 6 also in group 1 inside it.
        // The search order interleaves them; the sort must not.
        let groups = [None, Some(0)];
        let member = |v: usize| match v {
            2 => Some(0),
            4 | 6 => Some(1),
            _ => None,
        };
        let nodes: Vec<Node> = (0..7).map(|v| node(60.0, member(v))).collect();
        let edges: Vec<Edge> = (1..7).map(|v| edge(0, v)).collect();
        let d = layout(&nodes, &groups, &edges, 0);
        let mut row: Vec<usize> = (1..7).collect();
        row.sort_by(|&a, &b| d.centers[a].0.total_cmp(&d.centers[b].0));
        let in_outer: Vec<bool> = row.iter().map(|&v| member(v).is_some()).collect();
        // One run of members of the outer group, and within it one run of the inner.
        let runs = in_outer.windows(2).filter(|w| w[0] != w[1]).count();
        assert!(runs <= 2, "{row:?}");
        let inner: Vec<usize> = row
            .iter()
            .enumerate()
            .filter(|&(_, &v)| member(v) == Some(1))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(inner[1] - inner[0], 1, "{row:?}");
        // Each box holds its members, the outer box the inner one, and no other node.
        let outer = d.group_boxes[0].unwrap();
        let inner_box = d.group_boxes[1].unwrap();
        assert!(outer.0 < inner_box.0 && outer.1 < inner_box.1);
        assert!(outer.2 > inner_box.2 && outer.3 > inner_box.3);
        for (v, &(x, _)) in d.centers.iter().enumerate() {
            let inside = x > outer.0 && x < outer.2 && d.centers[v].1 > outer.1;
            assert_eq!(inside, member(v).is_some(), "node {v}");
        }
        assert_well_formed(&nodes, &edges, &d);
    }
}
