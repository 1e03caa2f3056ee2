from django import template
from django.utils import formats

from culture.charts import svg_number

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter
def heat_band(score: float | None) -> int:
    """A colour band 0-4 for a 0-100 score (classes in relhealth.css; no inline styles)."""
    if score is None:
        return 0
    return min(4, max(0, int(score // 20)))


@register.filter
def enps_x(value: float | None) -> str:
    """The x position of an eNPS (-100..100) on the 400-wide axis of the eNPS strip, as SVG
    reads it in every language ("23.0", never "23,0")."""
    return svg_number(200.0 + 1.9 * float(value or 0))


@register.filter
def signed(value: float | None) -> str:
    """A change in whole points with its sign, in the reader's language: "+2", "0", and a
    true minus sign (U+2212) before a fall."""
    if value is None:
        return ""
    rounded = round(float(value))
    number = formats.number_format(abs(rounded))
    if rounded > 0:
        return f"+{number}"
    return f"\u2212{number}" if rounded < 0 else "0"
