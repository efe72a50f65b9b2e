"""Fleet plans: instance files and, later, trucks, depots and jobs from the database."""
