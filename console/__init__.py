"""The web console (Chinese) for the center, the units and the auditors: server-rendered pages over the
same application services as the JSON API, with the same visibility."""
