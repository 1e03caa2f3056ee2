MONTH_DAY_FORMAT = "j N"  # 23 nov.
DATE_FORMAT = "j N Y"  # 23 nov. 2026
DATETIME_FORMAT = "j N Y, H:i"  # 23 nov. 2026, 14:59
