"""Pure domain types: no I/O, no clock, no storage."""
