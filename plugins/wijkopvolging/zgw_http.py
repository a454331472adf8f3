"""Requests to a ZGW API, shared by the Zaken client (``sources.zgw``) and the Documenten
client (``archive``): one authenticated request, and the retries around it.

Authentication per the ZGW auth spec: a JWT signed with HS256 by the client's secret,
claims ``iss``, ``iat``, ``client_id``, ``user_id`` and ``user_representation``, sent as
``Authorization: Bearer``; a fresh token per request, so long reads never expire.

What another try may fix (a timeout, a lost connection, an answer cut short, 429, 5xx)
raises ``Unavailable`` and is tried again, waiting ``backoff``, then twice as long each
time (at most ``MAX_BACKOFF_SECONDS``), or what a numeric ``Retry-After`` asks. What it
will not fix is each client's own error in its own words: 401/403 through the client's
``_denied``, any other 4xx where the client reads the answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

    from wijkopvolging.sources.zgw import ZgwConnection

USER_ID = "wijkopvolging"
CONNECT_TIMEOUT = 5.0
MAX_BACKOFF_SECONDS = 60.0


def zgw_token(client_id: str, secret: str, *, user_representation: str,
              now: float | None = None, user_id: str = USER_ID) -> str:
    """A ZGW JWT (HS256) for one request."""
    import jwt

    claims = {
        "iss": client_id,
        "iat": int(time.time() if now is None else now),
        "client_id": client_id,
        "user_id": user_id,
        "user_representation": user_representation,
    }
    return jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "JWT"})


class Unavailable(Exception):
    """An answer worth another try: a timeout, a lost connection, 429 or 5xx."""

    def __init__(self, reason: str, retry_after: str | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class ZgwClient:
    """The request and retries a ZGW API client builds on. A client names its JWT's
    ``user_representation``, the ``read_timeout`` reason (``{seconds}``: the timeout, with
    the setting that holds it) and its error for a refusal (``_denied``)."""

    user_representation: str
    read_timeout: str

    def __init__(self, connection: ZgwConnection, *, timeout: float = 30.0,
                 retries: int = 4, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep,
                 session: requests.Session | None = None):
        import requests

        self.connection = connection
        self.timeout = (CONNECT_TIMEOUT, float(timeout))
        self.retries = int(retries)
        self.backoff = backoff
        self.sleep = sleep
        self.session = session or requests.Session()
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    def _denied(self, response: requests.Response) -> Exception:
        """The error for a 401 or 403: who was refused and what to check."""
        raise NotImplementedError

    def _with_retries(self, once: Callable[..., Any], *args: Any) -> Any:
        """``once(*args)``, tried up to ``retries`` more times while it raises
        ``Unavailable``; the last ``Unavailable`` reaches the caller."""
        import tenacity

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retries + 1),
            wait=_RetryAfterOr(tenacity.wait_exponential(multiplier=self.backoff,
                                                         max=MAX_BACKOFF_SECONDS)),
            retry=tenacity.retry_if_exception_type(Unavailable),
            sleep=self.sleep, reraise=True)
        return retrying(once, *args)

    def _send(self, method: str, url: str, *, headers: dict[str, str] | None = None,
              **kwargs: Any) -> requests.Response:
        """One authenticated request: the response, ``Unavailable`` for what may pass, or
        ``_denied`` for a refusal. Any other 4xx comes back for the client to word."""
        import requests

        token = zgw_token(self.connection.client_id, self.connection.secret,
                          user_representation=self.user_representation)
        self.requests += 1
        try:
            response = self.session.request(
                method, url, timeout=self.timeout,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                         **(headers or {})}, **kwargs)
        except requests.ReadTimeout as exc:
            raise Unavailable(self.read_timeout.format(seconds=self.timeout[1])) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise Unavailable(type(exc).__name__) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            # The body stopped before its promised length: the connection broke mid-answer.
            raise Unavailable(f"antwoord afgebroken ({exc})") from exc
        status = response.status_code
        if status in (401, 403):
            raise self._denied(response)
        if status == 429 or status >= 500:
            raise Unavailable(f"{status} {response.reason}",
                              retry_after=response.headers.get("Retry-After"))
        return response


class _RetryAfterOr:
    """tenacity wait: the server's numeric ``Retry-After`` (capped at
    ``MAX_BACKOFF_SECONDS``) when the last answer sent one, else ``fallback``."""

    def __init__(self, fallback):
        self.fallback = fallback

    def __call__(self, retry_state) -> float:
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(failure, "retry_after", None)
        if retry_after and str(retry_after).isdigit():
            return min(float(retry_after), MAX_BACKOFF_SECONDS)
        return self.fallback(retry_state)
