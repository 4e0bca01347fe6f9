from django import forms
from django.contrib.auth import password_validation

from .credentials import validate_username
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
