"""Fleet plans of logistics firms: requests, their state as a worker job, and results."""
