"""The porting rules (SPEC 2): pure functions over polars frames, one module per concern."""
