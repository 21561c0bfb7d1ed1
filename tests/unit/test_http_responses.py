"""The headers every HTTP answer carries, whichever front's shape the answer has."""

import json

from handlers.http_responses import (
    REFUSAL_STATUS,
    over_https,
    refusal_response,
    validation_errors,
    with_security_headers,
)
from handlers.logic.refusals import Refusal, RefusalReason

HSTS = "max-age=31536000; includeSubDomains"


def test_a_rest_api_answer_gets_no_store_and_hsts_in_its_multi_value_headers() -> None:
    answer = {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["application/json"]}}

    secured = with_security_headers(answer, https=True)

    assert secured["multiValueHeaders"]["Cache-Control"] == ["no-store"]
    assert secured["multiValueHeaders"]["Strict-Transport-Security"] == [HSTS]
    assert "headers" not in secured


def test_a_route_that_chose_its_caching_keeps_it_and_plain_http_gets_no_hsts() -> None:
    answer = {"statusCode": 200, "headers": {"cache-control": "public, max-age=300"}}

    secured = with_security_headers(answer, https=False)

    assert secured["headers"] == {"cache-control": "public, max-age=300"}


def test_only_a_front_that_says_https_is_taken_for_https() -> None:
    assert over_https({"headers": {"x-forwarded-proto": "https"}})
    assert not over_https({"headers": {"x-forwarded-proto": "http"}})
    assert not over_https({"headers": None})


# -- refusals ------------------------------------------------------------------------------------


def test_every_refusal_reason_has_a_status_code() -> None:
    assert set(REFUSAL_STATUS) == set(RefusalReason)


def test_a_refusal_of_the_whole_request_is_its_message() -> None:
    answer = refusal_response(Refusal(RefusalReason.NOT_FOUND, "There is no leave request x."))

    assert (answer.status_code, json.loads(answer.body or "")) == (
        404,
        {"message": "There is no leave request x."},
    )
    assert "Retry-After" not in answer.headers


def test_a_refusal_that_may_pass_says_when_to_retry() -> None:
    answer = refusal_response(Refusal(RefusalReason.NOT_NOW, "Busy.", retry_after=7))

    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "7")


def test_a_refusal_of_one_field_names_it_under_what_was_refused() -> None:
    refusal = Refusal(RefusalReason.INVALID, "must not be in the past", field="ends_on")

    answer = refusal_response(refusal, refused="The delegation")

    assert (answer.status_code, json.loads(answer.body or "")) == (
        422,
        {
            "message": "The delegation was refused.",
            "errors": [{"field": "ends_on", "problem": "must not be in the past"}],
        },
    )


def test_a_refusal_without_a_field_follows_what_was_refused() -> None:
    refusal = Refusal(RefusalReason.TOO_MANY_PENDING, "you have 5 waiting")

    answer = refusal_response(refusal, refused="The leave request")

    assert (answer.status_code, json.loads(answer.body or "")) == (
        429,
        {"message": "The leave request was refused: you have 5 waiting."},
    )


def test_pydantic_findings_are_told_in_plain_words() -> None:
    status, errors = validation_errors(
        [
            {"type": "missing", "loc": ("body", "token"), "msg": "Field required"},
            {
                "type": "enum",
                "loc": ("decision",),
                "msg": "Input should be 'approve' or 'reject'",
                "ctx": {"expected": "'approve' or 'reject'"},
            },
        ]
    )

    assert status == 422
    assert errors == [
        {"field": "token", "problem": "is required"},
        {"field": "decision", "problem": "must be one of approve, reject"},
    ]
