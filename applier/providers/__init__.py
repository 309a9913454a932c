"""The providers the program uses, as the applier performs them: each one's check, diff, create,
read, update and delete, following the provider's own source (cited per rule)."""
