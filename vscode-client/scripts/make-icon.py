"""Draws images/icon.png (128x128): an orange node (PyTorch) linked by an arrow to a blue node
(MindSpore) on a dark rounded square. Rerun with any Python that has Pillow."""

from pathlib import Path

from PIL import Image, ImageDraw

SCALE = 4  # draw large, then downsample for smooth edges
SIZE = 128 * SCALE
OUT = Path(__file__).resolve().parent.parent / "images" / "icon.png"


def main() -> None:
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = SCALE
    d.rounded_rectangle((4 * s, 4 * s, 124 * s, 124 * s), radius=24 * s, fill=(27, 38, 54, 255))
    # source node (PyTorch orange) and target node (MindSpore blue)
    d.ellipse((16 * s, 30 * s, 56 * s, 70 * s), fill=(238, 76, 44, 255))
    d.ellipse((72 * s, 58 * s, 112 * s, 98 * s), fill=(41, 140, 230, 255))
    # the arrow from one to the other
    d.line((48 * s, 62 * s, 76 * s, 82 * s), fill=(255, 255, 255, 255), width=7 * s)
    d.polygon([(84 * s, 88 * s), (64 * s, 86 * s), (76 * s, 70 * s)], fill=(255, 255, 255, 255))
    # small marks: a line of "code" under the source, a check in the target
    d.rounded_rectangle((20 * s, 84 * s, 52 * s, 90 * s), radius=3 * s, fill=(120, 136, 156, 255))
    d.rounded_rectangle((20 * s, 96 * s, 42 * s, 102 * s), radius=3 * s, fill=(120, 136, 156, 255))
    d.line([(82 * s, 78 * s), (90 * s, 86 * s), (103 * s, 70 * s)], fill=(255, 255, 255, 255), width=6 * s, joint="curve")
    img = img.resize((128, 128), Image.LANCZOS)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    img.save(OUT, optimize=True)
    print(OUT)


if __name__ == "__main__":
    main()
