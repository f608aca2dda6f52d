"""Replays for audit: state as of an instant or version, and the Art. 16 review of a finding."""
