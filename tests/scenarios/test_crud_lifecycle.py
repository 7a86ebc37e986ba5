"""Every stored resource of every bundled spec survives create → read → list → update → delete → 404 over HTTP."""
from __future__ import annotations

import pytest

from mock_server.app import load_specs
from mock_server.config import ServerConfig
from tests.scenarios.walk import parent_values, resource_ops, walk

BUNDLED = {spec.name: spec for spec in load_specs(ServerConfig())}


@pytest.mark.parametrize("spec_name", sorted(BUNDLED))
def test_every_resource_walks_its_lifecycle(serve, spec_name):
    running = serve(seed=3, specs=(), strict_responses=True)
    spec = next(s for s in running.app.specs if s.name == spec_name)
    resources = resource_ops(running.app, spec)
    models = running.app.engine.apis[spec_name].crud.models
    # Embedded collections (steps, tasks) need a parent built by its domain rules: tests/mock_server/behaviours walks them.
    creatable = {k: v for k, v in resources.items() if "create" in v.ops and models[k].embedding is None}
    assert creatable, f"{spec_name}: no creatable resource inferred"
    failures = []
    walked = {}
    for resource, ops in sorted(creatable.items()):
        try:
            parents = parent_values(running.client, running.app, spec, resources, resource)
            walked[resource] = walk(running.client, running.app, spec, ops, parents)
        except AssertionError as exc:
            failures.append(f"{resource}: {exc}")
    assert not failures, "\n".join(failures)
    assert set(walked) == set(creatable)
    for resource, seen in walked.items():
        if {"delete", "read"} <= set(resources[resource].ops):
            assert seen["read-after-delete"] == 404, resource
