"""PDFs that are more than pages: scripts, launch actions, embedded files and forms are refused at upload
with a message naming the file, and nothing is stored. Every file is written here, with pypdf or
reportlab, on top of an ordinary one-page PDF."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.pdfgen import canvas

from institutions.models import Institution
from personnel.models import Person
from reviews.models import Application, Attachment

from . import files
from .files import stored_files

pytestmark = pytest.mark.django_db

REFUSAL = (
    "「解除劳动关系证明.pdf」含有脚本、附件或表单，不能作为扫描件上传，请打印后重新扫描或导出为普通 PDF。"
)


def name(value: str) -> NameObject:
    return NameObject(value)


def action(kind: str, **entries) -> DictionaryObject:
    return DictionaryObject(
        {name("/Type"): name("/Action"), name("/S"): name(kind), **{name(k): v for k, v in entries.items()}}
    )


def javascript() -> DictionaryObject:
    return action("/JavaScript", **{"/JS": TextStringObject("app.alert('x');")})


def launch() -> DictionaryObject:
    return action("/Launch", **{"/F": TextStringObject("cmd.exe")})


def rectangle() -> ArrayObject:
    return ArrayObject([FloatObject(n) for n in (72, 72, 200, 100)])


def edited(change) -> bytes:
    """An ordinary one-page PDF, changed by ``change(writer)`` and written by pypdf."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(files.pdf_bytes())))
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def annotated(annotation: DictionaryObject) -> bytes:
    return edited(lambda writer: writer.add_annotation(0, annotation))


def document_script(writer):
    """A document-level script: the names tree's /JavaScript."""
    scripts = DictionaryObject(
        {name("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(javascript())])}
    )
    writer._root_object[name("/Names")] = DictionaryObject({name("/JavaScript"): scripts})


def open_action_script(writer):
    writer._root_object[name("/OpenAction")] = writer._add_object(javascript())


def page_open_launch(writer):
    writer.pages[0][name("/AA")] = DictionaryObject({name("/O"): launch()})


def launch_link(writer):
    link = Link(rect=(72, 72, 200, 100), target_page_index=0)
    link[name("/A")] = launch()
    del link["/Dest"]
    writer.add_annotation(0, link)


def script_bookmark(writer):
    item = writer.add_outline_item(title="第1页", page_number=0)
    item.get_object()[name("/A")] = javascript()


def embedded_file(writer):
    writer.add_attachment("readme.txt", b"hello")  # the names tree's /EmbeddedFiles


def file_attachment_annotation() -> bytes:
    return annotated(
        DictionaryObject(
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/FileAttachment"),
                name("/Rect"): rectangle(),
                name("/Contents"): TextStringObject("readme.txt"),
            }
        )
    )


def xfa_form(writer):
    writer._root_object[name("/AcroForm")] = DictionaryObject(
        {name("/Fields"): ArrayObject(), name("/XFA"): TextStringObject("<xdp:xdp/>")}
    )


def reportlab_form() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "申请表")
    pdf.acroForm.textfield(name="姓名", x=72, y=650, width=200, height=20)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def unreachable_escaped_script() -> bytes:
    """A script object appended after the end of the file, its names spelt with #xx escapes: pypdf
    neither reaches nor needs it, a lenient viewer might."""
    return files.pdf_bytes() + b"\n99 0 obj\n<< /S /J#61vaScript /J#53 (app.alert(1)) >>\nendobj\n"


def broken_launch() -> bytes:
    """An unterminated dictionary with a launch action after the end of the file."""
    return files.pdf_bytes() + b"\n98 0 obj\n<< /OpenAction << /S /Launch /F (cmd.exe)"


CORPUS = {
    "document-javascript": lambda: edited(document_script),
    "open-action-javascript": lambda: edited(open_action_script),
    "page-open-launch": lambda: edited(page_open_launch),
    "launch-link": lambda: edited(launch_link),
    "bookmark-javascript": lambda: edited(script_bookmark),
    "embedded-file": lambda: edited(embedded_file),
    "file-attachment-annotation": file_attachment_annotation,
    "acroform": reportlab_form,
    "xfa": lambda: edited(xfa_form),
    "unreachable-escaped-javascript": unreachable_escaped_script,
    "broken-launch": broken_launch,
}


def file_new(client, content: bytes):
    """POST the 添加变更 form (nj-jc's 王强 → 苏州建科建材) with ``content`` as the termination scan."""
    return client.post(
        reverse("transfer_new"),
        {
            "person": Person.objects.get(name="王强").pk,
            "receiving_institution": Institution.objects.get(name="苏州建科建材检测有限公司").pk,
            "termination": files.SimpleUploadedFile("解除劳动关系证明.pdf", content, "application/pdf"),
        },
    )


@pytest.mark.parametrize("kind", CORPUS)
def test_it_refuses_a_pdf_with_active_content_and_stores_nothing(login, kind):
    content = CORPUS[kind]()
    assert len(PdfReader(io.BytesIO(content)).pages) == 1, "a readable PDF: refused for what it carries"
    response = file_new(login("nj-jc"), content)
    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert Application.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files() == set()


def test_it_accepts_a_pdf_with_bookmarks_and_page_links(login):
    def navigation(writer):
        writer.add_outline_item(title="第1页", page_number=0)
        writer.add_annotation(0, Link(rect=(72, 72, 200, 100), target_page_index=0))
        writer.add_metadata({"/Title": "解除劳动关系证明"})
        writer.pages[0][name("/Rotate")] = NumberObject(0)

    response = file_new(login("nj-jc"), edited(navigation))
    assert response.status_code == 302
    assert Attachment.objects.get().content_type == "application/pdf"
