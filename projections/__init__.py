"""Read models derived from the event log: case index, and the general follower mechanism they share."""
