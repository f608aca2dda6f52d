"""``hotline simulate``: a synthetic year of the hotline, played through the application layer.

``world`` is the city (units, staff, categories and their deadlines), ``stories`` what happens to
each case (drawn from a seed), ``engine`` plays the stories day by day on the simulated clock, in
one process or in several processes sharing a PostgreSQL store.
"""
