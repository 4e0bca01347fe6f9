from django import forms
from django.contrib.auth import password_validation

from web.filters import SearchForm
from web.widgets import LongSelect

from .credentials import validate_mobile, validate_username
from .models import City, Institution, User
from .validators import validate_credit_code


class NewInstitutionForm(forms.Form):
    """The province opens an institution (筹建) and its login."""

    name = forms.CharField(label="机构名称", max_length=100)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, validators=[validate_credit_code])
    city = forms.ModelChoiceField(label="所在市", queryset=City.objects.all(), empty_label="请选择")
    username = forms.CharField(
        label="用户名", max_length=150, validators=[validate_username], help_text="字母、数字和 . _ - 。"
    )
    password = forms.CharField(
        label="初始密码",
        help_text="至少 8 位，含大写字母、小写字母、数字、符号中的至少 3 类，不含用户名；首次登录须修改。",
    )

    def clean_name(self):
        if Institution.objects.filter(name=self.cleaned_data["name"]).exists():
            raise forms.ValidationError("已有同名检测机构。")
        return self.cleaned_data["name"]

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip().upper()
        if Institution.objects.filter(credit_code=code).exists():
            raise forms.ValidationError("该统一社会信用代码已被使用。")
        return code

    def clean_username(self):
        if User.objects.filter(username=self.cleaned_data["username"]).exists():
            raise forms.ValidationError("该用户名已被使用。")
        return self.cleaned_data["username"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            try:
                user = User(username=cleaned.get("username", ""))
                password_validation.validate_password(cleaned["password"], user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class AccountFilterForm(SearchForm):
    """账号管理: search by 用户名 / 单位 / 姓名, filter by role, city and status."""

    STATUS_CHOICES = [("", "全部"), ("active", "正常"), ("disabled", "已停用")]

    role = forms.ChoiceField(
        label="角色",
        required=False,
        choices=[("", "全部"), (User.Role.CITY, User.Role.CITY.label), (User.Role.INSTITUTION, "检测机构")],
    )
    city = forms.ModelChoiceField(
        label="所在市", queryset=City.objects.all(), required=False, empty_label="全部"
    )
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_CHOICES)


class AccountForm(forms.Form):
    """The province opens a login for a city or an institution (one per clerk)."""

    role = forms.ChoiceField(
        label="角色", choices=[(User.Role.CITY, User.Role.CITY.label), (User.Role.INSTITUTION, "检测机构")]
    )
    city = forms.ModelChoiceField(
        label="省辖市",
        queryset=City.objects.all(),
        required=False,
        empty_label="请选择",
        help_text="角色为省辖市时必选。",
    )
    institution = forms.ModelChoiceField(
        label="检测机构",
        queryset=Institution.objects.order_by("city__order", "name", "pk"),
        required=False,
        empty_label="请选择",
        help_text="角色为检测机构时必选。",
        widget=LongSelect,  # every institution of the province
    )
    username = forms.CharField(
        label="用户名", max_length=150, validators=[validate_username], help_text="字母、数字和 . _ - 。"
    )
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机", max_length=11, validators=[validate_mobile])
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput(render_value=False),
        help_text="至少 8 位，含大写字母、小写字母、数字、符号中的至少 3 类，不含用户名；首次登录须修改。",
    )

    def clean_username(self):
        if User.objects.filter(username__iexact=self.cleaned_data["username"]).exists():
            raise forms.ValidationError("该用户名已被使用。")
        return self.cleaned_data["username"]

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == User.Role.CITY and not cleaned.get("city"):
            self.add_error("city", "请选择省辖市。")
        if role == User.Role.INSTITUTION and not cleaned.get("institution"):
            self.add_error("institution", "请选择检测机构。")
        if cleaned.get("password"):
            try:
                password_validation.validate_password(
                    cleaned["password"], User(username=cleaned.get("username", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ContactForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机", max_length=11, validators=[validate_mobile])
