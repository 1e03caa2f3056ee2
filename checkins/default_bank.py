"""Relhealth's own default instrument, written for this project (not taken from any published bank).

Licensed CC BY 4.0 with the project. English, German and French. Items marked reverse are scored the other way round.
"""

SOURCE = "Relhealth default instrument (written by the Relhealth authors)"
LICENCE = "CC BY 4.0"

DIMENSIONS = [
    {
        "key": "belonging",
        "name": "Belonging",
        "de": "Zugehörigkeit",
        "fr": "Appartenance",
        "description": "People feel they are part of the team and valued for who they are.",
    },
    {
        "key": "trust",
        "name": "Trust",
        "de": "Vertrauen",
        "fr": "Confiance",
        "description": "People rely on each other and on their manager to keep their word.",
    },
    {
        "key": "psych-safety",
        "name": "Psychological safety",
        "de": "Psychologische Sicherheit",
        "fr": "Sécurité psychologique",
        "description": "It is safe to speak up, ask for help, take a risk or admit a mistake.",
    },
]

# (code, dimension key, reverse-scored, English, German)
ITEMS = [
    ("belonging-1", "belonging", False,
     "I feel like a real part of this team.",
     "Ich fühle mich als echter Teil dieses Teams."),
    ("belonging-2", "belonging", False,
     "People on my team care about me as a person, not only about my output.",
     "Den Menschen in meinem Team liegt etwas an mir als Person, nicht nur an meiner Arbeit."),
    ("belonging-3", "belonging", True,
     "I often feel like an outsider when my team gets together.",
     "Wenn mein Team zusammenkommt, fühle ich mich oft außen vor."),
    ("belonging-4", "belonging", False,
     "I can be myself at work without putting on an act.",
     "Ich kann bei der Arbeit ich selbst sein, ohne mich zu verstellen."),
    ("belonging-5", "belonging", False,
     "My ideas and background are welcome here.",
     "Meine Ideen und mein Hintergrund sind hier willkommen."),
    ("trust-1", "trust", False,
     "When a colleague says they will do something, it gets done.",
     "Wenn eine Kollegin oder ein Kollege etwas zusagt, wird es erledigt."),
    ("trust-2", "trust", False,
     "I can count on my manager to be honest with me, even when the news is bad.",
     "Ich kann mich darauf verlassen, dass meine Führungskraft ehrlich zu mir ist, "
     "auch bei schlechten Nachrichten."),
    ("trust-3", "trust", True,
     "I keep information to myself because I am not sure how it will be used.",
     "Ich behalte Informationen für mich, weil ich nicht sicher bin, wie sie verwendet werden."),
    ("trust-4", "trust", False,
     "People on my team give each other credit for good work.",
     "In meinem Team erkennen wir die gute Arbeit der anderen an."),
    ("trust-5", "trust", False,
     "I trust the people I work with to have my back.",
     "Ich vertraue darauf, dass meine Kolleginnen und Kollegen hinter mir stehen."),
    ("psych-safety-1", "psych-safety", False,
     "I can raise a problem in my team without worrying about how it will look.",
     "Ich kann in meinem Team ein Problem ansprechen, ohne mir Sorgen zu machen, wie das wirkt."),
    ("psych-safety-2", "psych-safety", True,
     "If I made a mistake on this team, it would be held against me.",
     "Wenn mir in diesem Team ein Fehler passiert, würde man ihn mir nachtragen."),
    ("psych-safety-3", "psych-safety", False,
     "Asking for help here is seen as a normal part of the work.",
     "Um Hilfe zu bitten gilt hier als normaler Teil der Arbeit."),
    ("psych-safety-4", "psych-safety", False,
     "I can disagree with my manager openly.",
     "Ich kann meiner Führungskraft offen widersprechen."),
    ("psych-safety-5", "psych-safety", True,
     "People on this team sometimes get put down for trying something new.",
     "In diesem Team wird man manchmal belächelt, wenn man etwas Neues ausprobiert."),
    ("psych-safety-6", "psych-safety", False,
     "It is easy to say \u201cI don't know\u201d in my team.",
     "In meinem Team fällt es leicht zu sagen: \u201eDas weiß ich nicht.\u201c"),
]  # fmt: skip

# The French wording of each item, by code.
FRENCH = {
    "belonging-1": "Je me sens pleinement membre de cette équipe.",
    "belonging-2": "Les membres de mon équipe s'intéressent à moi en tant que personne, "
    "pas seulement à mon travail.",
    "belonging-3": "Je me sens souvent à l'écart quand mon équipe se réunit.",
    "belonging-4": "Je peux être moi-même au travail sans jouer un rôle.",
    "belonging-5": "Mes idées et mon parcours sont les bienvenus ici.",
    "trust-1": "Quand un collègue s'engage à faire quelque chose, c'est fait.",
    "trust-2": "Je peux compter sur mon manager pour être honnête avec moi, "
    "même quand les nouvelles sont mauvaises.",
    "trust-3": "Je garde des informations pour moi parce que je ne sais pas comment elles "
    "seront utilisées.",
    "trust-4": "Dans mon équipe, on reconnaît le bon travail des autres.",
    "trust-5": "Je sais que les personnes avec qui je travaille me soutiendront.",
    "psych-safety-1": "Je peux soulever un problème dans mon équipe sans m'inquiéter de "
    "l'image que je donne.",
    "psych-safety-2": "Si je faisais une erreur dans cette équipe, on me la reprocherait.",
    "psych-safety-3": "Demander de l'aide est considéré ici comme une partie normale du travail.",
    "psych-safety-4": "Je peux exprimer ouvertement mon désaccord avec mon manager.",
    "psych-safety-5": "Dans cette équipe, on se fait parfois rabaisser quand on essaie quelque "
    "chose de nouveau.",
    "psych-safety-6": "Dans mon équipe, il est facile de dire \u00ab\u00a0Je ne sais pas\u00a0\u00bb.",
    "enps-1": "Quelle est la probabilité que vous recommandiez cette équipe comme lieu de "
    "travail à un ami ou une amie\u00a0?",
}

ENPS = (
    "enps-1",
    "How likely are you to recommend this team as a place to work to a friend?",
    "Wie wahrscheinlich ist es, dass Sie dieses Team einer Freundin oder einem Freund als "
    "Arbeitsplatz empfehlen?",
)


def install(*, Dimension, Question, QuestionVersion) -> None:
    """Create the default dimensions and items if missing. Takes the model classes so the data
    migration can pass its historical models and tests the real ones."""
    dims = {}
    for position, spec in enumerate(DIMENSIONS):
        dims[spec["key"]], _ = Dimension.objects.get_or_create(
            key=spec["key"],
            defaults={
                "name": spec["name"],
                "translations": {"de": spec["de"], "fr": spec["fr"]},
                "description": spec["description"],
                "position": position,
                "is_core": True,
            },
        )
    specs = [
        (code, {"dimension": dims[dim], "scale": "agree5", "reverse_scored": reverse,
                "position": position}, en, de)
        for position, (code, dim, reverse, en, de) in enumerate(ITEMS)
    ]  # fmt: skip
    code, en, de = ENPS
    specs.append((code, {"scale": "zero_ten", "position": 100}, en, de))
    for code, fields, en, de in specs:
        question, created = Question.objects.get_or_create(
            code=code, defaults={**fields, "source": SOURCE, "licence": LICENCE}
        )
        if created:
            QuestionVersion.objects.create(
                question=question,
                number=1,
                text=en,
                translations={"de": de, "fr": FRENCH[code]},
            )


def french_add(*, Dimension, QuestionVersion) -> None:
    """Give an installation made before French shipped the French wording of the default
    dimensions and items, where their English is still the default's (HR may have reworded)."""
    for spec in DIMENSIONS:
        for dimension in Dimension.objects.filter(key=spec["key"], name=spec["name"]):
            if "fr" not in dimension.translations:
                dimension.translations = {**dimension.translations, "fr": spec["fr"]}
                dimension.save(update_fields=["translations"])
    english = {code: en for code, _dim, _rev, en, _de in ITEMS} | {ENPS[0]: ENPS[1]}
    for version in QuestionVersion.objects.filter(question__code__in=english).select_related(
        "question"
    ):
        code = version.question.code
        if version.text == english[code] and "fr" not in version.translations:
            version.translations = {**version.translations, "fr": FRENCH[code]}
            version.save(update_fields=["translations"])
