"""Outcomes: signed assessment ids, feedback on answers, and what each version's answers did."""
