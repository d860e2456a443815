"""A browser and its operating system, told from a User-Agent header for the lists of sessions.

Only the common ones, by the tokens their User-Agent strings carry (order matters: Edge and
Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux"); anything else
is shown as the start of the header itself. It names a device for a person who recognises it,
nothing depends on it.
"""

from __future__ import annotations

import re

SHORT_MAX = 60

# (pattern, name): the first pattern found names the browser; group 1 is its version.
_BROWSERS = (
    (re.compile(r"Edg(?:e|A|iOS)?/(\d+)"), "Edge"),
    (re.compile(r"(?:OPR|Opera)/(\d+)"), "Opera"),
    (re.compile(r"SamsungBrowser/(\d+)"), "Samsung Internet"),
    (re.compile(r"(?:Firefox|FxiOS)/(\d+)"), "Firefox"),
    (re.compile(r"(?:Chrome|CriOS|Chromium)/(\d+)"), "Chrome"),
    (re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/"), "Safari"),
)
_SYSTEMS = (
    (re.compile(r"Windows NT"), "Windows"),
    (re.compile(r"iPhone|iPad|iPod"), "iOS"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Linux"), "Linux"),
)


def device_label(user_agent: str) -> str:
    """For example "Firefox 128 · Windows" or "Safari 17 · iOS"; else the raw header, cut short."""
    browser = next(
        (
            (name, found.group(1))
            for pattern, name in _BROWSERS
            if (found := pattern.search(user_agent))
        ),
        None,
    )
    system = next((name for pattern, name in _SYSTEMS if pattern.search(user_agent)), None)
    if browser is None or system is None:
        raw = " ".join(user_agent.split())
        return raw if len(raw) <= SHORT_MAX else f"{raw[: SHORT_MAX - 1]}…"
    name, version = browser
    return f"{name} {version} · {system}"
