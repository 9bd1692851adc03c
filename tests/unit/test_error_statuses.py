"""Domain errors carry meaning; api/http.py alone maps them to HTTP statuses."""

from __future__ import annotations

import inspect
import json

import pytest

from skysentral.api.http import HTTP_STATUS, error_response, http_status_of
from skysentral.domain import errors

DOMAIN_ERRORS = [cls for _, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, errors.DomainError)]


@pytest.mark.parametrize("error_class", DOMAIN_ERRORS, ids=lambda c: c.__name__)
def test_every_domain_error_answers_a_4xx_status(error_class):
    error = error_class.__new__(error_class)
    assert 400 <= http_status_of(error) < 500


def test_domain_errors_know_nothing_of_http():
    assert not any(hasattr(cls, "status") for cls in DOMAIN_ERRORS)


@pytest.mark.parametrize(
    "error, status",
    [
        (errors.InvalidPhoneNumber("bad number"), 400),
        (errors.Forbidden("no"), 403),
        (errors.NotFound("none"), 404),
        (errors.DepartmentNotEmpty("busy"), 409),
        (errors.RolloverNotAllowed("small"), 422),
        (errors.BalanceNotCurrent("old"), 409),
        (errors.UnknownProduct("X"), 400),
        (errors.Unauthorized("who"), 401),
    ],
)
def test_a_subclass_answers_its_nearest_mapped_ancestor(error, status):
    response = error_response(error)
    assert response.status_code == status
    assert json.loads(response.body) == {"error": error.code, "message": error.message}


def test_the_table_only_maps_domain_errors():
    assert all(issubclass(cls, errors.DomainError) for cls in HTTP_STATUS)
