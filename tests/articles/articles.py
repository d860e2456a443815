"""Articles 000 (German), 002 (Italian) and 004 (Spanish) as data: the labels each names, in
its language and in English, and the demo people who play each part of its tables.

The labels are copied from the articles, never
from Seatwise's translations: a test that follows an article checks that Seatwise shows what
the article says. Text the articles do not quote (the sign-in form's own labels, for example)
comes from Seatwise's catalog through ``ui``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

# The labels as the articles give them, by language. Italian and Spanish write "profilo
# dell'account" and "perfil de cuenta" in lower case inside a sentence ("fai clic sul profilo
# dell'account"): links are matched by their name ignoring case, as a reader would.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "billing_center": "Billing Center",
        "admin_center": "Admin Center",
        "corporate_billing_portal": "Corporate Billing Portal",
        "subscriptions": "Subscriptions",
        "wrong_place": "You seem to have landed in the wrong place",
        "account_profile": "Account profile",
        "my_account": "My Account",
        "go_to_billing": "Go to Billing",
        "user_id": "User ID",
        "add_licenses": "Add licenses",
        "email_the_billing_admin": "Email the billing admin",
    },
    "de": {
        "billing_center": "Abrechnungscenter",
        "admin_center": "Admin Center",
        "corporate_billing_portal": "Corporate Billing Portal",
        "subscriptions": "Abonnements",
        "wrong_place": "Sie haben hier keinen Zugriff",
        "account_profile": "Kontoprofil",
        "my_account": "Mein Konto",
        "go_to_billing": "Zur Abrechnung",
        "user_id": "Benutzer-ID",
        "add_licenses": "Lizenzen hinzufügen",
        "email_the_billing_admin": "E-Mail an den Abrechnungsadministrator",
    },
    "it": {
        "billing_center": "Centro fatturazione",
        "admin_center": "Centro di amministrazione",
        "corporate_billing_portal": "Portale di fatturazione Corporate",
        "subscriptions": "Sottoscrizioni",
        "wrong_place": "È possibile che questa non sia la pagina che desideravi.",
        "account_profile": "profilo dell'account",
        "my_account": "Account personale",
        "go_to_billing": "Vai alla fatturazione",
        "user_id": "ID utente",
        "add_licenses": "Aggiungi licenze",
        "email_the_billing_admin": "Email all'amministratore della fatturazione",
    },
    "es": {
        "billing_center": "Centro de facturación",
        "admin_center": "Centro de administración",
        "corporate_billing_portal": "Portal de facturación para empresas",
        "subscriptions": "Suscripciones",
        "wrong_place": "Parece que ha llegado a la ubicación incorrecta",
        "account_profile": "perfil de cuenta",
        "my_account": "Mi cuenta",
        "go_to_billing": "Ir a facturación",
        "user_id": "ID de usuario",
        "add_licenses": "Añadir licencias",
        "email_the_billing_admin": "Enviar correo",
    },
}


@dataclass(frozen=True, slots=True)
class Cast:
    """The demo people of one account who play the parts of an article's tables."""

    billing_admin: str
    account_admin: str
    user: str
    # Corporate accounts: the Corporate Billing Portal User ID and a product of the account,
    # whose logo the Admin Center's Add licenses page shows.
    user_id: str = ""
    product: str = ""

    def email(self, role: str) -> str:
        return str(getattr(self, role))

    @property
    def people(self) -> tuple[str, str, str]:
        return (self.billing_admin, self.account_admin, self.user)


# Article 000's online account is German; no demo online account speaks Italian or Spanish, so
# articles 002 and 004 use the same one, its people set to the article's language.
KESSLER = Cast(
    billing_admin="anna.kessler@kessler-feinmechanik.test",
    account_admin="jonas.weber@kessler-feinmechanik.test",
    user="lukas.brandt@kessler-feinmechanik.test",
)
KESSLER_BILLING_ADMIN_NAME = "Anna Kessler"

THORNBURY = Cast(
    billing_admin="oliver.bennett@thornbury-print.test",
    account_admin="priya.shah@thornbury-print.test",
    user="sophie.wagner@thornbury-print.test",
    user_id="oliver.bennett@thornbury-print.test",
    product="GoToAssist Remote Support v5",
)
FERRARO = Cast(
    billing_admin="marco.ferraro@ferraro-logistica.test",
    account_admin="chiara.bianchi@ferraro-logistica.test",
    user="luca.conti@ferraro-logistica.test",
    user_id="ferraro-billing",
    product="GoToAssist Remote Support v5",
)
NAVARRO = Cast(
    billing_admin="lucia.navarro@construcciones-navarro.test",
    account_admin="javier.ortega@construcciones-navarro.test",
    user="carmen.ruiz@construcciones-navarro.test",
    user_id="lucia.navarro@construcciones-navarro.test",
    product="GoTo Meeting",
)


@dataclass(frozen=True, slots=True)
class Article:
    number: str
    language: str  # the article's own language
    online: Cast
    corporate: Cast


ARTICLES: dict[str, Article] = {
    "000": Article("000", "de", KESSLER, THORNBURY),
    "002": Article("002", "it", KESSLER, FERRARO),
    "004": Article("004", "es", KESSLER, NAVARRO),
}

# Each article in its own language, and the first again in English: the three tell the same
# steps (their corporate accounts differ, and each is followed in its own language), so one
# English reading covers the English pages.
VARIANTS: list[tuple[str, str]] = [
    (number, article.language) for number, article in ARTICLES.items()
] + [("000", "en")]


def ui(language: str, text: str, **params: object) -> str:
    """Seatwise's own text (not quoted by the articles), as the catalog gives it in
    ``language``; ``params`` fill the placeholders of a ``blocktranslate``."""
    with translation.override(language):
        translated = translation.gettext(text)
    return translated % params if params else translated
