"""Give the default dimensions and items their French wording (French shipped after 0003)."""

from django.db import migrations


def add_french(apps, schema_editor):
    from checkins import default_bank

    default_bank.french_add(
        Dimension=apps.get_model("checkins", "Dimension"),
        QuestionVersion=apps.get_model("checkins", "QuestionVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("checkins", "0010_single_line_names")]
    operations = [migrations.RunPython(add_french, migrations.RunPython.noop)]
