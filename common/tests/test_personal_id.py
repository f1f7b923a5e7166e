import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import BadRequest
from common.personal_id import (
    PersonalDataProtector, StoredSecrets, birth_date, check_char, make_id_number, mask_id_number,
    validate_id_number,
)

SECRET = "test-personal-data-secret-0123456789abcdef"
OTHER_SECRET = "another-personal-data-secret-0123456789ab"

regions = st.from_regex(r"^[1-8][0-9]{5}$", fullmatch=True)
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31))
sequences = st.integers(min_value=0, max_value=999)
id_numbers = st.builds(make_id_number, regions, births, sequences)


def test_known_numbers():
    # Published GB 11643-1999 examples.
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    with pytest.raises(BadRequest, match="1900"):  # valid checksum, born 1880
        validate_id_number("440524188001010014")
    assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert make_id_number("110105", datetime.date(1949, 12, 31), 2) == "11010519491231002X"


@given(id_numbers)
def test_generated_numbers_validate(number):
    assert validate_id_number(number) == number
    assert validate_id_number(number.lower()) == number


@given(id_numbers, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_one_changed_character_fails(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    changed = alphabet[(alphabet.index(number[position]) + shift) % len(alphabet)]
    if changed == number[position]:
        return
    mutated = number[:position] + changed + number[position + 1:]
    with pytest.raises(BadRequest) as error:
        validate_id_number(mutated, field="worker.id_number")
    assert list(error.value.fields) == ["worker.id_number"]


@given(births)
def test_birth_date(born):
    assert birth_date(make_id_number(birth=born)) == born


@pytest.mark.parametrize("value, reason", [
    (None, "required"),
    ("", "required"),
    (110105194912310, "required"),
    ("11010519491231002", "18 characters"),
    ("11010519491231002XX", "18 characters"),
    ("11010519491231002Y", "17 digits"),
    ("1101051949123100X2", "17 digits"),
    ("110105194902300000", "real date"),
    (make_id_number(birth=datetime.date(1899, 12, 31))[:-1] + "0", "before 1900"),
])
def test_invalid_numbers(value, reason):
    with pytest.raises(BadRequest) as error:
        validate_id_number(value)
    assert error.value.status == 400
    assert reason in error.value.fields["id_number"][0]


def test_future_birth_date():
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    number = make_id_number(birth=tomorrow)
    with pytest.raises(BadRequest, match="future"):
        validate_id_number(number)
    assert validate_id_number(number, today=tomorrow) == number


def test_bad_check_digit_is_named():
    number = make_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(BadRequest, match="check digit"):
        validate_id_number(wrong)


def test_mask_example():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_id_number("11010519491231002x") == "110***********002X"


@given(st.one_of(id_numbers, st.text(max_size=40)))
def test_masking_reveals_at_most_seven_characters(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value.strip())
    assert sum(1 for char in masked if char != "*") <= 7


def test_make_id_number_refuses_bad_parts():
    with pytest.raises(ValueError):
        make_id_number(region="12345")
    with pytest.raises(ValueError):
        make_id_number(sequence=1000)
    first17 = make_id_number()[:17]
    assert make_id_number()[17] == check_char(first17)


@pytest.fixture(scope="module")
def protector():
    return PersonalDataProtector(SECRET)


@settings(max_examples=50)
@given(id_numbers, id_numbers)
def test_person_key_stable_and_distinct(protector, first, second):
    key = protector.person_key(first)
    assert len(key) == 32 and int(key, 16) >= 0
    assert key == PersonalDataProtector(SECRET).person_key(first.lower())
    assert (protector.person_key(second) == key) == (first == second)
    assert PersonalDataProtector(OTHER_SECRET).person_key(first) != key


@settings(max_examples=50)
@given(id_numbers)
def test_encryption_round_trip(protector, number):
    token = protector.encrypt(number)
    assert isinstance(token, str) and number not in token
    assert protector.decrypt(token) == number
    assert protector.encrypt(number) != token  # fresh IV every time


def test_keys_are_independent(protector):
    number = make_id_number()
    token = protector.encrypt(number)
    assert protector.person_key(number) not in token
    with pytest.raises(ValueError):
        PersonalDataProtector(OTHER_SECRET).decrypt(token)
    with pytest.raises(ValueError):
        protector.decrypt("not a token")


def test_invalid_numbers_get_no_key(protector):
    with pytest.raises(BadRequest):
        protector.person_key("123")
    with pytest.raises(BadRequest):
        protector.encrypt("123")


def test_protect(protector):
    number = make_id_number()
    stored = protector.protect(number)
    assert stored["person_key"] == protector.person_key(number)
    assert protector.decrypt(stored["id_number_encrypted"]) == number
    assert stored["id_number_masked"] == mask_id_number(number)


@pytest.mark.parametrize("secret", ["", "x" * 31, None, b"y" * 40])
def test_short_secret_is_refused(secret):
    with pytest.raises(ValueError):
        PersonalDataProtector(secret)


def test_a_sealed_number_opens_only_with_the_same_secret_and_never_as_stored_data():
    protector = PersonalDataProtector(SECRET)
    number = make_id_number()
    payload = {"name": "王建国", "id_number": number}

    sealed = protector.sealed(payload)
    assert number not in str(sealed) and sealed["name"] == "王建国"
    assert protector.unsealed(sealed) == payload
    assert PersonalDataProtector(SECRET).unsealed(sealed) == payload  # another process, same secret
    for wrong in (number, protector.encrypt(number), PersonalDataProtector(OTHER_SECRET).seal(number)):
        with pytest.raises(BadRequest) as error:
            protector.unsealed({**payload, "id_number": wrong})
        assert "id_number" in error.value.fields
    with pytest.raises(ValueError):
        protector.decrypt(protector.seal(number))  # the transport key is not the storage key
    assert protector.unsealed({"name": "x"}) == {"name": "x"}  # left for the schema to refuse


def test_a_stored_secret_is_opened_only_with_the_deployments_secret():
    box = StoredSecrets("s" * 40)
    sealed = box.seal("whsec_abc")
    assert "whsec_abc" not in sealed and box.open(sealed) == "whsec_abc"
    with pytest.raises(ValueError):
        StoredSecrets("t" * 40).open(sealed)
    with pytest.raises(ValueError):
        box.open("whsec_abc")
