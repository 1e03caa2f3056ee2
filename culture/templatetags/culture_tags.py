from django import template

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
