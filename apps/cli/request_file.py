"""Request files (YAML or JSON by extension): read with errors that name the line and column, and
written back so that reading the file gives the identical request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.shared.errors import DomainError, loc_path

YAML_SUFFIXES = {".yaml", ".yml"}


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in YAML_SUFFIXES


def _syntax_error(path: Path, line: int, column: int, problem: str) -> DomainError:
    return DomainError("invalid_request_file", f"{path}:{line}:{column}: {problem}")


def _parse(path: Path, text: str) -> Any:
    try:
        return yaml.safe_load(text) if _is_yaml(path) else json.loads(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        if mark is None:
            raise DomainError("invalid_request_file", f"{path}: {problem}") from None
        raise _syntax_error(path, mark.line + 1, mark.column + 1, problem) from None
    except yaml.YAMLError as exc:
        raise DomainError("invalid_request_file", f"{path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise _syntax_error(path, exc.lineno, exc.colno, exc.msg) from None


def _node_at(root: yaml.Node | None, loc: tuple[int | str, ...]) -> yaml.Node | None:
    """The deepest YAML node on the path `loc` (JSON is YAML too, so this works for both)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        else:
            child = None
        if child is None:
            break
        node = child
    return node


def _where(root: yaml.Node | None, loc: tuple[int | str, ...]) -> str:
    node = _node_at(root, loc)
    return "" if node is None else f"{node.start_mark.line + 1}:{node.start_mark.column + 1}: "


def load_request(path: Path) -> RunBacktestRequest:
    """Syntax and validation errors become `file:line:column: message` lines, never a traceback."""
    text = path.read_text(encoding="utf-8")
    raw = _parse(path, text)
    try:
        return RunBacktestRequest.model_validate(raw)
    except ValidationError as exc:
        try:
            root = yaml.compose(text)
        except yaml.YAMLError:
            root = None
        lines = [f"{_where(root, tuple(e['loc']))}{loc_path(e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()]
        raise DomainError("validation_error", f"{path}: invalid request:\n  " + "\n  ".join(lines)) from None


def request_document(request: BaseModel) -> dict[str, Any]:
    """The request as plain data, defaults left out (they are what the server fills in anyway)."""
    return request.model_dump(mode="json", exclude_defaults=True)


def write_request(path: Path, request: BaseModel) -> None:
    document = request_document(request)
    if _is_yaml(path):
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    else:
        text = json.dumps(document, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
