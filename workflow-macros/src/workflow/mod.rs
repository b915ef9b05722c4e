//! `workflow!`: parse, lower into the core model, validate with the core validator, report
//! every problem on its token, and emit the workflow type.

mod ast;
mod deploy;
mod lower;
mod tasks;
mod typecheck;
mod words;

use proc_macro2::TokenStream;
use quote::quote;
use workflow_core::diagnostic::{BROKEN_GRAPH, GRAPH_CASCADES, codes};
use workflow_core::plan::{CompileOptions, MachineType, validate};

pub use lower::task_name;

pub fn expand(input: TokenStream) -> TokenStream {
    let def: ast::WorkflowDef = match syn::parse2(input.clone()) {
        Ok(d) => d,
        Err(e) => {
            // One error for one mistake: the workflow's type is defined all the same (from its
            // header, when that parses), as thiserror and tokio do, so that the code using it
            // does not fail too.
            let error = e.to_compile_error();
            let Ok(header) = syn::parse2::<ast::Header>(input) else {
                return error;
            };
            let emitted = emit(&header, &[], &[], "", MachineType::Standard);
            return quote! {
                #emitted
                #error
            };
        }
    };
    let lowered = lower::lower(&def);
    let options = CompileOptions {
        machine_type: lowered.machine_type,
    };
    let mut errors: Vec<syn::Error> = lowered.errors.clone();
    {
        // What the validator finds in a state the macro could not read in full (a field it
        // refused is missing from the state) only repeats that mistake; elsewhere it is a
        // mistake of its own.
        let diagnostics: Vec<_> = validate(&lowered.machine, &options)
            .into_iter()
            .filter(|d| !lowered.is_refused(&d.pointer))
            .collect();
        // A transition to a state that is not there, or a state without one (or a state the
        // macro refused, whose transitions may be lost), leaves the graph incomplete: the
        // reachability and termination problems that follow only repeat that mistake.
        let broken_graph = !lowered.refused.is_empty()
            || diagnostics.iter().any(|d| BROKEN_GRAPH.contains(&d.code));
        // The states of a cycle with no way out are reported once, where the cycle starts
        // (the first of them), naming the others.
        let mut cycles: Vec<(&str, Vec<&str>)> = Vec::new();
        for d in &diagnostics {
            if d.code == codes::CYCLE_WITHOUT_EXIT {
                let (scope, name) = d.pointer.rsplit_once('/').unwrap_or_default();
                match cycles.iter_mut().find(|(s, _)| *s == scope) {
                    Some((_, names)) => names.push(name),
                    None => cycles.push((scope, vec![name])),
                }
            }
        }
        for d in &diagnostics {
            // Warnings are refused too. They are what AWS is not known to refuse in an ASL
            // file (a cycle with no way out, an unknown `States.` error name or intrinsic
            // function, a branch assigning an outer variable, ...), but in Rust code each
            // is almost surely a mistake.
            if broken_graph && GRAPH_CASCADES.contains(&d.code) {
                continue;
            }
            let mut message = d.message.clone();
            if d.code == codes::CYCLE_WITHOUT_EXIT {
                let (scope, name) = d.pointer.rsplit_once('/').unwrap_or_default();
                let Some((_, names)) = cycles.iter().find(|(s, _)| *s == scope) else {
                    continue;
                };
                if names.first() != Some(&name) {
                    continue;
                }
                if names.len() > 1 {
                    let others: Vec<String> = names[1..].iter().map(|n| format!("`{n}`")).collect();
                    message = format!("{message}; neither can {}", others.join(", "));
                }
            }
            let message = words::in_dsl_words(&message, &d.pointer);
            // Where the validator points at a whole state or a whole template entry, the DSL
            // has a more precise token: `end` for next-and-end, the key for a variable name or a
            // key given twice.
            let range = match d.code {
                codes::NEXT_AND_END => lowered.range(&format!("{}/End", d.pointer)),
                codes::INVALID_VARIABLE_NAME | codes::DUPLICATE_KEY => {
                    lowered.key_range(&d.pointer)
                }
                _ => None,
            };
            let range = range
                .or_else(|| lowered.range(&d.pointer))
                .unwrap_or(ast::Range::one(def.header.name.span()));
            errors.push(syn::Error::new_spanned(
                range.tokens(),
                format!("{message} [{}]", d.code),
            ));
        }
    }
    let mut machine = lowered.machine.clone();
    deploy::callbacks_as_lambda_invocations(&mut machine);
    if errors.is_empty() {
        // The rewrite keeps the machine valid; should it not, say so rather than export it.
        for d in validate(&machine, &options).iter() {
            if d.severity == workflow_core::diagnostic::Severity::Error {
                errors.push(syn::Error::new(
                    def.header.name.span(),
                    format!(
                        "internal error in workflow!: the exported ASL is not valid: {} at {} [{}]",
                        d.message, d.pointer, d.code
                    ),
                ));
            }
        }
    }
    let asl = machine.to_json_pretty();
    let functions = tasks::functions(&def.body);
    let callbacks = tasks::callback_states(&def.body);
    let emitted = emit(
        &def.header,
        &functions,
        &callbacks,
        &asl,
        lowered.machine_type,
    );
    // Also for a workflow over `Value`: its paths are untyped, but its tasks' inputs, callback
    // flags, caught error variants and struct literals are still checked.
    let typecheck = typecheck::generate(&def, &lowered.refused_states());
    let errors = errors.iter().map(syn::Error::to_compile_error);
    quote! {
        #emitted
        #typecheck
        #(#errors)*
    }
}

/// The workflow's type and its impls, for the `#[task]` functions `functions` it runs (those
/// of `callbacks` in the states named there, marked `callback`) and the exported ASL `asl`.
fn emit(
    header: &ast::Header,
    functions: &[syn::Path],
    callbacks: &[(syn::Path, Vec<String>)],
    asl: &str,
    machine_type: MachineType,
) -> TokenStream {
    let name = &header.name;
    let vis = &header.vis;
    let attrs = &header.attrs;
    let input = &header.input;
    let output = match &header.output {
        Some(t) => quote!(#t),
        None => quote!(::workflow::dsl::__private::serde_json::Value),
    };
    let name_str = name.to_string();
    let machine_type = match machine_type {
        MachineType::Standard => quote!(::workflow::dsl::__private::MachineType::Standard),
        MachineType::Express => quote!(::workflow::dsl::__private::MachineType::Express),
    };
    let task_entries = tasks::entries(functions);
    let task_checks = tasks::checks(name, functions, callbacks);
    let asl_const = tasks::asl_const(asl, functions);
    let doc = format!(
        "The `{name_str}` workflow, defined with `workflow!`.\n\nIts exported ASL (each task's resource named after its function, unless its `#[task(name = ..)]` names it):\n\n```json\n{}\n```",
        tasks::asl_for_docs(asl, functions)
    );
    quote! {
        #(#attrs)*
        #[doc = ""]
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #name;

        impl ::workflow::dsl::WorkflowDefinition for #name {
            type Input = #input;
            type Output = #output;
            const NAME: &'static str = #name_str;
            const ASL: &'static str = #asl_const;
            const MACHINE_TYPE: ::workflow::dsl::__private::MachineType = #machine_type;
            fn tasks() -> ::std::vec::Vec<::workflow::dsl::TaskInfo> {
                #task_entries
            }
            fn workflow() -> &'static ::workflow::runtime::Workflow {
                static COMPILED: ::std::sync::OnceLock<::workflow::runtime::Workflow> =
                    ::std::sync::OnceLock::new();
                COMPILED.get_or_init(::workflow::dsl::compile::<#name>)
            }
        }

        #[allow(dead_code)]
        impl #name {
            /// The validated definition (checked at compile time by the same validator).
            #vis fn definition() -> &'static ::workflow::core::definition::Definition {
                // The one the compiled workflow holds: the text is read once per program.
                <#name as ::workflow::dsl::WorkflowDefinition>::workflow().definition()
            }

            /// The ASL to deploy, each task's resource written as the `${Name}` substitution
            /// variable of its function (`${ChargePayment}`), so one definition serves every
            /// environment.
            #vis fn asl_json() -> &'static str {
                <#name as ::workflow::dsl::WorkflowDefinition>::ASL
            }

            /// The ASL with every `${Name}` resource resolved by `resolve` (to the ARN the task
            /// is deployed as).
            #vis fn asl_json_resolved(resolve: impl Fn(&str) -> ::core::option::Option<::std::string::String>) -> ::std::string::String {
                ::workflow::dsl::resolve_asl(<#name as ::workflow::dsl::WorkflowDefinition>::ASL, resolve)
            }

            /// Binds the workflow's tasks to `runtime`: give the states its functions take with
            /// `.state(value)`, replace a task by a test double with `.replace::<function>(..)`,
            /// then `.finish()` binds (see `workflow::dsl::Binder`).
            #vis fn bind(runtime: &::workflow::runtime::Runtime) -> ::workflow::dsl::Binder<'_, #name> {
                ::workflow::dsl::bind::<#name>(runtime)
            }

            /// Starts the workflow on `runtime`, binding first the tasks it does not bind yet
            /// (and keeping every binding made before), and returns once the execution is
            /// recorded.
            #vis async fn start(
                runtime: &::workflow::runtime::Runtime,
                input: #input,
            ) -> ::core::result::Result<::workflow::dsl::TypedExecution<#name>, ::workflow::dsl::TypedStartError> {
                ::workflow::dsl::start::<#name>(runtime, input).await
            }
        }

        #task_checks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The items `expand` emits, and the messages of its errors.
    fn expanded(input: TokenStream) -> (Vec<syn::Item>, Vec<String>) {
        let file: syn::File = syn::parse2(expand(input)).expect("items");
        let mut items = Vec::new();
        let mut errors = Vec::new();
        for item in file.items {
            match &item {
                syn::Item::Macro(m)
                    if m.mac.path.segments.last().unwrap().ident == "compile_error" =>
                {
                    let message: syn::LitStr = m.mac.parse_body().expect("a message");
                    errors.push(message.value());
                }
                _ => items.push(item),
            }
        }
        (items, errors)
    }

    fn defines_struct(items: &[syn::Item], name: &str) -> bool {
        items
            .iter()
            .any(|i| matches!(i, syn::Item::Struct(s) if s.ident == name))
    }

    fn implements(items: &[syn::Item], trait_name: &str) -> bool {
        items.iter().any(|i| {
            matches!(i, syn::Item::Impl(imp)
                if imp.trait_.as_ref().is_some_and(|(_, p, _)| p.segments.last().unwrap().ident == trait_name))
        })
    }

    #[test]
    fn a_syntax_error_still_defines_the_workflow_type() {
        let (items, errors) = expanded(quote! {
            pub Checkout(Order) -> Order {
                wait Pause { seconds 10, next: Done }
                succeed Done;
            }
        });
        assert_eq!(errors, vec!["expected `,`".to_string()]);
        assert!(defines_struct(&items, "Checkout"));
        assert!(implements(&items, "WorkflowDefinition"));
        // The inherent impl (start, definition, ...) too.
        assert!(
            items
                .iter()
                .any(|i| matches!(i, syn::Item::Impl(imp) if imp.trait_.is_none()))
        );
    }

    #[test]
    fn a_syntax_error_in_the_header_defines_nothing() {
        let (items, errors) = expanded(quote! { pub (Order) { succeed Done; } });
        assert_eq!(errors.len(), 1);
        assert!(items.is_empty());
    }

    #[test]
    fn a_refused_field_is_one_error_and_other_mistakes_are_still_reported() {
        // `nxt` is refused; without it `Record` has no transition and `Done` is reached by
        // nothing, which only repeat the typo. The backoff rate of `Charge` is a mistake of
        // its own.
        let (items, errors) = expanded(quote! {
            pub Checkout(Value) {
                pass Record { nxt: Charge }
                task Charge = "arn:aws:lambda:us-east-1:123456789012:function:charge" {
                    retry: [ States.ALL => { backoff_rate: 0.5 } ],
                    next: Done,
                }
                succeed Done;
            }
        });
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with("`nxt` is not a field of a state"),
            "{errors:?}"
        );
        assert_eq!(
            errors[1],
            "`backoff_rate` must be at least 1.0, not 0.5 [out-of-range]"
        );
        assert!(defines_struct(&items, "Checkout"));
    }
}
