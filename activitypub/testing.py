"""Test helpers for code that federates: static RSA keys and a fake remote server.

``FakeRemote`` is an ``httpx.MockTransport`` handler playing any number of remote hosts::

    remote = FakeRemote()
    alice = remote.add_actor("alice", host="remote.test")
    client = FederationClient(config, transport=remote.transport())
    ...
    assert remote.inbox[-1]["type"] == "Follow"
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from . import builders
from .client import KeyPair
from .errors import FormatError
from .signatures.keys import key_id_for
from .types import JsonObject
from .vocab import ACTIVITY_JSON, JRD_JSON
from .webfinger import jrd, parse_acct

ACTIVITY_CONTENT_TYPE = f"{ACTIVITY_JSON}; charset=utf-8"


@dataclass(frozen=True)
class StaticKey:
    """A pre-generated RSA-2048 key pair, so tests never pay for key generation."""

    private_key_pem: str
    public_key_pem: str


STATIC_KEYS: tuple[StaticKey, ...] = (
    StaticKey(
        private_key_pem="""-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCtjSEFO1ekfGWV
JJTgqQNFBaXo/vMLZdj1i+el4Obh7PrYY6sZgg6DRWa2241ZGKd1/pEtl3dst9SW
EMhlDtJRJoj1Xf/e2aAIgagTMWMGXHFDUFYaXhHU8olVoNeiXEjf44hGlAzvMzMa
oEHciNw7/LIMv7xs5G5yg60ye2mfbdhvNHLjXmnjJg2jZB8syxel4chMj4Op/S4y
U4PAUj0cMIjvTwofY1PYvx767fxgxb/ufUZprOStlsJBMpUuXavxOmm8WCNfmvX3
2YZQu6U6PgcRvatpz5Gf20u7vBXbbo7X6o34Ap24FZcehFM6T8Fn7MqFYlEwdXGy
i8E7TolhAgMBAAECggEAR3fSnUDuuoGvo1dJJ6rx+b51sBktJQhv684NOrX+3hKk
ye9hSkPQjiZKQgrvjj0k2OZYCppRR6f8F0AaBeOwoFJqHAD1mWOtD1O1TxILYVc4
HSw8COesGDE4dNajdezi5a/hMo9NNEO1S8Wq2ZJSfzF0cOOUSJNZGDc5X4yK1mfL
jfAvJCQq9Wk8QkfhjqcPTt/B6PTBVRQKVbm8iHnmkROT8D1lVW3qnsrJXgvNXxeJ
aEn6jj/kcuZIUC7TqgriXcTmoRmP38ej0Bf1WaB23VDFqEkigh6tnlHkfeZ2nmFC
elQNR8gN1emZUbEgzBce+wRpwJVG6V5x0H/zuaeWcQKBgQDkQoLdqJ9nl6gd6/BB
HsdZ6eYFR4axwxg+LtLJ7vUPY47bk3NVZ8El8lhbVgZ6UsKdbmpRZnudH7Ld+gv2
LPtPEEw0mUzEOC7LhPCZ3dBKgOstbggX79KBZc8G1BAGpFGnIV/+2UNuG6G5uhf9
1fDubIpQpAB+I8yel6r4+euSAwKBgQDCpI60CTML6tmNaVO7PLdhtGdcMBy32xTA
Q9CwFV9P/kYv/2EFn1t0FmK9pCwdNpo33R2XjqWf28x9DNdIwNHCSyOqSQX5fhal
ia191KSMaX7V6TtfsRH465/0KihkndNAAoRDp0pOjcYrhfD+8mQbZPw2hcJuediQ
fMqo0tPrywKBgAnV892pTnUgS9Y+PHQR53UwZwEDPAKc7YaAbgTVjynCmH1NtUKQ
3fnMn5IP+ud6eXhfMaWgTONQYly+UZWiCpI1mZMKqAwsf5e1esimjjsnovqqKx8c
7m00/d7FdItUuVACWCibJBSyjB18r1v4xBECDFO9PWgyErciwfNIkaYRAoGAXfwR
f/NVN7Lt2295Y9acgcwXgJcmtsxNh8z3Dp8zR6/y+igpFArvoO1SPlnwhyafbswR
BuZ1KOx8IAG8Tj/0yQl5LjdWcDMnAkWphTHRRo+GFAorhjg9AmHb+Y0FthfTMnxE
m1pC8g1ZHBjv1lr6ZZPsiPMrgCbLoHDxdnVeqOMCgYA87cfY7TmaozCrh1WfSkaM
vDX14DuS6C42fFTzXnhGYfcFH7RP6ec5bN7mxPmpPS9PGZZhScjqkeW0ukXn/8aY
2DH3hnwKF2vwVwaHgpbiLL7R5QD4CQrRFxfaLwIuPZF5vg7E3/JdVb3gU4otNPDv
Z41lpbmj2YJlpTlVgkN/Fw==
-----END PRIVATE KEY-----
""",
        public_key_pem="""-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArY0hBTtXpHxllSSU4KkD
RQWl6P7zC2XY9YvnpeDm4ez62GOrGYIOg0VmttuNWRindf6RLZd3bLfUlhDIZQ7S
USaI9V3/3tmgCIGoEzFjBlxxQ1BWGl4R1PKJVaDXolxI3+OIRpQM7zMzGqBB3Ijc
O/yyDL+8bORucoOtMntpn23YbzRy415p4yYNo2QfLMsXpeHITI+Dqf0uMlODwFI9
HDCI708KH2NT2L8e+u38YMW/7n1GaazkrZbCQTKVLl2r8TppvFgjX5r199mGULul
Oj4HEb2rac+Rn9tLu7wV226O1+qN+AKduBWXHoRTOk/BZ+zKhWJRMHVxsovBO06J
YQIDAQAB
-----END PUBLIC KEY-----
""",
    ),
    StaticKey(
        private_key_pem="""-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDLMKtB66dA6xYo
Q9uqIDMWFpz0bgsTKrCCLOUBBdYJzO1Y0vvD0ZsdIlpBWDDVqZYzyiYBvPbGq2xY
Rwb9kQTKmTkgdB+Al1jLJFzIUP41DvAUZ7Kp/KSoVAQFr+TGuf19VTbcjWRoVZgP
O4dLsVDtWGiUoGzmoK/PYoNOUfGSxz5TgNTlL3ICX6s4oLkVRUGKz9B505eBaOxg
ic2w2zhv/CoE25Ed+9Au15/Mzk31ahN67Nel3grmfMseFGNukexapPhPWhKhK1sJ
88BbaYT4j9tCVzpedWCMtFHZtCYvZxv0yxGly4iU4+diF/UKvntaAInQq8YfsC3J
QDMddGObAgMBAAECggEAHAig+D1dHBXTPsbt/bDnm3qPOSIdoQ1YwP0Us2lsuHlv
nbuuRLwcnI5qyW0zf6cgNBEF4WOC4LIyBpP2IPHrKVCukw2ycvlupMhljLWv/P4M
naQZAF79EMRWsbos5EYw9SPWp+NSIRr+GcvqxMS4F6cE9syTedZdq006NIoVvFxG
Bq9Mb065EkgBMcwNokBEJeDI20as91+yg4bRnOAR1mjSWuEENvpRYi4jxOCwB1Ch
mflLsTDe69JB6zb0qRKexuGpf3VMjMRUI9hEHxBD3EqtQdVQYnm6cQYxExeWXZRT
KIrVbBfyiVSyE8AZrNDruh0voGiL1xdJk3n3bp5v0QKBgQDp/zSeL89YA1zhGoRP
b9ohXykAFTGxdxIvFxfg7H/knzFnTVIbDnnEroTagM1g1YyzGt79l7IQTRRCbD0N
B7QJk/GG0dgEeIE59IIldY0jCfjo0/wICJegl6jDYJR/wQmYv379Wd8dAawDFX0D
rrBbCoXTQWcvprVIzoKV7pDXvQKBgQDeS+E30uaTB/vW65+DzFKKDfQy+ZGG91nM
4XHHhERC0Iv/tcykxqxyUUggbwqVWzBOPPph4lQQ48edNS+Bb4z5NrEq53yefkGT
EHMFioOupIJnr69VrNalUoO2EvQ8ABj5z/B2LKDAedDLiqkr/yyErTlRqn/d4vMP
tZ1s7CHSNwKBgD5fTWpA+jbOpqpGBDCccvtkPyyLebSBNbKhqDbHM4wANw3/GTyn
DiQ0FKudm6ENKzTum7PjBI69zQGrklZv0DihW8cBFmCSsnd9SlerztQhK1z8bHjD
uY8P/eceTlcDYIh7uuDTXNqBgJVN3AXoQY/y7RsTmuqjuDzQ9xP6BFfNAoGAF75T
F/tW1W2M4K/aIeG5DzXeV3OAr8HLva520LC3+cr8qRtp+E+gK7Wy1oQFxV4wEqtA
syPRhtxNfeUoZdLcY+ILmmGPVf52Upb3MihRWF4J77k8KRKE+rONje0IWUBJaqVj
Mbwij2xzeMoet6xRvPojnS1w6upKu+rSHcg69JECgYAdkw4wYrxPl6K7z/ZSpQdj
nBcOzAZdaGvCxEPjdjYXan4N/fzcoWOciZ3pfhPp0ghFq50JrJlbvFi7N5sCAirX
X7Ltevm2EclQRLoYGWQ9qD2CHPCiTdOUSIflztEyDKwKyn/Jn5G9YtMTzZdy1Bjz
nytz+lKAp7X3I16f8N4RhA==
-----END PRIVATE KEY-----
""",
        public_key_pem="""-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyzCrQeunQOsWKEPbqiAz
Fhac9G4LEyqwgizlAQXWCcztWNL7w9GbHSJaQVgw1amWM8omAbz2xqtsWEcG/ZEE
ypk5IHQfgJdYyyRcyFD+NQ7wFGeyqfykqFQEBa/kxrn9fVU23I1kaFWYDzuHS7FQ
7VholKBs5qCvz2KDTlHxksc+U4DU5S9yAl+rOKC5FUVBis/QedOXgWjsYInNsNs4
b/wqBNuRHfvQLtefzM5N9WoTeuzXpd4K5nzLHhRjbpHsWqT4T1oSoStbCfPAW2mE
+I/bQlc6XnVgjLRR2bQmL2cb9MsRpcuIlOPnYhf1Cr57WgCJ0KvGH7AtyUAzHXRj
mwIDAQAB
-----END PUBLIC KEY-----
""",
    ),
    StaticKey(
        private_key_pem="""-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCM3dLgAgr0c9i5
OseB2pqLwpyUXSBmdMt7dU/dMCdrooTrO8iAWpGtvrtaZub0Tf90r4Dhh/LD2RVj
qiqYM/iQ7DJi/7+9/qltcG7AwUXE9uCY+LssRvKZSy6iXP8bNlop8AN8wCVZqSyJ
mZ6+2SycCa/i/uHIg8hBlVUUpxaKJ1nMCkNTX9mNZorQs/KJ/Mf75PU9/03Eqqji
Tq4112VzA0UHk/k7SLRkn5qxAOOXf1QHu2ae5px5Lv0rjmwXCIYOhaM1Xpnz3+Ac
9/lsHQ6svNWfSCJrfmyVpA+wgLblvtTeM095neN0la/Arwk6dw0CJj4JzqzbImlP
hpA9OdLVAgMBAAECggEAKgVqCITTe8SrG+Za6XOqspJlXyTAq4+fu75tCpB40fTz
LbDxyMg7uNay0O7tamdyEv7ftWd2ldHGParfdfPa7HBpP3sHWcgEBq+JelqtU2pJ
6ZgZTcYETJJO4QRY3WdDUktU3vv6qFp8/Lck0c27Lvj8zPw3ojcdn+LKNJT7dk6B
fNbwnOQDOntjVwLxyGRt+LWTkgLRCvZiw5zqqMeuY36O6CkBIesSTMWANPkhmzEK
oP4fWiq7aZZC+sveXhGyR6viwvw2IPQkMfeL62XMjFALTjsv8GhVaeBX3Y1e2Zyg
EdaSU6QTTz5aVaba3cx8BYE5Q42qCoKftK0rGAp1KQKBgQDBFkamgHQAKr2XWw9s
o9LZFz5q1zj9r2YSDz0o7j6NkV0HVrlKf3TRuJDzgmAPZFwNXJuZv5Hae7qKRmh8
0/94BMBNlVpELJe9z/a0EeA30hgdgu75sku1MN/ZIeR9NHS5bLd+N6y2WYaS+Y71
zMweF6GpqH6lwYJyzTDnUX1/KwKBgQC6w75bEJ1v3MW8P1KKTrwXNa+f6ILcl2I2
eWaNt3JoiRdSKVNzUwqyWt+GmLQSB0Mmlg7nWI9f9aDpJuX3F9/oLUFPCke7TId4
g7EHTDrm6BjSN8MQ8uppAaSvQ8V32lxxoEaFJhj/Y187GtzrezCbCDNAfFqdDriu
yTD4wYz1/wKBgQCwypqpvRd5R6kMOn4m9OELkLK/1IwEC2Mjyfwvy+RObviEza0e
PxFRLPLbY1ZdAYEfYtm9rp/3Mi6ciNcG5H0XARKqdsONhF7zlsTGH0/zDFS0QLxa
uBuFrVhoURYKZcsyNA7WbFehJtuHGyUAfiGus+h7lSFQ15t/Tc0nH4AOvQKBgD5P
Wi31sCEHDi2NDtO4CwbPUYXPRAGmvAyimjWD07bOrioqQX5DYVk5+kNkpQcyxxOT
kutaX5NLVuESqjyzCW/j0Vs2edIiaTwq66AcrbYmD0nrcrgv40cfVjtnJ/Whs5/x
MjXwDPz/wWDtyHEEC6ZdqQPFuVGW/MTLuPv1TzsvAoGAGaYYCl9v2uSxf863t9Zt
d77IYCFLbcPCyXb2KBjHx5pvme53dHCKMA6zgYw3wfv96bREA7QzdOa9pESJng3i
yiwN3Z8uSbDpsLxQPSDzJxYov8IxYLQ74TqLBJO/4sXOiohzZyjg6Lp1fNn/nTuT
iMyM7mRm5gzad2W03an1SbU=
-----END PRIVATE KEY-----
""",
        public_key_pem="""-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAjN3S4AIK9HPYuTrHgdqa
i8KclF0gZnTLe3VP3TAna6KE6zvIgFqRrb67Wmbm9E3/dK+A4Yfyw9kVY6oqmDP4
kOwyYv+/vf6pbXBuwMFFxPbgmPi7LEbymUsuolz/GzZaKfADfMAlWaksiZmevtks
nAmv4v7hyIPIQZVVFKcWiidZzApDU1/ZjWaK0LPyifzH++T1Pf9NxKqo4k6uNddl
cwNFB5P5O0i0ZJ+asQDjl39UB7tmnuaceS79K45sFwiGDoWjNV6Z89/gHPf5bB0O
rLzVn0gia35slaQPsIC25b7U3jNPeZ3jdJWvwK8JOncNAiY+Cc6s2yJpT4aQPTnS
1QIDAQAB
-----END PUBLIC KEY-----
""",
    ),
)


@dataclass(frozen=True)
class _Resource:
    body: bytes
    content_type: str
    status: int


class FakeRemote:
    """Serves actors, WebFinger and objects; records every POST; can fail on demand.

    ``inbox`` holds the decoded JSON of each POST (any path), ``inbox_requests`` the
    matching raw ``httpx.Request`` (headers, signature, body) and ``requests`` every
    request seen, in order.
    """

    def __init__(self) -> None:
        self.inbox: list[JsonObject] = []
        self.inbox_requests: list[httpx.Request] = []
        self.requests: list[httpx.Request] = []
        self._resources: dict[str, _Resource] = {}
        self._accounts: dict[tuple[str, str], str] = {}
        self._jrds: dict[tuple[str, str], JsonObject] = {}
        self._keys: dict[str, StaticKey] = {}
        self._programmed: dict[str, deque[int]] = defaultdict(deque)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def add_actor(
        self,
        username: str,
        *,
        host: str = "remote.test",
        type: builders.ActorType = "Person",
        key: StaticKey = STATIC_KEYS[1],
        manually_approves_followers: bool = False,
    ) -> JsonObject:
        """Create and serve ``https://{host}/users/{username}``; return its document."""
        base = f"https://{host}"
        actor_id = f"{base}/users/{username}"
        doc = builders.actor(
            id=actor_id,
            type=type,
            preferred_username=username,
            webfinger=f"{username}@{host}",
            name=username.capitalize(),
            url=f"{base}/@{username}",
            inbox=f"{actor_id}/inbox",
            outbox=f"{actor_id}/outbox",
            followers=f"{actor_id}/followers",
            following=f"{actor_id}/following",
            featured=f"{actor_id}/collections/featured",
            shared_inbox=f"{base}/inbox",
            public_key_pem=key.public_key_pem,
            published=datetime(2024, 1, 1, tzinfo=UTC),
            manually_approves_followers=manually_approves_followers,
        )
        self.add_object(actor_id, doc)
        self._accounts[(username.lower(), host.lower())] = actor_id
        self._keys[actor_id] = key
        return doc

    def key_pair(self, actor_id: str) -> KeyPair:
        """The key to sign requests as a fake actor (e.g. deliveries to the app's inbox)."""
        return KeyPair(key_id_for(actor_id), self._keys[actor_id].private_key_pem)

    def add_object(
        self,
        url: str,
        doc: Mapping[str, Any] | bytes,
        *,
        content_type: str = ACTIVITY_CONTENT_TYPE,
        status: int = 200,
    ) -> None:
        """Serve ``doc`` (JSON-encoded unless bytes) at ``url``."""
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self._resources[url] = _Resource(body, content_type, status)

    def add_jrd(self, acct: str, doc: JsonObject) -> None:
        """Answer WebFinger for ``acct`` (``user@host``) with ``doc``, whatever it says."""
        parsed = parse_acct(acct)
        self._jrds[(parsed.username.lower(), parsed.host)] = doc

    def respond_with(self, url: str, statuses: Iterable[int]) -> None:
        """Answer the next requests to ``url`` with these statuses, then behave normally.

        ``respond_with(inbox, [503, 503, 503])`` makes three deliveries fail, the fourth pass.
        Failed POSTs appear in ``requests`` only, not in ``inbox``.
        """
        self._programmed[url].extend(statuses)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url.copy_with(fragment=None))
        programmed = self._programmed.get(url)
        if programmed:
            status = programmed.popleft()
            if status >= 300:
                return httpx.Response(status, json={"error": f"programmed {status}"})
        if request.method == "POST":
            return self._receive(request)
        if request.url.path == "/.well-known/webfinger":
            return self._webfinger(request)
        resource = self._resources.get(url)
        if resource is None:
            return httpx.Response(404, json={"error": "Record not found"})
        return httpx.Response(
            resource.status, content=resource.body, headers={"Content-Type": resource.content_type}
        )

    def _receive(self, request: httpx.Request) -> httpx.Response:
        try:
            payload = json.loads(request.content)
        except ValueError:
            payload = None
        self.inbox.append(payload if isinstance(payload, dict) else {})
        self.inbox_requests.append(request)
        return httpx.Response(202)

    def _webfinger(self, request: httpx.Request) -> httpx.Response:
        try:
            acct = parse_acct(request.url.params.get("resource", ""))
        except FormatError:
            return httpx.Response(400, json={"error": "Invalid resource"})
        custom = self._jrds.get((acct.username.lower(), acct.host))
        if custom is not None:
            return httpx.Response(200, json=custom, headers={"Content-Type": JRD_JSON})
        actor_id = self._accounts.get((acct.username.lower(), acct.host))
        if actor_id is None:
            return httpx.Response(404, json={"error": "Record not found"})
        doc = jrd(acct, actor_url=actor_id, aliases=[actor_id])
        return httpx.Response(200, json=doc, headers={"Content-Type": JRD_JSON})
