//! A small inventory library, instrumented for whoever uses it.
//!
//! It depends on `instrument-metrics` with `default-features = false`: the attribute, the
//! `MetricLabel` derive and the call-site runtime, on top of the `metrics` facade. Until the
//! application installs a recorder (`instrument_metrics::install()`, or any other `metrics`
//! recorder) the instrumentation records nothing and costs a few loads per call.

use std::collections::HashMap;

use instrument_metrics::{MetricLabel, instrument_metrics};

/// Why a reservation failed; its variant becomes the `error` label.
#[derive(Debug, Clone, PartialEq, Eq, MetricLabel)]
pub enum ReserveError {
    /// No such item.
    UnknownItem,
    /// Not enough left.
    OutOfStock {
        /// How many are left.
        available: u32,
    },
}

/// Which warehouse an inventory lives in: a bounded label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, MetricLabel)]
pub enum Warehouse {
    /// The main warehouse.
    Main,
    /// The overflow warehouse.
    Overflow,
}

/// Stock per item in one warehouse.
#[derive(Debug)]
pub struct Inventory {
    warehouse: Warehouse,
    stock: HashMap<String, u32>,
}

#[instrument_metrics(name = "inventory_operations", labels(warehouse = self.warehouse))]
impl Inventory {
    /// An empty inventory.
    #[instrument_metrics(skip)]
    pub fn new(warehouse: Warehouse) -> Self {
        Inventory {
            warehouse,
            stock: HashMap::new(),
        }
    }

    /// Adds stock.
    pub fn restock(&mut self, item: &str, count: u32) {
        *self.stock.entry(item.to_owned()).or_default() += count;
    }

    /// Takes `count` of `item`, or says why it cannot.
    ///
    /// # Errors
    ///
    /// [`ReserveError`] when the item is unknown or short.
    pub fn reserve(&mut self, item: &str, count: u32) -> Result<u32, ReserveError> {
        let available = self.stock.get_mut(item).ok_or(ReserveError::UnknownItem)?;
        if *available < count {
            return Err(ReserveError::OutOfStock {
                available: *available,
            });
        }
        *available -= count;
        Ok(*available)
    }
}

#[cfg(test)]
mod tests {
    use instrument_metrics::testing::capture;

    use super::*;

    #[test]
    fn reservations_are_counted_by_outcome_and_error() {
        let ((), captured) = capture(|| {
            let mut inventory = Inventory::new(Warehouse::Overflow);
            inventory.restock("bolt", 3);
            assert_eq!(inventory.reserve("bolt", 2), Ok(1));
            assert_eq!(
                inventory.reserve("bolt", 2),
                Err(ReserveError::OutOfStock { available: 1 })
            );
            assert_eq!(inventory.reserve("nut", 1), Err(ReserveError::UnknownItem));
        });
        let calls = |function, result, error: Option<&str>| {
            let mut labels = vec![
                ("function", function),
                ("warehouse", "overflow"),
                ("result", result),
            ];
            labels.extend(error.map(|error| ("error", error)));
            captured.counter("inventory_operations_total", &labels)
        };
        assert_eq!(calls("Inventory::restock", "ok", None), 1);
        assert_eq!(calls("Inventory::reserve", "ok", None), 1);
        assert_eq!(
            calls("Inventory::reserve", "error", Some("out_of_stock")),
            1
        );
        assert_eq!(
            calls("Inventory::reserve", "error", Some("unknown_item")),
            1
        );
        assert_eq!(
            captured.counter(
                "inventory_operations_total",
                &[("function", "Inventory::new")]
            ),
            0
        );
    }
}
