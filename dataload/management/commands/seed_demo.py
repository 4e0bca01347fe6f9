"""Load the demo data set (docs/demo-data.md). Idempotent: a second run finds everything and changes nothing.

Refused under production settings (JIANCE_PRODUCTION=1) unless ``--force``; ``--force`` makes every demo
account change its publicly known password at its next login.
"""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from certificates.models import PostCertificate
from credit.defaults import ensure_defaults
from credit.models import Category, Rule
from institutions.cities import ensure_cities
from institutions.models import Capability, City, Institution, Kind, Qualification, User
from personnel.employment import ensure_current
from personnel.models import EmploymentSource, Person
from personnel.validators import birth_date_and_gender

PASSWORD = "Jiance@2026"

CITY_ACCOUNTS = [
    "nanjing", "wuxi", "xuzhou", "changzhou", "suzhou", "nantong", "lianyungang",
    "huaian", "yancheng", "yangzhou", "zhenjiang", "taizhou", "suqian",
]  # fmt: skip

# username, name, credit code, city code, kinds, address, legal representative
INSTITUTIONS = [
    ("nj-dual", "南京市建设工程质量检测中心", "12320100466000012G", "nanjing", [Kind.JC, Kind.DJ],
     "南京市鼓楼区草场门大街88号", "周建国"),
    ("nj-jc", "南京华宁建材检测有限公司", "91320100MA1X00002F", "nanjing", [Kind.JC],
     "南京市江宁区天元中路126号", "吴海涛"),
    ("sz-jc", "苏州建科建材检测有限公司", "91320500MA1X000037", "suzhou", [Kind.JC],
     "苏州市工业园区星湖街328号", "沈明"),
    ("sz-dj", "苏州岩土地基检测有限公司", "91320500MA1X00004A", "suzhou", [Kind.DJ],
     "苏州市吴中区越溪街道吴中大道1368号", "顾志强"),
    ("wx-dual", "无锡市建设工程质量检测中心", "12320200466000015Y", "wuxi", [Kind.JC, Kind.DJ],
     "无锡市梁溪区解放西路2号", "钱伟"),
]  # fmt: skip

# name, 身份证号, institution, 建材 number, 地基 number
PEOPLE = [
    ("张伟", "320102198503120012", "南京市建设工程质量检测中心", "苏JC-2019-00012", "苏DJ-2019-00012"),
    ("李娜", "32050619900723002X", "南京市建设工程质量检测中心", "苏JC-2020-00107", "苏DJ-2020-00107"),
    ("王强", "320203198801150035", "南京华宁建材检测有限公司", "苏JC-2018-00231", None),
    ("刘洋", "320106199211300046", "苏州建科建材检测有限公司", "苏JC-2021-00056", None),
    ("陈静", "320583198706060056", "无锡市建设工程质量检测中心", "苏JC-2017-00310", "苏DJ-2017-00310"),
    ("杨帆", "320111199502180065", "苏州岩土地基检测有限公司", None, "苏DJ-2022-00078"),
    ("赵磊", "320502198309090077", "无锡市建设工程质量检测中心", "苏JC-2016-00421", "苏DJ-2016-00421"),
    ("孙丽", "320211199104010082", "南京市建设工程质量检测中心", "苏JC-2023-00005", None),
]

CAPABILITIES = {
    Kind.JC: [
        ("水泥", "水泥物理性能", "细度、凝结时间、安定性、胶砂强度"),
        ("钢筋", "钢筋力学性能", "屈服强度、抗拉强度、断后伸长率、弯曲性能"),
        ("混凝土", "混凝土抗压强度", "立方体抗压强度"),
    ],
    Kind.DJ: [
        ("地基基础", "桩身完整性", "低应变法、声波透射法"),
        ("地基基础", "单桩竖向抗压承载力", "静载试验"),
    ],
}


class Command(BaseCommand):
    help = "载入演示数据（见 docs/demo-data.md），可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="在生产环境（JIANCE_PRODUCTION=1）下也载入；所有演示账号下次登录须修改密码。",
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if settings.PRODUCTION and not force:
            raise CommandError(
                "生产环境（JIANCE_PRODUCTION=1）下不载入演示数据：演示账号的密码是公开的。"
                "确需载入请加 --force，所有演示账号下次登录须修改密码。"
            )
        ensure_cities(City)  # normally made by a migration; a flushed test database has none
        ensure_defaults(Category, Rule)  # likewise the credit catalogue and rule
        cities = {c.code: c for c in City.objects.all()}
        self._user("province", role=User.Role.PROVINCE, is_staff=True)
        for code in CITY_ACCOUNTS:
            self._user(code, role=User.Role.CITY, city=cities[code])
        institutions = {}
        for username, name, code, city, kinds, address, legal in INSTITUTIONS:
            institution, _ = Institution.objects.get_or_create(
                name=name,
                defaults={
                    "credit_code": code,
                    "city": cities[city],
                    "address": address,
                    "legal_representative": legal,
                    "contact_person": legal,
                    "contact_phone": "025-8000" + code[-4:-1],
                    "status": Institution.Status.ACTIVE,
                },
            )
            for kind in kinds:
                self._qualification(institution, kind)
            institutions[name] = institution
            self._user(username, role=User.Role.INSTITUTION, institution=institution)
        for name, id_number, institution_name, jc, dj in PEOPLE:
            birth, gender = birth_date_and_gender(id_number)
            person, _ = Person.objects.get_or_create(
                id_number=id_number,
                defaults={
                    "name": name,
                    "gender": gender,
                    "birth_date": birth,
                    "education": "本科",
                    "title": "工程师",
                    "institution": institutions[institution_name],
                },
            )
            for kind, number in ((Kind.JC, jc), (Kind.DJ, dj)):
                if number:
                    PostCertificate.objects.get_or_create(
                        kind=kind,
                        number=number,
                        defaults={
                            "holder": person,
                            "institution": person.institution,
                            "issued_on": date(int(number.split("-")[1]), 6, 1),
                        },
                    )
            # 从业履历: one current period, from the first certificate's issue (a person loaded before
            # the periods existed keeps the one the migration gave them).
            first = min(int(number.split("-")[1]) for number in (jc, dj) if number)
            ensure_current(person, EmploymentSource.LEGACY, start=date(first, 6, 1))
        if force:
            usernames = ["province", *CITY_ACCOUNTS, *(row[0] for row in INSTITUTIONS)]
            User.objects.filter(username__in=usernames).update(must_change_password=True)
            self.stdout.write(self.style.WARNING("所有演示账号下次登录须修改密码。"))
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪（所有演示账号密码：{PASSWORD}）。"))

    def _user(self, username, **fields):
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _qualification(self, institution, kind):
        prefix = "苏建检字" if kind == Kind.JC else "苏建地检字"
        Qualification.objects.get_or_create(
            institution=institution,
            kind=kind,
            defaults={
                "number": f"{prefix}第{institution.credit_code[-6:]}号",
                "valid_from": date(2024, 1, 1),
                "valid_until": date(2029, 12, 31),
                "scope": "见检测能力附表",
            },
        )
        for category, item, params in CAPABILITIES[kind]:
            Capability.objects.get_or_create(
                institution=institution,
                kind=kind,
                category=category,
                item=item,
                defaults={"parameters": params},
            )
