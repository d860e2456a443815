"""What the portals share about setting up two-factor sign-in: the QR code of a new device."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg


def qr_data_uri(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
