"""`kameng timeline verify [--stream S]`: check every hash chain; exit non-zero naming each problem."""

from django.core.management.base import BaseCommand, CommandError

from kameng.timeline.selectors import verify


class Command(BaseCommand):
    help = "Timeline tools. `verify` checks that no event was edited, deleted or reordered."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--stream", help='verify only this stream, e.g. "order:17"')

    def handle(self, *args, action: str, stream: str | None = None, **options):
        report = verify(stream=stream)
        for problem in report.problems:
            self.stderr.write(str(problem))
        summary = f"{report.streams} stream(s), {report.events} event(s)"
        if not report.ok:
            raise CommandError(f"timeline verify FAILED: {len(report.problems)} problem(s) in {summary}")
        self.stdout.write(f"timeline verify ok: {summary}; every chain intact")
