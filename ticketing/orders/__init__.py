"""Orders of products: line items, VAT, idempotent creation, payment, and the passes they issue."""
