"""Checks that a stored document cannot give an ID number back without the key."""
import itertools

# Fields that hold the number protected: a keyed hash and a ciphertext.
PROTECTED = ("person_key", "id_number_encrypted")


def clear_values(document):
    """Every text and number a document holds outside its protected fields."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key not in PROTECTED:
                yield from clear_values(value)
    elif isinstance(document, (list, tuple)):
        for value in document:
            yield from clear_values(value)
    elif isinstance(document, (str, int, float)) and not isinstance(document, bool):
        yield str(document)


def _digits(text):
    return "".join(c for c in text if c.isdigit())


def assert_cannot_rebuild(document, id_number):
    """No clear field, nor any two of them together, holds the number or its birth digits
    (YYYYMMDD, in any punctuation): region code and masked number alone leave 8 digits unknown."""
    birth = id_number[6:14]
    values = list(clear_values(document))
    assert not any(id_number in value for value in values)
    assert not any(birth in _digits(value) for value in values), "a clear field holds the birth date"
    for first, second in itertools.permutations(values, 2):
        assert birth not in _digits(first) + _digits(second), (first, second)
