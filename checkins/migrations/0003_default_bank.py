"""Load Relhealth's own default instrument (dimensions, 16 items, one eNPS item; English and German)."""

from django.db import migrations


def load(apps, schema_editor):
    from checkins import default_bank

    default_bank.install(
        Dimension=apps.get_model("checkins", "Dimension"),
        Question=apps.get_model("checkins", "Question"),
        QuestionVersion=apps.get_model("checkins", "QuestionVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("checkins", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
