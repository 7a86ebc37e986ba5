"""The request path: route, admit (auth, validation), behaviour, render and validate, send; and the store it reads and writes.

Imports only from `mock_server.loading` and the top-level basics (config, errors, redaction), never from recording,
datasets or the assembly (app, admin, cli).
"""
