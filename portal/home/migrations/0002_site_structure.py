"""Create the site's page tree: the home page and its two sections, replacing Wagtail's welcome page.

Page paths are written by hand because treebeard's methods are not available on historical models
(the same approach as Wagtail's own initial migration).
"""

from django.db import migrations
from django.utils import timezone

SECTIONS = [
    ("trainings", "trainingindexpage", "Tập huấn", "tap-huan", "000100010001"),
    ("practices", "goodpracticeindexpage", "Cách làm hay", "cach-lam-hay", "000100010002"),
]
HOME_TITLE = "Cổng tập huấn và cách làm hay ngành Kiểm sát"


def create_site_structure(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("home.HomePage")

    if HomePage.objects.exists():
        return
    # Wagtail's "Welcome to your new Wagtail site!" page; its Site goes with it.
    Page.objects.filter(depth=2, path="00010001").delete()
    locale = Locale.objects.order_by("pk").first()
    now = timezone.now()
    common = {"live": True, "first_published_at": now, "last_published_at": now, "locale": locale}

    home_type, _ = ContentType.objects.get_or_create(app_label="home", model="homepage")
    home = HomePage.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="home",
        content_type=home_type,
        path="00010001",
        depth=2,
        numchild=len(SECTIONS),
        url_path="/home/",
        intro=(
            "<p>Kho lưu trữ bản ghi hình các buổi tập huấn và nơi chia sẻ cách làm hay của các đơn vị "
            "trong ngành Kiểm sát nhân dân.</p>"
        ),
        **common,
    )
    for app_label, model, title, slug, path in SECTIONS:
        model_class = apps.get_model(app_label, model)
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        model_class.objects.create(
            title=title,
            draft_title=title,
            slug=slug,
            content_type=content_type,
            path=path,
            depth=3,
            numchild=0,
            url_path=f"/home/{slug}/",
            **common,
        )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=HOME_TITLE)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("trainings", "0002_initial"),
        ("practices", "0002_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_site_structure, migrations.RunPython.noop)]
