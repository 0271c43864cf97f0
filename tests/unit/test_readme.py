"""The README is for a newcomer: the two commands first, what the tool does and an example on its first
screen, the rest in docs/; under 250 lines, every link to a file of the repository alive."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
FIRST_SCREEN = "\n".join(README.splitlines()[:50])


def test_the_first_screen_says_how_to_run_it_what_it_does_and_shows_it() -> None:
    assert README.index("scripts/demo") < README.index("scripts/test") < README.index("## What it does")
    assert "## What it does" in FIRST_SCREEN and "```yaml" in FIRST_SCREEN and "python -m topology" in FIRST_SCREEN
    assert not re.search(r"chroot|matrix|--cluster", FIRST_SCREEN)  # test machinery lives in docs/testing.md


def test_it_is_short_and_its_links_lead_somewhere() -> None:
    assert len(README.splitlines()) < 250
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README):
        assert (ROOT / target).exists(), target
    for document in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", document.read_text()):
            assert (document.parent / target).exists(), f"{document.name}: {target}"


def test_its_pictures_are_pngs_small_enough_to_load_at_once() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert "docs/serve.png" in pictures
    for picture in pictures:
        data = (ROOT / picture).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) < 250_000, picture
