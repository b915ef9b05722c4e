//! `#[task]`: an async fn becomes a task a workflow can run, and stays a normal fn.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

use crate::workflow::task_name;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let callback = match attr.to_string().trim() {
        "" => false,
        "callback" => true,
        other => {
            return syn::Error::new(
                attr.span(),
                format!("unknown #[task] option `{other}`: the only option is `callback` (a .waitForTaskToken task)"),
            )
            .to_compile_error();
        }
    };
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => {
            return syn::Error::new(e.span(), "#[task] goes on an `async fn`").to_compile_error();
        }
    };
    match task(&func, callback) {
        Ok(tokens) => tokens,
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#func #e)
        }
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

fn task(func: &ItemFn, callback: bool) -> syn::Result<TokenStream> {
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
    let mut context_first = None;
    let mut input: Option<(usize, &Type)> = None;
    for (i, arg) in sig.inputs.iter().enumerate() {
        let FnArg::Typed(pat) = arg else {
            return Err(syn::Error::new(
                arg.span(),
                "#[task] functions cannot take self",
            ));
        };
        if is_context(&pat.ty) {
            context_first = Some(i == 0);
        } else if input.is_some() {
            return Err(syn::Error::new(
                pat.ty.span(),
                "a #[task] function takes one input (a type that deserializes from the task's JSON input), and optionally `&TaskContext`",
            ));
        } else {
            input = Some((i, &pat.ty));
        }
    }
    let Some((_, input_ty)) = input else {
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
    let asl_name = task_name(&name.clone().into());
    let p = quote!(::workflow::dsl::__private);
    let call = match context_first {
        Some(true) => quote!(#name(&ctx, input).await),
        Some(false) => quote!(#name(input, &ctx).await),
        None => quote!({
            ::core::mem::drop(ctx);
            #name(input).await
        }),
    };
    let (make_handler, kind) = if callback {
        (quote!(callback_handler), quote!(CallbackTask))
    } else {
        (quote!(handler), quote!(PlainTask))
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
            const CALLBACK: bool = #callback;
            fn handler() -> ::std::sync::Arc<dyn #p::TaskHandler> {
                #p::#make_handler::<#name, _, _>(
                    #name_str,
                    |input: #input_ty, ctx: #p::TaskContext| async move { #call },
                )
            }
        }

        impl #p::#kind for #name {}

    })
}
