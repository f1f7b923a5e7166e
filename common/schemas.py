"""Schema bases every service's public API module builds on, and the one shape of a list.

- ``Strict``: what a service accepts. Unknown fields are rejected, fields keep their order.
- ``Out``: what a service answers; responses are dumped through these, never through a copy.
- ``PageQuery`` and ``page``/``page_of``: every list, whatever it lists, is asked for with
  ``limit`` and ``offset`` and answered as ``{total, limit, offset, items}``.
- ``UploadField`` and ``StoredFileOut``: a file a service takes (common.files), and its record.
"""
import datetime

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from common.files import (ALLOWED_TYPES, DEFAULT_MAX_FILE_BYTES, MAX_RPC_FILE_BYTES, XLSX,
                          FileRefused, Upload, allowed_labels, inspect_file, size_text)
from common.personal_id import mask_id_number
from common.validation import TooLarge

DEFAULT_PAGE = 50
MAX_PAGE = 500
MAX_OFFSET = 1_000_000


class Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class Out(Schema):
    """Base of every response schema (fields keep their declared order)."""

    class Meta:
        ordered = True


def limit_field(maximum=MAX_PAGE, default=DEFAULT_PAGE):
    return fields.Integer(load_default=default, validate=validate.Range(min=1, max=maximum),
                          metadata={"description": f"at most {maximum} items"})


def offset_field():
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET),
                          metadata={"description": "how many items to skip"})


class PageQuery(Strict):
    limit = limit_field()
    offset = offset_field()


def page(items, total, query):
    """A page of a list, as every list is answered: ``query`` holds the loaded limit and offset."""
    return {"total": total, "limit": query["limit"], "offset": query["offset"], "items": list(items)}


_PAGES = {}


def page_of(item_schema):
    """The response schema of a page of ``item_schema`` items (one class per item schema, so that
    OpenAPI names it ``<Item>Page``)."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _PAGES:
        _PAGES[name] = type(name, (Out,), {
            "__doc__": f"A page of {item_schema.__name__.removesuffix('Schema')} items.",
            "total": fields.Integer(required=True, metadata={"description": "items in the whole list"}),
            "limit": fields.Integer(required=True),
            "offset": fields.Integer(required=True),
            "items": fields.List(fields.Nested(item_schema), required=True),
        })
    return _PAGES[name]


Timestamp = fields.String  # ISO 8601 in UTC, as the services write them


class IsoDate(fields.String):
    """A calendar date as ``YYYY-MM-DD``, kept a string (it crosses RPC and is stored as one)."""

    default_error_messages = {"invalid_date": "Not a date: use YYYY-MM-DD."}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            if len(value) == 10:
                return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        raise self.make_error("invalid_date")


class Instant(fields.AwareDateTime):
    """An ISO 8601 instant with its offset, kept as instants are stored (``common.clock.utc_now``:
    UTC, to the millisecond), so that instants from anyone compare as text and cross RPC."""

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        return instant.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds")


class MaskedIdNumber(fields.String):
    """An ID number as shown to people: first 3 and last 4 characters, the rest ``*``. It masks
    again on the way out, so even a service's mistake could not put a full number on the wire."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return mask_id_number(str(value))


def undeclared_fields(schema, value, path=""):
    """The dotted paths of keys in ``value`` that ``schema`` would drop when dumping it: what a
    view holds and its response schema does not declare. Dict fields and raw fields are opaque."""
    schema = schema() if isinstance(schema, type) else schema
    if schema.many or isinstance(value, (list, tuple)):
        found = []
        for position, item in enumerate(value or ()):
            found.extend(undeclared_fields(type(schema)(), item, f"{path}{position}."))
        return found
    if not isinstance(value, dict):
        return []
    declared = {field.attribute or name: field for name, field in schema.fields.items()}
    found = [f"{path}{key}" for key in value if key not in declared]
    for key, field in declared.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested) and value.get(key) is not None:
            found.extend(undeclared_fields(inner.schema, value[key], f"{path}{key}."))
    return found


class UploadField(fields.Field):
    """A file in a service's api, loaded as a common.files.Upload whose bytes were checked: of a
    type in ``allowed`` by its content, not empty, at most ``max_bytes`` (beyond, the answer is a
    413 naming the field). It loads the Upload of the gateway's multipart form
    (``route(form=...)``) and the RPC form ``{filename, content_base64}`` the service receives;
    it dumps the RPC form. In OpenAPI it is a binary part of a multipart body. Several files:
    ``fields.List(UploadField(), validate=validate.Length(max=5))``."""

    default_error_messages = {"invalid": "must be a file"}

    def __init__(self, *, allowed=ALLOWED_TYPES, max_bytes=DEFAULT_MAX_FILE_BYTES, **kwargs):
        if not 0 < max_bytes <= MAX_RPC_FILE_BYTES:
            raise ValueError(f"max_bytes must be 1 to {MAX_RPC_FILE_BYTES}: a file crosses RPC "
                             "in one message")
        self.allowed = tuple(allowed)
        self.max_bytes = int(max_bytes)
        metadata = {"description": f"{allowed_labels(self.allowed)}; at most {size_text(self.max_bytes)}",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    @property
    def media_types(self):
        return tuple(file_type.media_type for file_type in self.allowed)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            upload = value if isinstance(value, Upload) else Upload.from_rpc(value, self.max_bytes)
            inspect_file(upload.content, self.allowed, self.max_bytes)
        except FileRefused as refused:
            raise ValidationError(refused.message) from None
        return upload

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.to_rpc()


class SpreadsheetField(UploadField):
    """An uploaded table: an Excel (.xlsx) workbook or a CSV text file, which no content sniffing
    tells from other text, so only its size is checked here (beyond ``max_bytes`` a 413) and its
    content when it is read (common.spreadsheets.read_table)."""

    def __init__(self, **kwargs):
        super().__init__(allowed=(XLSX,), **kwargs)
        self.metadata["description"] = f"Excel (.xlsx) or CSV (UTF-8 or GB18030); at most {size_text(self.max_bytes)}"

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            upload = value if isinstance(value, Upload) else Upload.from_rpc(value, self.max_bytes)
        except FileRefused as refused:
            raise ValidationError(refused.message) from None
        if not upload.content:
            raise ValidationError("the file is empty")
        if upload.size > self.max_bytes:
            raise ValidationError(TooLarge(f"the file has {upload.size} bytes; at most "
                                           f"{size_text(self.max_bytes)} are allowed"))
        return upload

    @property
    def media_types(self):
        return (XLSX.media_type, "text/csv")


def upload_fields(schema):
    """``{name on the wire: (UploadField, how many files it takes)}`` of a schema instance."""
    found = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if isinstance(field, UploadField):
            found[key] = (field, 1)
        elif isinstance(field, fields.List) and isinstance(field.inner, UploadField):
            limits = [v.max for v in field.validators if isinstance(v, validate.Length) and v.max]
            if not limits:
                raise ValueError(f"the list of files {key} must declare validate.Length(max=...)")
            found[key] = (field.inner, min(limits))
    return found


class StoredFileOut(Out):
    """A stored file's record (common.files.file_record)."""

    file_id = fields.String(required=True)
    filename = fields.String(required=True)
    media_type = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    sha256 = fields.String(required=True, metadata={"description": "the file's SHA-256, in hex"})
    uploaded_at = Timestamp(required=True)
    uploaded_by = fields.String(required=True)
