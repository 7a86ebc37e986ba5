"""Recording and replay: cassettes, the recording proxy, replay, HAR import, drift checks, harvesting fixtures.

Uses the request path and the data sets; nothing below it imports recording.
"""
