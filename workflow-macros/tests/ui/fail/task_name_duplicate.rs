// Two functions of one name (`kitchen::notify` and `billing::notify` are both `Notify`) in
// one workflow: the error is on the second, naming both.
use workflow::prelude::*;

mod kitchen {
    use workflow::prelude::*;

    #[task]
    pub async fn notify(order: Value) -> Result<Value, TaskError> {
        Ok(order)
    }
}

mod billing {
    use workflow::prelude::*;

    #[task]
    pub async fn notify(order: Value) -> Result<Value, TaskError> {
        Ok(order)
    }
}

workflow! {
    pub Order(Value) {
        task TellKitchen = kitchen::notify { next: TellBilling }
        task TellBilling = billing::notify { end }
    }
}

fn main() {}
