"""A small keep-alive JSON client for set-up requests (not for load)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.text) if self.text.strip() else None

    def why(self) -> str:
        """The server's error messages, or the start of the body."""
        try:
            errors = self.json().get("errors")
        except (ValueError, AttributeError):
            errors = None
        detail = "; ".join(str(e).strip() for e in errors) if errors else self.text.strip()
        detail = " ".join(detail.split())
        return f"HTTP {self.status}" + (f" {detail[:160]}" if detail else "")


class Client:
    """HTTP/1.1 to 127.0.0.1:<port>, reconnecting once if the connection dropped."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 30.0) -> None:
        self.port = port
        self.token = token
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> Reply:
        headers = {"Content-Type": "application/json"}
        use = token if token is not None else self.token
        if use:
            headers["X-Vault-Token"] = use
        payload = None if body is None else (
            body if isinstance(body, bytes) else json.dumps(body).encode()
        )
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, self.timeout)
            try:
                self._conn.request(method, "/v1/" + path.lstrip("/"), payload, headers)
                response = self._conn.getresponse()
                return Reply(response.status, response.read().decode(errors="replace"))
            except TimeoutError:
                self.close()
                raise  # the server may have acted on it: never resend
            except (OSError, http.client.HTTPException):
                self.close()  # e.g. a kept-alive connection the server had closed
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
