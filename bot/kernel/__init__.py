"""The shared kernel every feature uses: domain values, records, events, replies, ports."""
