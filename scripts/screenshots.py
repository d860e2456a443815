"""Screenshots of every portal page in each language, for a person to look at.

Usage: .venv/bin/python scripts/screenshots.py BASE_URL OUT_DIR
(BASE_URL: a running Seatwise with the demo data, e.g. http://127.0.0.1:8000; the browser is
Debian's chromium-headless-shell, as the browser tests use it)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CHROMIUM = "/usr/bin/chromium-headless-shell"  # Debian's, as make system-deps installs it
PASSWORD = "seatwise-demo-2026"
# (who, language, pages)
TOURS = [
    ("anna.kessler@kessler-feinmechanik.test", ["/billing/", "/my-account/", "/admin-center/"]),
    (
        "jonas.weber@kessler-feinmechanik.test",
        [
            "/billing/",
            "/admin-center/users/",
            "/admin-center/users/add/",
            "/admin-center/licenses/",
            "/admin-center/admins/",
            "/admin-center/account/",
            "/admin-center/add-licenses/",
            "/admin-center/add-licenses/email/",
        ],
    ),
    ("lukas.brandt@kessler-feinmechanik.test", ["/billing/", "/my-account/", "/admin-center/"]),
    ("chiara.bianchi@ferraro-logistica.test", ["/billing/", "/admin-center/add-licenses/"]),
]


def main() -> None:
    base, out = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for language in ["en", "de", "it", "es"]:
            for email, pages in TOURS:
                context = browser.new_context(
                    locale=language, viewport={"width": 1280, "height": 900}
                )
                page = context.new_page()
                page.goto(f"{base}/signin/")
                page.fill("#id_email", email)
                page.fill("#id_password", PASSWORD)
                page.click("main button[type=submit]")
                # The person's own language wins once signed in: switch to the tour's.
                page.goto(f"{base}/my-account/")
                page.select_option("#language-switch", language)
                page.click(".language-switch button")
                for path in pages:
                    page.goto(f"{base}{path}")
                    slug = path.strip("/").replace("/", "_") or "home"
                    name = f"{language}-{email.split('@')[0]}-{slug}.png"
                    page.screenshot(path=str(out / name), full_page=True)
                context.close()
        context = browser.new_context(locale="it")
        page = context.new_page()
        page.goto(f"{base}/corporate/signin/")
        page.screenshot(path=str(out / "it-corporate-signin.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
