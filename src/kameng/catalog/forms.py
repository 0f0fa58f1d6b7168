"""Page forms: they only convert types; every rule is checked by the services."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from kameng.catalog.models import Category, DeliveryKind
from kameng.core.yuan import YuanField

FIELDS_HELP = _(
    'A JSON list, at most 8 items, e.g. [{"key": "game_account", "label_zh": "游戏账号", '
    '"label_en": "Game account", "pattern": "[0-9]{5,12}", "help_zh": "5–12 位数字", '
    '"help_en": "5 to 12 digits"}]. Leave [] for card-key products.'
)


class ProductForm(forms.Form):
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=120)
    title_en = forms.CharField(label=_("Title (English)"), max_length=120, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    delivery_kind = forms.ChoiceField(label=_("Delivery kind"), choices=DeliveryKind.choices)
    # Typed in yuan, kept in fen: the names stay those of the service and the API.
    face_value_fen = YuanField(label=_("Face value (yuan)"))
    price_fen = YuanField(label=_("Price (yuan)"))
    min_per_order = forms.IntegerField(label=_("Minimum per order"), min_value=1, initial=1)
    max_per_order = forms.IntegerField(label=_("Maximum per order"), min_value=1, initial=10)
    manual_delivery_hours = forms.IntegerField(label=_("Promised hours for manual delivery"), min_value=1, initial=24)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False, max_length=8000)
    usage_rules = forms.CharField(label=_("Usage rules"), widget=forms.Textarea, required=False, max_length=4000)
    refund_policy = forms.CharField(label=_("Refund policy"), widget=forms.Textarea, required=False, max_length=4000)
    region_notes = forms.CharField(
        label=_("Region / server notes"), widget=forms.Textarea, required=False, max_length=2000
    )
    required_fields = forms.CharField(
        label=_("Required buyer fields"), widget=forms.Textarea, required=False, help_text=FIELDS_HELP, initial="[]"
    )

    def clean_required_fields(self):
        raw = (self.cleaned_data.get("required_fields") or "").strip() or "[]"
        if len(raw) > 10_000:
            raise forms.ValidationError(_("Too long."))
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": exc}) from exc

    def add_domain_error(self, err) -> None:
        """Put a service's per-field messages next to the fields; the rest on top."""
        placed = False
        for name, text in err.fields.items():
            field = name.split(".")[0]
            if field in self.fields:
                self.add_error(field, f"{name}: {text}" if name != field else text)
                placed = True
        if not placed:
            self.add_error(None, err.message)
        elif err.message:
            self.add_error(None, err.message)
