"""Repair the topics that the admin's old tag field broke into pieces ("Đào tạo," + "bồi" + … instead of
"Đào tạo, bồi dưỡng cán bộ"): the same repair as `manage.py repair_topics`, run once on the models as they
are at this point. It finds nothing on a new database; on an old one it prints what it changed, and the
search index, which it leaves alone, is refreshed with `manage.py search_index --rebuild`."""

from django.conf import settings
from django.db import migrations
from django.utils import translation


def repair(apps, schema_editor):
    from portal.home.management.commands.repair_topics import report_lines
    from portal.home.topic_repair import repair_topics

    report = repair_topics(apps)
    if report.changed:
        with translation.override(settings.LANGUAGE_CODE):
            print()
            for line in report_lines(report, dry_run=False):
                print("  " + line)
            print("  " + translation.gettext("Run “manage.py search_index --rebuild” so that search shows it too."))


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_site_structure"),
        ("practices", "0006_review_task"),
        ("trainings", "0004_slides"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
