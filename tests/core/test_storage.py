"""core.storage: the static files' URLs from the manifest, remembered, the same as
WhiteNoise's storage gives."""

from __future__ import annotations

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from seatwise.core.storage import StaticFilesStorage


def test_urls_are_the_manifests_and_stay_so(tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"css/site.css": "css/site.0123abcd.css"}, "version": "1.1"})
    )
    ours = StaticFilesStorage(location=tmp_path, base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=tmp_path, base_url="/static/")
    assert ours.url("css/site.css") == theirs.url("css/site.css") == "/static/css/site.0123abcd.css"
    assert ours.url("css/site.css") == "/static/css/site.0123abcd.css"
    # A file missing from the manifest is refused as WhiteNoise refuses it, every time.
    for _ in range(2):
        with pytest.raises(ValueError, match=r"css/missing\.css"):
            ours.url("css/missing.css")
