"""Vision engines (numpy in, numpy out), found by kind and name in `registry`."""
