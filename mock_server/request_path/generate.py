"""Generate realistic JSON values from OpenAPI schemas with Faker, deterministically from a seed."""
from __future__ import annotations

import base64
import functools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast

import rstr

from mock_server.request_path.wordlists import with_workflow_words

if TYPE_CHECKING:
    from faker import Faker

Resolve = Callable[[Any], Any]
MAX_DEPTH = 6
_UUID_CLEAR = (1 << 128) - 1 & ~((0xF000 << 64) | (0xC000 << 48))  # the version and variant bits of a random 128-bit number...
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)  # ...set to version 4, RFC 4122 variant (as uuid.UUID(version=4) does)
_UUID_GROUPS = re.compile("(.{8})(.{4})(.{4})(.{4})(.{12})")  # a UUID's hex digits in the groups it is written in
UUID_SCHEMA = {"type": "string", "format": "uuid"}


@dataclass
class GenerationContext:
    """Everything one generation run needs: resolver, randomness, direction and clock."""

    resolve: Resolve
    rng: random.Random
    faker: Faker | None  # shared; seeded for this run when first used (`fake`); None: made by `faker_factory` then
    mode: str = "response"  # "response" skips writeOnly, "request" skips readOnly
    use_examples: bool = True
    now: datetime | None = None
    faker_seed: int | None = None  # drawn from `rng` at creation, applied on the first use of `fake`
    faker_factory: Callable[[], Faker] | None = None  # gives the shared Faker when `faker` is None

    @property
    def fake(self) -> Faker:
        """The Faker, seeded for this run (most runs, such as a new id, never need it: seeding costs)."""
        if self.faker is None:
            assert self.faker_factory is not None, "a context needs a Faker or a way to make one"
            self.faker = self.faker_factory()
        if self.faker_seed is not None:
            with_workflow_words(self.faker)
            self.faker.seed_instance(self.faker_seed)
            self.faker_seed = None
        return self.faker

    def uuid4(self) -> str:
        """A random but seeded UUID (version 4): what `str(uuid.UUID(int=bits, version=4))` spells, built directly."""
        return self.uuid4s(1)[0]

    def uuid4s(self, count: int) -> list[str]:
        """`count` seeded UUIDs, the very ones `count` calls of `uuid4` give, from one draw of the generator (its
        32-bit words come least significant first, so the last 128 bits of the big-endian text are the first UUID)."""
        if count <= 0:
            return []
        clear, set_ = _uuid_masks(count)
        drawn = list(map("-".join, _UUID_GROUPS.findall((self.rng.getrandbits(128 * count) & clear | set_)
                                                         .to_bytes(16 * count, "big").hex())))
        drawn.reverse()
        return drawn


@functools.lru_cache(maxsize=64)
def _uuid_masks(count: int) -> tuple[int, int]:
    """The bits to clear and to set in `count` random 128-bit numbers side by side to make them version 4 UUIDs of the
    RFC 4122 variant, as `uuid.UUID(int=bits, version=4)` does to one."""
    return (int.from_bytes(_UUID_CLEAR.to_bytes(16, "big") * count, "big"),
            int.from_bytes(_UUID_SET.to_bytes(16, "big") * count, "big"))


def make_context(resolve: Resolve, seed: str | int, fake: Faker | Callable[[], Faker], mode: str = "response",
                 use_examples: bool = True, now: datetime | None = None, lazy_faker: bool = False) -> GenerationContext:
    """Build a context whose every random choice derives from `seed`.

    With `lazy_faker` the shared Faker is seeded only if this run uses it: the same values, for a caller that uses
    that Faker through contexts only (the engine); others may read it afterwards, and get it seeded as before. Such a
    caller may pass a function giving the Faker, called when a value first needs it (making one takes a while).
    """
    rng = random.Random(str(seed))
    context = GenerationContext(resolve, rng, None, mode, use_examples, now, faker_seed=rng.getrandbits(32))
    if lazy_faker and not hasattr(fake, "seed_instance"):  # a function giving the Faker, not the Faker
        context.faker_factory = cast("Callable[[], Faker]", fake)
    else:
        context.faker = cast("Faker", fake)
    if not lazy_faker:
        _ = context.fake
    return context


def merge_all_of(schema: dict[str, Any], resolve: Resolve) -> dict[str, Any]:
    """Flatten `allOf` (recursively) into one schema: properties and required are unioned."""
    schema = resolve(schema)
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    props: dict[str, Any] = dict(merged.get("properties", {}))
    required: list[str] = list(merged.get("required", []))
    for part in schema["allOf"]:
        part = merge_all_of(part, resolve)
        for key, value in part.items():
            if key == "properties":
                props.update(value)
            elif key == "required":
                required += [r for r in value if r not in required]
            elif key not in merged:
                merged[key] = value
    if props:
        merged["properties"] = props
    if required:
        merged["required"] = required
    merged.setdefault("type", "object" if props else merged.get("type"))
    if merged.get("type") is None:
        merged.pop("type")
    return merged


def branch_tag(schema: dict[str, Any], branch: Any, resolve: Resolve) -> tuple[str, str] | None:
    """The (property, value) a discriminator expects for `branch`, if the union has one."""
    disc = schema.get("discriminator")
    if not disc:
        return None
    prop = disc["propertyName"]
    ref = branch.get("$ref") if isinstance(branch, dict) else None
    for value, target in (disc.get("mapping") or {}).items():
        if target == ref or target.rsplit("/", 1)[-1] == (ref or "").rsplit("/", 1)[-1]:
            return prop, value
    resolved = merge_all_of(branch, resolve)
    enum = ((resolved.get("properties") or {}).get(prop) or {}).get("enum")
    if enum:
        return prop, enum[0]
    if ref:
        return prop, ref.rsplit("/", 1)[-1]
    return None


def generate(schema: Any, ctx: GenerationContext, name: str = "", depth: int = 0) -> Any:
    """Return a value valid for `schema`, realistic where the property name or format hints at one."""
    if schema == UUID_SCHEMA:  # a new id, most often: what the general path below gives it, without the walk
        return ctx.uuid4()
    schema = merge_all_of(schema, ctx.resolve) if isinstance(schema, dict) else {}
    if ctx.use_examples and depth > 0:
        found, value = schema_example(schema)
        if found:
            return value
    if "const" in schema:
        return schema["const"]
    chosen = _from_faker_extension(schema, ctx)
    if chosen is not None:
        return chosen
    if "enum" in schema and schema["enum"]:
        choices = [v for v in schema["enum"] if v is not None] or schema["enum"]
        return ctx.rng.choice(choices)
    if "default" in schema and ctx.rng.random() < 0.5:
        return schema["default"]
    for union in ("oneOf", "anyOf"):
        if union in schema:
            index = ctx.rng.randrange(len(schema[union]))
            branch = schema[union][index]
            value = generate(branch, ctx, name, depth + 1)
            if union == "oneOf" and not isinstance(value, (dict, list)):
                branch, value = _exclusive_scalar(schema[union], index, value, ctx, name, depth)
            tag = branch_tag(schema, branch, ctx.resolve)
            if tag and isinstance(value, dict):
                value[tag[0]] = tag[1]
            elif union == "oneOf" and isinstance(value, dict):
                _add_branch_markers(value, branch, ctx)
            return value
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1
        non_null = [k for k in kind if k != "null"]
        kind = ctx.rng.choice(non_null) if non_null else "null"
    if kind is None:
        kind = "object" if "properties" in schema else ("array" if "items" in schema else "string")
    if kind == "null":
        return None
    if kind == "object":
        return _object(schema, ctx, depth)
    if kind == "array":
        return _array(schema, ctx, name, depth)
    if kind == "boolean":
        return ctx.rng.random() < 0.5
    if kind == "integer":
        return int(_number(schema, ctx, True, name))
    if kind == "number":
        whole = not _DECIMAL.search(_key(name)) and _whole_bounds(schema)
        return int(_number(schema, ctx, True, name)) if whole else _number(schema, ctx, False, name)
    return _string(schema, ctx, name)


def _no_value_fits(schema: Any, resolve: Resolve) -> bool:
    """Whether an `allOf` asks for types no value has at once (`allOf: [{$ref: Currency}, {type: 'null'}]`, meant as
    "nullable"): such an optional property is left out, as anything generated would break it."""
    parts = resolve(schema).get("allOf") if isinstance(schema, dict) else None
    if not isinstance(parts, list):
        return False
    allowed: set[str] | None = None
    for part in parts:
        declared = merge_all_of(part, resolve).get("type") if isinstance(part, dict) else None
        if isinstance(declared, str):
            declared = [declared]
        if isinstance(declared, list):
            kinds = set(declared) | ({"number"} if "integer" in declared else set())
            allowed = kinds if allowed is None else allowed & (kinds | ({"integer"} if "number" in kinds else set()))
    return allowed is not None and not allowed


def _exclusive_scalar(branches: list[Any], index: int, value: Any, ctx: GenerationContext, name: str,
                      depth: int) -> tuple[Any, Any]:
    """(branch, value) for a scalar `oneOf`, where the value fits no other branch: `"INF"` of an enum branch also fits
    a plain `type: string` branch and breaks the `oneOf`, so the next branch's value is tried (the first if none fits)."""
    first = branches[index], value
    for offset in range(len(branches)):
        at = (index + offset) % len(branches)
        if offset:
            value = generate(branches[at], ctx, name, depth + 1)
        if not any(_plainly_accepts(other, value, ctx.resolve) for n, other in enumerate(branches) if n != at):
            return branches[at], value
    return first


_PLAIN_KEYS = {"type", "format", "description", "title", "nullable", "example", "default"}
_LOOSE_FORMATS = {None, "double", "float", "int32", "int64"}


def _plainly_accepts(branch: Any, value: Any, resolve: Resolve) -> bool:
    """Whether a branch surely takes a scalar: its `enum` or `const` holds it, or it is a bare type the value has."""
    schema = resolve(branch) if isinstance(branch, dict) else {}
    if "enum" in schema or "const" in schema:
        return value in (schema.get("enum") or []) or ("const" in schema and schema["const"] == value)
    if not set(schema) <= _PLAIN_KEYS or schema.get("format") not in _LOOSE_FORMATS:
        return False
    kind = str(schema.get("type"))
    if value is None or isinstance(value, bool):
        return kind == ("boolean" if isinstance(value, bool) else "null")
    return {"string": isinstance(value, str), "number": isinstance(value, (int, float)),
            "integer": isinstance(value, int)}.get(kind, False)


def _add_branch_markers(value: dict[str, Any], branch: Any, ctx: GenerationContext) -> None:
    """A `oneOf` branch's properties that hold one value only (`type: {enum: [InstallApp]}`, `const`), added when
    left out: without them, an object of optional properties (even `{}`) matches several branches and breaks `oneOf`."""
    resolved = merge_all_of(branch, ctx.resolve) if isinstance(branch, dict) else {}
    for name, sub in (resolved.get("properties") or {}).items():
        sub = ctx.resolve(sub) if isinstance(sub, dict) else {}
        if name in value or sub.get("readOnly" if ctx.mode == "request" else "writeOnly"):
            continue
        if "const" in sub:
            value[name] = sub["const"]
        elif isinstance(sub.get("enum"), list) and len(sub["enum"]) == 1:
            value[name] = sub["enum"][0]


def schema_example(schema: dict[str, Any]) -> tuple[bool, Any]:
    """(found, value) of a schema's own `example`, else the first of its (3.1) `examples` list."""
    if "example" in schema:
        return True, schema["example"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return True, examples[0]
    return False, None


def _object(schema: dict[str, Any], ctx: GenerationContext, depth: int) -> dict[str, Any]:
    props: dict[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    skip = "readOnly" if ctx.mode == "request" else "writeOnly"
    for prop, sub in props.items():
        resolved = ctx.resolve(sub) if isinstance(sub, dict) else {}
        if resolved.get(skip) or (isinstance(sub, dict) and sub.get(skip)):
            continue
        if prop not in required and (depth >= MAX_DEPTH or ctx.rng.random() < 0.15 or _no_value_fits(sub, ctx.resolve)):
            continue
        out[prop] = generate(sub, ctx, prop, depth + 1)
    _add_dependencies(out, schema, ctx, depth)
    patterns: dict[str, Any] = schema["patternProperties"] if isinstance(schema.get("patternProperties"), dict) else {}
    extra = schema.get("additionalProperties")
    for prop in required - set(out):
        if prop not in props:
            out[prop] = generate(_undeclared(prop, patterns, extra), ctx, prop, depth + 1)
    if depth < MAX_DEPTH:
        for pattern, sub in patterns.items():  # one member per pattern, its name matching the pattern
            try:
                if not any(re.search(pattern, name) for name in out):
                    out[_from_pattern(pattern, ctx) or "key"] = generate(sub, ctx, "", depth + 1)
            except re.error:
                continue
        if isinstance(extra, dict) and not props and not patterns:  # a map: a few entries of its value schema
            for _ in range(ctx.rng.randint(1, 3)):
                out.setdefault(ctx.fake.word(), generate(extra, ctx, "", depth + 1))
    _fill_min_properties(out, schema, ctx, depth)
    _order_timestamps(out)
    max_props = schema.get("maxProperties")
    if max_props is not None:
        for prop in [p for p in out if p not in required][: max(0, len(out) - max_props)]:
            del out[prop]
    return out


def _add_dependencies(out: dict[str, Any], schema: dict[str, Any], ctx: GenerationContext, depth: int) -> None:
    """`dependentRequired` (and 3.0-era `dependencies` lists): a present property brings the ones it needs."""
    rules = {**(schema.get("dependencies") or {}), **(schema.get("dependentRequired") or {})}
    props = schema.get("properties") or {}
    for _ in range(3):  # needed properties may need others in turn
        for present, needed in rules.items():
            if present in out and isinstance(needed, list):
                for prop in needed:
                    if prop not in out:
                        out[prop] = generate(props.get(prop) or {}, ctx, prop, depth + 1)


def _undeclared(name: str, patterns: dict[str, Any], extra: Any) -> Any:
    """The schema of a required property `properties` does not declare: its pattern's, the additional one's, or a string."""
    for pattern, sub in patterns.items():
        try:
            if re.search(pattern, name):
                return sub
        except re.error:
            continue
    return extra if isinstance(extra, dict) else {"type": "string"}


def _fill_min_properties(out: dict[str, Any], schema: dict[str, Any], ctx: GenerationContext, depth: int) -> None:
    """Add optional properties (then additional ones) until `minProperties` is met."""
    wanted = schema.get("minProperties")
    if not isinstance(wanted, int) or len(out) >= wanted:
        return
    for prop, sub in (schema.get("properties") or {}).items():
        if len(out) >= wanted:
            return
        out.setdefault(prop, generate(sub, ctx, prop, depth + 1))
    extra = schema.get("additionalProperties", True)
    while len(out) < wanted and extra is not False:
        out.setdefault(f"{ctx.fake.word()}{len(out)}", generate(extra if isinstance(extra, dict) else {}, ctx, "", depth + 1))


def _array(schema: dict[str, Any], ctx: GenerationContext, name: str, depth: int) -> list[Any]:
    low = int(schema.get("minItems", 0 if depth >= MAX_DEPTH else 1))
    high = int(schema.get("maxItems", max(low, 1 if depth >= 3 else 3)))
    count = ctx.rng.randint(low, max(low, min(high, low + 3)))
    item_schema = schema.get("items") or {}
    singular = name[:-1] if name.endswith("s") else name
    items: list[Any] = []
    contains = schema.get("contains")
    most = schema.get("maxContains") if isinstance(contains, dict) and isinstance(schema.get("maxContains"), int) else None
    matches = _matcher(contains, ctx.resolve) if most is not None and isinstance(contains, dict) else None
    if isinstance(contains, dict):  # at least minContains (1) items of the `contains` schema come first
        wanted = int(schema.get("minContains", 1)) if most is None else min(int(schema.get("minContains", 1)), most)
        count = max(count, min(wanted, int(schema.get("maxItems", wanted))))
        items = [generate(contains, ctx, singular, depth + 1) for _ in range(wanted)]
    matched = len(items)
    for _ in range(count * 5):
        if len(items) >= count:
            break
        value = generate(item_schema, ctx, singular, depth + 1)
        if schema.get("uniqueItems") and value in items:
            continue
        if matches is not None and most is not None and matches(value):
            if matched >= most:
                continue  # one more match would break maxContains: draw another item
            matched += 1
        items.append(value)
    return items


def _matcher(schema: dict[str, Any], resolve: Resolve) -> Callable[[Any], bool]:
    """Whether a value satisfies `schema` (a `contains` schema, its top-level `$ref`s and allOf merged)."""
    from jsonschema import Draft202012Validator

    checker = Draft202012Validator(merge_all_of(schema, resolve))

    def matches(value: Any) -> bool:
        try:
            return bool(checker.is_valid(value))
        except Exception:  # noqa: BLE001 - a nested `$ref` it cannot follow: count it as a match (never too many)
            return True

    return matches


@functools.lru_cache(maxsize=8192)
def _key(name: str) -> str:
    """A property name reduced to lower-case letters and digits (`created_at` → `createdat`); memoized, names repeat."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


# A `number` is a whole number unless its name means a decimal; whole numbers get a range that fits their meaning.
_DECIMAL = re.compile(r"((amount|price|rate|ratio|percent|percentage|score|weight|cost|fee|balance|tax|probability"
                      r"|factor|average|mean|value|temperature|kwh|consumption|reading|confidence|threshold)s?"
                      r"|^(lat|lng|lon|latitude|longitude))$")
_WHOLE_RANGES: list[tuple[re.Pattern[str], tuple[int, int]]] = [
    (re.compile(r"(attempt|retr(y|ies)|iteration|failure|error)s?(count)?$"), (0, 5)),
    (re.compile(r"(order|position|index|rank|sequence|priority|level|step)$"), (1, 12)),
    (re.compile(r"(id|ids|number|no)$"), (1, 9999)),
    (re.compile(r"(count|total|quantity|size|length|limit|max|min|hits|units|numberof.*)$"), (1, 40)),
    (re.compile(r"(duration|delay|timeout|offset|seconds|minutes|hours|days|weeks|months|amountoftime)$"), (1, 60)),
    (re.compile(r"(year)$"), (2020, 2030)),
]


def _whole_bounds(schema: dict[str, Any]) -> bool:
    """Whether whole numbers can satisfy the schema's bounds and multiple."""
    multiple = schema.get("multipleOf")
    low, high = schema.get("minimum"), schema.get("maximum")
    if multiple is not None and float(multiple) != int(multiple):
        return False
    return not (low is not None and high is not None and int(high) < low)


def _number(schema: dict[str, Any], ctx: GenerationContext, integer: bool, name: str = "") -> float:
    key = _key(name)
    typical = next((bounds for pattern, bounds in _WHOLE_RANGES if key and pattern.search(key)), (0, 100)) if integer \
        else (0, 1000)
    low = schema.get("minimum", typical[0] if "maximum" not in schema or schema["maximum"] >= typical[0] else 0)
    if integer and low != int(low):
        low = int(low) + 1
    high = schema.get("maximum", typical[1] if low <= typical[1] else low + typical[1] - typical[0])
    if schema.get("exclusiveMinimum") is True:
        low += 1 if integer else 0.01
    elif isinstance(schema.get("exclusiveMinimum"), (int, float)) and not isinstance(schema.get("exclusiveMinimum"), bool):
        low = schema["exclusiveMinimum"] + (1 if integer else 0.01)
    if schema.get("exclusiveMaximum") is True:
        high -= 1 if integer else 0.01
    elif isinstance(schema.get("exclusiveMaximum"), (int, float)) and not isinstance(schema.get("exclusiveMaximum"), bool):
        high = schema["exclusiveMaximum"] - (1 if integer else 0.01)
    multiple = schema.get("multipleOf")
    if integer:
        value: float = ctx.rng.randint(int(low), int(max(low, high)))
    else:
        value = round(ctx.rng.uniform(low, max(low, high)), 2)
    if multiple:
        value = (value // multiple) * multiple
        if value < low:
            value += multiple
    return value


def _from_faker_extension(schema: dict[str, Any], ctx: GenerationContext) -> Any:
    """A value from the Faker provider a schema names with `x-faker` (Prism's spelling) or `x-flowmock-faker`.

    Both `first_name` (Python Faker) and `name.firstName` (faker.js, as in Prism specs) are understood;
    an unknown provider is ignored and the value is generated as usual.
    """
    name = schema.get("x-flowmock-faker") or schema.get("x-faker")
    if not isinstance(name, str):
        return None
    method = re.sub(r"(?<!^)(?=[A-Z])", "_", name.rsplit(".", 1)[-1]).lower()
    provider = getattr(ctx.fake, method, None)
    if not callable(provider):
        return None
    value = provider()
    kind = schema.get("type")
    if kind == "integer":
        return int(value) if str(value).lstrip("-").isdigit() else None
    if kind == "number":
        return float(value) if isinstance(value, (int, float)) else None
    return value if kind in (None, "string") and isinstance(value, str) else (str(value) if kind == "string" else None)


_NAME_HINTS: list[tuple[re.Pattern[str], Callable[[Faker], Any]]] = [
    (re.compile(r"(error|failure)(reason|message|text|description)?$"), lambda f: f.error_message()),
    (re.compile(r"(entity|target|source)?(schema|entitytype)$"), lambda f: f.entity_schema()),
    (re.compile(r"(attribute|sourcepath|targetpath|fieldname)$"), lambda f: f.entity_attribute()),
    (re.compile(r"(assignedto|assignee|userid|users?)$"), lambda f: f.user_name()),
    (re.compile(r"(file|filename)$"), lambda f: f.file_name()),
    (re.compile(r"e?mail"), lambda f: f.email()),
    (re.compile(r"(first|given)name"), lambda f: f.first_name()),
    (re.compile(r"(last|family|sur)name"), lambda f: f.last_name()),
    (re.compile(r"(full|display|user|owner|assignee|author|contact)name"), lambda f: f.name()),
    (re.compile(r"(phone|mobile|tel|fax)"), lambda f: f.phone_number()),
    (re.compile(r"(street|address(line)?1?)$"), lambda f: f.street_address()),
    (re.compile(r"city"), lambda f: f.city()),
    (re.compile(r"(zip|postal|postcode)"), lambda f: f.postcode()),
    (re.compile(r"country"), lambda f: f.country_code()),
    (re.compile(r"(company|organi[sz]ation|org)name"), lambda f: f.company()),
    (re.compile(r"(url|website|link|href|webhook|endpoint)$"), lambda f: f.url()),
    (re.compile(r"(avatar|image|picture|photo|logo)"), lambda f: f.image_url()),
    (re.compile(r"(colou?r)"), lambda f: f.hex_color()),
    (re.compile(r"(locale|language|lang)$"), lambda f: f.locale()),
    (re.compile(r"currency"), lambda f: f.currency_code()),
    (re.compile(r"(description|comment|note|message|reason|summary|body|text)s?$"), lambda f: f.sentence()),
    (re.compile(r"(title|subject|label|heading)$"), lambda f: f.catch_phrase()),
    (re.compile(r"(firstname|lastname)"), lambda f: f.name()),
    (re.compile(r"^(name|.*name)$"), lambda f: f.catch_phrase()),
    (re.compile(r"(username|login|handle)"), lambda f: f.user_name()),
    (re.compile(r"(token|secret|password|apikey)"), lambda f: f.sha1()[:24]),
    (re.compile(r"(timezone|tz)$"), lambda f: f.timezone()),
    (re.compile(r"(ip|ipaddress)$"), lambda f: f.ipv4()),
    (re.compile(r"(version)$"), lambda f: f"{f.random_int(1, 5)}.{f.random_int(0, 20)}.{f.random_int(0, 9)}"),
    (re.compile(r"(slug|key|code)$"), lambda f: f.slug()),
    (re.compile(r"(tag|taxonom|categor|keyword)"), lambda f: f.word()),
]


_FUTURE = re.compile(r"(due|deadline|expir|scheduled|nextrun|remindat|validuntil)")
_MOMENTS: list[tuple[re.Pattern[str], int]] = [  # the order timestamps of one object keep, by their names
    (re.compile(r"(created|creation|inserted|submitted|requested)(at|time|date|on)?$"), 0),
    (re.compile(r"(started|start|began|inprogress)(at|time|date|on)?$"), 1),
    (re.compile(r"(completed|finished|ended|closed|done|resolved|cancelled|canceled|archived|skipped|failed)"
                r"(at|time|date|on)?$"), 2),
    (re.compile(r"(updated|modified|lastupdate|changed|statuslastupdated|statusupdated)(at|time|date|on)?$"), 3),
]


def _order_timestamps(out: dict[str, Any]) -> None:
    """Put an object's generated timestamps in the order their names imply: created ≤ started ≤ completed ≤ updated."""
    ranked = []
    for prop, value in out.items():
        if not isinstance(value, str) or not _TIMESTAMP.match(value):
            continue
        rank = _moment_rank(prop)
        if rank is not None:
            ranked.append((rank, prop))
    moments = sorted(out[prop] for _, prop in ranked)
    for (_, prop), moment in zip(sorted(ranked), moments, strict=True):
        out[prop] = moment


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


@functools.lru_cache(maxsize=8192)
def _moment_rank(prop: str) -> int | None:
    """Where a timestamp property's name puts it among an object's moments (None: not a moment)."""
    return next((r for pattern, r in _MOMENTS if pattern.search(_key(prop))), None)


@functools.lru_cache(maxsize=8192)
def _name_hint(key: str) -> Callable[[Faker], Any] | None:
    """The Faker provider a (reduced) property name hints at, the first that matches."""
    return next((hint for pat, hint in _NAME_HINTS if key and pat.search(key)), None)


_TIME_NAME = re.compile(r"(at|time|date|timestamp|since|until)$")


def _string(schema: dict[str, Any], ctx: GenerationContext, name: str) -> str:
    fmt = schema.get("format", "")
    if fmt == "date-time" and _FUTURE.search(_key(name)):
        base = ctx.now or datetime(2025, 1, 1, tzinfo=timezone.utc)
        moment = base + timedelta(seconds=ctx.rng.randint(3600, 60 * 86400))
        return _fit_length(moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S.000Z"), schema)
    value = _formatted(fmt, ctx) if fmt else None
    if value is None and "pattern" in schema:
        value = _from_pattern(schema["pattern"], ctx)
    if value is None:
        key = _key(name)
        if key.endswith("id") and len(key) > 2 or key in ("id", "uuid", "guid"):
            value = ctx.uuid4()
        elif _TIME_NAME.search(key) and "format" not in schema:
            value = _string({**schema, "format": "date-time"}, ctx, name)
        else:
            hint = _name_hint(key)
            value = str(hint(ctx.fake)) if hint is not None else None
    if value is None:
        value = ctx.fake.word()
    return _fit_length(str(value), schema)


def _formatted(fmt: str, ctx: GenerationContext) -> str | None:
    base = ctx.now or datetime(2025, 1, 1, tzinfo=timezone.utc)
    if fmt == "date-time":
        moment = base - timedelta(seconds=ctx.rng.randint(0, 180 * 86400))
        return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if fmt == "date":
        return (base - timedelta(days=ctx.rng.randint(0, 365))).strftime("%Y-%m-%d")
    if fmt == "time":
        return f"{ctx.rng.randint(0, 23):02d}:{ctx.rng.randint(0, 59):02d}:00"
    if fmt == "uuid":
        return ctx.uuid4()
    if fmt == "email":
        return str(ctx.fake.email())
    if fmt in ("uri", "url", "iri", "uri-reference"):
        return str(ctx.fake.url()) + ctx.fake.uri_path()
    if fmt in ("hostname", "idn-hostname"):
        return str(ctx.fake.domain_name())
    if fmt == "ipv4":
        return str(ctx.fake.ipv4())
    if fmt == "ipv6":
        return str(ctx.fake.ipv6())
    if fmt == "byte":
        return base64.b64encode(ctx.fake.binary(12)).decode()
    if fmt == "password":
        return str(ctx.fake.password())
    return None


def _from_pattern(pattern: str, ctx: GenerationContext) -> str:
    return str(rstr.Rstr(ctx.rng).xeger(pattern))


def _fit_length(value: str, schema: dict[str, Any]) -> str:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is not None and len(value) < low:
        value = value + "x" * (low - len(value))
    if high is not None and len(value) > high:
        value = value[:high]
    return value
