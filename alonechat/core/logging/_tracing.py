"""Trace correlation: the ids of the active OpenTelemetry span, for every record.

Nothing is imported here: spans exist only once the application imported
``opentelemetry.trace``, so until then (or without ``opentelemetry-api`` installed) this
costs one dictionary lookup and changes nothing.
"""

from __future__ import annotations

import sys


def span_ids() -> tuple[str, str] | None:
    """(trace_id, span_id) of the span active in this context, as lowercase hex as the W3C
    trace context writes them (32 and 16 digits), or None when no valid span is active."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    try:
        context = trace.get_current_span().get_span_context()
        if not context.is_valid:
            return None
        return format(context.trace_id, "032x"), format(context.span_id, "016x")
    except Exception:  # half imported by another thread, or an odd span: no ids
        return None
