"""Prices, proration and totals: pure functions of the catalog, the subscription and the VAT
decision, below invoicing and billing (``seatwise.pricing.lines``)."""
