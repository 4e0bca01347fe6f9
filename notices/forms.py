from django import forms


class NoticeFilterForm(forms.Form):
    show = forms.ChoiceField(label="显示", choices=[("", "全部"), ("unread", "未读")], required=False)


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="接收消息的电子邮箱",
        max_length=254,
        required=False,
        help_text="每日汇总一封邮件发送未读消息；留空则不发送邮件。",
    )
