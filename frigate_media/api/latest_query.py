"""The latest-frame query parameters as one FastAPI dependency, made from their declaration in
`services/latest_query.py` (names, alias, defaults), so the route never lists them again."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Query

from frigate_media.services import latest_query


def latest_query_dependency() -> Callable[..., dict[str, int]]:
    """A dependency taking exactly the declared latest-frame parameters as query parameters
    (so OpenAPI lists them and a non-integer gets FastAPI's 422); it returns those given."""

    def given(**values: int | None) -> dict[str, int]:
        return {name: value for name, value in values.items() if value is not None}

    parameters: list[inspect.Parameter] = []
    for param in latest_query.PARAMS:
        annotation: Any = int if param.default is not None else int | None
        parameters.append(
            inspect.Parameter(
                param.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=param.default,
                annotation=annotation,
            )
        )
        if param.alias is not None:
            note = f" ({param.alias_note})" if param.alias_note else ""
            query = Query(description=f"Alias of {param.name}{note}")
            parameters.append(
                inspect.Parameter(
                    param.alias,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=Annotated[int | None, query],
                )
            )
    given.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return given


LatestQueryDep = Annotated[dict[str, int], Depends(latest_query_dependency())]
