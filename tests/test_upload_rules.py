"""The guide's upload rules and what a clerk meets on every form, through HTTP as the demo accounts:
劳动合同 page order, colour of PDFs, each scan's hint, the error summary, staged uploads (owner-only,
expiring, limited, nothing left behind) and the viewer's thumbnails."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import AuditEvent, Kind
from institutions.models import Institution
from personnel.models import Person
from reviews.models import Application, Attachment, StagedUpload, State

from . import files, workflow
from .files import stored_files
from .test_forged_filings import personnel_body
from .test_institution_filing import info, qualification_data

pytestmark = pytest.mark.django_db

RECEIVER = "苏州建科建材检测有限公司"


def pdf_of(colour, mode="RGB") -> SimpleUploadedFile:
    """A one-page PDF holding one scanned image (Pillow writes it as an embedded JPEG)."""
    buffer = io.BytesIO()
    Image.new(mode, (120, 90), colour).save(buffer, "PDF")
    return SimpleUploadedFile("解除劳动关系证明.pdf", buffer.getvalue(), content_type="application/pdf")


def accept_with_pages(client, application, pages):
    return client.post(
        reverse("application_accept", args=[application.pk]),
        {
            "labour_contract": pages,
            "social_security": [files.pdf("社保.pdf")],
            "certificate_scan": [files.png("上岗证.png")],
        },
    )


def transfer_body(**scans) -> dict:
    return {
        "person": Person.objects.get(name="王强").pk,
        "receiving_institution": Institution.objects.get(name=RECEIVER).pk,
        **scans,
    }


def stage(client, f, scan_type="termination"):
    return client.post(reverse("upload_stage"), {"type": scan_type, "file": f})


def token_of(response) -> str:
    assert response.status_code == 201, response.content.decode()
    return response.json()["token"]


# --- 1. 劳动合同: "每页的扫描件以'页码号'命名，按页码顺序上传" --------------------------------------------

PAGE_FAULTS = [
    ("unnumbered", ["1.jpg", "合同.jpg"], "「合同.jpg」的文件名中没有页码"),
    ("repeated", ["1.jpg", "2.jpg", "第2页.jpg"], "「2.jpg」和「第2页.jpg」的页码重复（都是第2页）"),
    ("gap", ["1.jpg", "2.jpg", "4.jpg"], "缺少第3页（已上传「1.jpg」、「2.jpg」、「4.jpg」）"),
    ("no first page", ["2.jpg", "3.jpg"], "缺少第1页"),
]


@pytest.mark.parametrize(("names", "message"), [f[1:] for f in PAGE_FAULTS], ids=[f[0] for f in PAGE_FAULTS])
def test_it_refuses_contract_pages_out_of_order_naming_the_files_and_stores_nothing(login, names, message):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    before = (stored_files(), Attachment.objects.count())
    response = accept_with_pages(login("sz-jc"), application, [files.jpeg(n, size=(16, 12)) for n in names])
    assert response.status_code == 400
    assert f"劳动合同：{message}" in response.content.decode()
    assert (stored_files(), Attachment.objects.count()) == before
    application.refresh_from_db()
    assert application.state == State.PENDING_RECEIPT


def test_it_accepts_pages_one_to_n_in_any_order(login):
    application = workflow.file_transfer(login("nj-jc"), "王强", RECEIVER)
    pages = [files.jpeg(n, size=(16, 12)) for n in ("3.jpg", "第1页.jpg", "page_2.png")]
    pages[2] = files.png("page_2.png")
    assert accept_with_pages(login("sz-jc"), application, pages).status_code == 302
    contract = application.attachments.filter(type="labour_contract")
    assert list(contract.values_list("page", flat=True)) == [1, 2, 3]


def test_it_refuses_a_repeated_page_in_a_personnel_filing_too(login):
    body = personnel_body(labour_contract=[files.jpeg("1.jpg"), files.jpeg("01.jpg")])
    response = login("nj-jc").post(reverse("person_new", args=["jc"]), body)
    assert response.status_code == 400
    assert "「1.jpg」和「01.jpg」的页码重复" in response.content.decode()
    assert not Application.objects.exists() and stored_files() == set()


# --- 2. "彩色扫描件": PDFs too --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pdf", "warned"),
    [
        (lambda: pdf_of(128, mode="L"), True),
        (lambda: pdf_of((110, 110, 110)), True),
        (lambda: pdf_of((200, 30, 30)), False),
        (lambda: files.pdf("解除劳动关系证明.pdf"), False),  # no images: nothing to call grey
    ],
    ids=["grey-image", "grey-as-rgb", "colour", "text-only"],
)
def test_it_warns_about_a_greyscale_pdf_like_an_image(login, pdf, warned):
    response = login("nj-jc").post(reverse("transfer_new"), transfer_body(termination=pdf()), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    warning = "「解除劳动关系证明.pdf」是灰度图像，指南要求彩色扫描件，请核对。"
    assert (warning in html) is warned
    assert Attachment.objects.get().greyscale is warned


# --- 3. hints: what the guide says for each scan, on no form without that scan ----------------------


def test_it_shows_each_scans_guide_hint_and_no_hint_for_a_scan_the_form_lacks(login):
    client = login("nj-jc")
    cancellation = client.get(reverse("cancellation_new")).content.decode()
    assert "劳动合同" not in cancellation and "页码" not in cancellation
    assert "岗位合格证书的彩色扫描件" in cancellation
    reissue = client.get(reverse("reissue_new")).content.decode()
    assert "省级报纸登报声明，加盖公章的彩色扫描件" in reissue
    assert "社保缴费清单" in reissue and "加盖社保单位公章的彩色扫描件" in reissue
    assert "每页的扫描件以&#x27;页码号&#x27;命名（1.jpg、2.jpg …），按页码顺序上传" in reissue
    transfer = client.get(reverse("transfer_new")).content.decode()
    assert "加盖公章的彩色扫描件" in transfer and "劳动合同" not in transfer
    person = client.get(reverse("person_new", args=["jc"])).content.decode()
    assert "身份证正反面的彩色扫描件" in person and "页码号" in person


# --- 4. the error summary --------------------------------------------------------------------------


def test_it_sums_up_every_field_with_an_error_at_the_top(login):
    response = login("nj-jc").post(reverse("transfer_new"), {"person": "", "receiving_institution": ""})
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[
        html.index('class="error-summary"') : html.index("</div>", html.index('class="error-summary"'))
    ]
    assert "请更正以下 3 项" in summary
    for field, label in (
        ("person", "调离人员"),
        ("receiving_institution", "调入机构"),
        ("termination", "解除劳动关系证明"),
    ):
        assert f'<a href="#id_{field}">{label}</a>：' in summary
    assert html.index("error-summary") < html.index('id="id_person"'), "the summary comes first"


# --- 5. staged uploads -----------------------------------------------------------------------------


def test_it_stages_a_file_and_files_it_from_its_token_leaving_no_staged_copy(
    login, django_capture_on_commit_callbacks
):
    client = login("nj-jc")
    token = token_of(stage(client, files.jpeg("解除劳动关系证明.jpg")))
    staged = StagedUpload.objects.get(token=token)
    assert staged.owner.username == "nj-jc" and default_storage.exists(staged.file.name)
    assert staged.file.name.startswith("staged/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("transfer_new"), transfer_body(termination__staged=token))
    assert response.status_code == 302
    (attachment,) = Attachment.objects.all()
    assert (attachment.original_name, attachment.type) == ("解除劳动关系证明.jpg", "termination")
    assert not StagedUpload.objects.exists()
    assert stored_files() == {attachment.file.name}, "the staged copy is gone, the attachment stays"


def test_it_keeps_staged_files_through_a_failed_submit_and_files_them_on_the_next(login):
    client = login("nj-jc")
    token = token_of(stage(client, files.jpeg("解除劳动关系证明.jpg")))
    failed = client.post(reverse("transfer_new"), {**transfer_body(termination__staged=token), "person": ""})
    assert failed.status_code == 400
    html = failed.content.decode()
    assert f'<input type="hidden" name="termination__staged" value="{token}">' in html
    assert "解除劳动关系证明.jpg" in html
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert StagedUpload.objects.filter(token=token).exists()
    response = client.post(reverse("transfer_new"), transfer_body(termination__staged=token))
    assert response.status_code == 302 and Attachment.objects.count() == 1


def test_it_keeps_staged_files_when_the_action_refuses_the_filing(login):
    """A refusal by the process's rules rolls the filing back: the staged row survives for the next try."""
    client = login("nj-jc")
    token = token_of(stage(client, files.jpeg("1.jpg")))
    other = Person.objects.get(name="刘洋")  # sz-jc's person: a forged choice the form's queryset refuses
    response = client.post(
        reverse("transfer_new"), {**transfer_body(termination__staged=token), "person": other.pk}
    )
    assert response.status_code == 400
    assert StagedUpload.objects.filter(token=token).exists() and not Attachment.objects.exists()


def test_no_one_else_can_claim_or_discard_a_staged_file(login):
    token = token_of(stage(login("nj-jc"), files.jpeg("解除劳动关系证明.jpg")))
    colleague = login("sz-jc")
    body = {**transfer_body(termination__staged=token)}
    body["person"] = Person.objects.get(name="刘洋").pk
    body["receiving_institution"] = Institution.objects.get(name="南京华宁建材检测有限公司").pk
    response = colleague.post(reverse("transfer_new"), body)
    assert response.status_code == 400
    assert "之前上传的文件已过期或已失效，请重新选择文件。" in response.content.decode()
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert colleague.post(reverse("upload_discard", args=[token])).status_code == 404
    assert StagedUpload.objects.filter(token=token).exists()
    assert login("nj-jc").post(reverse("upload_discard", args=[token])).status_code == 204
    assert not StagedUpload.objects.exists() and stored_files() == set()


def test_a_staged_file_expires_and_is_swept(login, settings):
    client = login("nj-jc")
    token = token_of(stage(client, files.jpeg("解除劳动关系证明.jpg")))
    kept = token_of(stage(client, files.jpeg("另一份.jpg")))
    old = timezone.now() - timedelta(hours=settings.STAGED_UPLOAD_HOURS, minutes=1)
    StagedUpload.objects.filter(token=token).update(created_at=old)
    response = client.post(reverse("transfer_new"), transfer_body(termination__staged=token))
    assert response.status_code == 400
    assert "之前上传的文件已过期或已失效" in response.content.decode()
    assert not Attachment.objects.exists()
    expired_file = StagedUpload.objects.get(token=token).file.name
    call_command("sweep_attachments", stdout=io.StringIO())
    assert list(StagedUpload.objects.values_list("token", flat=True)) == [kept]
    assert not default_storage.exists(expired_file)
    assert default_storage.exists(StagedUpload.objects.get().file.name), "a live staged file stays"


def test_it_refuses_a_sixth_copy_scan_sent_as_tokens_and_stores_nothing(login):
    client = login("nj-jc")
    tokens = [token_of(stage(client, files.jpeg(f"副本{i}.jpg"), "qualification_copy")) for i in range(1, 7)]
    institution = Institution.objects.get(name="南京华宁建材检测有限公司")
    data = {**info(institution), **qualification_data(institution.qualifications.get()),
            "qualification_original": files.jpeg("正本.jpg"), "qualification_copy__staged": tokens}  # fmt: skip
    before = stored_files()
    response = client.post(reverse("institution_filing", args=["jc"]), data)
    assert response.status_code == 400
    assert "最多上传 5 个文件" in response.content.decode()
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == before
    data["qualification_copy__staged"] = tokens[:5]
    data["qualification_original"] = files.jpeg("正本.jpg")
    assert client.post(reverse("institution_filing", args=["jc"]), data).status_code == 302
    assert Attachment.objects.filter(type="qualification_copy").count() == 5


def test_the_form_tells_the_browser_the_limit_before_a_sixth_file_is_sent(login):
    html = login("nj-jc").get(reverse("institution_filing", args=["jc"])).content.decode()
    assert 'data-max-files="5"' in html and 'data-scan-type="qualification_copy"' in html
    assert f'data-stage-url="{reverse("upload_stage")}"' in html


STAGE_REFUSALS = [
    ("not a scan", files.html_as_jpg, "termination", "不是有效的扫描件"),
    ("no page number", lambda: files.jpeg("合同.jpg"), "labour_contract", "「合同.jpg」的文件名中没有页码"),
    ("unknown type", lambda: files.jpeg("1.jpg"), "passport", "请选择要上传的文件"),
]


@pytest.mark.parametrize(
    ("make", "scan_type", "message"), [r[1:] for r in STAGE_REFUSALS], ids=[r[0] for r in STAGE_REFUSALS]
)
def test_it_checks_a_staged_file_at_once_and_keeps_nothing_it_refuses(login, make, scan_type, message):
    response = stage(login("sz-jc"), make(), scan_type)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not StagedUpload.objects.exists() and stored_files() == set()


def test_it_refuses_a_file_over_the_size_limit_at_once(login, settings):
    settings.ATTACHMENT_MAX_FILE_MB = 0
    response = stage(login("nj-jc"), files.jpeg("1.jpg"))
    assert response.status_code == 400 and "超过 0 MB 的大小上限" in response.json()["error"]
    assert stored_files() == set()


def test_reviewers_upload_only_the_scans_of_what_they_file(login):
    assert stage(login("nanjing"), files.jpeg("1.jpg")).status_code == 403  # an institution's scan
    assert not StagedUpload.objects.exists()
    # A city files its own 信用记录, with 证据材料.
    assert stage(login("nanjing"), files.jpeg("1.jpg"), scan_type="credit_evidence").status_code == 201
    assert stage(login("nj-jc"), files.jpeg("1.jpg"), scan_type="credit_evidence").status_code == 403


def test_it_limits_how_many_files_one_user_keeps_staged(login, settings):
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 1  # two full submissions' worth: 2
    client = login("nj-jc")
    token_of(stage(client, files.jpeg("1.jpg", size=(8, 8))))
    token_of(stage(client, files.jpeg("2.jpg", size=(8, 8))))
    response = stage(client, files.jpeg("3.jpg", size=(8, 8)))
    assert response.status_code == 400 and "暂存的文件过多" in response.json()["error"]
    assert StagedUpload.objects.count() == 2


# --- 6. thumbnails: the same scope and audit as the scans ------------------------------------------


def test_thumbnails_are_scoped_and_audited_like_the_scans(login):
    response = login("nj-jc").post(
        reverse("person_new", args=["jc"]), personnel_body(id_card=[files.jpeg("身份证.jpg")])
    )
    assert response.status_code == 302
    filing = Application.objects.get()
    id_card = filing.attachments.get(type="id_card")
    diploma = filing.attachments.get(type="diploma")
    nanjing = login("nanjing")
    page = nanjing.get(reverse("application_detail", args=[filing.pk])).content.decode()
    assert reverse("attachment_thumbnail", args=[diploma.pk]) in page
    thumb = nanjing.get(reverse("attachment_thumbnail", args=[id_card.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["Cache-Control"] == "no-store, private" and thumb["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(thumb.content)).size[0] <= 240
    assert nanjing.get(reverse("attachment_thumbnail", args=[diploma.pk])).status_code == 200
    (viewed,) = AuditEvent.objects.filter(kind=Kind.ID_SCAN_VIEWED)
    assert (viewed.username, viewed.object_id) == ("nanjing", str(id_card.pk))
    for outsider in ("suzhou", "sz-jc"):
        assert login(outsider).get(reverse("attachment_thumbnail", args=[id_card.pk])).status_code == 404
    assert AuditEvent.objects.filter(kind=Kind.ID_SCAN_VIEWED).count() == 1


def test_a_pdf_gets_a_thumbnail_of_its_first_page(login):
    response = login("nj-jc").post(reverse("transfer_new"), transfer_body(termination=pdf_of((200, 30, 30))))
    assert response.status_code == 302
    thumb = login("nanjing").get(reverse("attachment_thumbnail", args=[Attachment.objects.get().pk]))
    assert thumb.status_code == 200
    red, green, _blue = Image.open(io.BytesIO(thumb.content)).convert("RGB").resize((1, 1)).getpixel((0, 0))
    assert red > 150 and green < 100, "the page's red image, not a blank tile"
