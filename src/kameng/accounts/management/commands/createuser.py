"""`kameng createuser --role buyer|merchant|agent|operator`"""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from kameng.accounts import services
from kameng.accounts.models import Role
from kameng.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a user with one role. Asks for the password when --password is not given."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="prefer the prompt: a password here lands in shell history")
        parser.add_argument("--email", default="")
        parser.add_argument("--display-name", default="")

    def handle(self, *args, username, role, password, email, display_name, **options):
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = services.create_user(
                username=username, password=password, role=role, email=email, display_name=display_name
            )
        except DomainError as exc:
            detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message} {detail}".strip()) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} {user.username} (id {user.id})."))
