"""HR screens of the question bank (list and edit wording). Only HR admins reach them."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from checkins.hr_forms import WordingForm
from checkins.languages import translations_initial, translations_pop
from checkins.models import Question
from checkins.services.questions import question_provenance_update, question_wording_update
from org.http import AuthenticatedRequest, form_page_render
from org.permissions import hr_admin_required
from org.query_forms import SearchQueryForm, query_parse


@hr_admin_required
def question_list(request: AuthenticatedRequest) -> HttpResponse:
    params, status = query_parse(request, SearchQueryForm)
    query = params["q"]
    questions = (
        Question.objects.select_related("dimension")
        .prefetch_related("versions")
        .annotate(version_count=Count("versions"))
        .order_by("dimension__position", "position", "code")
    )
    if query:
        questions = questions.filter(Q(code__icontains=query) | Q(versions__text__icontains=query))
        questions = questions.distinct()
    page = Paginator(questions, 25).get_page(request.GET.get("page"))
    return render(
        request, "checkins/hr/question_list.html", {"page": page, "query": query}, status=status
    )


@hr_admin_required
def question_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    current = question.current_version()
    form = WordingForm(
        request.POST or None,
        initial={
            "text": current.text,
            **translations_initial(current.translations, prefix="text"),
            "source": question.source,
            "licence": question.licence,
        },
    )
    if request.method == "POST" and form.is_valid():
        version = question_wording_update(
            question=question,
            text=form.cleaned_data["text"],
            translations=translations_pop(dict(form.cleaned_data), prefix="text"),
        )
        question_provenance_update(
            question=question,
            source=form.cleaned_data["source"] or question.source,
            licence=form.cleaned_data["licence"] or question.licence,
        )
        if version.number != current.number:
            messages.success(
                request,
                _("Saved as version %(n)s: earlier answers keep the wording they answered.")
                % {"n": version.number},
            )
        else:
            messages.success(request, _("Saved."))
        return redirect("checkins:hr-questions")
    return form_page_render(
        request,
        "checkins/hr/question_edit.html",
        {"question": question, "form": form, "versions": question.versions.order_by("-number")},
    )
