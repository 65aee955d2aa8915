"""Request-independent protocol logic: what a write changes, worked out without HTTP."""
