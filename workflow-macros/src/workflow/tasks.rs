//! The `#[task]` functions a workflow runs, and their names.
//!
//! A task's name (its `${Name}` resource) is the function's name in PascalCase, or the one
//! its `#[task(name = "...")]` gives: only the `#[task]` knows, as `Task::NAME`. So the
//! workflow is lowered with a placeholder per function (its path, between two U+001F), and
//! the exported ASL is joined at compile time from the text around the placeholders and
//! each function's `Task::NAME`. The same constants tell two functions of one name apart
//! (`Task::FUNCTION`), for the error on the second.

use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast;
use super::lower::task_name;

/// Marks the ends of a placeholder (U+001F, the unit separator: no Rust path or name has it).
const MARK: char = '\u{1f}';

/// A path as written, without spaces: `billing::notify`.
fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// The name the workflow is lowered with for the function at `path`, which the exported ASL
/// replaces with the function's `Task::NAME`.
pub fn placeholder(path: &syn::Path) -> String {
    format!("{MARK}{}{MARK}", path_text(path))
}

/// Every `#[task]` function the workflow uses, once each (by path), in the order of their
/// first state.
pub fn functions(body: &ast::Body) -> Vec<syn::Path> {
    let mut out = Vec::new();
    collect(body, &mut out);
    out
}

fn collect(body: &ast::Body, out: &mut Vec<syn::Path>) {
    for state in &body.states {
        match &state.kind {
            ast::KindDef::Task(ast::TaskTarget::Function(path)) => {
                let text = path_text(path);
                if !out.iter().any(|p| path_text(p) == text) {
                    out.push(path.clone());
                }
            }
            ast::KindDef::Parallel(branches) => {
                for b in branches {
                    collect(b, out);
                }
            }
            ast::KindDef::Map(Some(b)) => collect(b, out),
            _ => {}
        }
    }
}

/// Each function run by a state marked `callback`, once (by path, in the order of its first
/// such state), with the names of those states: what `pending::<function>()` of a typed
/// execution lists.
pub fn callback_states(body: &ast::Body) -> Vec<(syn::Path, Vec<String>)> {
    let mut out: Vec<(syn::Path, Vec<String>)> = Vec::new();
    collect_callbacks(body, &mut out);
    out
}

fn collect_callbacks(body: &ast::Body, out: &mut Vec<(syn::Path, Vec<String>)>) {
    for state in &body.states {
        match &state.kind {
            ast::KindDef::Task(ast::TaskTarget::Function(path))
                if state.fields.iter().any(|f| f.key == "callback") =>
            {
                let text = path_text(path);
                let name = state.name.to_string();
                match out.iter_mut().find(|(p, _)| path_text(p) == text) {
                    Some((_, states)) => states.push(name),
                    None => out.push((path.clone(), vec![name])),
                }
            }
            ast::KindDef::Parallel(branches) => {
                for b in branches {
                    collect_callbacks(b, out);
                }
            }
            ast::KindDef::Map(Some(b)) => collect_callbacks(b, out),
            _ => {}
        }
    }
}

/// A piece of the exported ASL: text as it is, or the name of the function at an index.
enum Piece<'a> {
    Text(&'a str),
    Name(usize),
}

/// The ASL text cut at each placeholder (as JSON writes it, `\u001f`).
fn pieces<'a>(asl: &'a str, functions: &[syn::Path]) -> Vec<Piece<'a>> {
    let mark = serde_json::to_string(&MARK.to_string()).unwrap_or_default();
    let mark = mark.trim_matches('"');
    let texts: Vec<String> = functions.iter().map(path_text).collect();
    let mut pieces = Vec::new();
    let mut rest = asl;
    while let Some(start) = rest.find(mark) {
        let after = &rest[start + mark.len()..];
        let Some(end) = after.find(mark) else { break };
        match texts.iter().position(|t| *t == after[..end]) {
            Some(index) => {
                pieces.push(Piece::Text(&rest[..start]));
                pieces.push(Piece::Name(index));
                rest = &after[end + mark.len()..];
            }
            None => {
                // Not a placeholder (a string of the workflow's own): kept as it is.
                pieces.push(Piece::Text(&rest[..start + mark.len()]));
                rest = after;
            }
        }
    }
    pieces.push(Piece::Text(rest));
    pieces
}

/// The ASL for the workflow type's documentation: each task named after its function
/// (`billing::notify` is `${Notify}`), which is its name unless `#[task(name = ..)]` says
/// otherwise.
pub fn asl_for_docs(asl: &str, functions: &[syn::Path]) -> String {
    pieces(asl, functions)
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.to_string(),
            Piece::Name(index) => task_name(&functions[*index]),
        })
        .collect()
}

/// A constant expression of type `&'static str`: the exported ASL, each placeholder replaced
/// with its function's `Task::NAME`.
pub fn asl_const(asl: &str, functions: &[syn::Path]) -> TokenStream {
    let parts = pieces(asl, functions).into_iter().map(|piece| match piece {
        Piece::Text(text) => quote!(#text),
        Piece::Name(index) => {
            let path = &functions[index];
            quote!(<#path as ::workflow::dsl::Task>::NAME)
        }
    });
    join(quote!(#(#parts),*))
}

/// A constant `&'static str`: the strings of `parts` (constant expressions) joined.
fn join(parts: TokenStream) -> TokenStream {
    let p = quote!(::workflow::dsl::__private);
    quote! {{
        const PARTS: &[&str] = &[#parts];
        const BYTES: [u8; #p::joined_len(PARTS)] = #p::join::<{ #p::joined_len(PARTS) }>(PARTS);
        #p::utf8(&BYTES)
    }}
}

/// The task list of the workflow type (`WorkflowDefinition::tasks`).
pub fn entries(functions: &[syn::Path]) -> TokenStream {
    let entries = functions
        .iter()
        .map(|path| quote!(::workflow::dsl::TaskInfo::of::<#path>()));
    quote!(::std::vec![#(#entries),*])
}

/// For each function: that it is a task of the workflow (`TaskOf`, for typed test doubles),
/// for each function of a `callback` state that it is a callback task of the workflow, run
/// by those states (`CallbackOf`, for typed answers), and that no function before it has
/// its name and is another function: the error is on the second function's first state,
/// naming both.
pub fn checks(
    workflow: &syn::Ident,
    functions: &[syn::Path],
    callbacks: &[(syn::Path, Vec<String>)],
) -> TokenStream {
    let p = quote!(::workflow::dsl::__private);
    let callback_of = callbacks.iter().map(|(path, states)| {
        quote_spanned! {path.span()=>
            impl ::workflow::dsl::CallbackOf<#workflow> for #path {
                const STATES: &'static [&'static str] = &[#(#states),*];
            }
        }
    });
    let task_of = functions
        .iter()
        .map(
            |path| quote_spanned!(path.span()=> impl ::workflow::dsl::TaskOf<#workflow> for #path {}),
        )
        .chain(callback_of);
    if functions.len() < 2 {
        return quote!(#(#task_of)*);
    }
    let names = functions
        .iter()
        .map(|path| quote!(<#path as ::workflow::dsl::Task>::NAME));
    let paths = functions
        .iter()
        .map(|path| quote!(<#path as ::workflow::dsl::Task>::FUNCTION));
    let workflow_name = workflow.to_string();
    let one_name_each = (1..functions.len()).map(|index| {
        let path = &functions[index];
        let message = join(quote! {
            "the task name '", NAMES[#index], "' of `", FUNCTIONS[#index], "` is the name of `",
            FUNCTIONS[OTHER], "` too: two tasks of the workflow ", #workflow_name,
            " need two names; give one of them its own with #[task(name = \"...\")]"
        });
        // The panic's tokens carry the spans of the path's first and last segments, so that
        // the error covers the whole path.
        let first = path
            .segments
            .first()
            .map_or(path.span(), |s| s.ident.span());
        let last = path.segments.last().map_or(path.span(), |s| s.ident.span());
        let mut arguments = Group::new(Delimiter::Parenthesis, quote!("{}", MESSAGE));
        arguments.set_span(last);
        let fail = quote_spanned!(first=> ::core::panic! #arguments);
        quote! {
            const _: () = {
                const FOUND: usize = #p::namesake(NAMES, FUNCTIONS, #index);
                // An index in bounds, for the message's constant, which is evaluated even
                // when there is nothing to report.
                const OTHER: usize = if FOUND == usize::MAX { 0 } else { FOUND };
                const MESSAGE: &str = #message;
                if FOUND != usize::MAX {
                    #fail
                }
            };
        }
    });
    quote! {
        #(#task_of)*
        const _: () = {
            const NAMES: &[&str] = &[#(#names),*];
            const FUNCTIONS: &[&str] = &[#(#paths),*];
            #(#one_name_each)*
        };
    }
}
