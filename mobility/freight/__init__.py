"""The area's freight network: terminals, links per mode, scheduled services, emission factors."""
