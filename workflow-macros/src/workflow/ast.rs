//! The syntax tree of `workflow!`, and its parser. Every element keeps its span, so that a
//! problem found later (by the core validator or by rustc) is reported on the right token.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{
    Attribute, Ident, LitBool, LitStr, Token, Type, Visibility, braced, bracketed, parenthesized,
};

/// A range of tokens, for errors that cover more than one token.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub start: Span,
    pub end: Span,
}

impl Range {
    pub fn one(span: Span) -> Range {
        Range {
            start: span,
            end: span,
        }
    }

    /// From a path's first segment to its last (`None` for a path without segments).
    pub fn path(path: &syn::Path) -> Option<Range> {
        Some(Range {
            start: path.segments.first()?.ident.span(),
            end: path.segments.last()?.ident.span(),
        })
    }

    /// Tokens carrying the range's spans, for `syn::Error::new_spanned`.
    pub fn tokens(&self) -> TokenStream {
        let a = Ident::new("__start", self.start);
        let b = Ident::new("__end", self.end);
        quote::quote!(#a #b)
    }
}

pub struct WorkflowDef {
    pub header: Header,
    pub settings: Vec<Setting>,
    pub body: Body,
}

pub struct Setting {
    pub key: Ident,
    pub value: Lit,
}

/// States of one scope (the top level, a branch, an item processor).
pub struct Body {
    pub states: Vec<StateDef>,
    pub brace: Span,
}

pub struct StateDef {
    /// Doc comments: the state's Comment.
    pub doc: Option<String>,
    pub name: Ident,
    pub kind: KindDef,
    pub fields: Vec<Field>,
}

pub enum KindDef {
    Task(TaskTarget),
    Pass,
    Choice(Vec<ChoiceArm>),
    Wait,
    Succeed,
    Fail,
    Parallel(Vec<Body>),
    Map(Option<Body>),
}

pub enum TaskTarget {
    /// A `#[task]` function.
    Function(syn::Path),
    /// An untyped resource string.
    Resource(LitStr),
}

#[allow(clippy::large_enum_variant)]
pub enum ChoiceArm {
    When {
        when: Ident,
        cond: Cond,
        target: Ident,
        assign: Option<(Ident, Template)>,
    },
    Default {
        default: Ident,
        target: Ident,
    },
}

pub struct Field {
    pub key: Ident,
    pub value: FieldValue,
}

pub enum FieldValue {
    /// A bare flag: `end`, `callback`.
    Flag,
    Lit(Lit),
    Ident(Ident),
    Path(PathExpr),
    Null(Ident),
    Template(Template),
    Retry(Vec<RetryDef>),
    Catch(Vec<CatchDef>),
    Dynamic(Dynamic),
}

#[derive(Clone)]
pub enum Lit {
    Int(syn::LitInt),
    Float(syn::LitFloat),
    Str(LitStr),
    Bool(LitBool),
    Ident(Ident),
}

impl Lit {
    pub fn span(&self) -> Span {
        match self {
            Lit::Int(l) => l.span(),
            Lit::Float(l) => l.span(),
            Lit::Str(l) => l.span(),
            Lit::Bool(l) => l.span,
            Lit::Ident(i) => i.span(),
        }
    }
}

/// A JSONPath written as tokens (`$.order.total`, `$$.Map.Item.Value`, `$var`), or as a
/// string for what tokens cannot express (filters, wildcards, names with hyphens).
#[derive(Clone)]
pub struct PathExpr {
    pub root: PathRoot,
    pub segments: Vec<PathSeg>,
    pub range: Range,
    /// The path as written in a string: untyped.
    pub text: Option<LitStr>,
}

#[derive(Clone)]
pub enum PathRoot {
    Input,
    Context,
    Variable(Ident),
}

#[derive(Clone)]
pub enum PathSeg {
    Field(Ident),
    Index(syn::LitInt),
}

impl PathExpr {
    /// The path's ASL text.
    pub fn asl(&self) -> String {
        if let Some(t) = &self.text {
            return t.value();
        }
        let mut out = match &self.root {
            PathRoot::Input => "$".to_string(),
            PathRoot::Context => "$$".to_string(),
            PathRoot::Variable(v) => format!("${}", unraw(v)),
        };
        for s in &self.segments {
            match s {
                PathSeg::Field(i) => {
                    out.push('.');
                    out.push_str(&unraw(i));
                }
                PathSeg::Index(n) => out.push_str(&format!("[{}]", n.base10_digits())),
            }
        }
        out
    }
}

pub fn unraw(i: &Ident) -> String {
    let s = i.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

/// A path or an intrinsic function call, where ASL takes a `.$` value.
#[derive(Clone)]
pub enum Dynamic {
    Path(PathExpr),
    Call(Intrinsic),
}

#[derive(Clone)]
pub struct Intrinsic {
    pub name: Vec<Ident>,
    pub args: Vec<IntrinsicArg>,
    pub range: Range,
}

#[derive(Clone)]
pub enum IntrinsicArg {
    Lit(Lit),
    Null,
    Neg(Lit),
    Dynamic(Dynamic),
}

impl Intrinsic {
    pub fn asl(&self) -> String {
        let name: Vec<String> = self.name.iter().map(unraw).collect();
        let args: Vec<String> = self.args.iter().map(|a| a.asl()).collect();
        format!("{}({})", name.join("."), args.join(", "))
    }
}

impl IntrinsicArg {
    fn asl(&self) -> String {
        match self {
            IntrinsicArg::Null => "null".into(),
            IntrinsicArg::Neg(l) => format!("-{}", lit_text(l)),
            IntrinsicArg::Lit(Lit::Str(s)) => {
                let mut out = String::from("'");
                for c in s.value().chars() {
                    match c {
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
            IntrinsicArg::Lit(l) => lit_text(l),
            IntrinsicArg::Dynamic(Dynamic::Path(p)) => p.asl(),
            IntrinsicArg::Dynamic(Dynamic::Call(c)) => c.asl(),
        }
    }
}

fn lit_text(l: &Lit) -> String {
    match l {
        Lit::Int(i) => i.base10_digits().to_string(),
        Lit::Float(f) => f.base10_digits().to_string(),
        Lit::Str(s) => s.value(),
        Lit::Bool(b) => b.value.to_string(),
        Lit::Ident(i) => i.to_string(),
    }
}

impl Dynamic {
    pub fn asl(&self) -> String {
        match self {
            Dynamic::Path(p) => p.asl(),
            Dynamic::Call(c) => c.asl(),
        }
    }

    pub fn range(&self) -> Range {
        match self {
            Dynamic::Path(p) => p.range,
            Dynamic::Call(c) => c.range,
        }
    }
}

/// A payload template: a JSON-like object, or a struct literal (typed).
#[derive(Clone)]
pub enum Template {
    Object {
        ty: Option<syn::Path>,
        entries: Vec<(Ident, TemplateValue)>,
        brace: Span,
    },
}

#[derive(Clone)]
pub enum TemplateValue {
    Lit(Lit),
    Neg(Lit),
    Null(Ident),
    Dynamic(Dynamic),
    Object(Template),
    Array(Vec<TemplateValue>, Span),
}

impl TemplateValue {
    pub fn span(&self) -> Span {
        match self {
            TemplateValue::Lit(l) | TemplateValue::Neg(l) => l.span(),
            TemplateValue::Null(i) => i.span(),
            TemplateValue::Dynamic(d) => d.range().start,
            TemplateValue::Object(Template::Object { brace, .. }) => *brace,
            TemplateValue::Array(_, s) => *s,
        }
    }
}

pub struct RetryDef {
    pub errors: Vec<ErrorPattern>,
    pub fields: Vec<Field>,
    pub arrow: Span,
}

pub struct CatchDef {
    pub errors: Vec<ErrorPattern>,
    pub target: Ident,
    pub fields: Vec<Field>,
}

#[derive(Clone)]
pub enum ErrorPattern {
    /// `States.ALL`, `States.Timeout`, ...
    States(Ident, Ident),
    /// `PaymentError::CardDeclined`: a variant of the task's error type.
    Variant(syn::Path),
    /// `"CustomName"`.
    Name(LitStr),
}

impl ErrorPattern {
    pub fn asl(&self) -> String {
        match self {
            ErrorPattern::States(_, name) => format!("States.{}", unraw(name)),
            ErrorPattern::Variant(path) => path
                .segments
                .last()
                .map(|s| unraw(&s.ident))
                .unwrap_or_default(),
            ErrorPattern::Name(s) => s.value(),
        }
    }

    pub fn range(&self) -> Range {
        match self {
            ErrorPattern::States(a, b) => Range {
                start: a.span(),
                end: b.span(),
            },
            ErrorPattern::Variant(p) => Range::path(p).unwrap_or(Range::one(Span::call_site())),
            ErrorPattern::Name(s) => Range::one(s.span()),
        }
    }
}

/// A Choice condition.
#[derive(Clone)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Test {
        test: Ident,
        path: PathExpr,
    },
    Matches {
        path: PathExpr,
        pattern: LitStr,
    },
    Compare {
        left: Operand,
        op: CmpOp,
        op_span: Span,
        right: Operand,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone)]
pub enum Operand {
    /// A path, maybe with the type to compare as: `numeric($.a)`, `string(...)`,
    /// `timestamp(...)`, `boolean(...)`.
    Path(PathExpr, Option<Ident>),
    Lit(Lit),
    Neg(Lit),
    /// `timestamp("2024-01-01T00:00:00Z")`.
    Timestamp(LitStr),
}

// ---------------------------------------------------------------- parsing

mod kw {
    syn::custom_keyword!(task);
    syn::custom_keyword!(pass);
    syn::custom_keyword!(choice);
    syn::custom_keyword!(wait);
    syn::custom_keyword!(succeed);
    syn::custom_keyword!(fail);
    syn::custom_keyword!(parallel);
    syn::custom_keyword!(map);
    syn::custom_keyword!(when);
    syn::custom_keyword!(default);
    syn::custom_keyword!(branch);
    syn::custom_keyword!(item_processor);
    syn::custom_keyword!(null);
    syn::custom_keyword!(assign);
}

/// What comes before a workflow's body: all the macro needs to define the workflow's type.
pub struct Header {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub input: Type,
    pub output: Option<Type>,
}

fn parse_header(input: ParseStream) -> syn::Result<Header> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    let name: Ident = input.parse()?;
    let content;
    parenthesized!(content in input);
    let input_ty: Type = content.parse()?;
    let output = if input.peek(Token![->]) {
        input.parse::<Token![->]>()?;
        Some(input.parse::<Type>()?)
    } else {
        None
    };
    Ok(Header {
        attrs,
        vis,
        name,
        input: input_ty,
        output,
    })
}

/// The header of a workflow whose body does not parse: the rest is skipped, so that the
/// workflow's type can still be defined next to the syntax error.
impl Parse for Header {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let header = parse_header(input)?;
        input.parse::<TokenStream>()?;
        Ok(header)
    }
}

impl Parse for WorkflowDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let header = parse_header(input)?;
        let body;
        let brace = braced!(body in input).span.join();
        let mut settings = Vec::new();
        while body.peek(Ident) && body.peek2(Token![:]) && !body.peek2(Token![::]) {
            let key: Ident = body.parse()?;
            body.parse::<Token![:]>()?;
            let value = parse_lit(&body)?;
            settings.push(Setting { key, value });
            if !body.is_empty() && !body.peek(Token![,]) && !starts_state(&body) {
                return Err(body.error("expected `,` after a setting"));
            }
            if body.peek(Token![,]) {
                body.parse::<Token![,]>()?;
            }
        }
        let states = parse_states(&body)?;
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the workflow"));
        }
        Ok(WorkflowDef {
            header,
            settings,
            body: Body { states, brace },
        })
    }
}

/// The text of `///` comments, lines joined with newlines.
pub fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    // Lines of one paragraph join with spaces; a blank line starts a new paragraph.
    let mut out = String::new();
    for line in &lines {
        if line.is_empty() {
            out.push('\n');
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(line);
        }
    }
    Some(out.trim().to_string())
}

fn starts_state(input: ParseStream) -> bool {
    input.peek(Token![#])
        || input.peek(kw::task)
        || input.peek(kw::pass)
        || input.peek(kw::choice)
        || input.peek(kw::wait)
        || input.peek(kw::succeed)
        || input.peek(kw::fail)
        || input.peek(kw::parallel)
        || input.peek(kw::map)
}

fn parse_states(input: ParseStream) -> syn::Result<Vec<StateDef>> {
    let mut states = Vec::new();
    while !input.is_empty() {
        if !starts_state(input) {
            return Err(input.error(
                "expected a state: task, pass, choice, wait, succeed, fail, parallel or map",
            ));
        }
        states.push(input.parse()?);
        while input.peek(Token![,]) || input.peek(Token![;]) {
            let _: TokenTree = input.parse()?;
        }
    }
    Ok(states)
}

fn parse_body(input: ParseStream) -> syn::Result<Body> {
    let content;
    let brace = braced!(content in input).span.join();
    Ok(Body {
        states: parse_states(&content)?,
        brace,
    })
}

impl Parse for StateDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let doc = doc_comment(&attrs);
        let keyword: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        let name: Ident = input.parse()?;
        let kw = keyword.to_string();
        let mut kind = match kw.as_str() {
            "task" => {
                input.parse::<Token![=]>()?;
                if input.peek(LitStr) {
                    KindDef::Task(TaskTarget::Resource(input.parse()?))
                } else {
                    KindDef::Task(TaskTarget::Function(
                        input.call(syn::Path::parse_mod_style)?,
                    ))
                }
            }
            "pass" => KindDef::Pass,
            "choice" => KindDef::Choice(Vec::new()),
            "wait" => KindDef::Wait,
            "succeed" => KindDef::Succeed,
            "fail" => KindDef::Fail,
            "parallel" => KindDef::Parallel(Vec::new()),
            _ => KindDef::Map(None),
        };
        let mut fields = Vec::new();
        if input.peek(Token![;]) || input.is_empty() || starts_state(input) {
            return Ok(StateDef {
                doc,
                name,
                kind,
                fields,
            });
        }
        let content;
        braced!(content in input);
        while !content.is_empty() {
            match &mut kind {
                KindDef::Choice(arms) if content.peek(kw::when) => {
                    let when: Ident = content.parse()?;
                    let cond = parse_cond(&content)?;
                    content.parse::<Token![=>]>()?;
                    let target: Ident = content.parse()?;
                    let assign = if content.peek(kw::assign) {
                        let key: Ident = content.parse()?;
                        content.parse::<Token![:]>()?;
                        Some((key, parse_template(&content, None)?))
                    } else {
                        None
                    };
                    arms.push(ChoiceArm::When {
                        when,
                        cond,
                        target,
                        assign,
                    });
                }
                KindDef::Choice(arms) if content.peek(kw::default) && content.peek2(Token![=>]) => {
                    let default: Ident = content.parse()?;
                    content.parse::<Token![=>]>()?;
                    let target: Ident = content.parse()?;
                    arms.push(ChoiceArm::Default { default, target });
                }
                KindDef::Parallel(branches) if content.peek(kw::branch) => {
                    content.parse::<kw::branch>()?;
                    branches.push(parse_body(&content)?);
                }
                KindDef::Map(processor) if content.peek(kw::item_processor) => {
                    let kw: kw::item_processor = content.parse()?;
                    if processor.is_some() {
                        return Err(syn::Error::new(
                            kw.span,
                            "a `map` state has one `item_processor`",
                        ));
                    }
                    *processor = Some(parse_body(&content)?);
                }
                _ => fields.push(parse_field(&content)?),
            }
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        Ok(StateDef {
            doc,
            name,
            kind,
            fields,
        })
    }
}

fn parse_field(input: ParseStream) -> syn::Result<Field> {
    let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
    if !input.peek(Token![:]) {
        return Ok(Field {
            key,
            value: FieldValue::Flag,
        });
    }
    input.parse::<Token![:]>()?;
    let name = key.to_string();
    let value = match name.as_str() {
        "retry" => FieldValue::Retry(parse_retry(input)?),
        "catch" => FieldValue::Catch(parse_catch(input)?),
        "parameters" | "result_selector" | "item_selector" | "assign" | "result" => {
            if input.peek(kw::null) {
                FieldValue::Null(input.call(syn::ext::IdentExt::parse_any)?)
            } else if input.peek(syn::token::Brace)
                || (input.peek(Ident) && input.peek2(syn::token::Brace))
                || input.peek(Token![::])
                || (input.peek(Ident) && input.peek2(Token![::]))
            {
                FieldValue::Template(parse_template(input, None)?)
            } else {
                FieldValue::Lit(parse_lit(input)?)
            }
        }
        _ => {
            // A path field also takes a path written as a string (wildcards, filters).
            if input.peek(Token![$]) || (name.ends_with("_path") && input.peek(LitStr)) {
                FieldValue::Path(parse_path(input)?)
            } else if input.peek(kw::null) {
                FieldValue::Null(input.call(syn::ext::IdentExt::parse_any)?)
            } else if input.peek(Ident) && input.peek2(Token![.]) {
                FieldValue::Dynamic(Dynamic::Call(parse_intrinsic(input)?))
            } else if input.peek(Ident) {
                // (Not `true` or `false`: `Ident` excludes keywords.)
                FieldValue::Ident(input.parse()?)
            } else {
                FieldValue::Lit(parse_lit(input)?)
            }
        }
    };
    Ok(Field { key, value })
}

fn parse_lit(input: ParseStream) -> syn::Result<Lit> {
    let lookahead = input.lookahead1();
    if lookahead.peek(syn::LitInt) {
        Ok(Lit::Int(input.parse()?))
    } else if lookahead.peek(syn::LitFloat) {
        Ok(Lit::Float(input.parse()?))
    } else if lookahead.peek(LitStr) {
        Ok(Lit::Str(input.parse()?))
    } else if lookahead.peek(LitBool) {
        Ok(Lit::Bool(input.parse()?))
    } else if lookahead.peek(Ident) {
        Ok(Lit::Ident(input.parse()?))
    } else {
        Err(lookahead.error())
    }
}

/// `$`, `$.a.b[0]`, `$$.Execution.Input`, `$name.a`, or a string (untyped).
pub fn parse_path(input: ParseStream) -> syn::Result<PathExpr> {
    if input.peek(LitStr) {
        let text: LitStr = input.parse()?;
        return Ok(PathExpr {
            root: PathRoot::Input,
            segments: Vec::new(),
            range: Range::one(text.span()),
            text: Some(text),
        });
    }
    let dollar: Token![$] = input.parse()?;
    let start = dollar.span;
    let mut end = start;
    let root = if input.peek(Token![$]) {
        let d: Token![$] = input.parse()?;
        end = d.span;
        PathRoot::Context
    } else if input.peek(Ident) {
        let v: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        end = v.span();
        PathRoot::Variable(v)
    } else {
        PathRoot::Input
    };
    let mut segments = Vec::new();
    loop {
        if input.peek(Token![.]) && !input.peek(Token![..]) {
            input.parse::<Token![.]>()?;
            if input.peek(syn::LitInt) {
                return Err(input.error("an index is written [n], as in $.items[0]"));
            }
            let field: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            end = field.span();
            segments.push(PathSeg::Field(field));
        } else if input.peek(syn::token::Bracket) {
            let content;
            let b = bracketed!(content in input);
            let index: syn::LitInt = content.parse().map_err(|_| {
                syn::Error::new(
                    b.span.join(),
                    "only numeric indices are written as tokens; write other paths (wildcards, filters, slices) as a string: \"$.items[*].id\"",
                )
            })?;
            end = b.span.join();
            segments.push(PathSeg::Index(index));
        } else {
            break;
        }
    }
    Ok(PathExpr {
        root,
        segments,
        range: Range { start, end },
        text: None,
    })
}

fn parse_intrinsic(input: ParseStream) -> syn::Result<Intrinsic> {
    let mut name: Vec<Ident> = vec![input.call(syn::ext::IdentExt::parse_any)?];
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        name.push(input.call(syn::ext::IdentExt::parse_any)?);
    }
    let content;
    let parens = parenthesized!(content in input);
    let args: Punctuated<IntrinsicArg, Token![,]> =
        content.parse_terminated(parse_intrinsic_arg, Token![,])?;
    Ok(Intrinsic {
        range: Range {
            start: name[0].span(),
            end: parens.span.close(),
        },
        name,
        args: args.into_iter().collect(),
    })
}

fn parse_intrinsic_arg(input: ParseStream) -> syn::Result<IntrinsicArg> {
    if input.peek(Token![$]) {
        return Ok(IntrinsicArg::Dynamic(Dynamic::Path(parse_path(input)?)));
    }
    if input.peek(kw::null) {
        input.parse::<kw::null>()?;
        return Ok(IntrinsicArg::Null);
    }
    if input.peek(Token![-]) {
        input.parse::<Token![-]>()?;
        return Ok(IntrinsicArg::Neg(parse_lit(input)?));
    }
    if input.peek(Ident) && input.peek2(Token![.]) {
        return Ok(IntrinsicArg::Dynamic(Dynamic::Call(parse_intrinsic(
            input,
        )?)));
    }
    Ok(IntrinsicArg::Lit(parse_lit(input)?))
}

/// `{ key: value, "key": value }` or `Type { field: value }`.
fn parse_template(input: ParseStream, ty: Option<syn::Path>) -> syn::Result<Template> {
    let ty = match ty {
        Some(t) => Some(t),
        None if !input.peek(syn::token::Brace) => Some(input.call(syn::Path::parse_mod_style)?),
        None => None,
    };
    let content;
    let brace = braced!(content in input).span.join();
    let mut entries = Vec::new();
    while !content.is_empty() {
        let key = if content.peek(LitStr) {
            let s: LitStr = content.parse()?;
            Ident::new_raw(&sanitize_key(&s.value()), s.span())
        } else {
            content.call(syn::ext::IdentExt::parse_any)?
        };
        content.parse::<Token![:]>()?;
        let value = parse_template_value(&content)?;
        entries.push((key, value));
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(Template::Object { ty, entries, brace })
}

/// JSON keys that are not identifiers are carried in raw identifiers with an escape, and
/// turned back by [`key_text`].
fn sanitize_key(key: &str) -> String {
    let mut out = String::from("__k");
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", c as u32));
        }
    }
    out
}

/// The JSON key a template key stands for.
pub fn key_text(key: &Ident) -> String {
    let s = unraw(key);
    let Some(encoded) = s.strip_prefix("__k") else {
        return s;
    };
    let mut out = String::new();
    let mut chars = encoded.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '_' {
            let hex: String = chars.by_ref().take_while(|c| *c != '_').collect();
            if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                out.push(ch);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// True when the key was written as a string (and so names no struct field).
pub fn key_is_string(key: &Ident) -> bool {
    unraw(key).starts_with("__k")
}

fn parse_template_value(input: ParseStream) -> syn::Result<TemplateValue> {
    if input.peek(Token![$]) {
        return Ok(TemplateValue::Dynamic(Dynamic::Path(parse_path(input)?)));
    }
    if input.peek(kw::null) {
        return Ok(TemplateValue::Null(
            input.call(syn::ext::IdentExt::parse_any)?,
        ));
    }
    if input.peek(Token![-]) {
        input.parse::<Token![-]>()?;
        return Ok(TemplateValue::Neg(parse_lit(input)?));
    }
    if input.peek(syn::token::Brace) {
        return Ok(TemplateValue::Object(parse_template(input, None)?));
    }
    if input.peek(syn::token::Bracket) {
        let content;
        let b = bracketed!(content in input);
        let items: Punctuated<TemplateValue, Token![,]> =
            content.parse_terminated(parse_template_value, Token![,])?;
        return Ok(TemplateValue::Array(
            items.into_iter().collect(),
            b.span.join(),
        ));
    }
    if input.peek(Ident) && input.peek2(Token![.]) {
        return Ok(TemplateValue::Dynamic(Dynamic::Call(parse_intrinsic(
            input,
        )?)));
    }
    if input.peek(Ident) && (input.peek2(syn::token::Brace) || input.peek2(Token![::])) {
        let ty = input.call(syn::Path::parse_mod_style)?;
        return Ok(TemplateValue::Object(parse_template(input, Some(ty))?));
    }
    Ok(TemplateValue::Lit(parse_lit(input)?))
}

fn parse_error_patterns(input: ParseStream) -> syn::Result<Vec<ErrorPattern>> {
    let mut errors = Vec::new();
    loop {
        if input.peek(LitStr) {
            errors.push(ErrorPattern::Name(input.parse()?));
        } else if input.peek(Ident) && input.peek2(Token![.]) {
            let states: Ident = input.parse()?;
            if states != "States" {
                return Err(syn::Error::new(
                    states.span(),
                    "predefined errors are written States.Name; custom ones as a variant of the task's error type (MyError::Variant) or a string",
                ));
            }
            input.parse::<Token![.]>()?;
            let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            errors.push(ErrorPattern::States(states, name));
        } else {
            errors.push(ErrorPattern::Variant(
                input.call(syn::Path::parse_mod_style)?,
            ));
        }
        if input.peek(Token![|]) {
            input.parse::<Token![|]>()?;
        } else {
            return Ok(errors);
        }
    }
}

fn parse_retry(input: ParseStream) -> syn::Result<Vec<RetryDef>> {
    let content;
    bracketed!(content in input);
    let mut out = Vec::new();
    while !content.is_empty() {
        let errors = parse_error_patterns(&content)?;
        let arrow: Token![=>] = content.parse()?;
        let fields_content;
        braced!(fields_content in content);
        let fields = fields_content.parse_terminated(parse_field, Token![,])?;
        out.push(RetryDef {
            errors,
            fields: fields.into_iter().collect(),
            arrow: arrow.spans[0],
        });
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(out)
}

fn parse_catch(input: ParseStream) -> syn::Result<Vec<CatchDef>> {
    let content;
    bracketed!(content in input);
    let mut out = Vec::new();
    while !content.is_empty() {
        let errors = parse_error_patterns(&content)?;
        content.parse::<Token![=>]>()?;
        let target: Ident = content.parse()?;
        let fields = if content.peek(syn::token::Brace) {
            let fields_content;
            braced!(fields_content in content);
            fields_content
                .parse_terminated(parse_field, Token![,])?
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        out.push(CatchDef {
            errors,
            target,
            fields,
        });
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(out)
}

// ----- conditions

fn parse_cond(input: ParseStream) -> syn::Result<Cond> {
    let mut parts = vec![parse_and(input)?];
    while input.peek(Token![||]) {
        input.parse::<Token![||]>()?;
        parts.push(parse_and(input)?);
    }
    Ok(if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        Cond::Or(parts)
    })
}

fn parse_and(input: ParseStream) -> syn::Result<Cond> {
    let mut parts = vec![parse_unary(input)?];
    while input.peek(Token![&&]) {
        input.parse::<Token![&&]>()?;
        parts.push(parse_unary(input)?);
    }
    Ok(if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        Cond::And(parts)
    })
}

const TESTS: &[&str] = &[
    "is_present",
    "is_null",
    "is_numeric",
    "is_string",
    "is_boolean",
    "is_timestamp",
];

fn parse_unary(input: ParseStream) -> syn::Result<Cond> {
    if input.peek(Token![!]) {
        input.parse::<Token![!]>()?;
        return Ok(Cond::Not(Box::new(parse_unary(input)?)));
    }
    if input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        return parse_cond(&content);
    }
    if input.peek(Ident) && input.peek2(syn::token::Paren) {
        let fork = input.fork();
        let name: Ident = fork.parse()?;
        let n = name.to_string();
        if TESTS.contains(&n.as_str()) {
            let test: Ident = input.parse()?;
            let content;
            parenthesized!(content in input);
            let path = parse_path(&content)?;
            return Ok(Cond::Test { test, path });
        }
        if n == "matches" {
            input.parse::<Ident>()?;
            let content;
            parenthesized!(content in input);
            let path = parse_path(&content)?;
            content.parse::<Token![,]>()?;
            let pattern: LitStr = content.parse()?;
            return Ok(Cond::Matches { path, pattern });
        }
    }
    let left = parse_operand(input)?;
    let (op, op_span) = parse_op(input)?;
    let right = parse_operand(input)?;
    Ok(Cond::Compare {
        left,
        op,
        op_span,
        right,
    })
}

fn parse_op(input: ParseStream) -> syn::Result<(CmpOp, Span)> {
    if input.peek(Token![==]) {
        let t: Token![==] = input.parse()?;
        return Ok((CmpOp::Eq, t.spans[0]));
    }
    if input.peek(Token![!=]) {
        let t: Token![!=] = input.parse()?;
        return Ok((CmpOp::Ne, t.spans[0]));
    }
    if input.peek(Token![<=]) {
        let t: Token![<=] = input.parse()?;
        return Ok((CmpOp::Le, t.spans[0]));
    }
    if input.peek(Token![>=]) {
        let t: Token![>=] = input.parse()?;
        return Ok((CmpOp::Ge, t.spans[0]));
    }
    if input.peek(Token![<]) {
        let t: Token![<] = input.parse()?;
        return Ok((CmpOp::Lt, t.span));
    }
    if input.peek(Token![>]) {
        let t: Token![>] = input.parse()?;
        return Ok((CmpOp::Gt, t.span));
    }
    Err(input.error("expected a comparison: ==, !=, <, <=, > or >="))
}

const TYPES: &[&str] = &["numeric", "string", "timestamp", "boolean"];

fn parse_operand(input: ParseStream) -> syn::Result<Operand> {
    if input.peek(Token![$]) {
        return Ok(Operand::Path(parse_path(input)?, None));
    }
    if input.peek(Token![-]) {
        input.parse::<Token![-]>()?;
        return Ok(Operand::Neg(parse_lit(input)?));
    }
    if input.peek(Ident) && input.peek2(syn::token::Paren) {
        let ty: Ident = input.parse()?;
        if !TYPES.contains(&ty.to_string().as_str()) {
            return Err(syn::Error::new(
                ty.span(),
                "expected numeric(..), string(..), timestamp(..), boolean(..), is_present(..), is_null(..), is_numeric(..), is_string(..), is_boolean(..), is_timestamp(..) or matches(.., \"pattern\")",
            ));
        }
        let content;
        parenthesized!(content in input);
        if ty == "timestamp" && content.peek(LitStr) {
            return Ok(Operand::Timestamp(content.parse()?));
        }
        return Ok(Operand::Path(parse_path(&content)?, Some(ty)));
    }
    Ok(Operand::Lit(parse_lit(input)?))
}
