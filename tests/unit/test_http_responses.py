"""The headers every HTTP answer carries, whichever front's shape the answer has."""

from handlers.http_responses import over_https, with_security_headers

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
