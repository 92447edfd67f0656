"""The one escape for user text (names, reasons, kinds) shown in map popups, tooltips and legends.

Leaflet inserts popup and tooltip content as HTML, and folium's own templates put it inside a
JavaScript template literal (`` `...` ``). A planner's feature name therefore has to be safe in
four languages at once: HTML (``<``, ``>``, ``&``, quotes), the template literal (backtick,
``${``), JavaScript string escapes (backslash) and Jinja, because branca compiles every
element's rendered script once more as a template (``MacroElement.render`` wraps it in
``Element(text)``), so ``{{ ... }}`` in a name would be evaluated while the page is built.
:func:`esc` turns all of them into HTML character references, which the browser shows as the
original characters, so the result is inert in HTML text, in an HTML attribute, in a template
literal, in a JSON string and in a Jinja template alike.

>>> esc("</script><script>alert(1)</script>")
'&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
>>> esc("${alert(1)} `x` C:\\\\temp")
'&#36;&#123;alert(1)&#125; &#96;x&#96; C:&#92;temp'
>>> esc("{{ 7*7 }}")
'&#123;&#123; 7*7 &#125;&#125;'
"""

from __future__ import annotations

import html

__all__ = ["esc"]

#: Characters special in a JavaScript template literal or string, or in a Jinja template, as HTML
#: character references.
_JS_SPECIALS = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})


def esc(value: object) -> str:
    """``value`` as text that is safe anywhere in a popup, tooltip or legend.

    ``html.escape`` (with quotes), then backtick, ``$``, backslash and braces as character references.
    Non-strings are converted with ``str`` first; ``None`` becomes the empty string.

    >>> esc("Lotus's Go Fresh & Co")
    'Lotus&#x27;s Go Fresh &amp; Co'
    >>> esc(None), esc(4)
    ('', '4')
    """
    text = "" if value is None else str(value)
    return html.escape(text, quote=True).translate(_JS_SPECIALS)
