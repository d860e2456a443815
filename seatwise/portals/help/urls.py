from django.urls import path

from seatwise.portals.help.views import articles, contact

app_name = "help"
urlpatterns = [
    path("", articles.index, name="home"),
    path("search/", articles.search, name="search"),
    path("contact/", contact.contact, name="contact"),
    path("contact/sent/", contact.sent, name="contact_sent"),
    path("contact/confirm/<id:case_id>/<str:token>/", contact.confirm, name="contact_confirm"),
    path("cases/opened/", contact.opened, name="case_opened"),
    path("<slug:slug>/", articles.article, name="article"),
]
