from kameng.suppliers.signing import answer_signature, request_signature, verify_answer, verify_request

BODY = b'{"request_id":"r1","sku":"qq-vip"}'


def test_a_request_signature_verifies_with_the_same_secret_only():
    sig = request_signature("s3cret", "POST", "/topups", BODY)
    assert len(sig) == 64
    assert verify_request("s3cret", "POST", "/topups", BODY, sig)
    assert verify_request("s3cret", "post", "/topups", BODY, sig.upper())
    assert not verify_request("other", "POST", "/topups", BODY, sig)


def test_a_tampered_body_path_or_method_fails_verification():
    sig = request_signature("s3cret", "POST", "/topups", BODY)
    assert not verify_request("s3cret", "POST", "/topups", BODY.replace(b"r1", b"r2"), sig)
    assert not verify_request("s3cret", "POST", "/topups/x", BODY, sig)
    assert not verify_request("s3cret", "GET", "/topups", BODY, sig)


def test_queries_for_different_requests_have_different_signatures():
    # An empty GET body must not make every query's signature the same.
    assert request_signature("s", "GET", "/topups/a", b"") != request_signature("s", "GET", "/topups/b", b"")


def test_missing_or_garbage_signatures_are_refused():
    assert not verify_request("s", "POST", "/topups", BODY, None)
    assert not verify_request("s", "POST", "/topups", BODY, "")
    assert not verify_request("s", "POST", "/topups", BODY, "zz" * 32)
    assert not verify_answer("s", BODY, None)
    assert verify_answer("s", BODY, answer_signature("s", BODY))
    assert not verify_answer("s", BODY + b" ", answer_signature("s", BODY))
