"""Road traffic: the road network, traffic counts and assignment inputs (TNTP files)."""
