"""Domain values and rules: plain data and pure functions, no I/O."""
