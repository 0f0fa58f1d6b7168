"""The messages of the timeline's error codes (registered in ``kameng.core.errors``), repeated here
so they are extracted into, and translated in, the timeline's own catalogue. A test keeps the two
lists equal."""

from django.utils.translation import gettext_noop

ERROR_MESSAGES = {
    "timeline.invalid_stream": gettext_noop("An event was written to an invalid stream name."),
    "timeline.invalid_kind": gettext_noop("An event had an invalid kind."),
    "timeline.invalid_payload": gettext_noop("An event's details could not be recorded: %(reason)s"),
    "timeline.immutable": gettext_noop("Timeline events can never be changed or deleted."),
}
