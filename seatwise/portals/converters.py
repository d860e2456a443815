"""The path converter of the portals' URLs: ``<id:name>``, an object's id.

Django's ``<int:…>`` takes any run of digits; ``<id:…>`` takes only what an id can be (1 to
``core.validation.ID_MAX``), so that a view never receives a number the database cannot hold:
anything else matches no URL and is answered 404 before a view runs. Registered once, by the
root URLconf (``config/urls.py``).
"""

from __future__ import annotations

from seatwise.core.validation import ID_MAX, parse_id


class IdConverter:
    regex = f"[0-9]{{1,{len(str(ID_MAX))}}}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            # To Django's resolver: this URL does not match.
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)
