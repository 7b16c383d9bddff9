"""The W3C's Nu Html Checker (vnu.jar, from npm) over every page the browser tests saw.

Each browser context hands its page responses to one collector for the whole session; at the
end of the session one Java process checks them all (starting Java once per page would take
far longer). Errors fail the run, each with its page, line and message; warnings are allowed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from carelearn.config import PROJECT_ROOT

VNU = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
VNU_TIMEOUT_SECONDS = 600


@dataclass
class HtmlPages:
    """The HTML of every page the browser was sent (each distinct page once), by address."""

    pages: dict[str, str] = field(default_factory=dict)  # html -> the first address it came from

    def watch(self, context) -> None:
        context.on("response", self._keep)

    def _keep(self, response) -> None:
        if response.request.resource_type != "document" or 300 <= response.status < 400:
            return
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        try:
            html = response.text()
        except PlaywrightError:
            return  # the page was left before it had arrived: nothing was shown
        self.pages.setdefault(html, f"{response.request.method} {response.url}")

    def problems(self, folder: Path) -> list[str]:
        """Every error the checker finds, as `page, line N: message`; empty when all is valid."""
        if not self.pages:
            return []
        if not VNU.exists():
            raise AssertionError(
                f"{VNU.relative_to(PROJECT_ROOT)} is missing: run `npm ci` (make test does it)."
            )
        java = shutil.which("java")
        if java is None:
            raise AssertionError(
                "The HTML checks need Java: run 'sudo apt-get install default-jre-headless'."
            )
        folder.mkdir(parents=True, exist_ok=True)
        where: dict[str, str] = {}
        for number, (html, address) in enumerate(self.pages.items(), start=1):
            path = folder / f"page-{number:04d}.html"
            path.write_text(html, encoding="utf-8")
            where[path.name] = address
        result = subprocess.run(
            [java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", str(folder)],
            capture_output=True,
            text=True,
            timeout=VNU_TIMEOUT_SECONDS,
        )
        try:
            messages = json.loads(result.stderr)["messages"]
        except (ValueError, KeyError) as error:
            raise AssertionError(f"The HTML checker did not answer: {result.stderr}") from error
        found = []
        for message in messages:
            if message.get("type") not in ("error", "non-document-error"):
                continue
            page = where.get(message.get("url", "").rsplit("/", 1)[-1], message.get("url", ""))
            line = message.get("lastLine", "?")
            extract = " ".join(message.get("extract", "").split())
            found.append(f"{page}, line {line}: {message.get('message')} [{extract}]")
        return found
