"""The observer's forms: finding a person, and the checklist with Met or Not yet per item."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, IntegerField, RadioField, SearchField, TextAreaField
from wtforms.validators import NumberRange, Optional

from ..services.evidence.observations import MET, NOT_YET, ItemAnswer


class FindPersonForm(Form):
    """Read from the query string: bookmarkable, so no CSRF token (nothing changes)."""

    q = SearchField("Name or email", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1)])


class ChecklistItemForm(Form):
    # Each item's words are its fieldset's legend, written by the page; the service checks
    # what was chosen and says what to fix.
    met = RadioField(choices=[(MET, "Met"), (NOT_YET, "Not yet")], validate_choice=False)
    comment = TextAreaField("Comment", validators=[Optional()])


class ObservationForm(FlaskForm):
    items = FieldList(FormField(ChecklistItemForm))

    def for_checklist(self, size: int) -> ObservationForm:
        """One entry per checklist item, whatever the browser sent."""
        while len(self.items) > size:
            self.items.pop_entry()
        while len(self.items) < size:
            self.items.append_entry()
        return self

    def answers(self) -> list[ItemAnswer]:
        chosen = {MET: True, NOT_YET: False}
        return [
            ItemAnswer(chosen.get(entry.form.met.data or ""), entry.form.comment.data or "")
            for entry in self.items
        ]
