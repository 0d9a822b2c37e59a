"""Data seeded from a fixture: a JSON or YAML document of the objects a test starts from.

    files:                        # created first, so that agents' jobs could name them
      - name: invoice.txt
        content: "Invoice Number: INV-7"     # text, or content_base64 for bytes
        # id, project_id, external_file_id, content_type: optional
    extraction_agents:
      - name: invoices
        data_schema: {type: object, properties: {total: {type: number}}}
        # config (default PER_DOC, BALANCED), id, project_id: optional
    agent_data:
      - deployment_name: invoice-app
        data: {vendor: Globex, total: 1250}
        # collection (default "default"), id, project_id: optional

Objects get their ids from the server's id factory unless the fixture gives them (so a seeded
server, ``--id-seed``, gives the same ids on every run), and their timestamps from its clock.
A fixture goes in whole or not at all: it is checked (types, schemas, names free, ids unused)
before anything is created. A document that is a snapshot (``format: llamacloud-mock-snapshot/1``,
from ``GET /_mock/snapshot``) is restored instead (mockserver/admin/snapshot.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mockserver import jsonio
from mockserver.domain.errors import Conflict, InvalidField
from mockserver.domain.schemas import parse_data_schema
from mockserver.limits import DEFAULT_MAX_JSON_DEPTH, too_deep

if TYPE_CHECKING:
    from mockserver.state import FakeState

DEFAULT_AGENT_CONFIG = {"extraction_target": "PER_DOC", "extraction_mode": "BALANCED"}
KINDS = ("files", "extraction_agents", "agent_data")


class FixtureFileError(ValueError):
    """A fixture file that cannot be read; the message names the file and the problem."""


def _one_line(error: Exception) -> str:
    """The problem, in one line: YAML's own messages quote the text on several."""
    mark = getattr(error, "problem_mark", None)
    if isinstance(error, yaml.YAMLError) and mark is not None:
        return f"{getattr(error, 'problem', None) or 'not YAML'} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(error).split())


def load(path: str | Path) -> dict[str, Any]:
    """The document in a JSON (``.json``) or YAML file, as JSON values (YAML dates become strings)."""
    path = Path(path)
    try:
        text = path.read_text()
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        as_json = jsonio.dumps(document)  # dates and other YAML-only values as JSON
    except RecursionError:
        document = as_json = None  # refused below, as a body that deep would be
    except (OSError, ValueError, TypeError, yaml.YAMLError) as e:
        raise FixtureFileError(f"cannot read the fixture file {path}: {_one_line(e)}") from None
    if as_json is None or too_deep(as_json, DEFAULT_MAX_JSON_DEPTH):
        raise FixtureFileError(
            f"the fixture file {path} is nested deeper than {DEFAULT_MAX_JSON_DEPTH} levels, the limit of what "
            "the fake stores (see docs/limits.md)"
        )
    if not isinstance(document, dict):
        raise FixtureFileError(f"the fixture file {path} must hold an object ({', '.join(KINDS)}), not {document!r}")
    return jsonio.loads(as_json)


def _content(item: dict[str, Any], loc: tuple) -> bytes:
    if item.get("content_base64") is not None:
        if item.get("content") is not None:
            raise InvalidField(loc, "give content or content_base64, not both")
        try:
            return base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidField((*loc, "content_base64"), "content_base64 is not valid base64") from None
    return (item.get("content") or "").encode()


def check(state: FakeState, fixture: dict[str, Any]) -> None:
    """Raise InvalidField or Conflict for anything that would fail half-way through ``apply``."""
    unknown = sorted(set(fixture) - set(KINDS))
    if unknown:
        raise InvalidField(("body", unknown[0]), f"unknown fixture section {unknown[0]!r}: use {', '.join(KINDS)}")
    tables = {
        "files": state.files.table.documents(),
        "extraction_agents": state.extraction.agents_table.documents(),
        "agent_data": state.agent_data.table.documents(),
    }
    seen_ids: set[str] = set()
    names: set[tuple[str, str]] = set()
    for kind in KINDS:
        for index, item in enumerate(fixture.get(kind) or []):
            loc = ("body", kind, index)
            item_id = item.get("id")
            if item_id is not None and (item_id in tables[kind] or item_id in seen_ids):
                raise Conflict(f"Fixture {kind}[{index}]: the id {item_id!r} is already taken.")
            if item_id is not None:
                seen_ids.add(item_id)
            if kind == "files":
                state.files.check_size(len(_content(item, loc)))
            elif kind == "extraction_agents":
                parse_data_schema(item.get("data_schema"), (*loc, "data_schema"))
                project = item.get("project_id") or state.config.default_project_id
                taken = any(
                    a["project_id"] == project and a["name"] == item["name"]
                    for a in tables["extraction_agents"].values()
                )
                if taken or (project, item["name"]) in names:
                    raise Conflict(f"Fixture {kind}[{index}]: an agent named {item['name']!r} exists in {project}.")
                names.add((project, item["name"]))


def apply(state: FakeState, fixture: dict[str, Any]) -> dict[str, list[str]]:
    """Create the fixture's objects; their ids by section, in the fixture's order."""
    check(state, fixture)
    created: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for index, item in enumerate(fixture.get("files") or []):
        record = state.files.create(
            item["name"],
            _content(item, ("body", "files", index)),
            item.get("project_id"),
            content_type=item.get("content_type"),
            external_file_id=item.get("external_file_id"),
            file_id=item.get("id"),
        )
        created["files"].append(record["id"])
    for item in fixture.get("extraction_agents") or []:
        agent = state.extraction.create_agent(
            item["name"],
            item["data_schema"],
            item.get("config") or dict(DEFAULT_AGENT_CONFIG),
            item.get("project_id"),
            agent_id=item.get("id"),
        )
        created["extraction_agents"].append(agent["id"])
    for item in fixture.get("agent_data") or []:
        record = state.agent_data.create(
            item["data"],
            item["deployment_name"],
            item.get("collection"),
            item.get("project_id"),
            record_id=item.get("id"),
        )
        created["agent_data"].append(record["id"])
    return created
