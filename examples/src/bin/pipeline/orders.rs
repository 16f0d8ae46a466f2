//! Orders: parsing the raw lines the source sends, and pricing them in euros.

/// A parsed order, priced in euro cents.
pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) eur_cents: u64,
}

/// One order line: `id,customer,amount,currency`, e.g. `1042,acme,19.99,USD`.
pub(crate) fn parse_line(line: &str) -> Result<Order, String> {
    let fields: Vec<&str> = line.split(',').collect();
    let [id, customer, amount, currency] = fields[..] else {
        return Err(format!("expected 4 fields, found {}", fields.len()));
    };
    let id = id.parse().map_err(|_| format!("invalid order id {id:?}"))?;
    let cents = parse_cents(amount).ok_or_else(|| format!("invalid amount {amount:?}"))?;
    if customer.is_empty() {
        return Err("empty customer".to_owned());
    }
    Ok(Order {
        id,
        eur_cents: to_eur_cents(cents, currency),
    })
}

/// `19.99` as 1999 cents.
fn parse_cents(amount: &str) -> Option<u64> {
    let (units, cents) = amount.split_once('.').unwrap_or((amount, "00"));
    if cents.len() != 2 {
        return None;
    }
    units
        .parse::<u64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents.parse().ok()?)
}

/// Exchange rates to euros, in thousandths.
const EUR_PER_THOUSAND: &[(&str, u64)] =
    &[("EUR", 1000), ("USD", 920), ("GBP", 1170), ("CHF", 1040)];

/// The bug this example keeps on purpose: the transform was written for the currencies the
/// source sent when it was written, and a new one makes it panic instead of returning an error.
fn to_eur_cents(cents: u64, currency: &str) -> u64 {
    let Some((_, rate)) = EUR_PER_THOUSAND.iter().find(|(code, _)| *code == currency) else {
        panic!("no exchange rate for currency {currency:?}");
    };
    cents * rate / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prices_a_line() {
        let order = parse_line("1042,acme,19.99,USD").expect("a valid line");
        assert_eq!(order.id, 1042);
        assert_eq!(order.eur_cents, 1839, "1999 cents at 0.92 EUR per USD");
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert_eq!(
            parse_line("1,acme,12.3O,EUR").err().as_deref(),
            Some("invalid amount \"12.3O\"")
        );
        assert_eq!(
            parse_line("1,acme,12.30").err().as_deref(),
            Some("expected 4 fields, found 3")
        );
        assert_eq!(
            parse_line("x,acme,1.00,EUR").err().as_deref(),
            Some("invalid order id \"x\"")
        );
    }

    #[test]
    #[should_panic(expected = "no exchange rate for currency \"SEK\"")]
    fn an_unknown_currency_panics() {
        let _ = parse_line("1,acme,10.00,SEK");
    }
}
