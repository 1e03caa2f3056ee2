MONTH_DAY_FORMAT = "j. N"  # 23. Nov.
DATE_FORMAT = "j. N Y"  # 23. Nov. 2026
DATETIME_FORMAT = "j. N Y, H:i"  # 23. Nov. 2026, 14:59
