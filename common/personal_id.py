"""Chinese resident ID numbers (GB 11643-1999): validation, masking, a person key, encryption.

ID numbers are personal data. Services store the encrypted number (``encrypt``) for the few who
must see it, the masked form for display, and the person key to recognise one person across
competitions and the talent pool without ever comparing or sending the number itself. A number
that must travel from the gateway to a service crosses the broker sealed (``seal`` / ``unsealed``),
under a key of its own: a sealed request read off a queue gives nothing, and a stored ciphertext
cannot be passed off as a request.
"""
import base64
import datetime
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from common.clock import beijing_today
from common.errors import BadRequest

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
MIN_SECRET_LENGTH = 32

_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")

# HKDF labels: changing one changes every stored key or ciphertext derived with it.
_PERSON_KEY_INFO = b"jiangxin/personal-id/person-key/v1"
_ENCRYPTION_INFO = b"jiangxin/personal-id/fernet/v1"
_TRANSPORT_INFO = b"jiangxin/personal-id/transport/v1"
_STORED_SECRET_INFO = b"jiangxin/stored-secret/fernet/v1"
_HKDF_SALT = b"jiangxin/personal-data"


def check_char(first17):
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def _normalise(value):
    if not isinstance(value, str):
        return value
    value = value.strip()
    return value[:-1] + "X" if value.endswith("x") else value


def _birth(number):
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_id_number(value, field="id_number", *, today=None):
    """The normalised ID number (upper-case X), or raise BadRequest naming ``field``."""

    def invalid(reason):
        return BadRequest(f"invalid ID number: {reason}", fields={field: [reason]})

    number = _normalise(value)
    if not isinstance(number, str) or not number:
        raise invalid("an ID number is required")
    if len(number) != 18:
        raise invalid("must be 18 characters")
    if not _SHAPE.match(number):
        raise invalid("must be 17 digits followed by a digit or X")
    born = _birth(number)
    if born is None:
        raise invalid("the birth date is not a real date")
    if born.year < 1900:
        raise invalid("the birth date is before 1900")
    # "Today" for a birth date is Beijing's, whatever zone the server runs in.
    if born > (today or beijing_today()):
        raise invalid("the birth date is in the future")
    if check_char(number[:17]) != number[17]:
        raise invalid("the check digit does not match")
    return number


def birth_date(id_number):
    """The birth date encoded in a valid ID number."""
    return _birth(validate_id_number(id_number))


def mask_id_number(id_number):
    """First 3 and last 4 characters, the rest '*': ``110***********123X``.

    Anything that is not a plausible ID number is masked completely.
    """
    number = _normalise(id_number)
    if not isinstance(number, str):
        return ""
    if len(number) < 15:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def make_id_number(region="320925", birth=datetime.date(1990, 1, 1), sequence=123):
    """A valid ID number for tests and demo data (odd ``sequence`` = male, even = female)."""
    if not (isinstance(region, str) and len(region) == 6 and region.isdigit()):
        raise ValueError("region must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be between 0 and 999")
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def _derive(secret, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=info).derive(secret)


class PersonalDataProtector:
    """Person keys, reversible encryption and transport seals of ID numbers, from one configured
    secret.

    Three independent keys are derived with HKDF-SHA256 (person keys, storage, transport): knowing
    one reveals nothing about the others. Every service given the same secret
    (``PERSONAL_DATA_SECRET``) computes the same person key for the same number, and opens what
    the gateway sealed.
    """

    def __init__(self, secret):
        if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"the personal data secret must be at least {MIN_SECRET_LENGTH} characters"
            )
        material = secret.encode("utf-8")
        self._person_key = _derive(material, _PERSON_KEY_INFO)
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(material, _ENCRYPTION_INFO)))
        self._transport = Fernet(base64.urlsafe_b64encode(_derive(material, _TRANSPORT_INFO)))

    def person_key(self, id_number, field="id_number"):
        """A stable pseudonym of the person (32 hex characters); raises BadRequest if invalid."""
        number = validate_id_number(id_number, field)
        digest = hmac.new(self._person_key, number.encode("ascii"), hashlib.sha256)
        return digest.hexdigest()[:32]

    def encrypt(self, id_number, field="id_number"):
        """A Fernet token (str) of the normalised number; raises BadRequest if invalid."""
        number = validate_id_number(id_number, field)
        return self._fernet.encrypt(number.encode("ascii")).decode("ascii")

    def decrypt(self, token):
        """The ID number in ``token``; ValueError if it was not made with this secret."""
        return _opened(self._fernet, token)

    def protect(self, id_number, field="id_number"):
        """Everything a service stores for one ID number, validated once."""
        number = validate_id_number(id_number, field)
        return {
            "person_key": self.person_key(number, field),
            "id_number_encrypted": self.encrypt(number, field),
            "id_number_masked": mask_id_number(number),
        }

    def seal(self, id_number):
        """``id_number`` (as given: the receiving service validates it) sealed for a request."""
        return self._transport.encrypt(str(id_number).encode("utf-8")).decode("ascii")

    def sealed(self, payload, field="id_number"):
        """``payload`` with its ``field`` sealed, ready to cross the broker."""
        return {**payload, field: self.seal(payload[field])}

    def unsealed(self, payload, field="id_number"):
        """``payload`` with its sealed ``field`` opened; BadRequest naming ``field`` when it is not
        a seal made with this secret (a number sent in clear is refused, not taken). A payload
        without the field is returned as it is, for its schema to refuse."""
        if not isinstance(payload, dict) or payload.get(field) is None:
            return payload
        try:
            number = self._transport.decrypt(str(payload[field]).encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise BadRequest("the ID number must arrive sealed by the gateway",
                             {field: ["not sealed with this deployment's personal data secret"]}) from None
        return {**payload, field: number}


class StoredSecrets:
    """Other secrets a service must keep to use them (a webhook endpoint's signing secrets), sealed
    at rest under a key of their own, derived from the same deployment secret as the ID numbers'
    keys: a copy of the store gives none of them."""

    def __init__(self, secret):
        if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"the personal data secret must be at least {MIN_SECRET_LENGTH} characters")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret.encode("utf-8"), _STORED_SECRET_INFO)))

    def seal(self, value):
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, token):
        """The secret sealed in ``token``; ValueError if it was not sealed with this deployment's."""
        return _opened(self._fernet, token)


def _opened(fernet, token):
    """What ``token`` holds; ValueError if ``fernet``'s key did not make it."""
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, AttributeError, UnicodeError):
        raise ValueError("cannot decrypt: not a token made with this secret") from None
