//! The five patterns of an order-processing system, and the complete workflow that combines
//! them.

use workflow::prelude::*;

use crate::domain::*;
use crate::tasks::*;

workflow! {
    /// A sequential order flow: validate, charge, ship.
    pub SequentialOrder(OrderDoc) -> OrderDoc {
        task Validate = validate_order {
            input_path: $.order,
            result_path: $.order,
            next: Charge,
        }
        task Charge = charge_payment {
            parameters: ChargeRequest { order_id: $.order.id, amount: $.order.total, card: $.order.card },
            result_path: $.payment,
            next: Ship,
        }
        task Ship = ship_order {
            parameters: ShipmentRequest { order_id: $.order.id, items: $.order.items },
            result_path: $.shipment,
            end,
        }
    }
}

workflow! {
    /// Branching on the order total: a large order waits for a manager's approval (a
    /// callback task) and a cooling-off period before it is charged.
    pub ApprovalOrder(OrderDoc) -> OrderDoc {
        choice CheckTotal {
            when $.order.total > 1000 => RequestApproval,
            default => Charge,
        }
        task RequestApproval = request_approval {
            callback,
            parameters: ApprovalRequest { order_id: $.order.id, total: $.order.total },
            timeout_seconds: 172800,
            result_path: $.approval,
            next: IsApproved,
        }
        choice IsApproved {
            when $.approval.approved == true => CoolingOff,
            default => Rejected,
        }
        wait CoolingOff { seconds: 900, next: Charge }
        task Charge = charge_payment {
            parameters: ChargeRequest { order_id: $.order.id, amount: $.order.total, card: $.order.card },
            result_path: $.payment,
            end,
        }
        fail Rejected { error: "OrderRejected", cause: "a manager declined the order" }
    }
}

workflow! {
    /// Shipping and notifying the customer at the same time.
    pub ShipAndNotify(OrderDoc) -> OrderDoc {
        parallel Fulfil {
            branch {
                task Ship = ship_order {
                    parameters: ShipmentRequest { order_id: $.order.id, items: $.order.items },
                    end,
                }
            },
            branch {
                task Email = send_email {
                    parameters: Message { to: $.order.email, order_id: $.order.id },
                    end,
                }
            },
            branch {
                task Sms = send_sms {
                    parameters: Message { to: $.order.phone, order_id: $.order.id },
                    end,
                }
            },
            result_path: $.notifications,
            catch: [ NotifyError::Undeliverable => NotificationFailed { result_path: $.error } ],
            next: Done,
        }
        succeed Done;
        fail NotificationFailed { error: "NotificationFailed", cause_path: $.error.Cause }
    }
}

workflow! {
    /// Reserving every item of the order, two at a time.
    pub ReserveItems(OrderDoc) -> OrderDoc {
        map Reserve {
            items_path: $.order.items,
            max_concurrency: 2,
            item_processor {
                task ReserveItem = reserve_item { end }
            },
            result_path: $.reservations,
            catch: [ StockError::OutOfStock => OutOfStock { result_path: $.error } ],
            next: Done,
        }
        succeed Done;
        fail OutOfStock { error: "OutOfStock", cause_path: $.error.Cause }
    }
}

workflow! {
    /// Payment: a gateway timeout is retried with exponential back-off; a declined card and
    /// any other error each have their own way out.
    pub Payment(OrderDoc) -> OrderDoc {
        task Charge = charge_payment {
            parameters: ChargeRequest { order_id: $.order.id, amount: $.order.total, card: $.order.card },
            result_path: $.payment,
            timeout_seconds: 30,
            retry: [ PaymentError::GatewayTimeout => {
                interval_seconds: 1, max_attempts: 3, backoff_rate: 2.0, max_delay_seconds: 10 } ],
            catch: [
                PaymentError::CardDeclined => Declined { result_path: $.error },
                States.ALL => PaymentUnavailable { result_path: $.error },
            ],
            end,
        }
        fail Declined { error: "PaymentDeclined", cause_path: $.error.Cause }
        fail PaymentUnavailable { error: "PaymentUnavailable", cause_path: $.error.Error }
    }
}

workflow! {
    /// The complete order: validate, approve large orders, charge with retries, reserve the
    /// items, then ship and notify in parallel.
    pub CompleteOrder(OrderDoc) -> OrderDoc {
        timeout_seconds: 604800,

        task Validate = validate_order {
            input_path: $.order,
            result_path: $.order,
            catch: [ OrderError::InvalidOrder => Rejected { result_path: $.error } ],
            next: CheckTotal,
        }
        choice CheckTotal {
            when $.order.total > 1000 => RequestApproval,
            default => Charge,
        }
        task RequestApproval = request_approval {
            callback,
            parameters: ApprovalRequest { order_id: $.order.id, total: $.order.total },
            timeout_seconds: 172800,
            result_path: $.approval,
            next: IsApproved,
        }
        choice IsApproved {
            when $.approval.approved == true => CoolingOff,
            default => NotApproved,
        }
        wait CoolingOff { seconds: 900, next: Charge }
        task Charge = charge_payment {
            parameters: ChargeRequest { order_id: $.order.id, amount: $.order.total, card: $.order.card },
            result_path: $.payment,
            timeout_seconds: 30,
            retry: [ PaymentError::GatewayTimeout => {
                interval_seconds: 1, max_attempts: 3, backoff_rate: 2.0, max_delay_seconds: 10 } ],
            catch: [
                PaymentError::CardDeclined => Declined { result_path: $.error },
                States.ALL => PaymentUnavailable { result_path: $.error },
            ],
            next: ReserveStock,
        }
        map ReserveStock {
            items_path: $.order.items,
            max_concurrency: 2,
            item_processor {
                task ReserveItem = reserve_item { end }
            },
            result_path: $.reservations,
            catch: [ StockError::OutOfStock => OutOfStock { result_path: $.error } ],
            next: Fulfil,
        }
        parallel Fulfil {
            branch {
                task Ship = ship_order {
                    parameters: ShipmentRequest { order_id: $.order.id, items: $.order.items },
                    end,
                }
            },
            branch {
                task Email = send_email {
                    parameters: Message { to: $.order.email, order_id: $.order.id },
                    end,
                }
            },
            branch {
                task Sms = send_sms {
                    parameters: Message { to: $.order.phone, order_id: $.order.id },
                    end,
                }
            },
            result_path: $.notifications,
            next: Done,
        }
        succeed Done;
        fail Rejected { error: "OrderRejected", cause_path: $.error.Cause }
        fail NotApproved { error: "OrderRejected", cause: "a manager declined the order" }
        fail Declined { error: "PaymentDeclined", cause_path: $.error.Cause }
        fail PaymentUnavailable { error: "PaymentUnavailable", cause_path: $.error.Error }
        fail OutOfStock { error: "OutOfStock", cause_path: $.error.Cause }
    }
}
