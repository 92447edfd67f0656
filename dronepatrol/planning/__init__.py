"""Planning core: survey coverage, patrol routing, fleet split, safety checks. Pure functions."""
