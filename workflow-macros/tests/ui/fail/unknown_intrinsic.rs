// An intrinsic function that does not exist (validator: unknown-intrinsic).
use workflow::prelude::*;

workflow! {
    pub Greeter(Value) {
        pass Greet { parameters: { message: States.Formatt("Hello, {}!", $.name) }, end }
    }
}

fn main() {}
