"""Use cases: the rules applied to storage, inside the caller's transaction."""
