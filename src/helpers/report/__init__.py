"""Report layer: the edge where a notebook shows things to readers and writes tables and figures."""
