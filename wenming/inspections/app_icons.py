"""Draws the inspector app's icons (committed as PNGs under static/wenming/); run again after changing the design:
``python -m wenming.inspections.app_icons``. A red rounded square with a white checklist: no font needed, so the
result is the same on every machine."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "static" / "wenming"
RED, WHITE = (192, 57, 43), (255, 255, 255)


def icon(size: int) -> Image.Image:
    image = Image.new("RGB", (size, size), RED)  # full bleed: launchers crop ("maskable") or round it themselves
    draw = ImageDraw.Draw(image)
    u = size / 16
    draw.rounded_rectangle((4 * u, 3 * u, 12 * u, 13 * u), radius=u, fill=WHITE)
    for row in range(3):
        y = (5 + 2.6 * row) * u
        # a tick, then the line of text it checks
        draw.line([(5 * u, y + .4 * u), (5.6 * u, y + 1 * u), (6.8 * u, y - .3 * u)], fill=RED, width=max(2, int(u / 2)))
        draw.rectangle((7.6 * u, y, 11 * u, y + .6 * u), fill=RED)
    return image


def main() -> None:
    for size in (192, 512):
        icon(size).save(OUT / f"inspector-app-icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
