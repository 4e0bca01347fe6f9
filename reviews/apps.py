from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "审核"

    def ready(self):
        from workdays import deadlines

        from .models import Application, State

        # 办理时限 of the review's steps (the province may change each under 系统管理 → 办理时限).
        receipt = deadlines.declare(deadlines.Step("receipt", "接收（调入机构）", 10))
        city = deadlines.declare(deadlines.Step("city", "市级审核（每个市）", 5))
        province = deadlines.declare(deadlines.Step("province", "省级复核", 10))
        deadlines.track(
            Application,
            {
                State.PENDING_RECEIPT: receipt.code,
                State.PENDING_CITY: city.code,
                State.PENDING_PROVINCE: province.code,
            },
        )
