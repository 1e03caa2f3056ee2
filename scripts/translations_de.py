# ruff: noqa: RUF001 - German typography uses the en dash on purpose.
"""Fill locale/de/LC_MESSAGES/django.po from the table below and compile it.

Run after `manage.py makemessages -l de`: `.venv/bin/python scripts/translations_de.py`.
Needs polib (`pip install polib`) only when translations change; the .mo is committed.
"""

from pathlib import Path

import polib

DE = {
    "Strongly disagree": "Stimme überhaupt nicht zu",
    "Disagree": "Stimme nicht zu",
    "Neutral": "Neutral",
    "Agree": "Stimme zu",
    "Strongly agree": "Stimme voll zu",
    "Anything you would like to add? (optional)": "Möchten Sie noch etwas ergänzen? (optional)",
    "Prefer not to answer": "Möchte ich nicht beantworten",
    "Choose an answer or 'Prefer not to answer'.": "Wählen Sie eine Antwort oder „Möchte ich nicht beantworten“.",
    "Wording (English)": "Formulierung (Englisch)",
    "Wording (German)": "Formulierung (Deutsch)",
    "Saved as version %(n)s: earlier answers keep the wording they answered.": "Als Version %(n)s gespeichert: frühere Antworten behalten die Formulierung, auf die sie sich beziehen.",
    "Saved.": "Gespeichert.",
    "Agreement, 5 points": "Zustimmung, 5 Stufen",
    "Agreement, 7 points": "Zustimmung, 7 Stufen",
    "0 to 10 (eNPS)": "0 bis 10 (eNPS)",
    "Open text": "Freitext",
    "Weekly": "Wöchentlich",
    "Every N weeks": "Alle N Wochen",
    "Monthly": "Monatlich",
    "Open": "Offen",
    "Closed": "Geschlossen",
    "Invitation": "Einladung",
    "Reminder": "Erinnerung",
    "Digest": "Zusammenfassung",
    "Alert": "Hinweis",
    "Pending": "Wartend",
    "Sending": "Wird gesendet",
    "Sent": "Gesendet",
    "Skipped": "Übersprungen",
    "Failed": "Fehlgeschlagen",
    "%(value)s is not a known time zone.": "%(value)s ist keine bekannte Zeitzone.",
    "A team cannot be moved below itself.": "Ein Team kann nicht unter sich selbst verschoben werden.",
    "Employee": "Mitarbeiter:in",
    "Manager": "Führungskraft",
    "HR admin": "HR-Administration",
    "No figure from fewer respondents is shown. Frozen per round once it opens.": "Keine Zahl aus weniger Antworten wird gezeigt. Für jede Runde ab ihrem Start festgeschrieben.",
    "Skip to content": "Zum Inhalt springen",
    "Weekly check-in": "Wöchentlicher Check-in",
    "%(counter)s question · about a minute": [
        "%(counter)s Frage · etwa eine Minute",
        "%(counter)s Fragen · etwa eine Minute",
    ],
    "{done} of {total} answered": "{done} von {total} beantwortet",
    "Please check your answers:": "Bitte prüfen Sie Ihre Antworten:",
    "0 · not at all likely": "0 · sehr unwahrscheinlich",
    "10 · extremely likely": "10 · äußerst wahrscheinlich",
    "1 · strongly disagree": "1 · stimme überhaupt nicht zu",
    "3 · neutral": "3 · neutral",
    "5 · strongly agree": "5 · stimme voll zu",
    "Up to 2,000 characters. Shown to your manager only together with comments from at least 10 people, in random order. Write in any language — note that an unusual language can make a comment easier to attribute.": "Bis zu 2.000 Zeichen. Ihre Führungskraft sieht Kommentare nur zusammen mit denen von mindestens 10 Personen, in zufälliger Reihenfolge. Schreiben Sie in jeder Sprache – eine ungewöhnliche Sprache kann einen Kommentar aber leichter zuordenbar machen.",
    "Send my check-in": "Check-in absenden",
    "Edit question": "Frage bearbeiten",
    "Question bank": "Fragenkatalog",
    "If this wording already has answers, saving keeps it and starts a new version, so earlier answers stay with the words people actually answered and the trend follows the chain.": "Hat diese Formulierung schon Antworten, bleibt sie erhalten und eine neue Version beginnt: frühere Antworten behalten die Worte, auf die geantwortet wurde, und der Verlauf folgt der Kette.",
    "Save": "Speichern",
    "Cancel": "Abbrechen",
    "Versions": "Versionen",
    "Search questions": "Fragen durchsuchen",
    "Search wording or code": "Formulierung oder Code suchen",
    "Search": "Suchen",
    "Dimension": "Dimension",
    "Question": "Frage",
    "Scale": "Skala",
    "Version": "Version",
    "Actions": "Aktionen",
    "reverse-scored": "umgekehrt gewertet",
    "Edit": "Bearbeiten",
    "No questions match.": "Keine passenden Fragen.",
    "Pages": "Seiten",
    "Previous": "Zurück",
    "Next": "Weiter",
    "Check-in link": "Check-in-Link",
    "This check-in has closed": "Dieser Check-in ist beendet",
    "The round this link belongs to has ended, so it can no longer take answers. You will get a new link when the next round opens.": "Die Runde zu diesem Link ist vorbei und nimmt keine Antworten mehr an. Sie erhalten einen neuen Link, wenn die nächste Runde beginnt.",
    "This link does not work": "Dieser Link funktioniert nicht",
    "The link may be incomplete or mistyped. Open it again from your invitation email, copying the whole address, or sign in to see your open check-ins.": "Der Link ist vielleicht unvollständig oder falsch abgetippt. Öffnen Sie ihn erneut aus Ihrer Einladungs-E-Mail (die ganze Adresse) oder melden Sie sich an, um Ihre offenen Check-ins zu sehen.",
    "Go to Relhealth": "Zu Relhealth",
    "Demo outbox": "Demo-Postausgang",
    "Every email the demo sent (%(total)s), newest first. Open an invitation's link to answer a check-in as that person. This page exists only in demo installs.": "Alle E-Mails der Demo (%(total)s), neueste zuerst. Öffnen Sie den Link einer Einladung, um als diese Person zu antworten. Diese Seite gibt es nur in Demo-Installationen.",
    "To": "An",
    "No emails yet. The demo opens a round within a minute of start; reload this page then.": "Noch keine E-Mails. Die Demo startet innerhalb einer Minute eine Runde; laden Sie die Seite dann neu.",
    "Thank you": "Danke",
    "Your check-in is already recorded": "Ihr Check-in ist bereits gespeichert",
    "We have your answers for this round — nothing more to do. Each person's check-in is stored once, and it cannot be changed afterwards because it is no longer linked to you.": "Wir haben Ihre Antworten für diese Runde – es ist nichts mehr zu tun. Jeder Check-in wird einmal gespeichert und kann danach nicht mehr geändert werden, weil er nicht mehr mit Ihnen verknüpft ist.",
    "Thank you — your check-in is recorded": "Danke – Ihr Check-in ist gespeichert",
    "Your answers were stored without your name. Your team's results appear when the round closes, and only if enough people answered.": "Ihre Antworten wurden ohne Ihren Namen gespeichert. Die Ergebnisse Ihres Teams erscheinen nach Ende der Runde und nur, wenn genug Personen geantwortet haben.",
    "How your answers are protected": "Wie Ihre Antworten geschützt sind",
    "Dashboard": "Übersicht",
    "Culture dashboard": "Kultur-Übersicht",
    "Scores run from 0 to 100, with the 95 %% confidence interval beneath. Figures from too few people are hidden to protect anonymity, and a round's figures appear only once it has closed.": "Werte von 0 bis 100, darunter das 95-%%-Konfidenzintervall. Zahlen aus zu wenigen Antworten sind zum Schutz der Anonymität ausgeblendet; die Zahlen einer Runde erscheinen erst nach ihrem Ende.",
    "and the teams below it": "und die Teams darunter",
    "Scores for %(t)s by round and dimension": "Werte für %(t)s nach Runde und Dimension",
    "Round": "Runde",
    "Participation": "Beteiligung",
    "Week of %(d)s": "Woche vom %(d)s",
    "small group": "kleine Gruppe",
    "not asked": "nicht gefragt",
    "fewer than %(k)s": "weniger als %(k)s",
    "favourable": "positiv",
    "No closed rounds yet.": "Noch keine abgeschlossenen Runden.",
    "You do not lead any team yet.": "Sie leiten noch kein Team.",
    "Hello %(name)s,": "Hallo %(name)s,",
    "This week's check-in has %(counter)s question and takes about a minute.": [
        "Der Check-in dieser Woche hat %(counter)s Frage und dauert etwa eine Minute.",
        "Der Check-in dieser Woche hat %(counter)s Fragen und dauert etwa eine Minute.",
    ],
    "Answer the check-in": "Check-in beantworten",
    "The link is personal and works once, until %(when)s.": "Der Link ist persönlich und funktioniert einmal, bis %(when)s.",
    "Your answers are stored without your name and shown only in groups of at least %(min_group_size)s people. No manager can see who answered.": "Ihre Antworten werden ohne Ihren Namen gespeichert und nur in Gruppen von mindestens %(min_group_size)s Personen gezeigt. Keine Führungskraft sieht, wer geantwortet hat.",
    "How your answers are protected:": "Wie Ihre Antworten geschützt sind:",
    "Your weekly check-in: %(name)s (about a minute)": "Ihr wöchentlicher Check-in: %(name)s (etwa eine Minute)",
    "A friendly reminder: this week's check-in is still open for you.": "Eine freundliche Erinnerung: Der Check-in dieser Woche ist für Sie noch offen.",
    "Reminder: your weekly check-in: %(name)s (about a minute)": "Erinnerung: Ihr wöchentlicher Check-in: %(name)s (etwa eine Minute)",
    "Home": "Start",
    "Hello, %(name)s": "Hallo, %(name)s",
    "Your check-ins": "Ihre Check-ins",
    "week of %(d)s": "Woche vom %(d)s",
    "Answer now": "Jetzt antworten",
    "Nothing to answer right now. Thank you!": "Gerade gibt es nichts zu beantworten. Danke!",
    "Your teams": "Ihre Teams",
    "Open the culture dashboard": "Kultur-Übersicht öffnen",
    "Sign in": "Anmelden",
    "Sign in to Relhealth": "Bei Relhealth anmelden",
    "Answering a check-in needs no password: use the link in your invitation email.": "Für einen Check-in brauchen Sie kein Passwort: Nutzen Sie den Link in Ihrer Einladungs-E-Mail.",
    "Privacy": "Datenschutz",
    "Relhealth is built so that nobody — not your manager, not HR, not the people who run it — can read your individual answers.": "Relhealth ist so gebaut, dass niemand – weder Ihre Führungskraft noch HR noch der Betrieb – Ihre einzelnen Antworten lesen kann.",
    "What is stored": "Was gespeichert wird",
    "That you were invited to a round, and whether you answered (yes or no). This is how you get at most one invitation and no reminder once you have answered.": "Dass Sie zu einer Runde eingeladen wurden und ob Sie geantwortet haben (ja oder nein). So erhalten Sie höchstens eine Einladung und keine Erinnerung mehr, sobald Sie geantwortet haben.",
    "Your answers, in a separate record that holds the round, the team you were in and the answers — no name, no email, no link to you, no time finer than the round, no language, device or address.": "Ihre Antworten, in einem getrennten Datensatz mit der Runde, Ihrem damaligen Team und den Antworten – ohne Namen, ohne E-Mail, ohne Verbindung zu Ihnen, ohne genauere Zeit als die Runde, ohne Sprache, Gerät oder Adresse.",
    "What is shown": "Was gezeigt wird",
    "Scores only for groups of at least %(k)s people who answered; smaller groups are hidden, also where they could be worked out by subtracting one figure from another.": "Werte nur für Gruppen mit mindestens %(k)s Antworten; kleinere Gruppen bleiben verborgen, auch wo man sie durch Abziehen einer Zahl von einer anderen errechnen könnte.",
    "Comments only from groups of at least 10 people, in random order, dated only by the round.": "Kommentare nur aus Gruppen von mindestens 10 Personen, in zufälliger Reihenfolge, nur mit der Runde datiert.",
    "Results appear after a round closes, never answer by answer. Nobody sees who has or has not answered.": "Ergebnisse erscheinen nach Ende einer Runde, nie Antwort für Antwort. Niemand sieht, wer geantwortet hat und wer nicht.",
    "Who is trusted": "Wem vertraut wird",
    "Managers and HR admins are not trusted with individual answers: they see only group figures from closed rounds. The administrator of the database itself is trusted more, but only while a round is open: they could in principle watch records arrive and match them with people who answered at the same moment. When the round closes, its records are rewritten in random order under new keys, so afterwards not even the order in which they were stored can tie them to anyone.": "Führungskräfte und HR sehen keine einzelnen Antworten, nur Gruppenwerte abgeschlossener Runden. Der Administration der Datenbank selbst wird mehr vertraut, aber nur solange eine Runde offen ist: Sie könnte grundsätzlich beobachten, wann Datensätze eintreffen, und sie Personen zuordnen, die im selben Moment geantwortet haben. Wenn die Runde endet, werden ihre Datensätze in zufälliger Reihenfolge unter neuen Schlüsseln neu geschrieben, sodass danach nicht einmal die Speicherreihenfolge sie jemandem zuordnen kann.",
    "Main": "Hauptmenü",
    "Questions": "Fragen",
    "Sign out": "Abmelden",
    "Your answers are stored without your name and shown only in groups of at least %(k)s people. No manager can see who answered or what you said.": "Ihre Antworten werden ohne Ihren Namen gespeichert und nur in Gruppen von mindestens %(k)s Personen gezeigt. Keine Führungskraft sieht, wer geantwortet hat oder was Sie gesagt haben.",
    "What exactly is stored": "Was genau gespeichert wird",
    "Sign-in paused": "Anmeldung pausiert",
    "Sign-in paused for 15 minutes": "Anmeldung für 15 Minuten pausiert",
    "There were too many wrong passwords for this account from your address. To protect the account, signing in is paused for 15 minutes. Answering a check-in from your invitation link still works.": "Für dieses Konto gab es von Ihrer Adresse aus zu viele falsche Passwörter. Zum Schutz des Kontos ist die Anmeldung für 15 Minuten pausiert. Check-ins über Ihren Einladungslink funktionieren weiterhin.",
    "Too many attempts": "Zu viele Versuche",
    "Too many attempts — please wait a minute": "Zu viele Versuche – bitte warten Sie eine Minute",
    "This page was sent more often in a short time than a person would. Nothing was stored from the last attempt. Wait a minute, then try again.": "Diese Seite wurde in kurzer Zeit öfter abgeschickt, als ein Mensch es täte. Vom letzten Versuch wurde nichts gespeichert. Warten Sie eine Minute und versuchen Sie es dann erneut.",
}


def main() -> None:
    path = Path(__file__).resolve().parent.parent / "locale" / "de" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    missing = []
    for entry in po:
        value = DE.get(entry.msgid)
        if value is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: value[0], 1: value[1]}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.metadata["Language"] = "de"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    po.save_as_mofile(str(path.with_suffix(".mo")))
    if missing:
        raise SystemExit("Untranslated: " + " | ".join(missing))


if __name__ == "__main__":
    main()
