"""The meaning of a ruleset: bundle schema, fields, derived values, compilation, generated code,
answers and golden cases. Imports only `app.workout` and `app.core`."""
