"""A returned request corrected in the browser: the city returns it (asked to confirm), the institution
corrects a field and a scan beside the city's opinion and resubmits, and the city sees the new value and
the superseded scan. Under the Content-Security-Policy: no inline script or style may be blocked."""

from django.urls import reverse
from playwright.sync_api import expect

from certificates.models import ReissueRequest
from reviews.models import State
from tests import files, workflow

from .conftest import client_for

OPINION = "补证原因请写明遗失时间和地点；登报声明须加盖公章。"


def test_city_returns_institution_corrects_city_sees_the_correction(
    open_as, policy_violations, screenshot, tmp_path
):
    reissue = workflow.file_reissue(client_for("nj-jc"), ["苏JC-2018-00231"], reason="证书遗失")
    url = reverse("application_detail", args=[reissue.pk])

    # 南京 returns it: an empty opinion is refused by the page's own rule, 退回 asks first.
    city = open_as("nanjing")
    violations = policy_violations(city)
    city.goto(url)
    return_button = city.get_by_role("button", name="退回", exact=True)
    city.once("dialog", lambda dialog: dialog.dismiss())
    city.locator("#id_opinion").fill(OPINION)
    return_button.click()
    expect(city.locator("h1")).to_contain_text("待市级审核")  # dismissed: nothing sent
    asked = []
    city.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    return_button.click()
    expect(city.locator("h1")).to_contain_text("已退回")
    assert asked == ["确定退回该申请？"]

    # The institution sees the opinion beside the form, filled with what it filed.
    institution = open_as("nj-jc")
    violations += policy_violations(institution)
    institution.goto(url)
    expect(institution.locator("#return-opinion")).to_contain_text(OPINION)
    form = institution.locator("#resubmit-form")
    expect(form.get_by_label("补证原因")).to_have_value("证书遗失")
    form.get_by_label("补证原因").fill("2026年3月2日在南京南站遗失")
    notice = tmp_path / "登报声明-盖章.jpg"
    notice.write_bytes(files.jpeg("登报声明-盖章.jpg").read())
    form.get_by_label("登报声明").set_input_files(str(notice))
    screenshot(institution, "correction-form")
    form.get_by_role("button", name="重新提交").click()
    expect(institution.locator(".messages")).to_contain_text("已重新提交")
    expect(institution.locator("h1")).to_contain_text("待市级审核")
    assert ReissueRequest.objects.get(pk=reissue.pk).state == State.PENDING_CITY

    # 南京 sees the new reason, the new scan and the superseded one.
    city.goto(url)
    expect(city.locator("body")).to_contain_text("2026年3月2日在南京南站遗失")
    expect(city.locator("#attachments")).to_contain_text("登报声明-盖章.jpg")
    replaced = city.locator("#superseded-2")
    expect(replaced.locator("h2")).to_have_text("已替换（第2轮）")
    expect(replaced).to_contain_text("登报声明.jpg")
    expect(city.locator("#timeline")).to_contain_text("更正：补证原因")
    # 同意 needs an opinion: the one-click text fills it, and 同意 asks first.
    city.get_by_role("button", name="填入：同意").click()
    expect(city.locator("#id_opinion")).to_have_value("同意。")
    city.once("dialog", lambda dialog: dialog.accept())
    city.get_by_role("button", name="同意", exact=True).click()
    expect(city.locator("h1")).to_contain_text("待省级复核")
    screenshot(city, "corrected-request")
    assert violations == []
