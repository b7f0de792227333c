from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from portal.core import views as core_views
from portal.core.forms import PortalAuthenticationForm
from portal.home import views as home_views
from portal.trainings import views as training_views

account_patterns = [
    path(
        "dang-nhap/",
        login_not_required(
            auth_views.LoginView.as_view(authentication_form=PortalAuthenticationForm, redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("doi-mat-khau/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("quen-mat-khau/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("quen-mat-khau/da-gui/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "dat-lai-mat-khau/xong/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    *account_patterns,
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include("portal.documents.urls")),
    path("", include("search.urls")),
    path("thong-bao/", include("portal.notifications.urls")),
    path("chu-de/", home_views.topic_list, name="topic_list"),
    path("chu-de/<str:slug>/", home_views.topic_detail, name="topic_detail"),
    path("media/", include("media.urls")),
    path("", include("media.hls_urls")),  # /hls/...: signed segments, checked without the database
    path("trang-chieu/<int:document_id>/<int:number>.jpg", training_views.slide_thumbnail, name="slide_thumbnail"),
    re_path(r"^media/(?P<path>(?:images|original_images)/.+)$", core_views.serve_media, name="serve_media"),
    path("cach-lam-hay/", include("portal.practices.urls")),
    path("cach-lam-hay/", include("portal.practices.reading_urls")),
    path("", include(wagtail_urls)),
]
