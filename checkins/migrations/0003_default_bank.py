"""Load Relhealth's own default instrument (dimensions, 16 items, one eNPS item; English and German)."""

from django.db import migrations


def load(apps, schema_editor):
    from checkins import default_bank as bank

    Dimension = apps.get_model("checkins", "Dimension")
    Question = apps.get_model("checkins", "Question")
    QuestionVersion = apps.get_model("checkins", "QuestionVersion")
    dims = {}
    for position, spec in enumerate(bank.DIMENSIONS):
        dims[spec["key"]], _ = Dimension.objects.get_or_create(
            key=spec["key"],
            defaults={
                "name": spec["name"],
                "translations": {"de": spec["de"]},
                "description": spec["description"],
                "position": position,
                "is_core": True,
            },
        )
    for position, (code, dim, reverse, en, de) in enumerate(bank.ITEMS):
        question, created = Question.objects.get_or_create(
            code=code,
            defaults={
                "dimension": dims[dim],
                "scale": "agree5",
                "reverse_scored": reverse,
                "position": position,
                "source": bank.SOURCE,
                "licence": bank.LICENCE,
            },
        )
        if created:
            QuestionVersion.objects.create(
                question=question, number=1, text=en, translations={"de": de}
            )
    code, en, de = bank.ENPS
    question, created = Question.objects.get_or_create(
        code=code,
        defaults={
            "scale": "zero_ten",
            "position": 100,
            "source": bank.SOURCE,
            "licence": bank.LICENCE,
        },
    )
    if created:
        QuestionVersion.objects.create(
            question=question, number=1, text=en, translations={"de": de}
        )


class Migration(migrations.Migration):
    dependencies = [("checkins", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
