from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=256, widget=forms.PasswordInput)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=64, required=False)
