"""Test helpers: an API client that authenticates like an integration, the error-shape check,
threads for races, and publishing rulebook parameters."""

from __future__ import annotations

from django.test import Client

from kameng.accounts.services import issue_api_token


class ApiClient:
    """A JSON client that sends a bearer token, like an integration would."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _token, plaintext = issue_api_token(user=user, name="test")
            self.headers["Authorization"] = f"Bearer {plaintext}"

    def _call(self, method, path, data=None, **extra):
        headers = {**self.headers, **extra.pop("headers", {})}
        fn = getattr(self.client, method)
        if (
            method in ("post", "put", "patch", "delete")
            and not isinstance(data, (bytes, str))
            and "content_type" not in extra
        ):
            return fn(path, data=data, content_type="application/json", headers=headers, **extra)
        return fn(path, data=data, headers=headers, **extra)

    def get(self, path, data=None, **extra):
        return self._call("get", path, data, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def delete(self, path, data=None, **extra):
        return self._call("delete", path, data, **extra)


def assert_error(response, status: int, code: str | None = None):
    """Every API error has the one shape; use this in every bad-input test."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["message"], body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def run_threads(n: int, target):
    """Run target(i) in n threads released together by a barrier, each on its own database
    connection (closed at the end). Returns (results by i, exceptions raised)."""
    import threading

    from django.db import close_old_connections, connection

    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[Exception] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def publish_rules(note: str = "test", **params):
    """Publish the next rulebook version with these parameters changed, the way an operator does
    (e.g. ``publish_rules(batch_threshold_fen=4000)`` for smaller 分批到账 batches). Orders placed
    afterwards follow it; orders placed before keep theirs. Returns the new version."""
    from kameng.accounts.models import Role, User
    from kameng.rulebook import services
    from tests.factories import UserFactory

    # An operator the test already has, so that no test meets an operator it did not create.
    operator = User.objects.filter(role=Role.OPERATOR).order_by("pk").first() or UserFactory(
        role=Role.OPERATOR, username="rulebook-operator"
    )
    return services.publish_version(operator=operator, params=params, clauses=None, note=note)
