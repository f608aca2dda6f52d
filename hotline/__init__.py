"""The composition root and infrastructure of the hotline service: settings, store, clock, CLI."""
