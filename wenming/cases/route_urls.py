from django.urls import path

from . import route_views

# Mounted at the site's root: the check kept its address (/org/route/) when it moved here from org.
app_name = "routing"
urlpatterns = [
    path("org/route/", route_views.route, name="check"),
]
