"""The printed 岗位合格证书 (certificates/pdf.py): real embedded CJK text, a QR code that scans, one page per sheet.

The QR URLs here are pure ASCII (the certificate number percent-encoded, a URL-safe token), so what
zbarimg prints can be compared byte for byte without guessing its output charset.
"""

import datetime
import io
import logging
import os
import subprocess
from dataclasses import replace

import pytest
from pypdf import PdfReader

from certificates import pdf

ALICE = pdf.CertificateSheet(
    holder_name="王晓燕",
    id_number="320102198001011234",
    kind_label="建材",
    number="苏JC-2017-00310",
    institution="南京市建设工程质量检测中心有限公司",
    issued_on=datetime.date(2017, 3, 5),
    edition=2,
    verify_url="http://testserver/verify/qr/JC%3A%E8%8B%8FJC-2017-00310%3A2%3AAbC-dEf_123-x9Yz0LmNoPqRsTuVw/",
)
BOB = pdf.CertificateSheet(
    holder_name="李建国",
    id_number="32050519750612345X",
    kind_label="地基",
    number="苏DJ-2019-01234",
    institution="",
    issued_on=datetime.date(2019, 11, 20),
    edition=1,
    verify_url="http://testserver/verify/qr/JC%3A%E8%8B%8FDJ-2019-01234%3A1%3AZz9_Yy8-Xx7_Ww6-Vv5/",
)
CHARLIE = pdf.CertificateSheet(
    holder_name="张伟",
    id_number="320303199002028888",
    kind_label="建材",
    number="苏JC-2021-00042",
    institution="徐州市建筑材料检测有限公司",
    issued_on=datetime.date(2021, 7, 1),
    edition=3,
    verify_url="http://testserver/verify/qr/JC%3A%E8%8B%8FJC-2021-00042%3A3%3AqWeRtY_uIoP-aSdFgH/",
)


@pytest.fixture
def fresh_font():
    """Make the renderer look for its font again, before and after the test."""
    pdf.reset_font_cache()
    yield
    pdf.reset_font_cache()


def _fonts(resources):
    """Every font dictionary reachable from a resources dictionary, form XObjects included."""
    resources = resources.get_object() if resources is not None else {}
    fonts = [f.get_object() for f in resources.get("/Font", {}).values()]
    for xobject in resources.get("/XObject", {}).values():
        fonts += _fonts(xobject.get_object().get("/Resources"))
    return fonts


def _embedded_font_files(data: bytes) -> set:
    reader = PdfReader(io.BytesIO(data))
    files = set()
    for page in reader.pages:
        for font in _fonts(page.get("/Resources")):
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                files.add(descriptor.get_object().raw_get("/FontFile2").idnum)
    return files


def _installed_font() -> str:
    return next(path for path, _ in pdf.FONT_CANDIDATES if os.path.isfile(path))


def _page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _qr_codes(data: bytes, tmp_path) -> list[str]:
    """Rasterise every page at 150 dpi and decode its QR code with zbarimg."""
    source = tmp_path / "certificates.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", source, tmp_path / "page"], check=True)
    decoded = []
    for png in sorted(tmp_path.glob("page-*.png")):
        result = subprocess.run(["zbarimg", "--raw", "-q", png], check=True, capture_output=True)
        decoded.append(result.stdout.decode("ascii").strip())
    return decoded


def test_it_prints_the_fields_as_real_text():
    text = _page_texts(pdf.render([ALICE]))[0]

    for expected in (
        "江苏省建设工程质量检测人员岗位合格证书",
        "王晓燕",
        "320102198001011234",
        "工程质量检测（建材）",
        "苏JC-2017-00310",
        "南京市建设工程质量检测中心有限公司",
        "2017年03月05日",
        "第2版",
        "江苏省建设工程质量监督总站",
        "扫码核验证书真伪",
    ):
        assert expected in text


def test_it_agrees_with_pdftotext():
    result = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.render([ALICE]), check=True, capture_output=True
    )
    text = result.stdout.decode()

    assert "王晓燕" in text
    assert "苏JC-2017-00310" in text
    assert "第2版" in text


def test_it_embeds_the_truetype_font():
    assert _embedded_font_files(pdf.render([ALICE]))


def test_it_embeds_the_font_once_per_batch():
    one = pdf.render([ALICE])
    # Same glyphs on every page, only the order of digits differs: pages share the embedded font.
    many = pdf.render(
        [ALICE, *(ALICE.__class__(**{**ALICE.__dict__, "number": f"苏JC-2017-{i:05d}"}) for i in range(2, 9))]
    )

    assert len(_embedded_font_files(many)) == len(_embedded_font_files(one))


def test_it_prints_a_dash_without_institution_and_the_foundation_kind():
    text = _page_texts(pdf.render([BOB]))[0]

    assert "地基基础检测" in text
    assert "—" in text
    assert "2019年11月20日" in text
    assert "第1版" in text


def test_it_encodes_the_verify_url_in_the_qr_code(tmp_path):
    assert _qr_codes(pdf.render([ALICE]), tmp_path) == [ALICE.verify_url]


def test_it_prints_a_batch_one_page_per_sheet(tmp_path):
    batch = [ALICE, BOB, CHARLIE]
    data = pdf.render(batch)

    texts = _page_texts(data)
    assert len(texts) == 3
    for text, sheet in zip(texts, batch, strict=True):
        assert sheet.number in text
        assert sheet.holder_name in text
        assert [s.number for s in batch if s.number in text] == [sheet.number]
    assert _qr_codes(data, tmp_path) == [s.verify_url for s in batch]


def test_it_writes_to_a_file_like_object():
    out = io.BytesIO()

    assert pdf.render([ALICE], out) is None
    assert out.getvalue().startswith(b"%PDF-")
    assert len(PdfReader(out).pages) == 1


def test_it_refuses_an_empty_batch():
    with pytest.raises(ValueError):
        pdf.render([])


def test_it_shrinks_a_long_institution_to_fit():
    long_name = "江苏省南京市鼓楼区建设工程质量检测中心建筑材料与地基基础联合检测实验室有限责任公司"
    sheet = replace(ALICE, institution=long_name)

    assert long_name in _page_texts(pdf.render([sheet]))[0].replace("\n", "")


def test_it_takes_the_font_from_the_environment_first(fresh_font, monkeypatch):
    installed = _installed_font()
    monkeypatch.setenv(pdf.FONT_ENV, installed)
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", [("/nonexistent/uming.ttc", 0)])

    assert pdf.font_name() == f"JianceCJK-{os.path.basename(installed)}-0"
    assert _embedded_font_files(pdf.render([ALICE]))


def test_it_skips_a_file_that_is_no_font(fresh_font, monkeypatch, tmp_path, caplog):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    monkeypatch.setenv(pdf.FONT_ENV, str(broken))

    with caplog.at_level(logging.INFO, logger="certificates.pdf"):
        name = pdf.font_name()

    assert name == f"JianceCJK-{os.path.basename(_installed_font())}-0"
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    assert str(broken) in caplog.records[0].getMessage()


def test_it_falls_back_to_the_cid_font_with_a_warning(fresh_font, monkeypatch, caplog):
    monkeypatch.setenv(pdf.FONT_ENV, "/nonexistent/font.ttf")
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", [("/nonexistent/wqy-microhei.ttc", 0)])

    with caplog.at_level(logging.WARNING, logger="certificates.pdf"):
        data = pdf.render([ALICE])

    assert pdf.font_name() == "STSong-Light"
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "will not embed glyphs" in caplog.records[0].getMessage()
    assert not _embedded_font_files(data)
    assert "苏JC-2017-00310" in _page_texts(data)[0]
