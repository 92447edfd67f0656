"""The one escape for user text (names, reasons, kinds) shown in map popups, tooltips and legends.

Leaflet inserts popup and tooltip content as HTML, and folium's own templates put it inside a
JavaScript template literal (`` `...` ``). A planner's feature name therefore has to be safe in
three languages at once: HTML (``<``, ``>``, ``&``, quotes), the template literal (backtick,
``${``) and JavaScript string escapes (backslash). :func:`esc` turns all of them into HTML
character references, which the browser shows as the original characters, so the result is
inert in HTML text, in an HTML attribute, in a template literal and in a JSON string alike.

>>> esc("</script><script>alert(1)</script>")
'&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
>>> esc("${alert(1)} `x` C:\\\\temp")
'&#36;{alert(1)} &#96;x&#96; C:&#92;temp'
"""

from __future__ import annotations

import html

__all__ = ["esc"]

#: Characters special in a JavaScript template literal or string, as HTML character references.
_JS_SPECIALS = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def esc(value: object) -> str:
    """``value`` as text that is safe anywhere in a popup, tooltip or legend.

    ``html.escape`` (with quotes), then backtick, ``$`` and backslash as character references.
    Non-strings are converted with ``str`` first; ``None`` becomes the empty string.

    >>> esc("Lotus's Go Fresh & Co")
    'Lotus&#x27;s Go Fresh &amp; Co'
    >>> esc(None), esc(4)
    ('', '4')
    """
    text = "" if value is None else str(value)
    return html.escape(text, quote=True).translate(_JS_SPECIALS)
