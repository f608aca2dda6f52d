"""Cases: the case aggregate and its lifecycle, working-day deadlines, supervision (Art. 5-7, 17)."""
