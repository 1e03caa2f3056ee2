from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from org.query_forms import whole_number_parse


class ApiPagination(PageNumberPagination):
    """Page-number pagination that refuses a bad `page` or `page_size` instead of ignoring it."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        size = whole_number_parse(raw[0], maximum=self.max_page_size)
        if len(raw) > 1 or size is None:
            raise ValidationError(
                {"page_size": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.getlist(self.page_query_param)
        if raw and (len(raw) > 1 or whole_number_parse(raw[0]) is None):
            raise ValidationError({"page": ["A whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            param["schema"] = {"type": "integer", "minimum": 1}
            if param["name"] == self.page_size_query_param:
                param["schema"]["maximum"] = self.max_page_size
        return params
