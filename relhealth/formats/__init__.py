"""Date formats per language, on top of Django's (settings.FORMAT_MODULE_PATH).

Pages name a format (`|date:"MONTH_DAY_FORMAT"`) rather than spelling one, so each language writes
dates its own way: "23 Nov" in English, "23. Nov." in German, "23 nov." in French. Machine-read
attributes (`datetime=`, SVG coordinates) never use these.
"""
