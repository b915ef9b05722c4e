//! `#[task]`: an async fn becomes a task a workflow can run, and stays a normal fn.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Expr, ExprLit, FnArg, GenericArgument, ItemFn, Lit, LitStr, Meta, PathArguments, ReturnType,
    Token, Type,
};

use crate::workflow::task_name;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let options = match options(attr) {
        Ok(o) => o,
        Err(e) => return e.to_compile_error(),
    };
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            return syn::Error::new(e.span(), "#[task] goes on an `async fn`").to_compile_error();
        }
    };
    match task(&func, &options) {
        Ok(tokens) => tokens,
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#func #e)
        }
    }
}

/// The options of `#[task(...)]`.
struct Options {
    /// `callback`: a `.waitForTaskToken` task.
    callback: bool,
    /// `name = "ChargeCard"`: the task's name, instead of the function's in PascalCase.
    name: Option<String>,
}

const OPTIONS: &str = "the options are `callback` (a .waitForTaskToken task) and `name = \"...\"` (the task's name, its resource `${Name}`)";

fn options(attr: TokenStream) -> syn::Result<Options> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr)?;
    let mut options = Options {
        callback: false,
        name: None,
    };
    for meta in &metas {
        match meta {
            Meta::Path(path) if path.is_ident("callback") => {
                if options.callback {
                    return Err(syn::Error::new_spanned(path, "`callback` is given twice"));
                }
                options.callback = true;
            }
            Meta::NameValue(nv) if nv.path.is_ident("name") => {
                if options.name.is_some() {
                    return Err(syn::Error::new_spanned(&nv.path, "`name` is given twice"));
                }
                let Expr::Lit(ExprLit {
                    lit: Lit::Str(name),
                    ..
                }) = &nv.value
                else {
                    return Err(syn::Error::new_spanned(
                        &nv.value,
                        "the task name is a string: `name = \"ChargeCard\"`",
                    ));
                };
                check_name(name)?;
                options.name = Some(name.value());
            }
            other => {
                let shown = other.path().to_token_stream().to_string().replace(' ', "");
                return Err(syn::Error::new_spanned(
                    other,
                    format!("unknown #[task] option `{shown}`: {OPTIONS}"),
                ));
            }
        }
    }
    Ok(options)
}

/// The longest task name: the longest name of a Lambda function, which a deployed task is.
const MAX_NAME_CHARS: usize = 64;

/// A task name names its `${Name}` resource, and a deployed task's function in a template,
/// whose logical IDs CloudFormation allows to be alphanumeric only
/// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html):
/// ASCII letters and digits, a letter first, at most 64 (a Lambda function name's limit).
fn check_name(name: &LitStr) -> syn::Result<()> {
    let value = name.value();
    let rule = "a task name is 1 to 64 ASCII letters and digits, a letter first (it names the task's `${Name}` resource and its function in a deployment template, whose logical IDs are alphanumeric)";
    let problem = if value.is_empty() {
        Some("the task name is empty".to_string())
    } else if value.len() > MAX_NAME_CHARS {
        Some(format!(
            "the task name is {} characters long",
            value.chars().count()
        ))
    } else if let Some(c) = value.chars().find(|c| !c.is_ascii_alphanumeric()) {
        Some(format!("the task name \"{value}\" holds `{c}`"))
    } else if !value.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some(format!("the task name \"{value}\" starts with a digit"))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(syn::Error::new(name.span(), format!("{problem}: {rule}"))),
        None => Ok(()),
    }
}

/// `&TaskContext` (any path ending in `TaskContext`).
fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "TaskContext"),
            _ => false,
        },
        _ => false,
    }
}

/// The single generic argument of `Wrapper<T>` when the last path segment is `wrapper`.
fn generic_args<'t>(ty: &'t Type, wrapper: &str) -> Option<Vec<&'t Type>> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
    )
}

/// What a parameter of a `#[task]` function is.
enum Param<'f> {
    /// `&TaskContext`.
    Context,
    /// `State<T>`: the state of type `T`.
    State(&'f Type),
    /// The task's input.
    Input,
}

fn task(func: &ItemFn, options: &Options) -> syn::Result<TokenStream> {
    let callback = options.callback;
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span,
            "#[task] functions must be async: write `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "#[task] functions cannot be generic: a task has one input type and one output type",
        ));
    }
    let mut params = Vec::new();
    let mut input: Option<&Type> = None;
    for arg in &sig.inputs {
        let FnArg::Typed(pat) = arg else {
            return Err(syn::Error::new(
                arg.span(),
                "#[task] functions cannot take self",
            ));
        };
        if is_context(&pat.ty) {
            params.push(Param::Context);
        } else if let Some(state) = state_type(&pat.ty)? {
            params.push(Param::State(state));
        } else if input.is_some() {
            return Err(syn::Error::new(
                pat.ty.span(),
                "a #[task] function takes one input (a type that deserializes from the task's JSON input), and optionally `&TaskContext` and `State<T>` values",
            ));
        } else {
            input = Some(&pat.ty);
            params.push(Param::Input);
        }
    }
    let Some(input_ty) = input else {
        return Err(syn::Error::new(
            sig.paren_token.span.join(),
            "a #[task] function takes one input: the type its JSON input deserializes into",
        ));
    };
    let ReturnType::Type(_, ret) = &sig.output else {
        return Err(syn::Error::new(
            sig.paren_token.span.close(),
            "a #[task] function returns Result<Output, Error>",
        ));
    };
    let Some(result_args) = generic_args(ret, "Result").filter(|a| a.len() == 2) else {
        return Err(syn::Error::new(
            ret.span(),
            "a #[task] function returns Result<Output, Error>, Error a #[derive(TaskError)] enum or TaskError",
        ));
    };
    let (ok_ty, err_ty) = (result_args[0], result_args[1]);
    let output_ty = if callback {
        match generic_args(ok_ty, "Callback") {
            Some(args) if args.len() == 1 => args[0],
            _ => {
                return Err(syn::Error::new(
                    ok_ty.span(),
                    "a #[task(callback)] function returns Result<Callback<T>, E>: T is what the task token is answered with",
                ));
            }
        }
    } else {
        if generic_args(ok_ty, "Callback").is_some() {
            return Err(syn::Error::new(
                ok_ty.span(),
                "a function that returns Callback<T> is a callback task: write #[task(callback)]",
            ));
        }
        ok_ty
    };

    let vis = &func.vis;
    let name = &sig.ident;
    let name_str = name.to_string();
    let function = name_str.strip_prefix("r#").unwrap_or(&name_str).to_string();
    let asl_name = options
        .name
        .clone()
        .unwrap_or_else(|| task_name(&name.clone().into()));
    let p = quote!(::workflow::dsl::__private);
    // Each state is taken from the binding's states once, when the handler is made, and
    // cloned into each invocation.
    let states: Vec<(syn::Ident, &Type)> = params
        .iter()
        .filter_map(|param| match param {
            Param::State(ty) => Some(*ty),
            _ => None,
        })
        .enumerate()
        .map(|(i, ty)| (quote::format_ident!("__state_{i}"), ty))
        .collect();
    let mut state_names = states.iter().map(|(ident, _)| ident);
    let args = params.iter().map(|param| match param {
        Param::Context => quote!(&ctx),
        Param::Input => quote!(input),
        Param::State(_) => {
            let ident = state_names.next();
            quote!(::workflow::dsl::State(#ident))
        }
    });
    let uses_context = params.iter().any(|p| matches!(p, Param::Context));
    let call = if uses_context {
        quote!(#name(#(#args),*).await)
    } else {
        quote!({
            ::core::mem::drop(ctx);
            #name(#(#args),*).await
        })
    };
    let take_states = if states.is_empty() {
        quote!()
    } else {
        let idents = states.iter().map(|(ident, _)| ident);
        let gets = states
            .iter()
            .map(|(_, ty)| quote_spanned!(ty.span()=> #p::state::<#ty>(states)));
        let types = states.iter().map(|(_, ty)| quote!(#p::state_type::<#ty>()));
        quote! {
            let (#(::core::option::Option::Some(#idents),)*) = (#(#gets,)*) else {
                return ::core::result::Result::Err(#p::missing_states::<Self>(states, &[#(#types),*]));
            };
        }
    };
    let clone_states = states
        .iter()
        .map(|(ident, _)| quote!(let #ident = #ident.get();));
    let states_param = if states.is_empty() {
        quote!(_states)
    } else {
        quote!(states)
    };
    // Which states may run it, and, for a callback task, that its token is answered with
    // its types (`workflow::dsl::Callbacks`).
    let (make_handler, marks) = if callback {
        (
            quote!(callback_handler),
            quote! {
                impl #p::InCallbackState for #name {}
                impl ::workflow::dsl::CallbackTask for #name {}
            },
        )
    } else {
        (quote!(handler), quote!(impl #p::InPlainState for #name {}))
    };
    let doc = format!(
        "The task of [`{name_str}`](fn@{name_str}): its types and handler, as `workflow!` uses them (ASL name `{asl_name}`)."
    );
    Ok(quote! {
        #func

        #[allow(non_camel_case_types, dead_code)]
        #[doc = #doc]
        #vis struct #name {
            _private: (),
        }

        impl ::workflow::dsl::Task for #name {
            type Input = #input_ty;
            type Output = #output_ty;
            type Error = #err_ty;
            const NAME: &'static str = #asl_name;
            const FUNCTION: &'static str = ::core::concat!(::core::module_path!(), "::", #function);
            const CALLBACK: bool = #callback;
            fn handler(
                #states_param: &::workflow::dsl::TaskStates,
            ) -> ::core::result::Result<::std::sync::Arc<dyn #p::TaskHandler>, ::workflow::dsl::MissingStates> {
                #take_states
                ::core::result::Result::Ok(#p::#make_handler::<#name, _, _>(
                    #name_str,
                    move |input: #input_ty, ctx: #p::TaskContext| {
                        #(#clone_states)*
                        async move { #call }
                    },
                ))
            }
        }

        #marks

    })
}

/// `T` of a `State<T>` parameter (any path ending in `State` with one type argument);
/// `&State<T>` is refused: a state is given by value, a clone per invocation.
fn state_type(ty: &Type) -> syn::Result<Option<&Type>> {
    if let Type::Reference(r) = ty
        && generic_args(&r.elem, "State").is_some()
    {
        return Err(syn::Error::new_spanned(
            ty,
            "a task takes its state by value, `State<T>`, not `&State<T>`: each invocation gets a clone (share what must be shared behind an Arc)",
        ));
    }
    match generic_args(ty, "State") {
        Some(args) if args.len() == 1 => Ok(Some(args[0])),
        Some(_) => Err(syn::Error::new_spanned(
            ty,
            "a state is `State<T>`, with the type of the value it holds",
        )),
        None => Ok(None),
    }
}
