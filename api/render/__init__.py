"""Reports as documents: one description of a report's tables (``documents``), rendered as CSV, xlsx or printable HTML."""
