"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

Python's decoder recurses once per level, so a body of a few thousand `[` raised RecursionError
(a 500) before any serializer saw it. No request of ours nests deeper than four levels (a bulk
upsert: body, people, person, manages); we allow MAX_DEPTH and refuse anything deeper with a 400
that says so, before a view or serializer walks it (ADR 0026).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = (
    f"JSON parse error - the body nests deeper than {MAX_DEPTH} levels of arrays and objects."
)


def json_depth_check(data: Any, limit: int = MAX_DEPTH) -> None:
    """Raise ParseError when arrays/objects nest deeper than `limit` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if depth > limit:
            raise ParseError(TOO_DEEP)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return None


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The decoder gave up on the nesting itself: the same refusal, not a crash.
            raise ParseError(TOO_DEEP) from None
        if isinstance(data, dict | list):
            json_depth_check(data)
        return data
