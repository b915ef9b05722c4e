// An intrinsic argument that is neither a literal nor a path (validator: invalid-intrinsic).
use workflow::prelude::*;

workflow! {
    pub Greeter(Value) {
        pass Greet { parameters: { message: States.Format("Hello, {}!", name) }, end }
    }
}

fn main() {}
