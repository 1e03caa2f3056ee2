from django.contrib import admin

from .models import OrgSettings, Person, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "path"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "team", "role", "is_active"]
    search_fields = ["name", "email"]
    list_filter = ["role", "is_active"]


admin.site.register(OrgSettings)
