"""Platform adapters: payloads in, rendering out; no business rules."""
