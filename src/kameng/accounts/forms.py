from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=256, widget=forms.PasswordInput)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=64, required=False)


class SignupForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    # One of the two (the service says which is missing or wrong).
    email = forms.EmailField(label=_("E-mail address"), max_length=254, required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=24, required=False)
    password = forms.CharField(label=_("Password"), max_length=256, widget=forms.PasswordInput)
    answer = forms.CharField(label=_("Your answer"), max_length=10)
    challenge = forms.CharField(max_length=500, widget=forms.HiddenInput)
    # Hidden from people (and from screen readers): only a script fills it.
    website = forms.CharField(required=False, max_length=200)


class PhoneCodeForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=24)
    code = forms.CharField(label=_("Code"), max_length=6, required=False)
