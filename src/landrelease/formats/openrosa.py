"""The OpenRosa protocol, framework-free: form list and response documents, reading a submission.

What ODK Collect (and Enketo, and any OpenRosa client) expects of a server (getodk.github.io/docs:
"OpenRosa HTTP", "Form List API", "Form Submission API"):
- every response carries ``X-OpenRosa-Version: 1.0`` and a ``Date``; a successful submission
  response also ``X-OpenRosa-Accept-Content-Length`` (the largest POST body the server wants; a
  client splits bigger submissions into several POSTs, each repeating the XML);
- the form list is an ``<xforms xmlns="http://openrosa.org/xforms/xformsList">`` document with, per
  form, formID, name, version, ``md5:`` hash of the form file and its download URL;
- a submission is a multipart/form-data POST with the instance XML in the part
  ``xml_submission_file`` and attachments in further parts named by their file names;
- the answer is an ``<OpenRosaResponse xmlns="http://openrosa.org/http/response">`` with a
  ``<message>`` the phone shows: 201 stored, 202 "we already had it, do not resend", 4xx errors.
  HEAD on the submission URL answers 204 (ODK Collect requires exactly that).

The HTTP adapter is `landrelease.server.odk`; this module has no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element  # noqa: S405 — only for building our own documents

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from landrelease.errors import ValidationError

VERSION = "1.0"
FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
RESPONSE_NS = "http://openrosa.org/http/response"
XFORMS_NS = "http://www.w3.org/2002/xforms"
#: What the server asks clients to keep a POST under (ODK Collect splits bigger submissions).
ACCEPT_CONTENT_LENGTH = 10 * 1024 * 1024
#: What the server refuses outright (413): a submission part set larger than this is not a field form.
MAX_REQUEST_BYTES = 50 * 1024 * 1024


def headers() -> dict[str, str]:
    """Headers every OpenRosa response carries (the server, uvicorn, adds ``Date`` to every response)."""
    return {"X-OpenRosa-Version": VERSION, "X-OpenRosa-Accept-Content-Length": str(ACCEPT_CONTENT_LENGTH)}


def _text(parent: Element, tag: str, text: str) -> Element:
    el = Element(tag)
    el.text = text
    parent.append(el)
    return el


def _serialise(root: Element) -> bytes:
    from xml.etree.ElementTree import tostring  # noqa: S405 — serialising our own tree

    return b"<?xml version='1.0' encoding='UTF-8' ?>\n" + tostring(root, encoding="utf-8", xml_declaration=False)


@dataclass(frozen=True)
class FormEntry:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str


def form_entry(form_id: str, xml: str, download_url: str) -> FormEntry:
    """A form list entry from the form's XForm XML: title, version and the md5 of the bytes served."""
    data = xml.encode("utf-8")
    name, version = form_id, ""
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise ValueError(f"form {form_id!r} is not well-formed XML: {exc}") from None
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "title" and el.text and name == form_id:
            name = el.text.strip()
        if tag == "instance":
            first = next(iter(el), None)
            if first is not None and first.get("id") == form_id:
                version = first.get("version") or ""
    return FormEntry(form_id, name, version, hashlib.md5(data).hexdigest(), download_url)  # noqa: S324 — spec'd


def form_list_xml(entries: list[FormEntry]) -> bytes:
    root = Element("xforms", {"xmlns": FORM_LIST_NS})
    for e in entries:
        xf = Element("xform")
        _text(xf, "formID", e.form_id)
        _text(xf, "name", e.name)
        _text(xf, "version", e.version)
        _text(xf, "hash", f"md5:{e.md5}")
        _text(xf, "downloadUrl", e.download_url)
        root.append(xf)
    return _serialise(root)


def response_xml(message: str, *, nature: str | None = None, submission_id: str | None = None) -> bytes:
    """An OpenRosaResponse envelope with one message for the phone to show."""
    root = Element("OpenRosaResponse", {"xmlns": RESPONSE_NS})
    msg = _text(root, "message", message)
    if nature:
        msg.set("nature", nature)
    if submission_id:
        _text(root, "submissionId", submission_id)
    return _serialise(root)


@dataclass(frozen=True)
class Instance:
    """What the server must know of a submitted instance before reading its values."""

    form_id: str
    version: str | None
    instance_id: str
    root: str  # the instance's root element name


def read_instance(xml: bytes) -> Instance:
    """The form id (root ``id`` attribute), version and ``meta/instanceID`` of a submitted instance.

    Parsed with defusedxml: entity expansion and external references are refused (a submission
    is untrusted input). Raises ValidationError with one line saying what is wrong."""
    if not xml or not xml.strip():
        raise ValidationError("the xml_submission_file part is empty", field="xml_submission_file")
    try:
        root = SafeET.fromstring(xml)
    except DefusedXmlException:
        raise ValidationError(
            "the submission XML uses entities or DTDs, which are not accepted", field="xml_submission_file"
        ) from None
    except SafeET.ParseError as exc:
        raise ValidationError(f"the submission is not well-formed XML: {exc}", field="xml_submission_file") from None
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise ValidationError(
            "the submission's root element has no id attribute naming its form", field="xml_submission_file"
        )
    instance_id = ""
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "instanceID" and el.text and el.text.strip():
            instance_id = el.text.strip()
            break
    if not instance_id:
        instance_id = (root.get("instanceID") or "").strip()  # Briefcase: an attribute on the root
    if not instance_id:
        raise ValidationError("the submission has no meta/instanceID", field="xml_submission_file")
    version = (root.get("version") or "").strip() or None
    return Instance(form_id, version, instance_id, root.tag.rsplit("}", 1)[-1])
