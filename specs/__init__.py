"""The OpenAPI documents flowmock ships (importable as `flowmock_specs`)."""
