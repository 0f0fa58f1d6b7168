"""Every schema the API uses has its own name in the OpenAPI document.

django-ninja files each model under its class name in ``components/schemas``; two classes of one
name (``CaseIn`` of after-sales and of the community) silently share one entry, so the docs then
showed the community's body for opening a case (seen in review)."""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel

from kameng.api import api


def _collect(tp, seen: set) -> None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in seen:
            return
        seen.add(tp)
        for field in tp.model_fields.values():
            _collect(field.annotation, seen)
        return
    for arg in get_args(tp):
        _collect(arg, seen)


def _models_in_use() -> set:
    seen: set = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _collect(model, seen)
                for model in (operation.response_models or {}).values():
                    _collect(model, seen)
    return seen


def test_no_two_api_schemas_share_a_name():
    by_name: dict[str, list[str]] = {}
    for model in _models_in_use():
        if model.__module__.startswith("kameng."):
            by_name.setdefault(model.__name__, []).append(f"{model.__module__}.{model.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert shared == {}
