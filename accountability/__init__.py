"""Accountability (问责, Art. 8-16): findings raised by the rules or by people, decisions, measures, appeals."""
