"""docs/settings.md, written from the config schema: every setting with its type, default
and meaning, section by section, so that the page says what the schema does and no more.
`mnist-vae settings-page` writes it; a test checks that the committed page is current."""

import json
from pathlib import Path

import yaml

from mnist_vae.docs import REPOSITORY

SCHEMA = REPOSITORY / "workflow/schemas/config.schema.yaml"
PAGE_HEADER = """# Settings

Every setting of `config.yaml`, as `workflow/schemas/config.schema.yaml` declares it: its
type, its default (what a setting left out takes) and what it does. Written by
`mnist-vae settings-page > docs/settings.md` from the schema; do not edit by hand. How
settings, runs, sweeps and config files combine: [Configuration](configuration.md).
"""


def resolved(node, schema):
    """`node` with a local $ref ("#/$defs/name") merged under its own keys, recursively
    into properties, so that a use may override the definition's defaults."""
    if "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        base = resolved(target, schema)
        own = {key: value for key, value in node.items() if key != "$ref"}
        properties = {**base.get("properties", {})}
        for key, value in own.get("properties", {}).items():
            properties[key] = {**properties.get(key, {}), **value}
        node = {**base, **own, **({"properties": properties} if properties else {})}
    return node


def type_of(node, schema):
    """The type and its limits in words, e.g. 'integer ≥ 1' or 'one of adam, sgd'."""
    if "enum" in node:
        return "one of " + ", ".join(str(value) for value in node["enum"])
    kinds = node.get("type", "object")
    text = " or ".join(kinds) if isinstance(kinds, list) else kinds
    limits = [
        f"{sign} {node[key]}"
        for key, sign in (
            ("minimum", "≥"),
            ("exclusiveMinimum", ">"),
            ("maximum", "≤"),
            ("exclusiveMaximum", "<"),
        )
        if key in node
    ]
    if text == "array" and "items" in node:
        text = f"list of {type_of(resolved(node['items'], schema), schema)}"
    return " ".join([text, *limits]) if limits else text


def default_of(node):
    return f"`{json.dumps(node['default'], ensure_ascii=False)}`" if "default" in node else ""


def meaning_of(node):
    return " ".join(node.get("description", "").split()).replace("|", "\\|")


def settings_rows(node, schema, prefix):
    """(dotted key, type, default, meaning) of every setting under `node`, nested objects
    with named properties flattened into dotted keys. -> iterator"""
    for key, child in node.get("properties", {}).items():
        child = resolved(child, schema)
        name = f"{prefix}{key}"
        if child.get("properties") and child.get("additionalProperties") is False:
            if meaning_of(child):
                yield name, "section", "", meaning_of(child)
            yield from settings_rows(child, schema, f"{name}.")
        else:
            yield name, type_of(child, schema), default_of(child), meaning_of(child)


def settings_page(schema):
    """The page for `schema` (the parsed config schema). -> markdown text"""
    parts = [PAGE_HEADER]
    for section, node in schema["properties"].items():
        node = resolved(node, schema)
        parts.append(f"\n## {section}\n")
        if meaning_of(node):
            parts.append(f"\n{meaning_of(node)}\n")
        rows = list(settings_rows(node, schema, f"{section}."))
        if rows:
            parts.append("\n| setting | type | default | meaning |\n| --- | --- | --- | --- |\n")
            parts += [
                f"| `{key}` | {kind} | {default} | {meaning} |\n"
                for key, kind, default, meaning in rows
            ]
    return "".join(parts)


def read_schema(path=SCHEMA):
    return yaml.safe_load(Path(path).read_text())
