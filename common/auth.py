"""Bearer tokens, roles and the principal a request acts for.

The embedded default signs tokens itself with HS256 and one configured secret (``TOKEN_SECRET``).
Verification asks a key resolver for the key of each token, so an external identity provider
(RS256/ES256 keys published as a JWKS) can later be added as another resolver without touching
the gateway: only :class:`HmacKeyResolver` exists today.
"""
import collections
import dataclasses
import datetime
import time
import uuid

import jwt

from common.errors import Forbidden, Unauthorized

ADMIN = "admin"
ORGANIZER = "organizer"
JUDGE = "judge"
CHIEF_JUDGE = "chief_judge"
SUPERVISOR = "supervisor"
STUDIO_LEAD = "studio_lead"
REVIEWER = "reviewer"
SUBSCRIBER = "subscriber"

ALL_ROLES = (ADMIN, ORGANIZER, JUDGE, CHIEF_JUDGE, SUPERVISOR, STUDIO_LEAD, REVIEWER, SUBSCRIBER)

# Roles whose holders always act for one organising unit or one studio: a token for them without
# that claim could never pass an object-level check, so it is refused when issued and when verified.
UNIT_ROLES = frozenset({ORGANIZER, CHIEF_JUDGE, SUPERVISOR})
STUDIO_ROLES = frozenset({STUDIO_LEAD})

DEFAULT_ISSUER = "jiangxin"
MIN_SECRET_BYTES = 32
# Far above any token this code issues; bounds the work done on junk in the header.
MAX_TOKEN_LENGTH = 8192


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who a request acts for. ``unit`` / ``studio`` scope what the caller may touch;
    ``enterprise`` is the caller's own employer, where it matters (a reviewer never reviews the
    results of their own enterprise's studios)."""

    subject: str
    role: str
    unit: str | None = None
    studio: str | None = None
    name: str | None = None
    enterprise: str | None = None

    @property
    def is_admin(self):
        # A property, not a method: ``if principal.is_admin:`` must never be truthy by accident.
        return self.role == ADMIN

    def has_role(self, *roles):
        return self.role in roles

    def belongs_to_unit(self, unit):
        """True when the caller may act for the organising unit ``unit`` (admins act for all)."""
        if self.is_admin:
            return True
        return self.unit is not None and unit is not None and self.unit == unit

    def belongs_to_studio(self, studio):
        """True when the caller may act for the studio ``studio`` (admins act for all)."""
        if self.is_admin:
            return True
        return self.studio is not None and studio is not None and self.studio == studio

    def to_dict(self):
        return dataclasses.asdict(self)


def caller_from(data):
    """The Principal an RPC acts for: the gateway passes the principal it verified, as a dict.

    A call that names no caller, or not a valid one, is refused (403) by every service alike: a
    service never acts for someone it cannot name.
    """
    if not isinstance(data, dict) or not data:
        raise Forbidden("sign in: this call names no caller")
    try:
        principal = Principal(**data)
    except TypeError:
        raise Forbidden("this call names no valid caller") from None
    if not isinstance(principal.subject, str) or not principal.subject or _check_scope(
            principal.role, principal.unit, principal.studio):
        raise Forbidden("this call names no valid caller")
    return principal


def _secret_bytes(secret):
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes):
        raise ValueError("the token secret must be a string")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(
            f"the token secret must be at least {MIN_SECRET_BYTES} bytes long (TOKEN_SECRET)"
        )
    return secret


def _check_scope(role, unit, studio):
    """The reason a role/scope combination is invalid, or None."""
    if role not in ALL_ROLES:
        return f"unknown role {role!r}"
    if role in UNIT_ROLES and not unit:
        return f"role {role} requires an organising unit"
    if role in STUDIO_ROLES and not studio:
        return f"role {role} requires a studio"
    return None


def _epoch(now):
    if now is None:
        return int(time.time())
    if isinstance(now, datetime.datetime):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return int(now.timestamp())
    return int(now)


def issue_token(secret, subject, role, *, unit=None, studio=None, name=None, enterprise=None,
                ttl_seconds=8 * 3600, issuer=DEFAULT_ISSUER, now=None):
    """A signed HS256 bearer token for ``subject`` acting as ``role``.

    ``now`` (epoch seconds or an aware datetime) is for tests. Raises ValueError for a short
    secret, an unknown role, a missing unit/studio for roles that need one, or a bad ttl.
    """
    key = _secret_bytes(secret)
    if not isinstance(subject, str) or not subject:
        raise ValueError("subject must be a non-empty string")
    problem = _check_scope(role, unit, studio)
    if problem:
        raise ValueError(problem)
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    issued_at = _epoch(now)
    claims = {
        "iss": issuer,
        "sub": subject,
        "role": role,
        "unit": unit,
        "studio": studio,
        "name": name,
        "enterprise": enterprise,
        "iat": issued_at,
        "exp": issued_at + int(ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm="HS256")


class HmacKeyResolver:
    """Keys for tokens signed with a shared secret (HS256 only).

    A key resolver answers ``key_for(header) -> (key, algorithm)`` for a token's unverified
    header, raising Unauthorized when it cannot vouch for that token. A JWKS resolver for an
    external identity provider would look the ``kid`` up in the provider's key set and allow
    RS256/ES256 only; it would be passed to :class:`TokenVerifier` as ``key_resolver``.
    """

    algorithm = "HS256"

    def __init__(self, secret):
        self._key = _secret_bytes(secret)

    def key_for(self, header):
        if header.get("alg") != self.algorithm:
            raise Unauthorized("token signed with an algorithm that is not accepted")
        return self._key, self.algorithm


class TokenVerifier:
    """Turns a bearer token into a :class:`Principal`, or raises Unauthorized.

    A token verified once is remembered with its expiry (at most ``remembered`` of them, the
    least recently used forgotten first): a judge sends the same token with every mark, and
    decoding it again costs more than the rest of the gateway's checks together. A remembered
    token is still refused once it expires, by ``clock``.
    """

    required_claims = ("iss", "sub", "role", "iat", "exp", "jti")

    def __init__(self, secret=None, issuer=DEFAULT_ISSUER, leeway=30, *, key_resolver=None,
                 remembered=4096, clock=time.time):
        if key_resolver is None:
            if secret is None:
                raise ValueError("give a secret or a key_resolver")
            key_resolver = HmacKeyResolver(secret)
        self.key_resolver = key_resolver
        self.issuer = issuer
        self.leeway = leeway
        self.clock = clock
        self._remembered = remembered
        self._verified = collections.OrderedDict()  # token -> (principal, expires at)

    def verify(self, token):
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthorized("invalid token")
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if self.clock() > expires + self.leeway:
                del self._verified[token]
                raise Unauthorized("token expired")
            self._verified.move_to_end(token)
            return principal
        principal, expires = self._decode(token)
        self._verified[token] = (principal, expires)
        while len(self._verified) > self._remembered:
            self._verified.popitem(last=False)
        return principal

    def _decode(self, token):
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("invalid token") from None
        key, algorithm = self.key_resolver.key_for(header)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(self.required_claims), "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("invalid token signature") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("token from an unknown issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"token lacks the {exc.claim} claim") from None
        except jwt.PyJWTError:
            raise Unauthorized("invalid token") from None
        return self._principal(claims), claims["exp"]

    def _principal(self, claims):
        subject = claims.get("sub")
        role = claims.get("role")
        unit = claims.get("unit")
        studio = claims.get("studio")
        name = claims.get("name")
        enterprise = claims.get("enterprise")
        if not isinstance(subject, str) or not subject:
            raise Unauthorized("token has no subject")
        if not isinstance(role, str):
            raise Unauthorized("token has no role")
        for value in (unit, studio, name, enterprise):
            if value is not None and not isinstance(value, str):
                raise Unauthorized("invalid token claims")
        problem = _check_scope(role, unit, studio)
        if problem:
            raise Unauthorized(f"token not accepted: {problem}")
        return Principal(subject=subject, role=role, unit=unit, studio=studio, name=name,
                         enterprise=enterprise)


def bearer_token(authorization_header):
    """The token of an ``Authorization: Bearer <token>`` header, or raise Unauthorized."""
    if not authorization_header:
        raise Unauthorized("missing bearer token")
    scheme, _, token = authorization_header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("expected an Authorization: Bearer <token> header")
    return token
