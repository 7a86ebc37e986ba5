"""Contract-testing harness: Schemathesis against any implementation of the specs."""
