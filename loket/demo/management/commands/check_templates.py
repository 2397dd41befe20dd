"""``manage.py check_templates``: load and compile every template of the project."""

from django.core.management.base import BaseCommand, CommandError

from loket.demo.templatecheck import compile_errors, project_template_names


class Command(BaseCommand):
    help = "Compile every project template; fail on the first broken one."

    def handle(self, *args, **options):
        names = project_template_names()
        errors = compile_errors()
        if errors:
            raise CommandError("Templates that do not compile:\n" + "\n".join(errors))
        self.stdout.write(f"{len(names)} templates compile.")
