"""Random one-place changes to JSON values, for comparing the compiled checks with openapi-core."""
from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any


def mutated(value: Any, rng: random.Random, odd_values: Sequence[Any], add_keys: bool = False) -> Any:
    """`value` with one random change somewhere: a key dropped, a value replaced by an odd one, or (`add_keys`) an
    unexpected key added."""
    drop, odd, add = (0.25, 0.5, 0.6) if add_keys else (0.3, 0.6, 0.6)
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        roll = rng.random()
        if roll < drop:
            value.pop(key)
        elif roll < odd:
            value[key] = rng.choice(odd_values)
        elif roll < add:
            value["unexpected"] = rng.choice(odd_values)
        else:
            mutated(value[key], rng, odd_values, add_keys)
    elif isinstance(value, list) and value:
        index = rng.randrange(len(value))
        if rng.random() < 0.5:
            value[index] = rng.choice(odd_values)
        else:
            mutated(value[index], rng, odd_values, add_keys)
    return value
