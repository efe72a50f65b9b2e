"""GTFS-Realtime: TripUpdates, VehiclePositions and Alerts, kept as the latest state per entity.

- `service`: `ingest(data, feed_id, session, redis)` and `load_source(path_or_url)`;
- `parse` (protobuf to `records`), `propagate` (a trip's real-time stop times), `codec`: pure;
- `store`: the state in Redis and its readers (`get_trip_updates`, ...);
- `repository` and `rows`: the state in the database (`models`);
- `source`: reading a file or fetching a URL; `errors`: the domain errors.
"""
