//! The never-run function through which rustc checks a workflow's data flow.
//!
//! Every state gets a slot holding a value of its input type. The first transition into a
//! state (in breadth-first order from the start) fixes that type; every other transition must
//! bring a value of the same type (`flow`, with a message naming both types). Inside a state,
//! paths become field accesses on the user's types (so a missing field is rustc's own error,
//! on the path's token), tasks get checked inputs and produce their declared outputs, and
//! result paths write into fields of matching types. Nothing of it runs.

use std::collections::{HashMap, HashSet, VecDeque};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::ast::*;

/// A value in the generated code and whether its type is a Rust type we can step into
/// (`false` for untyped JSON, `serde_json::Value`).
#[derive(Clone)]
struct Val {
    expr: TokenStream,
    typed: bool,
}

struct Ctx {
    /// `$$.Map.Item.Value` inside an ItemSelector.
    map_item: Option<TokenStream>,
}

pub struct Checker {
    stmts: Vec<TokenStream>,
    counter: usize,
    /// The states the macro refused a field of (and the Parallel and Map states around them).
    refused: HashSet<String>,
}

/// The support items of the generated code. Checks written with `quote_spanned!` spell the
/// path out instead, so that all their tokens carry the DSL token's span and rustc reports
/// them there rather than on the whole macro.
fn private() -> TokenStream {
    quote!(::workflow::dsl::__private)
}

/// A path with its identifiers respanned on `span`.
fn respan(path: &syn::Path, span: Span) -> syn::Path {
    let mut path = path.clone();
    for seg in &mut path.segments {
        seg.ident.set_span(span);
    }
    path
}

/// True when a template value's expression has a type of its own (a path, a struct
/// literal); the others are `never()`, whose type only the context gives.
fn gives_a_type(value: &TemplateValue) -> bool {
    matches!(
        value,
        TemplateValue::Dynamic(Dynamic::Path(_))
            | TemplateValue::Object(Template::Object { ty: Some(_), .. })
    )
}

/// A `#[task]` state whose task receives the whole document (no `input_path`, no
/// `parameters`): what flows into the state is what the task gets.
fn direct_task(state: &StateDef) -> Option<&syn::Path> {
    match &state.kind {
        KindDef::Task(TaskTarget::Function(path))
            if !state
                .fields
                .iter()
                .any(|f| f.key == "input_path" || f.key == "parameters") =>
        {
            Some(path)
        }
        _ => None,
    }
}

fn never_value() -> Val {
    let p = private();
    Val {
        expr: quote!(#p::never::<#p::serde_json::Value>()),
        typed: false,
    }
}

impl Checker {
    fn fresh(&mut self, prefix: &str) -> Ident {
        self.counter += 1;
        format_ident!("__{}_{}", prefix, self.counter)
    }

    /// A reference to the value at `path`, starting from `base` (a reference), or `None`
    /// when the path is untyped (a string path, a variable, most of the context object).
    fn path_ref(
        &self,
        base: &Val,
        path: &PathExpr,
        enter_last: bool,
        ctx: &Ctx,
    ) -> Option<TokenStream> {
        if path.text.is_some() {
            return None;
        }
        let p = private();
        let (mut cur, skip) = match &path.root {
            PathRoot::Input => {
                if !base.typed {
                    return None;
                }
                (base.expr.clone(), 0)
            }
            PathRoot::Variable(_) => return None,
            PathRoot::Context => {
                let names: Vec<String> = path
                    .segments
                    .iter()
                    .map(|s| match s {
                        PathSeg::Field(i) => unraw(i),
                        PathSeg::Index(_) => String::new(),
                    })
                    .collect();
                let n: Vec<&str> = names.iter().map(String::as_str).collect();
                match n.as_slice() {
                    ["Map", "Item", "Value", ..] => (ctx.map_item.clone()?, 3),
                    ["Map", "Item", "Index"] => (quote!(&#p::never::<usize>()), 3),
                    ["Execution", "Input", ..] => (quote!(&__workflow_input), 2),
                    ["Execution", "Id" | "Name" | "RoleArn" | "StartTime"]
                    | ["State", "Name" | "EnteredTime"]
                    | ["StateMachine", "Id" | "Name"]
                    | ["Task", "Token"] => (quote!(&#p::never::<::std::string::String>()), 2),
                    ["State", "RetryCount"] | ["Execution", "RedriveCount"] => {
                        (quote!(&#p::never::<u32>()), 2)
                    }
                    _ => return None,
                }
            }
        };
        for seg in &path.segments[skip..] {
            cur = match seg {
                PathSeg::Field(ident) => {
                    let span = ident.span();
                    quote_spanned!(span=> (&(#cur).__enter().#ident))
                }
                PathSeg::Index(n) => {
                    // Through a trait rather than `[n]`: a Parallel state's result is a tuple.
                    let span = n.span();
                    let n = syn::LitInt::new(n.base10_digits(), span);
                    quote_spanned!(span=> (::workflow::dsl::__private::nth::<_, _, #n>((#cur).__enter())))
                }
            };
        }
        if enter_last {
            // Spanned on the path's last token, so that rustc's errors about the value's
            // type land there.
            let span = path.range.end;
            cur = quote_spanned!(span=> (#cur).__enter());
        }
        Some(cur)
    }

    /// The owned value at a path (entered through Options).
    fn read(&self, base: &Val, path: &PathExpr, ctx: &Ctx) -> Val {
        match self.path_ref(base, path, true, ctx) {
            Some(r) => {
                let span = path.range.end;
                Val {
                    expr: quote_spanned!(span=> ::workflow::dsl::__private::owned(#r)),
                    typed: true,
                }
            }
            None => never_value(),
        }
    }

    fn bind(&mut self, prefix: &str, val: Val) -> Val {
        let name = self.fresh(prefix);
        let expr = val.expr;
        self.stmts.push(quote!(let #name = #expr;));
        Val {
            expr: quote!(#name),
            typed: val.typed,
        }
    }

    fn reference(v: &Val) -> Val {
        let e = &v.expr;
        Val {
            expr: quote!(&#e),
            typed: v.typed,
        }
    }

    /// Checks the paths of a template and returns its value: a struct literal is typed, a
    /// JSON object is not.
    fn template(&mut self, t: &Template, base: &Val, ctx: &Ctx) -> Val {
        let Template::Object { ty, entries, .. } = t;
        let p = private();
        match ty {
            Some(ty) => {
                let mut fields: Vec<TokenStream> = Vec::new();
                let mut rest = quote!();
                for (key, value) in entries {
                    if key_is_string(key) {
                        let e = syn::Error::new(
                            key.span(),
                            format!(
                                "a struct literal names its fields without quotes: write `{}: ...`",
                                key_text(key)
                            ),
                        );
                        self.stmts.push(e.to_compile_error());
                        // The other fields are still checked; the missing one is not reported.
                        rest = quote!(..#p::never());
                        continue;
                    }
                    let v = match value {
                        // rustc checks the field's type against the path's, and says so.
                        TemplateValue::Dynamic(Dynamic::Path(path)) => {
                            match self.path_ref(base, path, true, ctx) {
                                Some(r) => {
                                    let span = path.range.end;
                                    quote_spanned!(span=> ::workflow::dsl::__private::field(#r))
                                }
                                None => quote!(#p::never()),
                            }
                        }
                        _ => self.template_entry(value, base, ctx),
                    };
                    fields.push(quote!(#key: #v));
                }
                Val {
                    expr: quote!(#ty { #(#fields,)* #rest }),
                    typed: true,
                }
            }
            None => {
                for (_, value) in entries {
                    let v = self.template_entry(value, base, ctx);
                    if gives_a_type(value) {
                        self.stmts.push(quote!(let _ = #v;));
                    }
                }
                Val {
                    expr: quote!(#p::never::<#p::serde_json::Value>()),
                    typed: false,
                }
            }
        }
    }

    fn template_entry(&mut self, value: &TemplateValue, base: &Val, ctx: &Ctx) -> TokenStream {
        let p = private();
        match value {
            TemplateValue::Dynamic(Dynamic::Path(path)) => self.read(base, path, ctx).expr,
            TemplateValue::Dynamic(Dynamic::Call(call)) => {
                self.intrinsic_args(call, base, ctx);
                quote!(#p::never())
            }
            TemplateValue::Object(t @ Template::Object { ty: Some(_), .. }) => {
                self.template(t, base, ctx).expr
            }
            TemplateValue::Object(t) => {
                self.template(t, base, ctx);
                quote!(#p::never())
            }
            TemplateValue::Array(items, _) => {
                for item in items {
                    let v = self.template_entry(item, base, ctx);
                    if gives_a_type(item) {
                        self.stmts.push(quote!(let _ = #v;));
                    }
                }
                quote!(#p::never())
            }
            _ => quote!(#p::never()),
        }
    }

    fn intrinsic_args(&mut self, call: &Intrinsic, base: &Val, ctx: &Ctx) {
        for arg in &call.args {
            match arg {
                IntrinsicArg::Dynamic(Dynamic::Path(path)) => {
                    if let Some(r) = self.path_ref(base, path, true, ctx) {
                        self.stmts.push(quote!(let _ = #r;));
                    }
                }
                IntrinsicArg::Dynamic(Dynamic::Call(inner)) => {
                    self.intrinsic_args(inner, base, ctx)
                }
                _ => {}
            }
        }
    }

    fn dynamic_check(&mut self, d: &Dynamic, base: &Val, ctx: &Ctx, string: bool) {
        match d {
            Dynamic::Path(path) => {
                if let Some(r) = self.path_ref(base, path, true, ctx) {
                    let span = path.range.end;
                    if string {
                        self.stmts
                            .push(quote_spanned!(span=> ::workflow::dsl::__private::string(#r);));
                    } else {
                        self.stmts.push(quote!(let _ = #r;));
                    }
                }
            }
            Dynamic::Call(call) => self.intrinsic_args(call, base, ctx),
        }
    }

    fn field<'a>(fields: &'a [Field], name: &str) -> Option<&'a FieldValue> {
        fields.iter().find(|f| f.key == name).map(|f| &f.value)
    }

    /// The value an InputPath or OutputPath field (`key`) selects from `base`.
    fn select(&mut self, base: &Val, fields: &[Field], key: &str, prefix: &str, ctx: &Ctx) -> Val {
        match Self::field(fields, key) {
            Some(FieldValue::Path(path)) => {
                let v = self.read(&Self::reference(base), path, ctx);
                self.bind(prefix, v)
            }
            Some(FieldValue::Null(_)) => never_value(),
            _ => base.clone(),
        }
    }

    /// InputPath.
    fn effective(&mut self, doc: &Val, fields: &[Field], ctx: &Ctx) -> Val {
        self.select(doc, fields, "input_path", "eff", ctx)
    }

    /// OutputPath, applied to the placed result, or to the effective input of a state without
    /// a result (Choice, Wait, Succeed).
    fn output_path(&mut self, doc: &Val, fields: &[Field], ctx: &Ctx) -> Val {
        self.select(doc, fields, "output_path", "out", ctx)
    }

    /// ResultPath: `result` placed into `doc` (or replacing it, or dropped), bound under
    /// `prefix`. `fields` are a state's (its result) or a catcher's (the error output).
    fn result_path(
        &mut self,
        doc: &Val,
        result: Val,
        fields: &[Field],
        prefix: &str,
        ctx: &Ctx,
    ) -> Val {
        let p = private();
        let placed = match Self::field(fields, "result_path") {
            Some(FieldValue::Null(_)) => doc.clone(),
            Some(FieldValue::Path(path)) if path.text.is_none() && path.segments.is_empty() => {
                result
            }
            Some(FieldValue::Path(path)) => {
                // An untyped result (a JSON object template, an untyped task) cannot be
                // checked against the field it goes into; nor can a path into the context
                // object or a variable, which the validator refuses (ResultPath writes into
                // the document only).
                if result.typed
                    && matches!(path.root, PathRoot::Input)
                    && let Some(slot) = self.path_ref(&Self::reference(doc), path, false, ctx)
                {
                    let span = path.range.end;
                    let r = result.expr;
                    self.stmts
                        .push(quote_spanned!(span=> ::workflow::dsl::__private::put(#slot, #r);));
                }
                doc.clone()
            }
            _ => result,
        };
        self.bind(
            prefix,
            Val {
                expr: {
                    let e = &placed.expr;
                    quote!(#p::owned(&#e))
                },
                typed: placed.typed,
            },
        )
    }

    /// Parameters (or ItemSelector), applied to the effective input.
    fn parameters(&mut self, eff: &Val, fields: &[Field], key: &str, ctx: &Ctx) -> Val {
        match Self::field(fields, key) {
            Some(FieldValue::Template(t)) => {
                let v = self.template(t, &Self::reference(eff), ctx);
                self.bind("params", v)
            }
            Some(FieldValue::Lit(_) | FieldValue::Null(_)) => never_value(),
            _ => eff.clone(),
        }
    }

    /// ResultSelector, ResultPath, OutputPath.
    fn place(&mut self, doc: &Val, result: Val, fields: &[Field], ctx: &Ctx) -> Val {
        let result = match Self::field(fields, "result_selector") {
            Some(FieldValue::Template(t)) => {
                let r = self.bind("result", result);
                let v = self.template(t, &Self::reference(&r), ctx);
                self.bind("selected", v)
            }
            _ => result,
        };
        let placed = self.result_path(doc, result, fields, "placed", ctx);
        self.output_path(&placed, fields, ctx)
    }

    fn variant_checks(&mut self, task: Option<&syn::Path>, patterns: &[ErrorPattern]) {
        for pattern in patterns {
            if let ErrorPattern::Variant(variant) = pattern {
                let span = pattern.range().start;
                match task {
                    // A task: the variant must be one its error type has.
                    Some(task) => self.stmts.push(quote_spanned!(span=>
                        match ::workflow::dsl::__private::error_of::<#task>() { #variant { .. } => {} _ => {} }
                    )),
                    // A Parallel or Map: the error comes from the states inside; the variant
                    // must exist in its enum.
                    None if variant.segments.len() >= 2 => {
                        let mut enum_path = variant.clone();
                        enum_path.segments.pop();
                        let enum_path = {
                            let segments = enum_path.segments.iter();
                            let leading = enum_path.leading_colon;
                            quote!(#leading #(#segments)::*)
                        };
                        self.stmts.push(quote_spanned!(span=>
                            match ::workflow::dsl::__private::never::<#enum_path>() { #variant { .. } => {} _ => {} }
                        ));
                    }
                    None => {
                        let e = syn::Error::new(
                            span,
                            "write an error as States.Name, as a variant of an error enum (MyError::Variant), or as a string",
                        );
                        self.stmts.push(e.to_compile_error());
                    }
                }
            }
        }
    }

    fn assign_checks(&mut self, fields: &[Field], base: &Val, ctx: &Ctx) {
        if let Some(FieldValue::Template(t)) = Self::field(fields, "assign") {
            self.template(t, &Self::reference(base), ctx);
        }
    }

    /// One scope: its states in breadth-first order, each reading its slot. Returns whether
    /// anything reached the scope's end (and so gave its output slot a type).
    fn scope(
        &mut self,
        body: &Body,
        input: Val,
        ctx: &Ctx,
        out_slot: &Ident,
        out_declared: bool,
    ) -> bool {
        let names: HashMap<String, usize> = body
            .states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.to_string(), i))
            .collect();
        let slots: Vec<Ident> = body.states.iter().map(|_| self.fresh("in")).collect();
        for slot in &slots {
            self.stmts
                .push(quote!(let mut #slot = ::core::option::Option::None;));
        }
        if body.states.is_empty() {
            return out_declared;
        }
        let mut typed: Vec<bool> = vec![true; body.states.len()];
        let mut discovered: HashSet<usize> = HashSet::from([0]);
        let mut out_assigned = out_declared;
        let mut out_typed = true;
        let first = &slots[0];
        let e = &input.expr;
        self.stmts
            .push(quote!(#first = ::core::option::Option::Some(#e);));
        typed[0] = input.typed;
        let mut queue = VecDeque::from([0usize]);
        let mut done = HashSet::new();
        while let Some(i) = queue.pop_front() {
            if !done.insert(i) {
                continue;
            }
            let state = &body.states[i];
            let slot = &slots[i];
            let doc = Val {
                expr: quote!(#slot.take().unwrap()),
                typed: typed[i],
            };
            let doc = self.bind("doc", doc);
            let checks = self.stmts.len();
            let mut edges = self.state(state, &doc, ctx, i == 0);
            if self.refused.contains(&state.name.to_string()) {
                // The macro refused a field of this state (or of a state inside it), and said
                // so: what rustc would find in it, or after it, may only repeat that mistake.
                // It is not checked, and what leaves it is untyped.
                self.stmts.truncate(checks);
                for edge in &mut edges {
                    edge.value = never_value();
                }
            }
            for edge in edges {
                let value = edge.value;
                let e = &value.expr;
                match edge.target {
                    Target::State(target) => {
                        let Some(&t) = names.get(&target.to_string()) else {
                            continue;
                        };
                        // Never run, but borrow-checked: a value may leave on several
                        // transitions. Spanned on the target, so that a type error about the
                        // transition lands on `next: Target`.
                        let span = target.span();
                        let expr = quote_spanned!(span=> (::workflow::dsl::__private::owned(&#e)));
                        let tslot = &slots[t];
                        let direct = direct_task(&body.states[t]).filter(|_| value.typed);
                        if let Some(task) = direct {
                            let task = respan(task, span);
                            self.stmts.push(
                                quote_spanned!(span=> ::workflow::dsl::__private::flow_into_task::<#task, _>(&#expr);),
                            );
                        }
                        if discovered.insert(t) {
                            typed[t] = value.typed;
                            self.stmts
                                .push(quote!(#tslot = ::core::option::Option::Some(#expr);));
                            queue.push_back(t);
                        } else if direct.is_none() && value.typed && typed[t] {
                            // (An untyped value, or an untyped state, is not checked.)
                            self.stmts
                                .push(quote_spanned!(span=> ::workflow::dsl::__private::flow(#expr, &mut #tslot);));
                        }
                    }
                    Target::End(span) => {
                        let expr = quote_spanned!(span=> (::workflow::dsl::__private::owned(&#e)));
                        if out_assigned {
                            if value.typed && out_typed {
                                self.stmts
                                    .push(quote_spanned!(span=> ::workflow::dsl::__private::end(#expr, &mut #out_slot);));
                            }
                        } else {
                            out_assigned = true;
                            out_typed = value.typed;
                            self.stmts
                                .push(quote!(#out_slot = ::core::option::Option::Some(#expr);));
                        }
                    }
                }
            }
        }
        // States no transition reaches (reported by the validator) are not checked; their
        // slots still need a type.
        for (i, slot) in slots.iter().enumerate() {
            if !discovered.contains(&i) {
                self.settle_slot(false, slot);
            }
        }
        out_assigned
    }

    /// Gives an output slot nothing reached a type, so that rustc need not guess.
    fn settle_slot(&mut self, assigned: bool, slot: &Ident) {
        if !assigned {
            let p = private();
            self.stmts
                .push(quote!(#slot = ::core::option::Option::None::<#p::serde_json::Value>;));
        }
    }

    /// A state's checks; returns its outgoing transitions and the values they carry.
    fn state(&mut self, s: &StateDef, doc: &Val, ctx: &Ctx, is_start: bool) -> Vec<Edge> {
        let p = private();
        let fields = &s.fields;
        let mut edges = Vec::new();
        match &s.kind {
            KindDef::Task(target) => {
                let eff = self.effective(doc, fields, ctx);
                let input = self.parameters(&eff, fields, "parameters", ctx);
                let task = match target {
                    TaskTarget::Function(path) => Some(path),
                    TaskTarget::Resource(_) => None,
                };
                let result = match task {
                    Some(task) => {
                        let span = task
                            .segments
                            .last()
                            .map_or(s.name.span(), |x| x.ident.span());
                        // A task that gets the whole document is checked on each transition
                        // into its state (`flow_into_task`), and here only as the first state.
                        if input.typed && (is_start || direct_task(s).is_none()) {
                            let e = &input.expr;
                            let at = match (
                                Self::field(fields, "parameters"),
                                Self::field(fields, "input_path"),
                            ) {
                                (Some(FieldValue::Template(Template::Object { brace, .. })), _) => {
                                    *brace
                                }
                                (_, Some(FieldValue::Path(p))) => p.range.end,
                                _ => span,
                            };
                            self.stmts
                                .push(quote_spanned!(at=> ::workflow::dsl::__private::task_gets::<#task, _>(&(#e));));
                        }
                        let callback = fields.iter().find(|f| f.key == "callback");
                        let expected = callback.is_some();
                        let flag_span = callback.map_or(span, |f| f.key.span());
                        let task_flag = respan(task, flag_span);
                        self.stmts.push(if expected {
                            quote_spanned!(flag_span=> ::workflow::dsl::__private::callback_task::<#task_flag>();)
                        } else {
                            quote_spanned!(flag_span=> ::workflow::dsl::__private::plain_task::<#task_flag>();)
                        });
                        Val {
                            expr: quote_spanned!(span=> ::workflow::dsl::__private::output_of::<#task>()),
                            typed: true,
                        }
                    }
                    None => never_value(),
                };
                edges = self.result_tail(doc, result, fields, task, true, ctx);
            }
            KindDef::Pass => {
                let eff = self.effective(doc, fields, ctx);
                let params = self.parameters(&eff, fields, "parameters", ctx);
                let result = match Self::field(fields, "result") {
                    Some(FieldValue::Template(t @ Template::Object { ty: Some(_), .. })) => {
                        let v = self.template(t, &eff, ctx);
                        self.bind("result", v)
                    }
                    Some(_) => never_value(),
                    None => params,
                };
                self.assign_checks(fields, &result, ctx);
                let out = self.place(doc, result, fields, ctx);
                next(fields, &mut edges, &out);
            }
            KindDef::Wait => {
                let eff = self.effective(doc, fields, ctx);
                for key in ["seconds_path", "timestamp_path"] {
                    if let Some(FieldValue::Path(path)) = Self::field(fields, key)
                        && let Some(r) = self.path_ref(&Self::reference(&eff), path, true, ctx)
                    {
                        let span = path.range.end;
                        if key == "seconds_path" {
                            self.stmts.push(
                                quote_spanned!(span=> ::workflow::dsl::__private::numeric(#r);),
                            );
                        } else {
                            self.stmts.push(
                                quote_spanned!(span=> ::workflow::dsl::__private::string(#r);),
                            );
                        }
                    }
                }
                self.assign_checks(fields, &eff, ctx);
                let out = self.output_path(&eff, fields, ctx);
                next(fields, &mut edges, &out);
            }
            KindDef::Succeed => {
                let eff = self.effective(doc, fields, ctx);
                let out = self.output_path(&eff, fields, ctx);
                edges.push(Edge {
                    target: Target::End(s.name.span()),
                    value: out,
                });
            }
            KindDef::Fail => {
                for key in ["error_path", "cause_path"] {
                    match Self::field(fields, key) {
                        Some(FieldValue::Path(path)) => self.dynamic_check(
                            &Dynamic::Path(path.clone()),
                            &Self::reference(doc),
                            ctx,
                            true,
                        ),
                        Some(FieldValue::Dynamic(d)) => {
                            self.dynamic_check(d, &Self::reference(doc), ctx, false)
                        }
                        _ => {}
                    }
                }
            }
            KindDef::Choice(arms) => {
                let eff = self.effective(doc, fields, ctx);
                let eff_ref = Self::reference(&eff);
                let out = self.output_path(&eff, fields, ctx);
                for arm in arms {
                    match arm {
                        ChoiceArm::When {
                            cond,
                            target,
                            assign,
                            ..
                        } => {
                            self.condition(cond, &eff_ref, ctx);
                            if let Some((_, t)) = assign {
                                self.template(t, &eff_ref, ctx);
                            }
                            edges.push(Edge {
                                target: Target::State(target.clone()),
                                value: out.clone(),
                            });
                        }
                        ChoiceArm::Default { target, .. } => edges.push(Edge {
                            target: Target::State(target.clone()),
                            value: out.clone(),
                        }),
                    }
                }
                self.assign_checks(fields, &eff, ctx);
            }
            KindDef::Parallel(branches) => {
                let eff = self.effective(doc, fields, ctx);
                let input = self.parameters(&eff, fields, "parameters", ctx);
                let mut outs = Vec::new();
                for branch in branches {
                    let out_slot = self.fresh("bout");
                    self.stmts
                        .push(quote!(let mut #out_slot = ::core::option::Option::None;));
                    let e = &input.expr;
                    let branch_input = Val {
                        expr: quote!(#p::owned(&#e)),
                        typed: input.typed,
                    };
                    let reached = self.scope(branch, branch_input, ctx, &out_slot, false);
                    self.settle_slot(reached, &out_slot);
                    outs.push(quote!(#out_slot.unwrap()));
                }
                let result = Val {
                    expr: quote!((#(#outs,)*)),
                    typed: true,
                };
                edges = self.result_tail(doc, result, fields, None, false, ctx);
            }
            KindDef::Map(processor) => {
                let eff = self.effective(doc, fields, ctx);
                let eff_ref = Self::reference(&eff);
                let item = match Self::field(fields, "items_path") {
                    Some(FieldValue::Path(path)) => {
                        match self.path_ref(&eff_ref, path, true, ctx) {
                            Some(r) => {
                                let span = path.range.end;
                                Val {
                                    expr: quote_spanned!(span=> ::workflow::dsl::__private::item_of(#r)),
                                    typed: true,
                                }
                            }
                            None => never_value(),
                        }
                    }
                    // Without items_path, the input itself is the list: an error is on the
                    // state's name.
                    _ if eff.typed => {
                        let e = &eff_ref.expr;
                        let span = s.name.span();
                        Val {
                            expr: quote_spanned!(span=> ::workflow::dsl::__private::item_of(::core::convert::identity(#e))),
                            typed: true,
                        }
                    }
                    _ => never_value(),
                };
                let item = self.bind("item", item);
                let item_ctx = Ctx {
                    map_item: item.typed.then(|| {
                        let e = &item.expr;
                        quote!(&#e)
                    }),
                };
                let selector = Self::field(fields, "item_selector")
                    .or_else(|| Self::field(fields, "parameters"));
                let iteration_input = match selector {
                    Some(FieldValue::Template(t)) => {
                        let v = self.template(t, &eff_ref, &item_ctx);
                        self.bind("selected_item", v)
                    }
                    _ => item.clone(),
                };
                let out_slot = self.fresh("pout");
                self.stmts
                    .push(quote!(let mut #out_slot = ::core::option::Option::None;));
                if let Some(body) = processor {
                    let e = &iteration_input.expr;
                    let proc_input = Val {
                        expr: quote!(#p::owned(&#e)),
                        typed: iteration_input.typed,
                    };
                    // The processor's own states do not see `$$.Map.Item`.
                    let reached = self.scope(body, proc_input, ctx, &out_slot, false);
                    self.settle_slot(reached, &out_slot);
                } else {
                    self.settle_slot(false, &out_slot);
                }
                let result = Val {
                    expr: quote!(::std::vec![#out_slot.unwrap()]),
                    typed: true,
                };
                edges = self.result_tail(doc, result, fields, None, false, ctx);
            }
        }
        edges
    }

    /// The end of a state with a result (Task, Parallel, Map): the result bound, the error
    /// variants named by its catchers (and, for a Task, `retriers`) checked against `task`
    /// (the function, if any), Assign, ResultSelector, ResultPath and OutputPath, then the
    /// transitions.
    fn result_tail(
        &mut self,
        doc: &Val,
        result: Val,
        fields: &[Field],
        task: Option<&syn::Path>,
        retriers: bool,
        ctx: &Ctx,
    ) -> Vec<Edge> {
        let result = self.bind("result", result);
        for f in fields {
            match &f.value {
                FieldValue::Retry(rs) if retriers => {
                    for r in rs {
                        self.variant_checks(task, &r.errors);
                    }
                }
                FieldValue::Catch(cs) => {
                    for c in cs {
                        self.variant_checks(task, &c.errors);
                    }
                }
                _ => {}
            }
        }
        self.assign_checks(fields, &result, ctx);
        let out = self.place(doc, result, fields, ctx);
        let mut edges = Vec::new();
        next(fields, &mut edges, &out);
        self.catch_edges(fields, doc, ctx, &mut edges);
        edges
    }

    fn catch_edges(&mut self, fields: &[Field], doc: &Val, ctx: &Ctx, edges: &mut Vec<Edge>) {
        let p = private();
        for f in fields {
            let FieldValue::Catch(catchers) = &f.value else {
                continue;
            };
            for c in catchers {
                let error = Val {
                    expr: quote!(#p::never::<::workflow::dsl::ErrorOutput>()),
                    typed: true,
                };
                // (The error output is typed: a ResultPath into a field is checked.)
                let value = self.result_path(doc, error.clone(), &c.fields, "caught", ctx);
                // A catcher's Assign reads the error output, not the state's output.
                if let Some(FieldValue::Template(t)) = Self::field(&c.fields, "assign") {
                    let error = self.bind("error", error);
                    self.template(t, &Self::reference(&error), ctx);
                }
                edges.push(Edge {
                    target: Target::State(c.target.clone()),
                    value,
                });
            }
        }
    }

    fn condition(&mut self, cond: &Cond, base: &Val, ctx: &Ctx) {
        match cond {
            Cond::And(parts) | Cond::Or(parts) => {
                for part in parts {
                    self.condition(part, base, ctx);
                }
            }
            Cond::Not(inner) => self.condition(inner, base, ctx),
            Cond::Test { path, .. } => {
                if let Some(r) = self.path_ref(base, path, false, ctx) {
                    self.stmts.push(quote!(let _ = #r;));
                }
            }
            Cond::Matches { path, .. } => {
                if let Some(r) = self.path_ref(base, path, true, ctx) {
                    let span = path.range.end;
                    self.stmts
                        .push(quote_spanned!(span=> ::workflow::dsl::__private::string(#r);));
                }
            }
            Cond::Compare { left, right, .. } => {
                let family = match (left, right) {
                    (Operand::Path(_, Some(t)), _) | (_, Operand::Path(_, Some(t))) => {
                        t.to_string()
                    }
                    (_, Operand::Lit(Lit::Int(_) | Lit::Float(_)) | Operand::Neg(_))
                    | (Operand::Lit(Lit::Int(_) | Lit::Float(_)) | Operand::Neg(_), _) => {
                        "numeric".into()
                    }
                    (_, Operand::Lit(Lit::Str(_))) | (Operand::Lit(Lit::Str(_)), _) => {
                        "string".into()
                    }
                    (_, Operand::Lit(Lit::Bool(_))) | (Operand::Lit(Lit::Bool(_)), _) => {
                        "boolean".into()
                    }
                    (_, Operand::Timestamp(_)) | (Operand::Timestamp(_), _) => "timestamp".into(),
                    _ => return,
                };
                let check = match family.as_str() {
                    "numeric" => "numeric",
                    "boolean" => "boolean",
                    _ => "string",
                };
                for operand in [left, right] {
                    if let Operand::Path(path, _) = operand
                        && let Some(r) = self.path_ref(base, path, true, ctx)
                    {
                        let span = path.range.end;
                        let check = Ident::new(check, span);
                        self.stmts
                            .push(quote_spanned!(span=> ::workflow::dsl::__private::#check(#r);));
                    }
                }
            }
        }
    }
}

/// The transition of a state to its `next` state or to the end of its scope, carrying `out`.
fn next(fields: &[Field], edges: &mut Vec<Edge>, out: &Val) {
    match Checker::field(fields, "next") {
        Some(FieldValue::Ident(target)) => edges.push(Edge {
            target: Target::State(target.clone()),
            value: out.clone(),
        }),
        _ => {
            if let Some(f) = fields.iter().find(|f| f.key == "end") {
                edges.push(Edge {
                    target: Target::End(f.key.span()),
                    value: out.clone(),
                });
            }
        }
    }
}

struct Edge {
    target: Target,
    value: Val,
}

enum Target {
    State(Ident),
    End(Span),
}

/// The never-run function for a workflow, whose states `refused` are not checked.
pub fn generate(def: &WorkflowDef, refused: &HashSet<String>) -> TokenStream {
    let input_ty = &def.header.input;
    let untyped_input = is_value_type(input_ty);
    let mut checker = Checker {
        stmts: Vec::new(),
        counter: 0,
        refused: refused.clone(),
    };
    let ctx = Ctx { map_item: None };
    let out_slot = format_ident!("__workflow_output");
    let declare_out = match &def.header.output {
        Some(ty) => {
            quote!(let mut #out_slot: ::core::option::Option<#ty> = ::core::option::Option::None;)
        }
        None => quote!(let mut #out_slot = ::core::option::Option::None;),
    };
    let p = private();
    let reached = checker.scope(
        &def.body,
        Val {
            expr: quote!(#p::owned(&__workflow_input)),
            typed: !untyped_input,
        },
        &ctx,
        &out_slot,
        def.header.output.is_some(),
    );
    checker.settle_slot(reached, &out_slot);
    let stmts = checker.stmts;
    quote! {
        #[allow(unused, unused_mut, unused_variables, unreachable_code, non_snake_case, clippy::all, dead_code)]
        const _: () = {
            use ::workflow::dsl::__private::{EnterOption as _, EnterPlain as _};
            fn __workflow_typecheck(__workflow_input: #input_ty) {
                #declare_out
                #(#stmts)*
                let _ = &#out_slot;
            }
        };
    }
}

/// `Value`, `serde_json::Value`: an untyped workflow (no data-flow checks).
pub fn is_value_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Value" || s.ident == "JsonValue"),
        _ => false,
    }
}
