"""One HTTP client for the gateway, and one assertion for the JSON errors it answers."""
import requests

JSON = "application/json; charset=utf-8"


class Api:
    """requests against one gateway; ``as_`` is the bearer token of the call (None: no header)."""

    def __init__(self, base_url, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def request(self, method, path, as_=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if as_ is not None:
            headers["Authorization"] = f"Bearer {as_}"
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, self.base_url + path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def ok(self, method, path, expected=(200, 201), **kwargs):
        """The JSON of a call that must succeed; fails the test with the error body otherwise."""
        response = self.request(method, path, **kwargs)
        assert response.status_code in expected, (method, path, response.status_code, response.text)
        return response.json()

    def close(self):
        self.session.close()


def assert_json_error(response, status, code=None):
    """``response`` is the JSON error ``{error, message[, fields]}`` with ``status`` (and ``code``);
    returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == JSON, response.headers["Content-Type"]
    body = response.json()
    assert set(body) <= {"error", "message", "fields"}, body
    if code is not None:
        assert body["error"] == code, body
    assert body["message"], body
    assert "Traceback" not in response.text
    return body
