//! `#[derive(TaskError)]`: an enum whose variants are the ASL error names a task can raise.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

pub fn expand(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let Data::Enum(data) = &input.data else {
        return syn::Error::new(
            input.ident.span(),
            "#[derive(TaskError)] goes on an enum: each variant is an ASL error name a task can raise",
        )
        .to_compile_error();
    };
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let p = quote!(::workflow::dsl::__private);
    let mut name_arms = Vec::new();
    let mut cause_arms = Vec::new();
    for variant in &data.variants {
        let v = &variant.ident;
        let error_name = v.to_string();
        match &variant.fields {
            Fields::Unit => {
                name_arms.push(quote!(Self::#v => #error_name));
                cause_arms.push(quote!(Self::#v => ::core::option::Option::None));
            }
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                name_arms.push(quote!(Self::#v(..) => #error_name));
                // One value: the cause is that value (a string as is, anything else as JSON).
                cause_arms.push(quote!(Self::#v(value) => #p::cause_of(value)));
            }
            Fields::Unnamed(fields) => {
                let binds: Vec<_> = (0..fields.unnamed.len())
                    .map(|i| quote::format_ident!("f{i}"))
                    .collect();
                name_arms.push(quote!(Self::#v(..) => #error_name));
                cause_arms.push(quote!(Self::#v(#(#binds),*) => #p::cause_of(&(#(#binds),*))));
            }
            Fields::Named(fields) => {
                let idents: Vec<_> = fields
                    .named
                    .iter()
                    .filter_map(|f| f.ident.clone())
                    .collect();
                let keys: Vec<String> = idents.iter().map(|i| i.to_string()).collect();
                name_arms.push(quote!(Self::#v { .. } => #error_name));
                // Named fields: the cause is a JSON object of them.
                cause_arms.push(quote!(Self::#v { #(#idents),* } => {
                    let mut map = #p::serde_json::Map::new();
                    #(map.insert(#keys.to_string(), #p::serde_json::to_value(#idents).unwrap_or_default());)*
                    ::core::option::Option::Some(#p::serde_json::Value::Object(map).to_string())
                }));
            }
        }
    }
    if data.variants.is_empty() {
        return quote! {
            impl #impl_generics ::workflow::dsl::TaskErrorKind for #name #ty_generics #where_clause {
                fn error_name(&self) -> ::std::string::String { match *self {} }
                fn cause(&self) -> ::core::option::Option<::std::string::String> { match *self {} }
            }
        };
    }
    quote! {
        impl #impl_generics ::workflow::dsl::TaskErrorKind for #name #ty_generics #where_clause {
            fn error_name(&self) -> ::std::string::String {
                match self { #(#name_arms),* }.to_string()
            }
            fn cause(&self) -> ::core::option::Option<::std::string::String> {
                match self { #(#cause_arms),* }
            }
        }
    }
}
