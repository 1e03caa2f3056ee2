"""HR screens that grow the question bank: new items, retire/reactivate, dimensions, imports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from checkins.hr_forms import (
    DimensionCreateForm,
    DimensionEditForm,
    InstrumentImportForm,
    QuestionForm,
)
from checkins.languages import translations_initial, translations_pop
from checkins.models import Dimension, Question
from checkins.services.instrument_import import InstrumentFileError, instrument_import
from checkins.services.questions import (
    dimension_create,
    dimension_update,
    question_active_set,
    question_create,
)
from org.http import AuthenticatedRequest, form_page_render
from org.permissions import hr_admin_required


@hr_admin_required
def question_new(request: AuthenticatedRequest) -> HttpResponse:
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["translations"] = translations_pop(data, prefix="text")
        try:
            question = question_create(**data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(code)s was added to the bank.") % {"code": question.code}
            )
            return redirect("checkins:hr-questions")
    return form_page_render(request, "checkins/hr/question_new.html", {"form": form})


@hr_admin_required
@require_POST
def question_state(request: AuthenticatedRequest, pk: int, active: bool) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    question_active_set(question=question, is_active=active)
    if active:
        messages.success(request, _("%(code)s is back in the rotation.") % {"code": question.code})
    else:
        messages.success(
            request,
            _("%(code)s is retired: no new round asks it; its answers stay.")
            % {"code": question.code},
        )
    return redirect("checkins:hr-questions")


@hr_admin_required
def dimension_list(request: AuthenticatedRequest) -> HttpResponse:
    form = DimensionCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        translations = translations_pop(data, prefix="name")
        dimension = dimension_create(**data, translations=translations)
        messages.success(request, _("Dimension %(name)s was added.") % {"name": dimension.name})
        return redirect("checkins:hr-dimensions")
    dimensions = Dimension.objects.annotate(item_count=Count("questions")).order_by("position")
    return form_page_render(
        request, "checkins/hr/dimension_list.html", {"form": form, "dimensions": dimensions}
    )


@hr_admin_required
def dimension_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    dimension = get_object_or_404(Dimension, pk=pk)
    initial = {
        "name": dimension.name,
        **translations_initial(dimension.translations, prefix="name"),
        "description": dimension.description,
        "is_outcome": dimension.is_outcome,
    }
    form = DimensionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        translations = translations_pop(data, prefix="name")
        dimension_update(dimension=dimension, **data, translations=translations)
        messages.success(request, _("Dimension %(name)s was saved.") % {"name": dimension.name})
        return redirect("checkins:hr-dimensions")
    return form_page_render(
        request, "checkins/hr/dimension_edit.html", {"form": form, "dimension": dimension}
    )


@hr_admin_required
def instrument_import_view(request: AuthenticatedRequest) -> HttpResponse:
    form = InstrumentImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = instrument_import(
                content=upload.read(), filename=upload.name, actor=request.user
            )
        except InstrumentFileError as exc:
            form.add_error("file", str(exc))
            status = 400
        else:
            if not result.errors:
                messages.success(
                    request,
                    _("%(n)s items were added to the bank.") % {"n": len(result.created)},
                )
                return redirect("checkins:hr-questions")
            context["errors"] = result.errors
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "checkins/hr/instrument_import.html", context, status=status)
